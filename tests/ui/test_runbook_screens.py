"""The runbook screens in the console: Resolve checklist, handoff and review, post-mortem, action items."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, TextArea

from incident_console.demo import build_demo
from incident_console.desk import Desk
from incident_console.domain.model import Status
from incident_console.store.repository import Repository
from incident_console.ui.app import IncidentConsole
from incident_console.ui.screens.action_items import ActionItemsScreen
from incident_console.ui.screens.document import DocumentScreen
from incident_console.ui.screens.postmortem import PostmortemScreen, SectionEditor
from incident_console.ui.screens.resolve import ResolveScreen

from .conftest import (
    SIZE,
    FakeClipboard,
    on_disk,
    open_form,
    record_notifications,
    settle,
    text_of,
    type_into,
    wait_for,
    wait_saved,
)

FILE = "demo.json"


@pytest.fixture
def demo_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The console on the demo incident, with every time from one fixed clock."""
    monkeypatch.chdir(tmp_path)
    clock = build_demo(Path(FILE))
    monkeypatch.setattr(Repository, "saved_at", lambda self: clock.now - timedelta(seconds=20))

    def build(author: str = "alice") -> IncidentConsole:
        desk = Desk(Repository(FILE), author=author, clock=clock)
        app = IncidentConsole(desk, clipboard=FakeClipboard(), poll_seconds=1.0, verify_on_open=False)
        record_notifications(app)
        return app

    build.clock = clock  # type: ignore[attr-defined]
    return build


def document_text(app: IncidentConsole) -> str:
    """The Markdown source of the document on screen (what y copies)."""
    assert isinstance(app.screen, DocumentScreen)
    return app.screen.markdown


class TestResolve:
    async def test_verify_then_early_resolve_asks_for_a_reason_and_logs_an_override(self, demo_app) -> None:  # type: ignore[no-untyped-def]
        app = demo_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("x")
            await pilot.pause()
            assert isinstance(app.screen, ResolveScreen)
            await pilot.press("v")
            await wait_saved(pilot)
            assert on_disk(Path(FILE)).log[-1].details.get("item") == "verify"
            form = await open_form(pilot, "r")
            assert "monitoring is not complete" in form.form_title
            await type_into(pilot, "#field-note", "customer confirmed")
            await pilot.press("ctrl+s")
            await wait_saved(pilot)
            entry = on_disk(Path(FILE)).log[-1]
            assert entry.kind == "status" and entry.details["override"] is True
            assert on_disk(Path(FILE)).incidents[0].status is Status.RESOLVED

    async def test_resolve_without_problems_needs_no_reason(self, demo_app) -> None:  # type: ignore[no-untyped-def]
        demo_app.clock.advance(minutes=30)
        app = demo_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("x", "v")
            await wait_saved(pilot)
            await pilot.press("r")
            await wait_saved(pilot)
            assert isinstance(app.screen, ResolveScreen)
            assert on_disk(Path(FILE)).incidents[0].status is Status.RESOLVED


class TestHandoff:
    async def test_handoff_shows_a_copyable_briefing_and_logs_it(self, demo_app) -> None:  # type: ignore[no-untyped-def]
        app = demo_app()
        async with app.run_test(size=SIZE) as pilot:
            await open_form(pilot, "h")
            await type_into(pilot, "#field-to", "bob")
            await pilot.press("enter")
            await wait_saved(pilot)
            await wait_for(
                pilot, lambda: isinstance(app.screen, DocumentScreen) and bool(app.screen.query("#document-text"))
            )
            briefing = document_text(app)
            assert briefing.startswith("# Handoff: INC-1")
            assert "**To:** bob" in briefing
            await pilot.press("y")
            await wait_for(pilot, lambda: app.clipboard == briefing)
            assert on_disk(Path(FILE)).incidents[0].commander == "bob"
            assert on_disk(Path(FILE)).log[-1].kind == "handoff"

    async def test_the_incoming_person_starts_on_the_review(self, demo_app) -> None:  # type: ignore[no-untyped-def]
        Desk(Repository(FILE), author="alice", clock=demo_app.clock).handoff("bob")
        app = demo_app("bob")
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(
                pilot, lambda: isinstance(app.screen, DocumentScreen) and bool(app.screen.query("#document-text"))
            )
            review = document_text(app)
            assert review.startswith("# Review: INC-1")
            assert "Rollback: checkout-api rolled back" in review
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, DocumentScreen)

    async def test_the_outgoing_person_does_not_get_the_review(self, demo_app) -> None:  # type: ignore[no-untyped-def]
        Desk(Repository(FILE), author="alice", clock=demo_app.clock).handoff("bob")
        app = demo_app("alice")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert not isinstance(app.screen, DocumentScreen)


class TestPostmortem:
    async def test_write_a_section_and_mark_complete(self, demo_app) -> None:  # type: ignore[no-untyped-def]
        desk = Desk(Repository(FILE), author="alice", clock=demo_app.clock)
        desk.set_status(Status.RESOLVED, note="confirmed by customers")
        app = demo_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("p")
            await pilot.pause()
            assert isinstance(app.screen, PostmortemScreen)
            assert "## Root Cause\nTODO" in document_text(app)
            await pilot.press("e")
            await pilot.pause()
            assert isinstance(app.screen, SectionEditor)
            app.screen.query_one("#section-text", TextArea).load_text("Pool size [bold]5[/] instead of 50")
            await pilot.press("ctrl+s")
            await wait_saved(pilot)
            await wait_for(pilot, lambda: "Pool size [bold]5[/] instead of 50" in document_text(app))
            # Five sections are still TODO: marking it complete asks why, like an early resolve.
            form = await open_form(pilot, "m")
            assert form.form_title == (
                "Complete with sections still TODO: "
                "Root Cause, Impact, What Went Well, What Went Wrong, Lessons Learned"
            )
            await type_into(pilot, "#field-reason", "review meeting on Monday")
            await pilot.press("ctrl+s")
            await wait_saved(pilot)
            snapshot = on_disk(Path(FILE))
            incident = snapshot.incidents[0]
            assert incident.postmortem["summary"] == "Pool size [bold]5[/] instead of 50"
            assert incident.postmortem_done_at == demo_app.clock.now
            assert snapshot.log[-1].text == (
                "Post-mortem marked complete (override, still TODO: Root Cause, Impact, What Went Well, "
                "What Went Wrong, Lessons Learned): review meeting on Monday"
            )
            await pilot.press("escape")
            await wait_for(pilot, lambda: "marked complete (override)" in text_of(app, "#sla-board"))


class TestActionItems:
    async def test_add_and_complete_an_item(self, demo_app) -> None:  # type: ignore[no-untyped-def]
        app = demo_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("o")
            await pilot.pause()
            assert isinstance(app.screen, ActionItemsScreen)
            assert app.screen.query_one(OptionList).option_count == 2
            await open_form(pilot, "a")
            await type_into(pilot, "#field-text", "Page the DB team on replica lag")
            await type_into(pilot, "#field-owner", "dana")
            await type_into(pilot, "#field-due", "2026-12-24")
            await pilot.press("ctrl+s")
            await wait_saved(pilot)
            items = on_disk(Path(FILE)).action_items
            assert [(i.text, i.owner, str(i.due)) for i in items][-1] == (
                "Page the DB team on replica lag",
                "dana",
                "2026-12-24",
            )
            await wait_for(pilot, lambda: app.screen.query_one(OptionList).option_count == 3)
            app.screen.query_one(OptionList).highlighted = 0
            await pilot.press("x")
            await wait_saved(pilot)
            assert on_disk(Path(FILE)).action_items[0].done_at is not None

    async def test_a_bad_deadline_keeps_the_form_open_with_the_error_under_the_field(self, demo_app) -> None:  # type: ignore[no-untyped-def]
        app = demo_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("o")
            form = await open_form(pilot, "a")
            await type_into(pilot, "#field-text", "Alert on 5xx")
            await type_into(pilot, "#field-owner", "bob")
            await type_into(pilot, "#field-due", "next friday")
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert app.screen is form
            assert "'next friday' is not a date" in str(form.query_one("#error-due").render())
            assert form.query_one("#error-due").display and not form.query_one("#error-text").display
            assert form.focused is form.query_one("#field-due")
            assert len(on_disk(Path(FILE)).action_items) == 2
            form.query_one("#field-due", Input).value = ""
            await type_into(pilot, "#field-due", "2026-12-05")
            await pilot.press("ctrl+s")
            await wait_saved(pilot)
            items = on_disk(Path(FILE)).action_items
            assert (items[-1].text, items[-1].owner, str(items[-1].due)) == ("Alert on 5xx", "bob", "2026-12-05")
            again = await open_form(pilot, "a")  # the next item starts empty, not from the saved one
            assert again.values() == {"text": "", "owner": "", "due": ""}


class TestSnapshots:
    def test_resolve_checklist(self, snap_compare, demo_app) -> None:  # type: ignore[no-untyped-def]
        assert snap_compare(demo_app(), terminal_size=SIZE, press=["x"], run_before=settle)

    def test_handoff_briefing(self, snap_compare, demo_app) -> None:  # type: ignore[no-untyped-def]
        async def brief(pilot: Pilot[None]) -> None:
            await settle(pilot)
            await pilot.press("h", *"bob", "enter")
            await wait_saved(pilot)
            await pilot.pause(0.3)

        assert snap_compare(demo_app(), terminal_size=SIZE, run_before=brief)

    def test_review(self, snap_compare, demo_app) -> None:  # type: ignore[no-untyped-def]
        Desk(Repository(FILE), author="alice", clock=demo_app.clock).handoff("bob")

        async def reviewed(pilot: Pilot[None]) -> None:
            # The review opens over the console as the file is read: wait for both, and for the
            # console behind it to finish drawing (its focus and scroll bars), before the picture.
            await settle(pilot)
            await wait_for(pilot, lambda: len(pilot.app.screen_stack) > 1)
            await pilot.wait_for_scheduled_animations()
            await pilot.pause(0.3)
            pilot.app.screen_stack[0].refresh(repaint=True, layout=True)
            await pilot.pause(0.3)

        assert snap_compare(demo_app("bob"), terminal_size=SIZE, run_before=reviewed)

    def test_postmortem(self, snap_compare, demo_app) -> None:  # type: ignore[no-untyped-def]
        assert snap_compare(demo_app(), terminal_size=SIZE, press=["p"], run_before=settle)
