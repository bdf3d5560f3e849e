"""The figures `show`, `handoff`, `postmortem` and `update` print are true, through a real process.

The history is written in-process with a stepping clock set in the recent past, so the figures the
command prints at the real now are known exactly.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from incident_console.demo import SteppingClock
from incident_console.desk import Desk
from incident_console.domain.model import Severity, Status
from incident_console.store.repository import Repository

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def run(path: Path, *args: str, who: str = "alice") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INCIDENT_CONSOLE_")}
    env.update(INCIDENT_CONSOLE_USER=who, XDG_CONFIG_HOME=str(path.parent / "config"))
    return subprocess.run(
        [sys.executable, "-m", "incident_console", *args, "--file", str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def ok(path: Path, *args: str, who: str = "alice") -> str:
    done = run(path, *args, who=who)
    assert done.returncode == 0, (done.returncode, done.stdout, done.stderr)
    return done.stdout


def timer_lines(show: str) -> dict[str, str]:
    """The timer lines of `show`, by title."""
    lines = re.split(r"^Timers.*\n", show, maxsplit=1, flags=re.M)[1].split("\n\n", 1)[0].splitlines()
    return {line.strip()[:13].strip(): line.strip() for line in lines}


def history(path: Path, ago: timedelta) -> tuple[Desk, SteppingClock]:
    clock = SteppingClock(datetime.now(UTC) - ago)
    return Desk(Repository(path), author="alice", clock=clock), clock


def test_monitoring_cut_short_reads_as_skipped_with_its_shortfall_in_show_and_handoff(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    desk, clock = history(path, timedelta(hours=1))
    desk.declare("Checkout down", Severity.P2)
    clock.advance(minutes=10)
    desk.set_status(Status.MONITORING)
    clock.advance(seconds=13)
    desk.set_status(Status.RESOLVED, note="customer confirmed")
    lines = timer_lines(ok(path, "show"))
    assert re.fullmatch(r"Monitoring    skipped \(override\), 29m 47s short  due \d\d:\d\d:\d\d", lines["Monitoring"])
    monitoring = next(t for t in json.loads(ok(path, "show", "--json"))["timers"] if t["name"] == "monitoring")
    assert (monitoring["state"], monitoring["remaining_s"], monitoring["ended_by"]) == ("breached", -1787.0, "override")
    briefing = ok(path, "handoff", "--to", "bob")
    assert re.search(r"- \*\*Monitoring:\*\* skipped \(override\), 29m 47s short \(due [0-9-]+ [0-9:]+ UTC\)", briefing)
    assert "OVERDUE" not in briefing


def test_a_resolved_incident_counts_nothing_down_and_has_no_next_update_due(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    desk, clock = history(path, timedelta(minutes=3))
    desk.declare("Search slow", Severity.P2)  # acknowledge due in 5 minutes: 2 minutes from now
    clock.advance(seconds=30)
    desk.record_update("We are looking into slow search.", template="initial")
    clock.advance(seconds=30)
    desk.set_status(Status.RESOLVED, note="a false alarm")
    lines = timer_lines(ok(path, "show"))
    for title in ("Acknowledge", "Triage"):
        assert "not met before resolution" in lines[title], lines[title]
    assert lines["Next update"].startswith("Next update   kept until resolution")
    during = [line for title, line in lines.items() if title != "Post-mortem"]  # that one runs from resolution
    assert not any("left" in line or "OVERDUE" in line for line in during), lines
    briefing = ok(path, "handoff", "--to", "bob")
    assert "Next update due" not in briefing
    section = briefing.split("## Timers open or breached", 1)[1].split("##", 1)[0].strip().splitlines()
    assert "- **Acknowledge:** not met before resolution" in section[0]
    assert [line for line in section if "left" in line or "OVERDUE" in line] == [section[-1]]
    assert section[-1].startswith("- **Post-mortem:** 1d 23h left")


def test_a_deadline_days_away_carries_its_date_in_show(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    desk, clock = history(path, timedelta(minutes=20))
    desk.declare("Search slow", Severity.P3)
    clock.advance(minutes=1)
    desk.set_status(Status.RESOLVED, note="a false alarm")
    due = (clock.now + timedelta(hours=48)).astimezone(UTC)
    line = timer_lines(ok(path, "show"))["Post-mortem"]
    assert line.endswith(f"left  due {due.day} {MONTHS[due.month - 1]} {due:%H:%M}"), line


def test_the_lead_is_who_led_it_not_who_holds_it_after_a_late_handoff(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    desk, clock = history(path, timedelta(hours=3))
    desk.declare("Checkout down", Severity.P1, started_at=clock.now - timedelta(minutes=10))
    clock.advance(minutes=5)
    desk.set_commander("carol")  # carol stands in for five minutes
    clock.advance(minutes=5)
    desk.set_commander("alice")
    clock.advance(minutes=40)
    desk.set_status(Status.RESOLVED, note="rolled back")
    clock.advance(minutes=30)
    desk.handoff("bob")  # after resolution: bob holds it now, but did not lead it
    markdown = ok(path, "postmortem")
    assert "**Lead:** alice\n" in markdown
    # The two durations say where each is measured from, so 1h 00m and 50m do not read as a contradiction.
    assert re.search(r"\*\*Duration:\*\* 1\.0 hours, from impact start \(\d\d:\d\d\) to resolution \(", markdown)
    assert re.search(r"Measured from detection \(\d\d:\d\d\):\n\n- \*\*Time to acknowledge:\*\*", markdown)
    assert "- **Time to resolve:** 50m 00s" in markdown
    # Where the team names someone else as the lead, the post-mortem says so.
    ok(path, "postmortem", "--section", "lead", "--text", "carol")
    assert "**Lead:** carol\n" in ok(path, "postmortem")
    assert len(Repository(path).snapshot().incidents[0].postmortem_todo) == 6  # the lead is not a section


def test_completing_a_postmortem_with_todo_sections_is_an_override_the_timer_shows(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    desk, clock = history(path, timedelta(hours=2))
    desk.declare("Checkout down", Severity.P1)
    clock.advance(minutes=20)
    desk.set_status(Status.RESOLVED, note="rolled back")
    desk.write_postmortem_section("summary", "The pool size was 5.")
    assert run(path, "postmortem", "--complete").returncode == 2
    ok(path, "postmortem", "--complete", "--reason", "the rest at Monday's review")
    assert timer_lines(ok(path, "show"))["Post-mortem"].startswith("Post-mortem   marked complete (override) ")
    entry = desk.snapshot().log[-1]
    assert entry.details["override"] is True
    assert entry.details["missing"] == ["Root Cause", "Impact", "What Went Well", "What Went Wrong", "Lessons Learned"]


def test_status_takes_reason_like_severity_and_note_still_works(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    ok(path, "new", "Checkout down", "--severity", "P1")
    refused = run(path, "status", "resolved")
    assert refused.returncode == 2
    assert refused.stderr.strip().endswith("logged as an override: give it with --reason TEXT")
    assert "--note" not in refused.stderr
    assert ok(path, "status", "resolved", "--reason", "customer confirmed") == "INC-1 is now resolved\n"
    assert ok(path, "status", "investigating", "--note", "errors are back") == "INC-1 is now investigating\n"
    assert ok(path, "severity", "P2", "--reason", "partial recovery") == "INC-1 is now P2\n"
    texts = [e.text for e in Repository(path).snapshot().log]
    assert "Resolved early (override): investigating -> resolved: customer confirmed" in texts
    assert "Reopened: resolved -> investigating: errors are back" in texts


def test_the_checklist_and_its_refusals_name_commands_not_console_keys(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    ok(path, "new", "Checkout down", "--severity", "P1")
    lines = ok(path, "checklist").splitlines()
    assert lines[0] == "[ ] Verify — metrics returned to normal — not confirmed (incident-console checklist verify)"
    assert lines[1].endswith("— not in monitoring yet (incident-console status monitoring)")
    assert lines[3].endswith("— not sent (incident-console update resolved)")
    refused = run(path, "status", "resolved").stderr
    assert "monitoring is not complete (not in monitoring yet)" in refused
    assert "press v" not in refused and "u →" not in refused and "(y)" not in refused
