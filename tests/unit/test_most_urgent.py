"""The most urgent timer, which narrow terminals keep in view."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from incident_console.desk import Desk
from incident_console.domain.model import Severity, Status
from incident_console.domain.sla import most_urgent
from incident_console.store.repository import Repository

START = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def test_the_most_overdue_then_the_least_time_left_and_after_resolution_only_the_postmortem(tmp_path) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    desk = Desk(Repository(tmp_path / "f.json"), author="alice", clock=clock)
    incident = desk.declare("API down", Severity.P1)
    urgent = most_urgent(incident, desk.timers(incident))
    assert urgent is not None and urgent.name == "acknowledge" and urgent.remaining == 300
    clock.now = START + timedelta(minutes=12)
    urgent = most_urgent(incident, desk.timers(incident))
    assert urgent is not None and urgent.name == "acknowledge" and urgent.remaining == -420
    desk.acknowledge()
    desk.set_status(Status.RESOLVED, note="a false alarm")
    incident = desk.incident()
    urgent = most_urgent(incident, desk.timers(incident))
    assert urgent is not None and urgent.name == "postmortem"  # triage and the first update were missed before
