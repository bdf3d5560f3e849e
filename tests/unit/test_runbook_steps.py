"""Which runbook step an incident is in, and what the runbook says to do next, in the runbook's own words."""

from __future__ import annotations

from pathlib import Path

import pytest

from incident_console.desk import Desk
from incident_console.domain import runbook
from incident_console.domain.model import Severity, Status, TriageAnswers, Users
from incident_console.store.repository import Repository

RUNBOOK = (Path(__file__).resolve().parents[2] / "docs" / "runbook.md").read_text(encoding="utf-8")


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    return Desk(Repository(tmp_path / "incidents.json"), author="alice")


def where(desk: Desk) -> runbook.Position:
    incident = desk.incident()
    return runbook.position(incident, desk.snapshot().log_for(incident.id))


@pytest.mark.parametrize("advice", runbook.ALL_ADVICE, ids=lambda a: a.what[:30])
def test_every_piece_of_advice_is_the_runbooks_own_words(advice: runbook.Advice) -> None:
    assert advice.what in RUNBOOK
    assert advice.when in RUNBOOK


def test_the_steps_are_the_runbooks_headings_in_order() -> None:
    headings = [f"## Step {s.number}: {s.title}" for s in runbook.STEPS]
    assert [h in RUNBOOK for h in headings] == [True] * 6
    assert [RUNBOOK.index(h) for h in headings] == sorted(RUNBOOK.index(h) for h in headings)


def test_without_an_incident_the_runbook_is_at_detection() -> None:
    position = runbook.position(None, ())
    assert position.step is runbook.DETECT
    assert any("monitoring alerts trigger" in a.what for a in position.next)


def test_a_p1_goes_from_triage_to_communicate_to_respond_to_resolve_to_postmortem(desk: Desk) -> None:
    desk.declare("Checkout returns 500", Severity.P1)
    position = where(desk)
    assert position.step is runbook.TRIAGE
    assert "acknowledged and triaged" in position.why
    assert [a.what for a in position.next][:2] == ["Acknowledge alerts", "Initial triage"]

    desk.acknowledge()
    desk.triage(TriageAnswers(Users.ALL, False, True, False), apply_severity=False)
    position = where(desk)
    assert (position.step, position.next[0].what) == (runbook.COMMUNICATE, "Incident Update")

    desk.record_update("We are aware of issues with checkout.")
    position = where(desk)
    assert position.step is runbook.RESPOND
    assert ("Rollback", "Deployment caused issue") in position.next

    desk.set_status(Status.MONITORING, note="fix deployed")
    assert where(desk).step is runbook.RESOLVE

    desk.set_status(Status.RESOLVED, note="resolved early, for the test")
    position = where(desk)
    assert position.step is runbook.POSTMORTEM and not position.complete
    assert position.next[0].what == "Within 48 hours, conduct a post-mortem:"
    assert "Root Cause" in [a.what for a in position.next]


def test_a_p3_has_no_update_to_send_before_responding(desk: Desk) -> None:
    desk.declare("Slow search", Severity.P3)
    desk.acknowledge()
    desk.triage(TriageAnswers(Users.FEW, False, False, True), apply_severity=False)
    assert where(desk).step is runbook.RESPOND
