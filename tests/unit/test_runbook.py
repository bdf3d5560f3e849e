"""Runbook steps 5 and 6 and the handoff, through the Desk and the command line."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from incident_console.config import load_settings
from incident_console.demo import DEMO_START, SteppingClock, build_demo
from incident_console.desk import Desk
from incident_console.domain.errors import InputError
from incident_console.domain.model import Severity, Status
from incident_console.domain.sla import TimerState
from incident_console.domain.templates import render
from incident_console.store.repository import Repository

GOLDEN = Path(__file__).parent / "golden" / "postmortem_demo.md"


def _desk(path: Path, clock: SteppingClock, who: str = "alice") -> Desk:
    return Desk(Repository(path), author=who, clock=clock)


def _timer(desk: Desk, name: str):  # type: ignore[no-untyped-def]
    incident = desk.incident()
    return next(t for t in desk.timers(incident) if t.name == name)


@pytest.fixture
def demo(tmp_path: Path) -> tuple[Path, SteppingClock]:
    path = tmp_path / "demo.json"
    return path, build_demo(path)


def _finish_demo(path: Path, clock: SteppingClock) -> Desk:
    """Take the demo incident through Resolve and write the post-mortem."""
    desk = _desk(path, clock)
    clock.advance(minutes=25)
    desk.verify_metrics("error rate under 0.1% for 30 minutes")
    desk.set_status(Status.RESOLVED)
    desk.record_update(desk.render_update("resolved"), template="resolved")
    desk.write_postmortem_section("summary", "A bad connection-pool setting made checkout-api return 502s.")
    desk.write_postmortem_section("root_cause", "v2026.11.28-1 lowered the pool size from 50 to 5.")
    desk.write_postmortem_section("impact", "- ~30% of checkout attempts failed for 27 minutes\n- no data loss")
    desk.write_postmortem_section("went_well", "- Rollback took under a minute")
    desk.write_postmortem_section("went_wrong", "- No alert on 5xx rate; a customer noticed first")
    desk.write_postmortem_section("lessons", "Config changes need the same canary as code.")
    return desk


# Resolve gate


def test_resolving_before_the_checklist_is_clear_needs_a_reason_logged_as_an_override(demo) -> None:  # type: ignore[no-untyped-def]
    path, clock = demo
    desk = _desk(path, clock)
    with pytest.raises(InputError, match="metrics have not been verified"):
        desk.set_status(Status.RESOLVED)
    assert desk.incident().status is Status.MONITORING
    incident = desk.set_status(Status.RESOLVED, note="customer confirmed, watching on the side")
    assert incident.status is Status.RESOLVED
    entry = desk.snapshot().log_for(incident.id)[-1]
    assert entry.kind == "status" and entry.details["override"] is True
    assert "metrics have not been verified" in entry.details["skipped"]
    assert "override" in entry.text
    assert _timer(desk, "monitoring").state is TimerState.BREACHED


def test_resolving_after_verify_and_thirty_minutes_of_monitoring_needs_no_reason(demo) -> None:  # type: ignore[no-untyped-def]
    path, clock = demo
    desk = _desk(path, clock)
    desk.verify_metrics()
    with pytest.raises(InputError, match="monitoring is not complete"):
        desk.set_status(Status.RESOLVED)
    clock.advance(minutes=25)
    assert _timer(desk, "monitoring").state is TimerState.MET
    desk.set_status(Status.RESOLVED)
    checks = {c.key: c.done for c in desk.resolve_checks(desk.incident())}
    assert checks == {"verify": True, "monitor": True, "update_status": True, "notify": False}
    desk.record_update(desk.render_update("resolved"), template="resolved")
    assert all(c.done for c in desk.resolve_checks(desk.incident()))
    kinds = [e.kind for e in desk.snapshot().log_for("INC-1")]
    assert kinds.count("checklist") == 1 and kinds[-2:] == ["status", "comms"]


# Handoff


def test_handoff_briefs_the_next_person_logs_it_and_makes_them_commander(demo) -> None:  # type: ignore[no-untyped-def]
    path, clock = demo
    desk = _desk(path, clock)
    briefing, incident = desk.handoff("bob")
    assert incident.commander == "bob"
    for heading in (
        "## Where it stands",
        "## Timers open or breached",
        "## Communications",
        "## Actions tried",
        "## Open action items",
        "## Open questions",
        "## Log since the incident began",
    ):
        assert heading in briefing
    assert "Rollback: checkout-api rolled back" in briefing
    assert "succeeded" in briefing  # the kubectl command's outcome
    assert "Alert on checkout-api 5xx rate" in briefing
    assert "retry storm" in briefing
    assert "**Next update due:**" in briefing
    entry = desk.snapshot().log_for("INC-1")[-1]
    assert entry.kind == "handoff" and entry.details["from"] == "alice" and entry.details["to"] == "bob"


def test_second_handoff_covers_only_the_log_since_the_first(demo) -> None:  # type: ignore[no-untyped-def]
    path, clock = demo
    _desk(path, clock).handoff("bob")
    clock.advance(minutes=5)
    bob = _desk(path, clock, "bob")
    bob.log("queue depth back to normal")
    briefing, _ = bob.handoff("carol")
    log_part = briefing.split("## Log since the previous handoff")[1]
    assert "queue depth back to normal" in log_part
    assert "Checkout API returning 502s" not in log_part  # the declare entry is before the first handoff
    review = bob.since_last_handoff(bob.incident())
    assert [e.kind for e in review] == ["note", "handoff"]


# Post-mortem


def test_postmortem_matches_the_golden_file(demo) -> None:  # type: ignore[no-untyped-def]
    path, clock = demo
    desk = _finish_demo(path, clock)
    desk.add_action_item("Require a canary for config changes", owner="carol", due=date(2026, 12, 19))
    markdown = desk.postmortem()
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(markdown, encoding="utf-8")
    assert markdown == GOLDEN.read_text(encoding="utf-8")


def test_postmortem_marks_unwritten_sections_todo_and_follows_the_runbook_layout(demo) -> None:  # type: ignore[no-untyped-def]
    path, clock = demo
    markdown = _desk(path, clock).postmortem()
    headings = [line for line in markdown.splitlines() if line.startswith("#")]
    assert headings == [
        "# Incident Post-Mortem",
        "## Summary",
        "## Timeline",
        "## Root Cause",
        "## Impact",
        "## What Went Well",
        "## What Went Wrong",
        "## Action Items",
        "## Lessons Learned",
    ]
    assert markdown.count("TODO") >= 6
    assert "| Action | Owner | Deadline |" in markdown
    assert "**Severity:** P2" in markdown and "**Lead:** alice" in markdown


def test_completing_the_postmortem_meets_the_48_hour_timer(demo) -> None:  # type: ignore[no-untyped-def]
    path, clock = demo
    desk = _finish_demo(path, clock)
    timer = _timer(desk, "postmortem")
    assert timer.state is TimerState.PENDING
    assert timer.due_at == desk.incident().resolved_at + timedelta(hours=48)
    clock.advance(hours=20)
    desk.complete_postmortem()
    assert _timer(desk, "postmortem").state is TimerState.MET
    with pytest.raises(InputError, match="already complete"):
        desk.complete_postmortem()


def test_postmortem_cannot_be_completed_before_resolution(demo) -> None:  # type: ignore[no-untyped-def]
    path, clock = demo
    with pytest.raises(InputError, match="not resolved"):
        _desk(path, clock).complete_postmortem()


def test_highest_severity_reached_is_the_postmortem_severity(tmp_path: Path) -> None:
    clock = SteppingClock(DEMO_START)
    desk = _desk(tmp_path / "f.json", clock)
    desk.declare("Slow search", Severity.P3)
    desk.set_severity(Severity.P1, "search down everywhere")
    desk.set_severity(Severity.P3, "recovered, degraded only")
    assert "**Severity:** P1" in desk.postmortem()


# Action items


def test_action_items_are_added_completed_and_logged(tmp_path: Path) -> None:
    clock = SteppingClock(DEMO_START)
    desk = _desk(tmp_path / "f.json", clock)
    desk.declare("Checkout down", Severity.P1)
    item = desk.add_action_item("Add 5xx alert", owner="bob", due=date(2026, 12, 5))
    assert item.id == 1 and item.is_open
    done = desk.complete_action_item(item.id)
    assert done.done_at == clock.now
    again = Repository(tmp_path / "f.json").snapshot().action_items
    assert [(i.text, i.owner, i.due, i.done_at is not None) for i in again] == [
        ("Add 5xx alert", "bob", date(2026, 12, 5), True)
    ]
    kinds = [e.text for e in desk.snapshot().log if e.kind == "action_item"]
    assert kinds == [
        "Action item #1 added: Add 5xx alert (owner bob, 2026-12-05)",
        "Action item #1 done: Add 5xx alert",
    ]
    with pytest.raises(InputError, match="already done"):
        desk.complete_action_item(1)
    with pytest.raises(InputError, match="does not exist"):
        desk.complete_action_item(9)


# Templates


def test_templates_substitute_safely(tmp_path: Path) -> None:
    clock = SteppingClock(DEMO_START)
    desk = _desk(tmp_path / "f.json", clock)
    desk.declare("x", Severity.P1, impact="100% {cause} $HOME %s [bold]red[/] {", services=["api{1}"])
    text = desk.render_update("update")
    assert "**Impact:** 100% {cause} $HOME %s [bold]red[/] {" in text
    assert "issues with api{1} and" in text
    assert "{start_time}" not in text and "{next_update}" not in text


def test_config_replaces_and_adds_templates(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[templates.identified]\nbody = "Cause: {cause}."\n'
        '[templates.maintenance]\ntitle = "Planned"\nbody = "{service} down until {next_update}."\n'
    )
    policy, catalog = load_settings(str(config))
    keys = [t.key for t in catalog]
    assert keys[:5] == ["initial", "update", "identified", "monitoring", "resolved"] and "maintenance" in keys
    clock = SteppingClock(DEMO_START)
    desk = Desk(Repository(tmp_path / "f.json"), author="a", clock=clock, templates=catalog)
    desk.declare("x", Severity.P2, services=["api"])
    assert desk.render_update("identified", cause="a bad pool size") == "Cause: a bad pool size."
    assert desk.render_update("maintenance").startswith("api down until ")


@pytest.mark.parametrize(
    "toml, message",
    [
        ('[templates.x]\ntitle = "no body"\n', "templates.x.body"),
        ('[templates.update]\nbody = ""\n', "templates.update.body"),
        ('[templates.update]\ncolour = "red"\n', "templates.update.colour"),
        ("[templates]\nupdate = 3\n", "templates.update"),
    ],
)
def test_a_bad_template_config_is_refused_naming_the_key(tmp_path: Path, toml: str, message: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(toml)
    with pytest.raises(InputError, match=message.replace(".", r"\.")):
        load_settings(str(config))


# Export and verify through the command line


def _cli(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "INCIDENT_CONSOLE_USER": "alice", "XDG_CONFIG_HOME": str(path.parent)}
    return subprocess.run(
        [sys.executable, "-m", "incident_console", *args, "--file", str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_export_writes_a_consistent_private_copy_that_verifies(demo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path, _ = demo
    os.chmod(path, 0o644)
    out = tmp_path / "copy" / "export.json"
    done = _cli(path, "export", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert json.loads(out.read_text()) == json.loads(path.read_text())
    assert _cli(path, "verify", str(out)).returncode == 0


def test_verify_names_the_edited_entry(demo) -> None:  # type: ignore[no-untyped-def]
    path, _ = demo
    assert _cli(path, "verify").returncode == 0
    data = json.loads(path.read_text())
    data["log"]["5"]["text"] = "nothing happened here"
    path.write_text(json.dumps(data))
    done = _cli(path, "verify")
    assert done.returncode == 1
    assert "entry 5" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_verify_notices_a_removed_entry(demo) -> None:  # type: ignore[no-untyped-def]
    path, _ = demo
    data = json.loads(path.read_text())
    del data["log"]["7"]
    path.write_text(json.dumps(data))
    done = _cli(path, "verify")
    assert done.returncode == 1 and "entry 7 is missing" in done.stderr


def test_verify_notices_the_last_entry_removed(demo) -> None:  # type: ignore[no-untyped-def]
    path, _ = demo
    data = json.loads(path.read_text())
    del data["log"][max(data["log"], key=int)]
    path.write_text(json.dumps(data))
    done = _cli(path, "verify")
    assert done.returncode == 1 and "removed at the end" in done.stderr


def test_update_command_renders_logs_and_meets_the_response_timer(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    assert _cli(path, "new", "Search down", "--severity", "P1", "--service", "search").returncode == 0
    done = _cli(path, "update", "initial")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "We're investigating reports of Search down. More updates to follow."
    shown = json.loads(_cli(path, "show", "--json").stdout)
    response = next(t for t in shown["timers"] if t["name"] == "response")
    assert response["state"] == "met"
    assert shown["log"][-1]["kind"] == "comms" and shown["log"][-1]["details"]["template"] == "initial"


def test_render_of_identified_uses_the_cause(tmp_path: Path) -> None:
    clock = SteppingClock(DEMO_START)
    desk = _desk(tmp_path / "f.json", clock)
    incident = desk.declare("x", Severity.P2)
    assert render("identified", incident, desk.policy, clock(), "a full disk") == (
        "We've identified the issue as a full disk. Working on a fix."
    )
