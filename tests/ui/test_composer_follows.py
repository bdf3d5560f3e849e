"""The composer follows the incident: the template follows the status, the status change's note is the
cause, and an update still holding a template placeholder is not sent without a confirmation."""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.widgets import Input

from incident_console.domain.model import Severity, Status
from incident_console.ui.widgets.composer import Composer

from .conftest import SIZE, choose, notices, on_disk, open_form, settle, type_into, wait_for, wait_saved


def sent_updates(path: Path) -> list[str]:
    return [e.text for e in on_disk(path).log if e.kind == "comms"]


def draft(app) -> str:  # type: ignore[no-untyped-def]
    return app.main.query_one(Composer).draft


async def change_status(pilot, status: str, note: str = "") -> None:  # type: ignore[no-untyped-def]
    await open_form(pilot, "u")
    await choose(pilot, "status", status)
    if note:
        await type_into(pilot, "#field-note", note)
    await pilot.press("ctrl+s")
    await wait_saved(pilot)


class TestTemplateFollowsTheStatus:
    async def test_each_status_change_offers_its_update_and_the_note_is_the_cause(self, make_app, desk, clock):
        desk.declare("Checkout returns 500", Severity.P1, impact="Card payments fail", services=["checkout"])
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert "actively investigating" in draft(app)
            await change_status(pilot, "identified", "a bad deploy of checkout")
            await pilot.pause()
            assert draft(app) == "We've identified the issue as a bad deploy of checkout. Working on a fix."
            assert app.main.query_one("#cause", Input).value == "a bad deploy of checkout"
            await change_status(pilot, "monitoring", "errors back to baseline")
            await pilot.pause()
            assert draft(app) == "Fix has been deployed. Monitoring for stability."
            clock.advance(minutes=31)
            await change_status(pilot, "resolved", "verified on the dashboards")
            await pilot.pause()
            assert draft(app) == "The issue has been resolved. Services are operating normally."

    async def test_an_edited_draft_is_kept_when_the_status_changes(self, make_app, desk):
        desk.declare("Checkout returns 500", Severity.P1, impact="Card payments fail")
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("4")
            await pilot.pause()
            area = app.main.query_one("#draft")
            area.focus()
            await pilot.press("end", *" Thanks for your patience.")
            await pilot.press("escape")
            edited = draft(app)
            assert "Thanks for your patience." in edited
            desk.set_status(Status.IDENTIFIED, note="a bad deploy")
            app.show_snapshot(desk.snapshot())
            await pilot.pause()
            assert draft(app) == edited
            # Sending the edited update: the next draft is the one the status calls for.
            await pilot.press("y")
            await wait_for(pilot, lambda: bool(sent_updates(Path(desk.repository.path))))
            await wait_saved(pilot)
            await wait_for(pilot, lambda: draft(app) == "We've identified the issue as a bad deploy. Working on a fix.")

    async def test_the_cause_follows_the_status_change_in_a_file_opened_later(self, make_app, desk):
        desk.declare("Checkout returns 500", Severity.P1, impact="Card payments fail")
        desk.set_status(Status.IDENTIFIED, note="a full disk on db-2")
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert draft(app) == "We've identified the issue as a full disk on db-2. Working on a fix."

    async def test_an_edited_draft_stays_with_its_own_incident(self, make_app, desk):
        desk.declare("Checkout returns 500", Severity.P1, impact="Card payments fail")
        desk.declare("Search is slow", Severity.P1, impact="Searches take 10 s")
        app = make_app(incident_id="INC-1")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("4")
            await pilot.pause()
            app.main.query_one("#draft").focus()
            await pilot.press("end", *" Only INC-1.")
            await pilot.press("escape")
            await pilot.press("n")
            await pilot.pause()
            assert "Searches take 10 s" in draft(app)
            assert "Only INC-1." not in draft(app)
            await pilot.press("n")
            await pilot.pause()
            assert "Only INC-1." in draft(app) and "Card payments fail" in draft(app)


class TestPlaceholderNeedsConfirmation:
    async def test_y_names_the_placeholder_and_a_second_y_sends(self, make_app, desk, state_file, clipboard):
        desk.declare("Checkout returns 500", Severity.P1)  # no impact: the update says [Description of user impact]
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert "[Description of user impact]" in draft(app)
            await pilot.press("y")
            await pilot.pause()
            shown = app.screen.query_one("#confirm-text").render()
            assert "[Description of user impact]" in str(shown)
            assert clipboard.texts == [] and sent_updates(state_file) == []
            await pilot.press("y")
            await wait_for(pilot, lambda: bool(sent_updates(state_file)))
            await wait_saved(pilot)
            assert clipboard.texts == [draft_text := sent_updates(state_file)[0]]
            assert "[Description of user impact]" in draft_text

    async def test_escape_goes_back_to_the_draft_and_sends_nothing(self, make_app, desk, state_file, clipboard):
        desk.declare("Checkout returns 500", Severity.P1)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("y")
            await pilot.pause()
            await pilot.press("escape")
            await pilot.pause(0.3)
            assert app.screen is app.main
            assert clipboard.texts == [] and sent_updates(state_file) == []

    async def test_an_empty_cause_is_named(self, make_app, desk, state_file, clipboard):
        desk.declare("Checkout returns 500", Severity.P1, impact="Card payments fail")
        desk.set_status(Status.IDENTIFIED)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.screen.set_focus(None)
            await pilot.press("y")
            await pilot.pause()
            assert "[cause]" in str(app.screen.query_one("#confirm-text").render())
            assert clipboard.texts == []

    async def test_a_filled_update_is_sent_at_once(self, make_app, desk, state_file, clipboard):
        desk.declare("Checkout returns 500", Severity.P1, impact="Card payments fail")
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("y")
            await wait_for(pilot, lambda: bool(sent_updates(state_file)))
            await wait_saved(pilot)
            assert any("logged as sent" in n.message for n in notices(app))

    async def test_two_y_typed_together_send_once(self, make_app, desk, state_file, clipboard):
        desk.declare("Checkout returns 500", Severity.P1)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.post_message(events.Key("y", "y"))
            app.post_message(events.Key("y", "y"))
            await wait_for(pilot, lambda: bool(sent_updates(state_file)))
            await wait_saved(pilot)
            await pilot.pause(0.2)
            assert len(sent_updates(state_file)) == 1 and len(clipboard.texts) == 1
            assert app.screen is app.main
