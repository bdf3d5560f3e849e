"""A writer with a wrong clock: its entries are kept, flagged in show and verify, and meet no timer."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from incident_console.desk import Desk
from incident_console.domain.model import Severity
from incident_console.domain.sla import TimerState
from incident_console.store.repository import Repository

START = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


def run(path: Path, *args: str, skew: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INCIDENT_CONSOLE_")}
    env.update(INCIDENT_CONSOLE_CONFIG=str(path.parent / "absent.toml"), INCIDENT_CONSOLE_USER="tester")
    argv = [sys.executable, "-m", "incident_console", *args, "--file", str(path)]
    if skew is not None:
        argv = ["faketime", "-f", skew, *argv]
    return subprocess.run(argv, capture_output=True, text=True, cwd=path.parent, env=env, timeout=60, check=False)


@pytest.mark.skipif(shutil.which("faketime") is None, reason="faketime is not installed (apt-get install faketime)")
def test_an_acknowledgement_before_a_skewed_detection_is_flagged_and_meets_no_timer(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    declared = run(path, "new", "Checkout down", "--severity", "P1", "--impact", "payments fail", skew="+2d")
    assert declared.returncode == 0, declared.stderr
    assert run(path, "ack").returncode == 0  # a correct clock
    assert run(path, "update", "update").returncode == 0

    shown = json.loads(run(path, "show", "--json").stdout)
    timers = {t["name"]: t for t in shown["timers"]}
    assert timers["acknowledge"]["state"] != "met" and timers["acknowledge"]["met_at"] is None
    assert timers["response"]["state"] != "met" and timers["response"]["met_at"] is None
    problems = {p["entry"]: p["problem"] for p in shown["clock_problems"]}
    assert "before INC-1 was detected" in problems[2] and "entry #2 (ack by tester)" in problems[2]
    assert "after the newest entry" in problems[1]
    assert shown["incident"]["acknowledged_at"] is not None  # the entry and the record are kept

    text = run(path, "show").stdout
    assert "Clock problems (these entries meet no timer)" in text
    assert "Acknowledged by tester [clock problem]" in text

    verified = run(path, "verify")
    assert verified.returncode == 0 and "intact" in verified.stdout, verified.stderr
    assert "clock problem: entry #2 (ack by tester)" in verified.stdout
    assert "clock problem: entry #1 (declare by tester)" in verified.stdout


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_an_acknowledgement_from_a_clock_ahead_is_flagged_once_a_correct_clock_writes(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    right, ahead = Clock(START), Clock(START + timedelta(days=2))
    Desk(Repository(path), author="alice", clock=right).declare("Checkout down", Severity.P1)
    Desk(Repository(path), author="bob", clock=ahead).acknowledge()
    right.now += timedelta(minutes=1)
    desk = Desk(Repository(path), author="alice", clock=right)
    desk.log("still looking")
    incident = desk.incident()
    problems = desk.clock_problems(incident)
    assert list(problems) == [2] and "after the newest entry" in problems[2]
    acknowledge = next(t for t in desk.timers(incident) if t.name == "acknowledge")
    assert acknowledge.met_at is None and acknowledge.state is TimerState.PENDING
    # A few minutes apart is two honest clocks, not a problem.
    desk.log("a minute later")
    slack = Desk(Repository(path), author="carol", clock=Clock(right.now + timedelta(minutes=4)))
    slack.log("from a clock four minutes ahead")
    assert list(slack.clock_problems(slack.incident())) == [2]
