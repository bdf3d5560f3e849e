"""A served tab's console: "Who are you?" when the address named no one, and the read-only view a viewer gets."""

from __future__ import annotations

from pathlib import Path

from textual.command import CommandList, CommandPalette

from incident_console.desk import Desk
from incident_console.domain.model import Severity
from incident_console.store.repository import Repository
from incident_console.ui.screens.help import HelpScreen
from incident_console.ui.screens.identity import IdentityScreen

from ..reliability.harness import screen_lines
from .conftest import SIZE, notices, on_disk, record_notifications, settle, text_of, type_into, wait_for, wait_saved

WRITE_LABELS = ("Declare", "Ack", "Triage", "Log", "Respond", "Escalate", "Severity", "Status", "Copy", "Resolve")


def footer_line(app) -> str:  # type: ignore[no-untyped-def]
    return screen_lines(app)[-1]


class TestIdentity:
    async def test_served_without_a_name_asks_who_you_are_and_writes_as_them(self, make_app, desk, state_file):
        desk.declare("Checkout returns 500", Severity.P1)
        app = make_app(served=True, ask_name=True)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, IdentityScreen))
            await pilot.pause(0.2)
            assert any("Who are you?" in line for line in screen_lines(app))
            await pilot.press("enter")  # empty: refused, the screen stays
            await pilot.pause(0.1)
            assert isinstance(app.screen, IdentityScreen)
            assert any("your name is empty" in line for line in screen_lines(app))
            await type_into(pilot, "#identity-name", "[b]dana[/b]")
            await pilot.press("enter")
            await wait_for(pilot, lambda: not isinstance(app.screen, IdentityScreen))
            await settle(pilot)
            assert "you: [b]dana[/b]" in text_of(app, "#topbar")
            await pilot.press("l")
            await pilot.pause(0.1)
            await pilot.press(*"db failover started", "enter")
            await wait_saved(pilot)
        entry = on_disk(state_file).log[-1]
        assert (entry.text, entry.author) == ("db failover started", "[b]dana[/b]")

    async def test_a_served_console_named_by_the_address_does_not_ask(self, make_app, desk):
        app = make_app(served=True, ask_name=False)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert not isinstance(app.screen, IdentityScreen)
            assert "you: alice" in text_of(app, "#topbar")

    async def test_served_copy_goes_by_osc52_only_and_says_so(self, state_file, clock):
        from incident_console.ui.app import IncidentConsole

        desk = Desk(Repository(state_file), author="alice", clock=clock)
        desk.declare("Checkout returns 500", Severity.P1, impact="Card payments fail", services=["checkout"])
        app = IncidentConsole(desk, served=True, verify_on_open=False)
        record_notifications(app)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("y")
            await wait_for(pilot, lambda: on_disk(state_file).log[-1].kind == "comms")
            await wait_saved(pilot)
            assert "Card payments fail" in (app.clipboard or "")
        messages = [n.message for n in notices(app)]
        assert any("OSC 52" in m and "only OSC 52 reaches your clipboard" in m for m in messages), messages


class TestReadOnlyView:
    def _view(self, state_file: Path, clock) -> Desk:  # type: ignore[no-untyped-def]
        writer = Desk(Repository(state_file), author="alice", clock=clock)
        writer.declare("Checkout returns 500", Severity.P1)
        return Desk(Repository(state_file), author="carol", clock=clock, read_only=True)

    async def test_read_only_footer_has_no_write_keys_and_the_header_says_so(self, state_file, clock, clipboard):
        from incident_console.ui.app import IncidentConsole

        app = IncidentConsole(self._view(state_file, clock), clipboard=clipboard, verify_on_open=False)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            footer = footer_line(app)
            for label in WRITE_LABELS:
                assert f" {label}" not in footer, footer
            assert "Help" in footer and "Quit" in footer
            assert "read-only view" in text_of(app, "#topbar")

    async def test_read_only_keys_change_nothing(self, state_file, clock, clipboard):
        from incident_console.ui.app import IncidentConsole

        app = IncidentConsole(self._view(state_file, clock), clipboard=clipboard, verify_on_open=False)
        record_notifications(app)
        before = state_file.read_bytes()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            for key in ("a", "l", *"hello", "enter", "d", "t", "s", "u", "e", "r", "y", "x", "h", "o", "p", "c"):
                await pilot.press(key)
            await pilot.pause(0.3)
            assert app.screen is app.main  # no form, no checklist opened
            assert not app.saver.pending()
        assert state_file.read_bytes() == before
        assert not any("not saved" in n.message.lower() for n in notices(app))

    async def test_read_only_help_and_palette_list_no_write_action(self, state_file, clock, clipboard):
        from incident_console.ui.app import IncidentConsole

        app = IncidentConsole(self._view(state_file, clock), clipboard=clipboard, verify_on_open=False)
        async with app.run_test(size=(120, 60)) as pilot:
            await settle(pilot)
            await pilot.press("question_mark")
            await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
            await pilot.pause(0.2)
            shown = "\n".join(screen_lines(app))
            assert "Next incident" in shown and "Filter" in shown
            for title in ("Declare", "Acknowledge", "Escalate", "Handoff", "Copy update", "Reset draft"):
                assert title not in shown, title
            await pilot.press("escape")
            await pilot.press("ctrl+p")
            await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
            await pilot.pause(0.3)
            listed = str(app.screen.query_one(CommandList).render())
            options = app.screen.query_one(CommandList)
            prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
            assert any("Next incident" in p for p in prompts), listed
            assert not [p for p in prompts if p.split("  (")[0] in ("Declare", "Log", "Escalate", "Ack")], prompts
