"""Help groups the keys by runbook step and reads well at 80x24; the palette lists the runbook's actions
before Textual's own commands."""

from __future__ import annotations

from textual.command import CommandList, CommandPalette

from incident_console.domain.model import Severity
from incident_console.ui.commands import ACTIONS, STEPS, key_label
from incident_console.ui.screens.help import HelpScreen

from ..reliability.harness import screen_lines
from .conftest import settle, wait_for

STEP_TITLES = [
    "Detect and declare",
    "Triage",
    "Communicate",
    "Respond",
    "Resolve",
    "Post-mortem",
    "Moving around",
]
TEXTUAL_COMMANDS = ("Theme", "Keys", "Screenshot")


def help_lines(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [line.strip(" ▌▐█▎▊│").strip() for line in screen_lines(app)]


class TestHelp:
    async def test_the_keys_are_grouped_by_runbook_step_and_many_show_at_once_at_80x24(self, make_app, desk):
        desk.declare("Checkout returns 500", Severity.P1, impact="Card payments fail")
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.screen.set_focus(None)
            await pilot.press("question_mark")
            await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
            await pilot.pause(0.2)
            first = help_lines(app)
            # The first screen already shows the first steps and their keys, one line each.
            for heading in STEP_TITLES[:3]:
                assert heading in first, "\n".join(first)
            for key, title in (("d", "Declare"), ("a", "Ack"), ("t", "Triage"), ("s", "Severity"), ("y", "Copy")):
                assert any(line.startswith(f"{key} ") and title in line for line in first), (key, "\n".join(first))
            seen = list(first)
            for _ in range(6):
                await pilot.press("pagedown")
                await pilot.pause(0.1)
                seen += help_lines(app)
            headings = [h for h in STEP_TITLES if h in seen]
            assert headings == STEP_TITLES
            order = [seen.index(h) for h in STEP_TITLES]
            assert order == sorted(order), order
            for action in ACTIONS:
                assert any(line.startswith(f"{key_label(action)} ") for line in seen), key_label(action)
            assert any(line.startswith("ctrl+p ") for line in seen)
            await pilot.press("escape")
            assert not isinstance(app.screen, HelpScreen)

    def test_every_action_belongs_to_a_runbook_step(self):
        steps = {key for key, _ in STEPS}
        assert [title for _, title in STEPS] == STEP_TITLES
        for action in ACTIONS:
            assert action.step in steps, action


def palette_prompts(app) -> list[str]:  # type: ignore[no-untyped-def]
    commands = app.screen.query_one(CommandList)
    return [str(commands.get_option_at_index(i).prompt) for i in range(commands.option_count)]


class TestPalette:
    async def test_the_runbook_actions_come_before_textual_commands(self, make_app, desk):
        desk.declare("Checkout returns 500", Severity.P1)
        app = make_app()
        async with app.run_test(size=(120, 35)) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+p")
            await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
            await pilot.press("down")  # shows every command
            await wait_for(pilot, lambda: len(palette_prompts(app)) > len(ACTIONS))
            await pilot.pause(0.5)
            prompts = palette_prompts(app)
            ours = [i for i, p in enumerate(prompts) if any(p.startswith(f"{a.title}  (") for a in ACTIONS)]
            textual = [i for i, p in enumerate(prompts) if p.startswith(TEXTUAL_COMMANDS)]
            assert len(ours) == len(ACTIONS) and textual, prompts
            assert max(ours) < min(textual), prompts
            assert prompts[0].startswith("Declare"), prompts

    async def test_a_search_puts_the_runbook_action_first(self, make_app, desk):
        desk.declare("Checkout returns 500", Severity.P1)
        app = make_app()
        async with app.run_test(size=(120, 35)) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+p")
            await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
            await pilot.press(*"quit")
            await wait_for(pilot, lambda: len(palette_prompts(app)) >= 2)
            await pilot.pause(0.5)
            prompts = palette_prompts(app)
            assert prompts[0].startswith("Quit  (q)"), prompts
            assert any("Quit the application" in p for p in prompts[1:]), prompts  # Textual's own
