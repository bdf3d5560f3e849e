"""Every command answers ``--json`` with exactly one JSON object on stdout, writes included."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from incident_console.cli import load_all, main

FIXTURES = Path(__file__).parents[1] / "fixtures"
ROOT = Path(__file__).parents[2]

# The arguments each command is run with after an incident is declared ({tmp}: the test's folder).
# A command missing here fails test_every_command_has_a_case: a new command must answer --json too.
CASES: dict[str, list[str]] = {
    "new": ["new", "Checkout errors", "--severity", "P2"],
    "triage": [
        "triage",
        "--users",
        "all",
        "--data-at-risk",
        "no",
        "--transactions-failing",
        "yes",
        "--workaround",
        "no",
    ],
    "severity": ["severity", "P2", "--reason", "fewer users than feared"],
    "commander": ["commander", "bob"],
    "log": ["log", "restarted the pods"],
    "ack": ["ack"],
    "escalate": ["escalate", "db-oncall", "--why", "replica lag"],
    "respond": ["respond", "Rollback", "to v41"],
    "run": ["run", "--", sys.executable, "-c", "print('from the command run')"],
    "update": ["update", "initial", "--force"],
    "status": ["status", "identified"],
    "checklist": ["checklist"],
    "handoff": ["handoff", "--to", "bob"],
    "postmortem": ["postmortem"],
    "action": ["action", "add", "add an alert on replica lag", "--due", "2026-12-24"],
    "list": ["list"],
    "show": ["show"],
    "export": ["export", "--out", "{tmp}/copy.json"],
    "demo": ["demo", "--file", "{tmp}/demo.json"],
    "where": ["where"],
    "verify": ["verify"],
    "archive": ["archive", "--resolved-older-than", "0d", "--out", "{tmp}/archive.json"],
    "ingest": ["ingest", str(FIXTURES / "alertmanager_firing.json")],
    "listen": ["listen", "--port", "0"],
    "serve": ["serve", "--port", "0"],
    "completion": ["completion", "bash"],
}

# What a command needs done first, beyond the incident declared (each a command line of its own).
BEFORE: dict[str, list[list[str]]] = {
    "archive": [["status", "resolved", "--reason", "fixed"], ["postmortem", "--complete", "--reason", "reviewed"]],
}

# What each object holds at the least, so a script can rely on it.
KEYS: dict[str, set[str]] = {
    "new": {"id", "title", "severity", "status", "declared_at"},
    "log": {"id", "incident_id", "kind", "text", "author", "at", "hash", "backfilled"},
    "ack": {"id", "incident_id", "kind"},
    "status": {"id", "status"},
    "run": {"exit_status", "entry"},
    "update": {"text", "template", "copied", "entry"},
    "action": {"id", "incident_id", "text", "owner", "due", "done_at"},
    "verify": {"path", "intact", "problem", "entries", "head", "archived"},
    "archive": {"archive", "incidents", "entries", "action_items", "head", "archive_entries", "appended"},
    "completion": {"shell", "script"},
    "where": {"path"},
}


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("INCIDENT_CONSOLE_USER", "alice")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("INCIDENT_CONSOLE_FILE", raising=False)
    path = tmp_path / "incidents.json"
    assert main(["--file", str(path), "new", "API down", "--severity", "P1"]) == 0
    return path


def test_every_command_has_a_case() -> None:
    assert set(CASES) == set(load_all())


@pytest.mark.parametrize("name", sorted(set(CASES) - {"listen", "serve"}))
def test_command_prints_one_json_object(
    name: str, state: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    for before in BEFORE.get(name, []):
        assert main(["--file", str(state), *before]) == 0
    capfd.readouterr()
    argv = [item.replace("{tmp}", str(tmp_path)) for item in CASES[name]]
    if "--file" not in argv:
        argv = ["--file", str(state), *argv]
    argv.insert(argv.index("--") if "--" in argv else len(argv), "--json")
    status = main(argv)
    out, err = capfd.readouterr()
    assert status == 0, err
    data = json.loads(out)  # the whole of stdout is one JSON document...
    assert isinstance(data, dict)  # ...and it is an object
    assert KEYS.get(name, set()) <= set(data)


def test_run_json_sends_the_commands_output_to_stderr(state: Path, capfd: pytest.CaptureFixture[str]) -> None:
    capfd.readouterr()
    main(["--file", str(state), "run", "--json", "--", sys.executable, "-c", "print('hello'); raise SystemExit(3)"])
    out, err = capfd.readouterr()
    assert json.loads(out)["exit_status"] == 3
    assert "hello" in err


def test_an_error_under_json_is_a_sentence_on_stderr(state: Path, capfd: pytest.CaptureFixture[str]) -> None:
    capfd.readouterr()
    assert main(["--file", str(state), "severity", "P9", "--reason", "x", "--json"]) == 2
    out, err = capfd.readouterr()
    assert out == ""
    assert err.startswith("incident-console: ") and "P9" in err


def test_json_output_is_the_records_not_the_state_file(state: Path, capfd: pytest.CaptureFixture[str]) -> None:
    capfd.readouterr()
    main(["--file", str(state), "log", "db is back", "--at", "-5m", "--json"])
    entry = json.loads(capfd.readouterr().out)
    assert entry["backfilled"] is True  # a value the state file does not keep
    assert entry["text"] == "db is back" and entry["kind"] == "note" and entry["author"] == "alice"


def _started(state: Path, tmp_path: Path, command: str, stop: signal.Signals) -> dict[str, Any]:
    """Run a long-running command with ``--json``: its one start object, after checking that it
    stops cleanly on ``stop`` and prints nothing after that object."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INCIDENT_CONSOLE_")}
    env.update(INCIDENT_CONSOLE_USER="alice", XDG_CONFIG_HOME=str(tmp_path / "config"), PYTHONPATH=str(ROOT))
    argv = [sys.executable, "-m", "incident_console", "--file", str(state), command, "--port", "0", "--json"]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stdout is not None
        started: dict[str, Any] = json.loads(process.stdout.readline())
        process.send_signal(stop)
        rest, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert rest == ""  # nothing after the one object
    return started


def test_listen_json_prints_one_start_line(state: Path, tmp_path: Path) -> None:
    started = _started(state, tmp_path, "listen", signal.SIGTERM)
    assert started["host"] == "127.0.0.1" and started["port"] > 0
    assert started["listening"] == f"http://127.0.0.1:{started['port']}"


def test_serve_json_prints_one_start_object(state: Path, tmp_path: Path) -> None:
    started = _started(state, tmp_path, "serve", signal.SIGINT)
    assert started["serving"] == str(state)
    assert started["url"].startswith("http://127.0.0.1:") and "/?token=" in started["url"]
    assert started["viewer_url"] is None and started["read_only"] is False and started["token_generated"] is True
