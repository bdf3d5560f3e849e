"""The help screen's Runbook view follows the incident on screen; a change not saved yet reads as it will be logged."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import TabbedContent

from incident_console.domain.model import Severity, TriageAnswers, Users
from incident_console.store import storage
from incident_console.ui.screens.help import RUNBOOK, HelpScreen
from incident_console.ui.widgets.runbook_view import RunbookView

from ..reliability.harness import screen_lines
from .conftest import SIZE, log_rows, on_disk, open_form, settle, type_into, wait_for, wait_saved


def disk_full(path: Path, payload: bytes) -> None:
    raise OSError(28, "No space left on device")


async def open_runbook(pilot) -> str:  # type: ignore[no-untyped-def]
    app = pilot.app
    app.screen.set_focus(None)
    await pilot.press("question_mark")
    await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
    await pilot.press("r")
    await wait_for(pilot, lambda: app.screen.query_one(TabbedContent).active == RUNBOOK)
    await pilot.pause(0.2)
    return "\n".join(screen_lines(app))


class TestRunbookView:
    async def test_a_new_p1_is_at_triage_with_the_runbooks_questions(self, make_app, desk):
        desk.declare("Checkout [b]returns[/b] 500", Severity.P1)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen = await open_runbook(pilot)
            assert "Step 2 of 6: Triage" in screen
            assert "INC-1 has not been acknowledged and triaged yet." in screen
            assert "Acknowledge alerts — < 5 min" in screen
            assert "How many users affected? — All / Many / Few" in screen
            assert "Checkout [b]returns[/b] 500" in screen  # the title as typed, not as markup
            assert app.screen.focused is app.screen.query_one(RunbookView)
            await pilot.press("k")
            await pilot.pause()
            assert "Detect and declare" in "\n".join(screen_lines(app))
            await pilot.press("escape")
            assert not isinstance(app.screen, HelpScreen)

    async def test_after_triage_a_p1_is_told_to_send_the_incident_update(self, make_app, desk):
        desk.declare("Checkout returns 500", Severity.P1)
        desk.acknowledge()
        desk.triage(TriageAnswers(Users.ALL, False, True, False))
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen = await open_runbook(pilot)
            assert "Step 3 of 6: Communicate" in screen
            assert "Incident Update — For P1/P2" in screen
            assert "Update status page and notify stakeholders." in screen
            assert "Copy update" in screen  # the console's key for this step

    async def test_the_view_follows_the_incident_switched_to(self, make_app, desk):
        desk.declare("Slow search", Severity.P3)
        desk.acknowledge()
        desk.triage(TriageAnswers(Users.FEW, False, False, True))
        desk.declare("Checkout returns 500", Severity.P1)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert "Step 2 of 6: Triage" in await open_runbook(pilot)
            await pilot.press("escape", "n")
            await pilot.pause()
            screen = await open_runbook(pilot)
            assert "INC-1 P3 investigating: Slow search" in screen
            assert "Step 4 of 6: Respond" in screen and "Rollback — Deployment caused issue" in screen

    async def test_without_an_incident_the_runbook_is_at_detection(self, make_app):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen = await open_runbook(pilot)
            assert "Step 1 of 6: Detect" in screen and "monitoring alerts trigger" in screen


class TestPendingRows:
    async def test_an_escalation_not_saved_yet_reads_as_it_is_logged(self, make_app, desk, state_file, monkeypatch):
        desk.declare("Checkout returns 500", Severity.P1)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            monkeypatch.setattr(storage, "write_atomically", disk_full)
            await open_form(pilot, "e")
            await type_into(pilot, "#field-to", "payments on-call")
            await type_into(pilot, "#field-why", "card errors rising")
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: bool(app.saver.problem))
            row = log_rows(app)[-1]
            assert (row.kind, row.text, row.author, row.pending) == (
                "escalation",
                "Escalated to payments on-call: card errors rising",
                "alice",
                True,
            )
            monkeypatch.undo()
            app.saver.kick()
            await wait_saved(pilot)
            saved = on_disk(state_file).log[-1]
            assert (saved.kind, saved.text) == (row.kind, row.text)
            assert not log_rows(app)[-1].pending
