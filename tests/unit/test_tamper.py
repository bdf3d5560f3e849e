"""`verify` against hand edits: the chain, the head and count, the tables against the log, an expected head."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from incident_console.desk import Desk
from incident_console.domain.model import Severity
from incident_console.store.repository import Repository
from tests.reliability.tamper import TAMPERS, check_tamper, honest_file, rechain


def run(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INCIDENT_CONSOLE_")}
    env.update(INCIDENT_CONSOLE_CONFIG=str(path.parent / "absent.toml"), INCIDENT_CONSOLE_USER="tester")
    argv = [sys.executable, "-m", "incident_console", *args, "--file", str(path)]
    return subprocess.run(argv, capture_output=True, text=True, cwd=path.parent, env=env, timeout=60, check=False)


@pytest.fixture(scope="module")
def honest(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("honest") / "incidents.json"
    honest_file(path)
    return path.read_bytes()


def test_a_file_written_by_every_desk_action_verifies_intact_with_nothing_unchecked(
    honest: bytes, tmp_path: Path
) -> None:
    path = tmp_path / "incidents.json"
    path.write_bytes(honest)
    done = run(path, "verify")
    assert done.returncode == 0, done.stderr
    entries = len(json.loads(honest)["log"])
    assert done.stdout.startswith(f"{path}: intact ({entries} entries, hash chain verified, tables agree")
    assert "not checked" not in done.stdout and "clock problem" not in done.stdout
    assert done.stderr == ""


@pytest.mark.parametrize("name", sorted(TAMPERS))
def test_each_tamper_case_is_refused_naming_what_disagrees(name: str, honest: bytes, tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    path.write_bytes(honest)
    check_tamper(path, name, run)


def test_show_reports_the_edited_table_but_verify_names_it(honest: bytes, tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    data = json.loads(honest)
    data["incidents"]["1"]["severity"] = "P4"
    path.write_text(json.dumps(data))
    assert run(path, "show", "--json", "--incident", "INC-1").returncode == 0  # the file still opens
    assert "INC-1's severity is P4, but the log says P2" in run(path, "verify").stderr


# New detail keys the log carries so that the tables can be derived from it (older files lack them).
NEWER_DETAILS = {
    "declare": ("title", "impact", "services", "commander", "started_at"),
    "triage": ("users", "data_at_risk", "transactions_failing", "workaround"),
    "impact": ("impact",),
    "postmortem": ("text",),
    "action_item": ("text", "owner", "due"),
}


def older(honest: bytes) -> dict[str, Any]:
    """The honest file as an older version wrote it: the same entries without the newer details, chained."""
    data = json.loads(honest)
    for doc in data["log"].values():
        for key in NEWER_DETAILS.get(doc["kind"], ()):
            doc["details"].pop(key, None)
    rechain(data)
    return data


def test_an_older_file_verifies_and_says_what_could_not_be_checked(honest: bytes, tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    path.write_text(json.dumps(older(honest)))
    done = run(path, "verify")
    assert done.returncode == 0, done.stderr
    assert "intact" in done.stdout
    unchecked = next(line for line in done.stdout.splitlines() if "not checked" in line)
    for what in ("INC-1's title, impact, services, impact start, triage", "action item #1's text, owner, due"):
        assert what in unchecked, unchecked
    assert run(path, "show").returncode == 0
    # What the older entries do carry is still checked.
    data = older(honest)
    data["incidents"]["1"]["acknowledged_at"] = "2026-11-28T02:59:00Z"
    path.write_text(json.dumps(data))
    assert "acknowledgement time" in run(path, "verify").stderr


def test_verify_against_an_expected_head(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    desk = Desk(Repository(path), author="alice")
    desk.declare("API down", Severity.P1)
    desk.log("restarted")
    shown = run(path, "show").stdout
    head = Repository(path).snapshot().log[-1].hash
    assert f"Log head: {head} (entry 2;" in shown
    assert json.loads(run(path, "show", "--json").stdout)["head"] == head

    assert "the head is the one expected" in run(path, "verify", "--head", head).stdout
    assert "the head is the one expected" in run(path, "verify", "--head", head.upper()).stdout
    desk.log("later")
    later = run(path, "verify", "--head", head)
    assert later.returncode == 0 and "the expected head is entry 2's; 1 entries were written after it" in later.stdout
    wrong = run(path, "verify", "--head", "0" * 63 + "1")
    assert wrong.returncode == 1 and "not the expected" in wrong.stderr
    bad = run(path, "verify", "--head", "abc")
    assert bad.returncode == 2 and "'abc' is not a log head" in bad.stderr and len(bad.stderr.splitlines()) == 1


def test_handoff_and_export_print_the_head(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    Desk(Repository(path), author="alice").declare("API down", Severity.P1)
    handed = run(path, "handoff", "--to", "bob")
    assert handed.returncode == 0, handed.stderr
    head = Repository(path).snapshot().log[-1].hash
    assert handed.stdout.rstrip().endswith(f"verify --head {head})")
    exported = run(path, "export", "--out", str(tmp_path / "copy.json"))
    assert f"Log head: {head} (entry 2;" in exported.stdout
    assert run(tmp_path / "copy.json", "verify", "--head", head).returncode == 0
