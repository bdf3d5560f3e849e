"""Every keystroke lands where it was meant: on the incident it was typed for, in the field it was meant for."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Button, Input, TextArea

from incident_console.desk import Desk
from incident_console.domain.model import Severity
from incident_console.store.repository import Repository
from incident_console.ui.screens.postmortem import SectionEditor

from .conftest import (
    SIZE,
    FrozenClock,
    kinds_on_disk,
    notices,
    on_disk,
    open_form,
    text_of,
    type_into,
    wait_for,
    wait_saved,
)


def _elsewhere(state_file: Path, clock: FrozenClock) -> Desk:
    """Another process on the same file (an alert hook running ``incident-console new``)."""
    return Desk(Repository(state_file), author="alertmanager", clock=clock)


class TestAnIncidentDeclaredElsewhere:
    async def test_never_takes_the_screen_from_someone_typing_a_log_line(self, make_app, desk, state_file, clock):
        desk.declare("Checkout returns 500", Severity.P2)
        app = make_app(poll_seconds=0.1)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("l", *"rolled back api to v1")
            _elsewhere(state_file, clock).declare("Disk full on db-3", Severity.P1)
            await wait_for(pilot, lambda: app.snapshot.incident("INC-2") is not None)
            await pilot.pause(0.2)
            assert app.main.incident is not None and app.main.incident.id == "INC-1"
            await pilot.press(*"42", "enter")
            await wait_saved(pilot)
            assert [e.text for e in on_disk(state_file).log_for("INC-1") if e.kind == "note"] == [
                "rolled back api to v142"
            ]
            assert not [e for e in on_disk(state_file).log_for("INC-2") if e.kind == "note"]
            announced = [n for n in notices(app) if n.title == "New incident"]
            assert (
                len(announced) == 1 and "INC-2 P1 declared by alertmanager: Disk full on db-3" in announced[0].message
            )
            assert "new: INC-2" in text_of(app, "#topbar")
            await pilot.press("n")  # the person switches when ready
            assert app.main.incident.id == "INC-2"
            assert "new: INC-2" not in text_of(app, "#topbar")

    async def test_a_form_opened_on_one_incident_saves_on_it(self, make_app, desk, state_file, clock):
        desk.declare("Checkout returns 500", Severity.P2)
        app = make_app(poll_seconds=0.1)
        async with app.run_test(size=SIZE) as pilot:
            await open_form(pilot, "e")
            await type_into(pilot, "#field-to", "db-oncall")
            _elsewhere(state_file, clock).declare("Disk full on db-3", Severity.P1)
            await wait_for(pilot, lambda: app.snapshot.incident("INC-2") is not None)
            await type_into(pilot, "#field-why", "replica lag")
            await pilot.press("enter")
            await wait_saved(pilot)
            assert kinds_on_disk(state_file, "escalation") == ["Escalated to db-oncall: replica lag"]
            assert [e.incident_id for e in on_disk(state_file).log if e.kind == "escalation"] == ["INC-1"]


class TestDraftsBelongToTheirIncident:
    async def test_a_log_line_draft_stays_with_its_incident(self, make_app, desk, state_file):
        desk.declare("Checkout returns 500", Severity.P2)
        desk.declare("Disk full on db-3", Severity.P1)
        app = make_app(incident_id="INC-1")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("l", *"half a thought", "escape")
            await pilot.press("n")
            assert app.main.incident.id == "INC-2"
            await pilot.press("l")
            assert app.main.query_one("#log-input", Input).value == ""  # not INC-1's words
            await pilot.press(*"disk at 100%", "enter")
            await pilot.press("n", "l")
            assert app.main.query_one("#log-input", Input).value == "half a thought"
            await pilot.press("enter")
            await wait_saved(pilot)
            snapshot = on_disk(state_file)
            assert [e.text for e in snapshot.log_for("INC-1") if e.kind == "note"] == ["half a thought"]
            assert [e.text for e in snapshot.log_for("INC-2") if e.kind == "note"] == ["disk at 100%"]

    async def test_a_form_draft_stays_with_its_incident(self, make_app, desk, state_file):
        desk.declare("Checkout returns 500", Severity.P2)
        desk.declare("Disk full on db-3", Severity.P1)
        app = make_app(incident_id="INC-1")
        async with app.run_test(size=SIZE) as pilot:
            await open_form(pilot, "e")
            await type_into(pilot, "#field-to", "db-oncall")
            await pilot.press("escape")
            await pilot.press("n")
            form = await open_form(pilot, "e")
            assert form.values()["to"] == ""
            await pilot.press("escape", "n")
            form = await open_form(pilot, "e")
            assert form.values()["to"] == "db-oncall"

    async def test_a_filter_stays_with_its_incident(self, make_app, desk, state_file):
        desk.declare("Checkout returns 500", Severity.P2)
        desk.log("restarted pods", incident_id="INC-1")
        desk.declare("Disk full on db-3", Severity.P1)
        app = make_app(incident_id="INC-1")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("slash", *"restarted", "enter")
            assert "filter: restarted" in text_of(app, "#log-title")
            await pilot.press("n")
            assert "filter" not in text_of(app, "#log-title")
            await pilot.press("n")
            assert "filter: restarted" in text_of(app, "#log-title")


class TestFormsKeepABadValue:
    async def test_a_bad_start_time_keeps_the_declare_form_open_with_the_error_under_it(self, make_app, state_file):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            form = await open_form(pilot, "d")
            await type_into(pilot, "#field-title", "Checkout down")
            await type_into(pilot, "#field-started", "yesterday-ish")
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is form
            assert "yesterday-ish" in str(form.query_one("#error-started").render())
            assert form.focused is form.query_one("#field-started")
            assert not state_file.exists() or not on_disk(state_file).incidents
            form.query_one("#field-started", Input).value = ""
            await type_into(pilot, "#field-started", "-20m")
            await pilot.press("enter")
            await wait_saved(pilot)
            assert [i.title for i in on_disk(state_file).incidents] == ["Checkout down"]
            form = await open_form(pilot, "d")
            assert form.values()["title"] == ""  # saved: the next declaration starts empty


class TestTextTypedOnAButton:
    async def test_goes_into_the_field_it_was_meant_for(self, make_app, desk, state_file):
        desk.declare("Checkout returns 500", Severity.P2)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            form = await open_form(pilot, "e")
            await type_into(pilot, "#field-to", "db-oncall")
            await type_into(pilot, "#field-why", "replica")
            await pilot.press("tab")
            assert isinstance(form.focused, Button)
            await pilot.press(*" lag")
            assert form.values()["why"] == "replica lag"
            assert form.focused is form.query_one("#field-why")
            await pilot.press("enter")
            await wait_saved(pilot)
            assert kinds_on_disk(state_file, "escalation") == ["Escalated to db-oncall: replica lag"]

    async def test_in_the_post_mortem_editor_goes_into_the_section(self, make_app, desk, state_file):
        desk.declare("Checkout returns 500", Severity.P2)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("p", "e")
            await wait_for(pilot, lambda: isinstance(app.screen, SectionEditor))
            editor = app.screen
            await pilot.press(*"Rollback was fas")
            assert editor.query_one("#section-text", TextArea).text == "Rollback was fas"
            editor.set_focus(editor.query_one("#save", Button))
            await pilot.press(*"t", "ctrl+s")
            await wait_saved(pilot)
            assert on_disk(state_file).incident("INC-1").postmortem["summary"] == "Rollback was fast"
            assert not isinstance(app.screen, SectionEditor)
