"""What each timer says, in the one wording the SLA pane, `show` and the handoff briefing share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from incident_console.domain import sla
from incident_console.domain.model import Incident, LogEntry, Severity, Status
from incident_console.domain.policy import Policy
from incident_console.domain.timer_text import Tone, moment_on, timer_text
from incident_console.domain.times import day_clock_text

T0 = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
POLICY = Policy()


def incident(**changes: object) -> Incident:
    base = Incident(
        id="INC-1",
        title="Checkout errors",
        severity=Severity.P2,
        status=Status.INVESTIGATING,
        detected_at=T0,
        declared_at=T0,
        highest_severity=Severity.P2,
    )
    return base._replace(**changes)


def update(at: datetime, entry_id: int = 1) -> LogEntry:
    return LogEntry(entry_id, "INC-1", "comms", "update", "alice", at, at)


def said(inc: Incident, now: datetime, log: list[LogEntry] | None = None) -> dict[str, str]:
    """Each timer's plain line (what `show` prints), by name."""
    return {t.name: timer_text(t, moment_on(now)).line() for t in sla.timers(inc, log or [], POLICY, now)}


def tones(inc: Incident, now: datetime, log: list[LogEntry] | None = None) -> dict[str, Tone]:
    return {t.name: timer_text(t, moment_on(now)).tone for t in sla.timers(inc, log or [], POLICY, now)}


# --- the everyday wording -----------------------------------------------------------------------


def test_running_met_late_and_overdue_timers() -> None:
    now = T0 + timedelta(minutes=7)
    inc = incident(acknowledged_at=T0 + timedelta(minutes=6))
    lines = said(inc, now)
    assert lines["acknowledge"] == "Acknowledge   met 1m 00s late  due 12:05:00"
    assert lines["triage"] == "Triage        3m 00s left  due 12:10:00"
    assert lines["response"] == "First update  53m 00s left  due 13:00:00"
    assert lines["next_update"] == "Next update   -"
    lines = said(inc, T0 + timedelta(minutes=12))
    assert lines["triage"] == "Triage        OVERDUE 2m 00s  due 12:10:00"
    lines = said(inc._replace(triaged_at=T0 + timedelta(minutes=9)), T0 + timedelta(minutes=9, seconds=30))
    assert lines["triage"] == "Triage        met 12:09:00  due 12:10:00"


def test_the_last_part_of_a_window_says_soon() -> None:
    line = said(incident(), T0 + timedelta(minutes=4, seconds=30))["acknowledge"]
    assert line.endswith("30s left (soon)  due 12:05:00")


# --- item: monitoring cut short by an early resolve ----------------------------------------------


def test_monitoring_after_an_early_resolve_is_a_shortfall_not_lateness() -> None:
    since = T0 + timedelta(minutes=20)
    resolved = since + timedelta(seconds=13)
    inc = incident(status=Status.RESOLVED, monitoring_since=since, resolved_at=resolved)
    for now in (resolved, resolved + timedelta(minutes=5), resolved + timedelta(hours=3)):
        line = said(inc, now)["monitoring"]
        assert line == "Monitoring    skipped (override), 29m 47s short  due 12:50:00"
        assert "OVERDUE" not in line


# --- item: a resolved incident's timers stop ------------------------------------------------------


def test_timers_a_resolution_came_before_say_so_and_never_count_down() -> None:
    # A P2 resolved four minutes after detection: never acknowledged, triaged or updated.
    resolved = T0 + timedelta(minutes=4)
    inc = incident(status=Status.RESOLVED, resolved_at=resolved)
    for now in (resolved, resolved + timedelta(seconds=30), resolved + timedelta(minutes=50)):
        lines = said(inc, now)
        for name in ("acknowledge", "triage", "response"):
            assert "not met before resolution" in lines[name], lines[name]
            assert "left" not in lines[name] and "OVERDUE" not in lines[name]
    assert tones(inc, resolved)["acknowledge"] is Tone.UNMET


def test_a_deadline_passed_before_resolution_stays_a_breach() -> None:
    resolved = T0 + timedelta(minutes=14)
    inc = incident(status=Status.RESOLVED, resolved_at=resolved, acknowledged_at=T0 + timedelta(minutes=1))
    timer = {t.name: t for t in sla.timers(inc, [], POLICY, resolved + timedelta(hours=1))}["triage"]
    assert timer.state is sla.TimerState.BREACHED
    assert timer.remaining == -240.0  # frozen at resolution, not growing
    assert timer_text(timer, moment_on(resolved)).tone is Tone.MISSED
    assert said(inc, resolved + timedelta(hours=1))["triage"] == "Triage        not met before resolution  due 12:10:00"


def test_the_update_cadence_kept_until_resolution_shows_no_next_due_time() -> None:
    inc = incident(status=Status.RESOLVED, resolved_at=T0 + timedelta(minutes=50))
    line = said(inc, T0 + timedelta(hours=2), [update(T0 + timedelta(minutes=20))])["next_update"]
    assert line == "Next update   kept until resolution 12:50:00"


# --- item: a post-mortem marked complete with sections still TODO -------------------------------


def test_a_postmortem_completed_with_todo_sections_shows_the_override() -> None:
    resolved = T0 + timedelta(hours=1)
    done = resolved + timedelta(minutes=40)
    inc = incident(status=Status.RESOLVED, resolved_at=resolved, postmortem_done_at=done)
    assert said(inc, done)["postmortem"] == "Post-mortem   marked complete (override) 13:40:00  due 30 Nov 13:00"
    written = dict.fromkeys(("summary", "root_cause", "impact", "went_well", "went_wrong", "lessons"), "x")
    assert said(inc._replace(postmortem=written), done)["postmortem"].startswith("Post-mortem   met 13:40:00")


# --- item: dates on times that are not today ---------------------------------------------------


def test_a_deadline_on_another_day_carries_its_date() -> None:
    resolved = T0 + timedelta(minutes=34)
    inc = incident(status=Status.RESOLVED, resolved_at=resolved, postmortem_done_at=resolved + timedelta(minutes=6))
    # The 48-hour deadline is two days away: it must not read as 12:34 today.
    assert said(inc, resolved + timedelta(minutes=6))["postmortem"].endswith("due 30 Nov 12:34")
    # Two days later, the completion (on the 28th) is dated and the deadline (today) is not.
    assert said(inc, T0 + timedelta(days=2))["postmortem"].endswith("12:40  due 12:34:00")


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 11, 28, 23, 59, 30, tzinfo=UTC), "29 Nov 00:04"),  # a minute before midnight
        (datetime(2026, 11, 29, 0, 0, 0, tzinfo=UTC), "00:04:30"),  # at midnight, it is today
        (datetime(2026, 11, 29, 0, 0, 1, tzinfo=UTC), "00:04:30"),
        (datetime(2026, 12, 31, 23, 59, 0, tzinfo=UTC), "29 Nov 00:04"),
        (datetime(2027, 1, 1, 0, 1, 0, tzinfo=UTC), "29 Nov 2026 00:04"),  # another year
    ],
)
def test_today_around_midnight_in_utc(now: datetime, expected: str) -> None:
    assert day_clock_text(datetime(2026, 11, 29, 0, 4, 30, tzinfo=UTC), now) == expected


def test_today_is_the_day_in_the_zone_the_time_is_shown_in(new_york: None) -> None:
    due = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)  # 22:00 on the 28th in New York
    now = datetime(2026, 11, 28, 23, 0, tzinfo=UTC)  # 18:00 on the 28th in New York
    assert day_clock_text(due, now) == "29 Nov 03:00"  # another day in UTC
    assert day_clock_text(due, now, local=True) == "22:00:00"  # the same evening in New York
    later = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)  # 01:00 on the 29th in New York
    assert day_clock_text(due, later) == "03:00:00"
    assert day_clock_text(due, later, local=True) == "28 Nov 22:00"
