"""The Desk remembers update times between calls; the timers must equal a fresh computation."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from incident_console.demo import DEMO_START, SteppingClock
from incident_console.desk import Desk
from incident_console.domain import sla
from incident_console.domain.model import Severity
from incident_console.store.repository import Repository


def fresh(desk: Desk) -> list[sla.SlaTimer]:
    snapshot = Repository(desk.repository.path).snapshot()
    incident = snapshot.current()
    assert incident is not None
    return sla.timers(incident, snapshot.log_for(incident.id), desk.policy, desk.clock())


def test_remembered_update_times_follow_new_and_backfilled_updates(tmp_path: Path) -> None:
    clock = SteppingClock(DEMO_START)
    desk = Desk(Repository(tmp_path / "f.json"), author="alice", clock=clock)
    desk.declare("Checkout down", Severity.P1)
    assert desk.timers(desk.incident()) == fresh(desk)
    clock.advance(minutes=10)
    desk.record_update("first", template="initial")
    assert desk.timers(desk.incident()) == fresh(desk)
    clock.advance(minutes=20)
    desk.log("nothing sent")
    desk.log("sent by phone earlier", kind="comms", at=clock() - timedelta(minutes=5))
    timers = desk.timers(desk.incident())
    assert timers == fresh(desk)
    next_update = next(t for t in timers if t.name == "next_update")
    assert next_update.due_at == clock() - timedelta(minutes=5) + timedelta(minutes=30)
    clock.advance(minutes=1)
    desk.record_update("second", template="update")
    assert desk.timers(desk.incident()) == fresh(desk)
