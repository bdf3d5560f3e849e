"""An update that still holds a template placeholder, and the cause a status change gives."""

from __future__ import annotations

from datetime import UTC, datetime

from incident_console.desk import Desk
from incident_console.domain.model import LogEntry, Severity, Status
from incident_console.domain.policy import Policy
from incident_console.domain.templates import render, stated_cause, unfilled
from incident_console.store.repository import Repository

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


def test_unfilled_names_each_placeholder_once_in_order() -> None:
    text = "Impact: [Description of user impact]. Cause: [cause]; {servcie} and [cause] again"
    assert unfilled(text) == ["[Description of user impact]", "[cause]", "{servcie}"]
    assert unfilled("We've identified the issue as a full disk. Working on a fix.") == []


def test_a_rendered_update_without_impact_or_cause_is_unfilled(tmp_path) -> None:  # type: ignore[no-untyped-def]
    desk = Desk(Repository(tmp_path / "f.json"), author="alice", clock=lambda: NOW)
    incident = desk.declare("API down", Severity.P1)
    assert unfilled(render("update", incident, Policy(), NOW)) == ["[Description of user impact]"]
    assert unfilled(render("identified", incident, Policy(), NOW)) == ["[cause]"]
    assert unfilled(render("monitoring", incident, Policy(), NOW)) == []


def test_the_cause_is_the_note_of_the_latest_change_to_identified(tmp_path) -> None:  # type: ignore[no-untyped-def]
    desk = Desk(Repository(tmp_path / "f.json"), author="alice", clock=lambda: NOW)
    incident = desk.declare("API down", Severity.P1)
    assert desk.stated_cause(incident) == ""
    desk.set_status(Status.IDENTIFIED, note="a bad deploy")
    desk.set_status(Status.INVESTIGATING, note="not the deploy after all")
    desk.set_status(Status.IDENTIFIED, note="a full disk: db-2")
    assert desk.stated_cause(incident) == "a full disk: db-2"


def test_an_older_entry_without_the_note_field_gives_the_cause_from_its_text() -> None:
    text = "Status: investigating -> identified: a full disk"
    details = {"previous": "investigating", "status": "identified"}
    entry = LogEntry(1, "INC-1", "status", text, "alice", NOW, NOW, details)
    assert stated_cause([entry]) == "a full disk"
