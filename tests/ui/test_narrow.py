"""Narrow terminals (tabs below 100 columns or 28 rows) keep the essentials in view: a strip with the
incident and its most urgent timer on every tab, help and quit in the footer, whole form buttons."""

from __future__ import annotations

import pytest

from incident_console.domain.model import Severity

from ..reliability.harness import screen_lines
from .conftest import open_form, settle

NARROW = [(80, 24), (60, 20)]


def strip_line(lines: list[str]) -> str:
    """The screen line that shows the incident's id (the top bar shows none)."""
    found = [line for line in lines if "INC-1" in line]
    assert found, "\n".join(lines)
    return found[0]


@pytest.mark.parametrize("size", NARROW, ids=lambda s: f"{s[0]}x{s[1]}")
class TestNarrow:
    async def test_the_strip_shows_the_incident_and_its_most_urgent_timer_on_every_tab(self, make_app, desk, size):
        desk.declare("Checkout returns 500", Severity.P1, impact="Card payments fail")
        app = make_app()
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            for tab in ("1", "2", "3", "4", "3"):
                await pilot.press(tab)
                await pilot.pause()
                app.screen.set_focus(None)
                line = strip_line(screen_lines(app))
                for fact in ("P1", "INC-1", "Investigating", "Acknowledge", "5m 00s left"):
                    assert fact in line, (tab, fact, line)

    async def test_the_strip_follows_the_clock_and_the_next_deadline(self, make_app, desk, clock, size):
        desk.declare("Checkout returns 500", Severity.P1, impact="Card payments fail")
        app = make_app()
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            clock.advance(minutes=7)
            app.tick()
            await pilot.pause()
            line = strip_line(screen_lines(app))
            assert "Acknowledge" in line and "OVERDUE 2m 00s" in line, line
            desk.acknowledge()
            app.show_snapshot(desk.snapshot())
            await pilot.pause()
            line = strip_line(screen_lines(app))
            assert "Triage" in line and "3m 00s left" in line, line

    async def test_the_footer_keeps_help_and_quit(self, make_app, desk, size):
        desk.declare("Checkout returns 500", Severity.P1, impact="Card payments fail")
        app = make_app()
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            footer = screen_lines(app)[-1]
            assert "? Help" in footer and "q Quit" in footer, footer
            assert footer.startswith("d Declare"), footer

    @pytest.mark.parametrize("key", ["d", "t", "u", "e"])
    async def test_form_buttons_are_whole(self, make_app, desk, size, key):
        desk.declare("Checkout returns 500", Severity.P1, impact="Card payments fail")
        app = make_app()
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            app.screen.set_focus(None)
            await open_form(pilot, key)
            await pilot.pause(0.2)
            text = "\n".join(screen_lines(app))
            assert "Save (ctrl+s)" in text and "Cancel (esc)" in text, text
