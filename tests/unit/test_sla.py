"""SLA timers at and around every boundary, with ``now`` passed in (no clock is read)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from incident_console.desk import Desk
from incident_console.domain import sla
from incident_console.domain.model import Incident, LogEntry, Severity, Status
from incident_console.domain.policy import Policy
from incident_console.domain.sla import TimerState
from incident_console.store.repository import Repository

T0 = datetime(2026, 1, 5, 14, 0, tzinfo=UTC)
POLICY = Policy()


def minutes(value: float) -> timedelta:
    return timedelta(minutes=value)


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


def entry(kind: str, at: datetime, *, entry_id: int = 1, incident_id: str = "INC-1") -> LogEntry:
    return LogEntry(
        id=entry_id,
        incident_id=incident_id,
        kind=kind,
        text=f"{kind} entry",
        author="alice",
        at=at,
        recorded_at=at,
    )


def comms(*moments: datetime, incident_id: str = "INC-1") -> list[LogEntry]:
    return [entry("comms", at, entry_id=n, incident_id=incident_id) for n, at in enumerate(moments, start=1)]


def timer(name: str, inc: Incident, now: datetime, log: list[LogEntry] | None = None, policy: Policy = POLICY):
    found = {t.name: t for t in sla.timers(inc, log or [], policy, now)}
    return found[name]


# --- the shape of the answer -------------------------------------------------------------------


def test_every_timer_is_reported_in_order() -> None:
    result = sla.timers(incident(), [], POLICY, T0)
    assert [t.name for t in result] == list(sla.TIMER_NAMES)
    assert [t.name for t in result] == ["acknowledge", "triage", "response", "next_update", "monitoring", "postmortem"]


def test_timers_are_pure_the_same_inputs_give_the_same_answer() -> None:
    inc = incident(acknowledged_at=T0 + minutes(2))
    log = comms(T0 + minutes(20))
    assert sla.timers(inc, log, POLICY, T0 + minutes(30)) == sla.timers(inc, log, POLICY, T0 + minutes(30))


# --- acknowledge (5 min) and triage (10 min) --------------------------------------------------

DETECTION_TIMERS = [("acknowledge", 5, "acknowledged_at"), ("triage", 10, "triaged_at")]


@pytest.mark.parametrize(("name", "limit", "field"), DETECTION_TIMERS)
def test_detection_timer_is_due_after_detection(name: str, limit: int, field: str) -> None:
    t = timer(name, incident(), T0)
    assert t.due_at == T0 + minutes(limit)
    assert t.state is TimerState.PENDING
    assert t.remaining == limit * 60
    assert t.met_at is None


@pytest.mark.parametrize(("name", "limit", "field"), DETECTION_TIMERS)
def test_detection_timer_pending_one_second_before(name: str, limit: int, field: str) -> None:
    t = timer(name, incident(), T0 + minutes(limit) - timedelta(seconds=1))
    assert t.state is TimerState.PENDING
    assert t.remaining == 1.0


@pytest.mark.parametrize(("name", "limit", "field"), DETECTION_TIMERS)
def test_detection_timer_still_pending_at_the_exact_deadline(name: str, limit: int, field: str) -> None:
    t = timer(name, incident(), T0 + minutes(limit))
    assert t.state is TimerState.PENDING
    assert t.remaining == 0.0


@pytest.mark.parametrize(("name", "limit", "field"), DETECTION_TIMERS)
def test_detection_timer_breached_one_minute_after_with_negative_remaining(name: str, limit: int, field: str) -> None:
    t = timer(name, incident(), T0 + minutes(limit + 1))
    assert t.state is TimerState.BREACHED
    assert t.remaining == -60.0
    assert t.met_at is None


@pytest.mark.parametrize(("name", "limit", "field"), DETECTION_TIMERS)
def test_detection_timer_breached_remaining_keeps_growing(name: str, limit: int, field: str) -> None:
    t = timer(name, incident(), T0 + timedelta(hours=3))
    assert t.state is TimerState.BREACHED
    assert t.remaining == -(3 * 3600 - limit * 60)


@pytest.mark.parametrize(("name", "limit", "field"), DETECTION_TIMERS)
@pytest.mark.parametrize("early_s", [0, 1, 120])
def test_detection_timer_met_when_done_by_the_deadline(name: str, limit: int, field: str, early_s: int) -> None:
    done = T0 + minutes(limit) - timedelta(seconds=early_s)
    t = timer(name, incident(**{field: done}), T0 + timedelta(hours=5))
    assert t.state is TimerState.MET
    assert t.met_at == done
    # Frozen at due - met_at, whatever ``now`` is.
    assert t.remaining == early_s
    assert not t.due_soon


@pytest.mark.parametrize(("name", "limit", "field"), DETECTION_TIMERS)
def test_detection_timer_done_late_is_breached_with_met_at(name: str, limit: int, field: str) -> None:
    done = T0 + minutes(limit + 2)
    for now in (done, done + timedelta(days=1)):
        t = timer(name, incident(**{field: done}), now)
        assert t.state is TimerState.BREACHED
        assert t.met_at == done
        assert t.remaining == -120.0


def test_acknowledge_at_4_59_pending_and_at_5_01_breached() -> None:
    assert timer("acknowledge", incident(), T0 + timedelta(minutes=4, seconds=59)).state is TimerState.PENDING
    assert timer("acknowledge", incident(), T0 + timedelta(minutes=5, seconds=1)).state is TimerState.BREACHED


def test_policy_overrides_the_acknowledge_deadline() -> None:
    policy = Policy.from_mapping({"sla": {"acknowledge_minutes": 2}})
    t = timer("acknowledge", incident(), T0 + minutes(3), policy=policy)
    assert t.due_at == T0 + minutes(2)
    assert t.state is TimerState.BREACHED


# --- response: the first update, by severity --------------------------------------------------

RESPONSE = [
    (Severity.P1, timedelta(minutes=15)),
    (Severity.P2, timedelta(hours=1)),
    (Severity.P3, timedelta(hours=4)),
    (Severity.P4, timedelta(hours=24)),
]


@pytest.mark.parametrize(("severity", "window"), RESPONSE)
def test_response_deadline_follows_severity(severity: Severity, window: timedelta) -> None:
    inc = incident(severity=severity, highest_severity=severity)
    before = timer("response", inc, T0 + window - timedelta(seconds=1))
    at = timer("response", inc, T0 + window)
    after = timer("response", inc, T0 + window + timedelta(seconds=1))
    assert before.due_at == T0 + window
    assert before.state is TimerState.PENDING and before.remaining == 1.0
    assert at.state is TimerState.PENDING and at.remaining == 0.0
    assert after.state is TimerState.BREACHED and after.remaining == -1.0


@pytest.mark.parametrize(("severity", "window"), RESPONSE)
def test_response_met_by_first_comms_entry(severity: Severity, window: timedelta) -> None:
    inc = incident(severity=severity, highest_severity=severity)
    sent = T0 + window - timedelta(seconds=1)
    t = timer("response", inc, T0 + window * 3, comms(sent))
    assert t.state is TimerState.MET
    assert t.met_at == sent
    assert t.remaining == 1.0


@pytest.mark.parametrize(("severity", "window"), RESPONSE)
def test_response_met_late_is_breached_with_met_at(severity: Severity, window: timedelta) -> None:
    inc = incident(severity=severity, highest_severity=severity)
    sent = T0 + window + minutes(1)
    t = timer("response", inc, sent + timedelta(hours=1), comms(sent))
    assert t.state is TimerState.BREACHED
    assert t.met_at == sent
    assert t.remaining == -60.0


def test_response_uses_the_earliest_comms_even_if_logged_out_of_order() -> None:
    inc = incident(severity=Severity.P1, highest_severity=Severity.P1)
    # The later update was written first; the backfilled earlier one counts.
    log = [entry("comms", T0 + minutes(20), entry_id=1), entry("comms", T0 + minutes(10), entry_id=2)]
    t = timer("response", inc, T0 + minutes(30), log)
    assert t.state is TimerState.MET
    assert t.met_at == T0 + minutes(10)


def test_response_ignores_other_kinds_and_other_incidents() -> None:
    inc = incident(severity=Severity.P1, highest_severity=Severity.P1)
    log = [
        entry("note", T0 + minutes(1), entry_id=1),
        entry("action", T0 + minutes(2), entry_id=2),
        entry("escalation", T0 + minutes(3), entry_id=3),
        entry("comms", T0 + minutes(4), entry_id=4, incident_id="INC-2"),
    ]
    t = timer("response", inc, T0 + minutes(16), log)
    assert t.state is TimerState.BREACHED
    assert t.met_at is None


def test_severity_raised_mid_incident_breaches_response_immediately() -> None:
    """P3 for 20 minutes, then P1: the P1 deadline (15 min after detection) is already gone."""
    now = T0 + minutes(20)
    as_p3 = incident(severity=Severity.P3, highest_severity=Severity.P3)
    assert timer("response", as_p3, now).state is TimerState.PENDING
    as_p1 = as_p3.with_changes(severity=Severity.P1, highest_severity=Severity.P1)
    t = timer("response", as_p1, now)
    assert t.state is TimerState.BREACHED
    assert t.due_at == T0 + minutes(15)
    assert t.remaining == -300.0


# --- next_update: the cadence after the first update ------------------------------------------


@pytest.mark.parametrize("severity", list(Severity))
def test_next_update_not_applicable_before_first_comms(severity: Severity) -> None:
    inc = incident(severity=severity, highest_severity=severity)
    t = timer("next_update", inc, T0 + timedelta(hours=2), [entry("note", T0 + minutes(1))])
    assert t.state is TimerState.NOT_APPLICABLE
    assert t.due_at is None and t.remaining is None and t.met_at is None


@pytest.mark.parametrize(("severity", "cadence"), [(Severity.P1, 30), (Severity.P2, 60)])
def test_next_update_due_after_the_last_comms(severity: Severity, cadence: int) -> None:
    inc = incident(severity=severity, highest_severity=severity)
    last = T0 + minutes(25)
    log = comms(T0 + minutes(10), last)
    due = last + minutes(cadence)
    before = timer("next_update", inc, due - timedelta(seconds=1), log)
    after = timer("next_update", inc, due + timedelta(seconds=1), log)
    assert before.due_at == due
    assert before.state is TimerState.PENDING and before.remaining == 1.0
    assert after.state is TimerState.BREACHED and after.remaining == -1.0
    assert after.met_at is None


def test_next_update_restarts_with_each_comms() -> None:
    inc = incident(severity=Severity.P1, highest_severity=Severity.P1)
    first = comms(T0 + minutes(10))
    assert timer("next_update", inc, T0 + minutes(45), first).state is TimerState.BREACHED
    again = comms(T0 + minutes(10), T0 + minutes(44))
    t = timer("next_update", inc, T0 + minutes(45), again)
    assert t.state is TimerState.PENDING
    assert t.due_at == T0 + minutes(74)


@pytest.mark.parametrize("severity", [Severity.P3, Severity.P4])
def test_next_update_not_applicable_for_p3_and_p4(severity: Severity) -> None:
    inc = incident(severity=severity, highest_severity=severity)
    t = timer("next_update", inc, T0 + timedelta(days=2), comms(T0 + minutes(5)))
    assert t.state is TimerState.NOT_APPLICABLE


def test_next_update_cadence_can_be_turned_on_and_off_by_policy() -> None:
    policy = Policy.from_mapping({"sla": {"update_every_minutes": {"P1": 0, "P3": 120}}})
    log = comms(T0 + minutes(5))
    p1 = incident(severity=Severity.P1, highest_severity=Severity.P1)
    p3 = incident(severity=Severity.P3, highest_severity=Severity.P3)
    assert timer("next_update", p1, T0 + minutes(10), log, policy).state is TimerState.NOT_APPLICABLE
    assert timer("next_update", p3, T0 + minutes(10), log, policy).due_at == T0 + minutes(125)


def test_next_update_stops_at_resolution_before_due() -> None:
    resolved = T0 + minutes(30)
    inc = incident(severity=Severity.P1, highest_severity=Severity.P1, status=Status.RESOLVED, resolved_at=resolved)
    log = comms(T0 + minutes(10))
    for now in (resolved, T0 + timedelta(days=3)):
        t = timer("next_update", inc, now, log)
        assert t.state is TimerState.MET
        assert t.met_at == resolved
        assert t.remaining == 600.0


def test_next_update_overdue_at_resolution_stays_breached() -> None:
    resolved = T0 + minutes(50)
    inc = incident(severity=Severity.P1, highest_severity=Severity.P1, status=Status.RESOLVED, resolved_at=resolved)
    t = timer("next_update", inc, T0 + timedelta(days=3), comms(T0 + minutes(10)))
    assert t.state is TimerState.BREACHED
    assert t.met_at is None  # resolution ended it; it was not met
    assert t.ended_by == "resolution"
    assert t.remaining == -600.0


def test_next_update_after_resolution_a_later_comms_does_not_restart_it() -> None:
    resolved = T0 + minutes(30)
    inc = incident(severity=Severity.P1, highest_severity=Severity.P1, status=Status.RESOLVED, resolved_at=resolved)
    t = timer("next_update", inc, T0 + timedelta(hours=2), comms(T0 + minutes(10), T0 + minutes(35)))
    assert t.due_at == T0 + minutes(40)
    assert t.state is TimerState.MET


# --- monitoring: 30 minutes of watching before resolving --------------------------------------


def test_monitoring_not_applicable_until_monitoring_starts() -> None:
    assert timer("monitoring", incident(), T0 + timedelta(hours=1)).state is TimerState.NOT_APPLICABLE


def test_monitoring_pending_then_met_after_30_minutes() -> None:
    since = T0 + minutes(60)
    inc = incident(status=Status.MONITORING, monitoring_since=since)
    pending = timer("monitoring", inc, since + minutes(29))
    assert pending.state is TimerState.PENDING
    assert pending.due_at == since + minutes(30)
    assert pending.remaining == 60.0
    at_due = timer("monitoring", inc, since + minutes(30))
    assert at_due.state is TimerState.MET
    assert at_due.met_at == since + minutes(30)
    later = timer("monitoring", inc, since + timedelta(hours=5))
    assert later.state is TimerState.MET
    assert later.remaining == 0.0


def test_monitoring_resolved_too_early_is_breached() -> None:
    since = T0 + minutes(60)
    inc = incident(status=Status.RESOLVED, monitoring_since=since, resolved_at=since + minutes(20))
    for now in (since + minutes(20), since + timedelta(days=1)):
        t = timer("monitoring", inc, now)
        assert t.state is TimerState.BREACHED
        assert t.met_at is None
        assert t.remaining == -600.0  # ten minutes short of the watch


def test_monitoring_resolved_after_the_watch_is_met() -> None:
    since = T0 + minutes(60)
    inc = incident(status=Status.RESOLVED, monitoring_since=since, resolved_at=since + minutes(45))
    t = timer("monitoring", inc, since + timedelta(days=1))
    assert t.state is TimerState.MET
    assert t.met_at == since + minutes(30)


def test_monitoring_resolved_exactly_at_30_minutes_is_met() -> None:
    since = T0 + minutes(60)
    inc = incident(status=Status.RESOLVED, monitoring_since=since, resolved_at=since + minutes(30))
    assert timer("monitoring", inc, since + timedelta(hours=2)).state is TimerState.MET


# --- postmortem: 48 hours after resolution ----------------------------------------------------


def test_postmortem_not_applicable_while_open() -> None:
    inc = incident(status=Status.MONITORING, monitoring_since=T0 + minutes(5))
    assert timer("postmortem", inc, T0 + timedelta(days=5)).state is TimerState.NOT_APPLICABLE


def test_postmortem_not_applicable_when_resolved_at_set_but_status_open() -> None:
    inc = incident(status=Status.INVESTIGATING, resolved_at=T0 + minutes(5))
    assert timer("postmortem", inc, T0 + timedelta(days=5)).state is TimerState.NOT_APPLICABLE


def test_postmortem_due_48_hours_after_resolution() -> None:
    resolved = T0 + timedelta(hours=2)
    inc = incident(status=Status.RESOLVED, resolved_at=resolved)
    pending = timer("postmortem", inc, resolved + timedelta(hours=47))
    assert pending.due_at == resolved + timedelta(hours=48)
    assert pending.state is TimerState.PENDING
    assert pending.remaining == 3600.0
    breached = timer("postmortem", inc, resolved + timedelta(hours=49))
    assert breached.state is TimerState.BREACHED
    assert breached.remaining == -3600.0


def test_postmortem_met_by_postmortem_done_at() -> None:
    resolved = T0 + timedelta(hours=2)
    done = resolved + timedelta(hours=24)
    inc = incident(status=Status.RESOLVED, resolved_at=resolved, postmortem_done_at=done)
    t = timer("postmortem", inc, resolved + timedelta(days=30))
    assert t.state is TimerState.MET
    assert t.met_at == done


def test_postmortem_done_late_is_breached_with_met_at() -> None:
    resolved = T0 + timedelta(hours=2)
    done = resolved + timedelta(hours=50)
    inc = incident(status=Status.RESOLVED, resolved_at=resolved, postmortem_done_at=done)
    t = timer("postmortem", inc, resolved + timedelta(days=30))
    assert t.state is TimerState.BREACHED
    assert t.met_at == done
    assert t.remaining == -7200.0


# --- due soon: the last 20% of a window ---------------------------------------------------------


def test_due_soon_only_in_the_last_fifth_of_the_window() -> None:
    # The acknowledge window is 300 s; its last fifth is the final 60 s.
    assert not timer("acknowledge", incident(), T0).due_soon
    assert not timer("acknowledge", incident(), T0 + timedelta(minutes=3, seconds=59)).due_soon
    assert timer("acknowledge", incident(), T0 + timedelta(minutes=4)).due_soon
    assert timer("acknowledge", incident(), T0 + timedelta(minutes=4, seconds=59)).due_soon
    assert timer("acknowledge", incident(), T0 + minutes(5)).due_soon


def test_due_soon_is_false_once_breached_met_or_not_applicable() -> None:
    assert not timer("acknowledge", incident(), T0 + timedelta(minutes=5, seconds=1)).due_soon
    assert not timer("acknowledge", incident(acknowledged_at=T0 + minutes(4)), T0 + minutes(4)).due_soon
    assert not timer("next_update", incident(), T0 + minutes(4)).due_soon


@pytest.mark.parametrize(
    ("name", "inc", "log", "window"),
    [
        ("response", incident(severity=Severity.P3, highest_severity=Severity.P3), [], timedelta(hours=4)),
        ("next_update", incident(severity=Severity.P1), comms(T0), timedelta(minutes=30)),
        ("monitoring", incident(status=Status.MONITORING, monitoring_since=T0), [], timedelta(minutes=30)),
        ("postmortem", incident(status=Status.RESOLVED, resolved_at=T0), [], timedelta(hours=48)),
    ],
)
def test_due_soon_boundary_for_each_window(name: str, inc: Incident, log: list[LogEntry], window: timedelta) -> None:
    just_before = timer(name, inc, T0 + window * 0.8 - timedelta(seconds=1), log)
    just_in = timer(name, inc, T0 + window * 0.8, log)
    assert just_before.state is TimerState.PENDING and not just_before.due_soon
    assert just_in.state is TimerState.PENDING and just_in.due_soon


def test_due_soon_fraction_comes_from_the_policy() -> None:
    policy = Policy.from_mapping({"sla": {"due_soon_percent": 50}})
    assert not timer("acknowledge", incident(), T0 + timedelta(minutes=2, seconds=29), policy=policy).due_soon
    assert timer("acknowledge", incident(), T0 + timedelta(minutes=2, seconds=30), policy=policy).due_soon


# --- the laptop slept: nothing counts down, the answer comes from ``now`` -----------------------


def test_laptop_slept_three_hours_timers_tell_the_truth() -> None:
    inc = incident(severity=Severity.P1, highest_severity=Severity.P1, status=Status.MONITORING)
    inc = inc.with_changes(monitoring_since=T0 + minutes(1))
    log = comms(T0 + minutes(2))
    now = T0 + minutes(3)
    before = {t.name: t for t in sla.timers(inc, log, POLICY, now)}
    after = {t.name: t for t in sla.timers(inc, log, POLICY, now + timedelta(hours=3))}

    assert before["acknowledge"].state is TimerState.PENDING
    assert after["acknowledge"].state is TimerState.BREACHED
    assert after["acknowledge"].remaining == -(3 * 3600 + 3 * 60 - 5 * 60)
    assert before["response"] == after["response"]  # met before the sleep: frozen
    assert before["next_update"].state is TimerState.PENDING
    assert after["next_update"].state is TimerState.BREACHED
    assert after["next_update"].remaining == -(3 * 3600 + 60 - 30 * 60)
    assert before["monitoring"].state is TimerState.PENDING
    assert after["monitoring"].state is TimerState.MET
    # And asking again at the earlier moment still gives the earlier answer.
    assert {t.name: t for t in sla.timers(inc, log, POLICY, now)} == before


# --- through the Desk, with a clock the test moves ----------------------------------------------


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def state_path(tmp_path: Path) -> Path:
    return tmp_path / "incidents.json"


def desk_for(path: Path, clock: FakeClock, author: str = "alice") -> Desk:
    return Desk(Repository(path), author=author, clock=clock)


def desk_timers(desk: Desk) -> dict[str, sla.SlaTimer]:
    return {t.name: t for t in desk.timers(desk.incident())}


def test_desk_declare_advance_ack(clock: FakeClock, state_path: Path) -> None:
    desk = desk_for(state_path, clock)
    desk.declare("API down", Severity.P1)
    t = desk_timers(desk)
    assert t["acknowledge"].state is TimerState.PENDING
    assert t["acknowledge"].due_at == T0 + minutes(5)
    assert t["acknowledge"].remaining == 300.0

    clock.advance(minutes=3)
    assert desk_timers(desk)["acknowledge"].remaining == 120.0
    desk.acknowledge()
    clock.advance(hours=2)
    t = desk_timers(desk)
    assert t["acknowledge"].state is TimerState.MET
    assert t["acknowledge"].met_at == T0 + minutes(3)
    assert t["triage"].state is TimerState.BREACHED
    assert t["response"].state is TimerState.BREACHED


def test_desk_late_ack_is_breached_with_met_at(clock: FakeClock, state_path: Path) -> None:
    desk = desk_for(state_path, clock)
    desk.declare("API down", Severity.P1)
    clock.advance(minutes=5, seconds=1)
    desk.acknowledge()
    t = desk_timers(desk)["acknowledge"]
    assert t.state is TimerState.BREACHED
    assert t.met_at == T0 + timedelta(minutes=5, seconds=1)
    assert t.remaining == -1.0


def test_desk_backdated_detection_moves_every_deadline(clock: FakeClock, state_path: Path) -> None:
    desk = desk_for(state_path, clock)
    desk.declare("Slow search", Severity.P3, detected_at=T0 - minutes(20))
    t = desk_timers(desk)
    assert t["acknowledge"].state is TimerState.BREACHED
    assert t["acknowledge"].remaining == -900.0
    assert t["response"].due_at == T0 - minutes(20) + timedelta(hours=4)


def test_desk_comms_meets_response_and_starts_cadence(clock: FakeClock, state_path: Path) -> None:
    desk = desk_for(state_path, clock)
    desk.declare("Payments failing", Severity.P2)
    clock.advance(minutes=40)
    desk.record_update("We are investigating payment failures.")
    t = desk_timers(desk)
    assert t["response"].state is TimerState.MET
    assert t["response"].met_at == T0 + minutes(40)
    assert t["next_update"].due_at == T0 + minutes(100)
    clock.advance(minutes=61)
    assert desk_timers(desk)["next_update"].state is TimerState.BREACHED


def test_desk_severity_raised_at_minute_20_breaches_response(clock: FakeClock, state_path: Path) -> None:
    desk = desk_for(state_path, clock)
    desk.declare("Slow pages", Severity.P3)
    clock.advance(minutes=20)
    assert desk_timers(desk)["response"].state is TimerState.PENDING
    desk.set_severity(Severity.P1, "checkout is down too")
    t = desk_timers(desk)["response"]
    assert t.state is TimerState.BREACHED
    assert t.due_at == T0 + minutes(15)
    assert t.remaining == -300.0


def test_desk_monitoring_then_resolve_early_breaches_monitoring(clock: FakeClock, state_path: Path) -> None:
    desk = desk_for(state_path, clock)
    desk.declare("API down", Severity.P1)
    clock.advance(minutes=10)
    desk.set_status(Status.MONITORING)
    clock.advance(minutes=29)
    assert desk_timers(desk)["monitoring"].state is TimerState.PENDING
    assert desk_timers(desk)["monitoring"].due_soon
    desk.verify_metrics()
    desk.set_status(Status.RESOLVED, note="customer confirmed the fix")  # an override: the watch is not over
    t = desk_timers(desk)
    assert t["monitoring"].state is TimerState.BREACHED
    assert t["postmortem"].state is TimerState.PENDING
    assert t["postmortem"].due_at == T0 + minutes(39) + timedelta(hours=48)


def test_desk_monitoring_30_minutes_then_resolve_is_met(clock: FakeClock, state_path: Path) -> None:
    desk = desk_for(state_path, clock)
    desk.declare("API down", Severity.P1)
    desk.set_status(Status.MONITORING)
    desk.verify_metrics()
    clock.advance(minutes=30)
    assert desk_timers(desk)["monitoring"].state is TimerState.MET
    desk.set_status(Status.RESOLVED)
    clock.advance(days=4)
    assert desk_timers(desk)["monitoring"].state is TimerState.MET
    assert desk_timers(desk)["postmortem"].state is TimerState.BREACHED


def test_desk_timers_accept_an_explicit_now(clock: FakeClock, state_path: Path) -> None:
    desk = desk_for(state_path, clock)
    inc = desk.declare("API down", Severity.P1)
    at_ten = {t.name: t for t in desk.timers(inc, now=T0 + minutes(10))}
    assert at_ten["acknowledge"].state is TimerState.BREACHED
    assert desk_timers(desk)["acknowledge"].state is TimerState.PENDING


def test_desk_laptop_slept_a_fresh_process_sees_the_truth(clock: FakeClock, state_path: Path) -> None:
    desk = desk_for(state_path, clock)
    desk.declare("API down", Severity.P1)
    clock.advance(minutes=1)
    assert desk_timers(desk)["acknowledge"].state is TimerState.PENDING

    # Three hours later, nothing ran in between: the same desk and a new one agree.
    clock.advance(hours=3)
    later = desk_timers(desk)
    assert later["acknowledge"].state is TimerState.BREACHED
    assert later["acknowledge"].remaining == -(3 * 3600 + 60 - 300)
    assert later["response"].state is TimerState.BREACHED
    fresh = desk_for(state_path, FakeClock(clock.now), author="bob")
    assert desk_timers(fresh) == later
