"""A keyed head: with the team's key in the config, a log re-chained without the key does not verify."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from incident_console.domain import ledger
from tests.reliability.tamper import rechain


@pytest.mark.parametrize("key", [b"k" * 16, b"a team key that is longer than one block of sha-256 input" * 2])
def test_the_keyed_head_is_hmac_sha256(key: bytes) -> None:
    head = "ab" * 32
    assert ledger.keyed_head(key, head) == hmac.new(key, head.encode(), hashlib.sha256).hexdigest()


class Team:
    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        self.file = tmp_path / "incidents.json"
        (tmp_path / "team.key").write_bytes(b"correct horse battery staple\n")
        self.keyed = tmp_path / "keyed.toml"
        self.keyed.write_text(f'[chain]\nkey_file = "{tmp_path / "team.key"}"\n')
        self.plain = tmp_path / "plain.toml"
        self.plain.write_text("")

    def __call__(self, config: Path, *args: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("INCIDENT_CONSOLE_")}
        env["INCIDENT_CONSOLE_USER"] = "alice"
        argv = [sys.executable, "-m", "incident_console", *args, "--file", str(self.file), "--config", str(config)]
        return subprocess.run(argv, capture_output=True, text=True, cwd=self.tmp, env=env, timeout=60, check=False)


def test_a_log_rechained_without_the_key_is_refused(tmp_path: Path) -> None:
    team = Team(tmp_path)
    assert team(team.keyed, "new", "API down", "--severity", "P1").returncode == 0
    assert team(team.keyed, "log", "restarted api").returncode == 0
    verified = team(team.keyed, "verify")
    assert verified.returncode == 0 and "keyed head verified" in verified.stdout, verified.stderr

    data = json.loads(team.file.read_text())
    data["log"]["2"]["text"] = "did nothing"
    rechain(data)  # every hash, the head and the count redone; the keyed head cannot be
    team.file.write_text(json.dumps(data))
    assert team(team.plain, "verify").returncode == 0  # without the key, a re-chained log passes
    refused = team(team.keyed, "verify")
    assert refused.returncode == 1 and len(refused.stderr.splitlines()) == 1
    assert "re-chained without it" in refused.stderr


def test_a_write_without_the_key_is_named(tmp_path: Path) -> None:
    team = Team(tmp_path)
    assert team(team.keyed, "new", "API down", "--severity", "P1").returncode == 0
    assert team(team.plain, "log", "from a machine without the key").returncode == 0
    refused = team(team.keyed, "verify")
    assert refused.returncode == 1 and "no keyed hash" in refused.stderr
    assert team(team.keyed, "log", "from a machine with the key").returncode == 0
    assert team(team.keyed, "verify").returncode == 0


@pytest.mark.parametrize(
    ("config", "says"),
    [
        ('[chain]\nkey_file = "missing.key"\n', "cannot be read"),
        ('[chain]\nkey_file = "short.key"\n', "under 16 bytes"),
        ('[chain]\nkey = "inline"\n', "takes one key, key_file"),
    ],
)
def test_a_bad_chain_key_setting_is_refused_in_one_line(tmp_path: Path, config: str, says: str) -> None:
    team = Team(tmp_path)
    (tmp_path / "short.key").write_text("short")
    bad = tmp_path / "bad.toml"
    bad.write_text(config)
    done = team(bad, "list")
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1 and says in done.stderr, done.stderr
