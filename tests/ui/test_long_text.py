"""Text at the length limits keeps the console whole; text over them is refused where it was typed."""

from __future__ import annotations

import pytest

from incident_console.domain import limits
from incident_console.domain.model import Severity
from incident_console.ui.screens.form import FormScreen
from tests.ui.conftest import log_view, notices, on_disk, open_form, settle, wait_saved

LONG_TITLE = ("Checkout returns 500 for every card payment in eu-west " * 5)[: limits.TITLE - 3] + "END"
LONG_IMPACT = ("all users in the EU cannot pay; " * 40)[: limits.IMPACT]
MANY_SERVICES = [f"service-{n:02d}-" + "x" * (limits.SERVICE - 11) for n in range(limits.SERVICES)]


def screen_text(app) -> list[str]:
    """What the terminal shows, line by line."""
    return ["".join(segment.text for segment in strip) for strip in app.screen._compositor.render_strips()]


def incident_pane_lines(app) -> list[str]:
    """The lines of the screen inside the incident pane's region (what a person sees of it)."""
    region = app.main.query_one("#incident-pane").content_region
    lines = screen_text(app)
    return [lines[y][region.x : region.right] for y in range(region.y, region.bottom)]


@pytest.mark.parametrize("size", [(120, 35), (80, 24), (60, 20)])
async def test_a_long_title_impact_and_service_list_leave_the_incident_pane_whole(make_app, desk, size):
    desk.declare(LONG_TITLE, Severity.P1, impact=LONG_IMPACT, services=MANY_SERVICES, commander="alice")
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await app.main.action_pane(1)
        await pilot.pause()
        shown = "\n".join(incident_pane_lines(app))
        for line in ("INC-1", "Investigating", "Commander", "Impact", "Services", "Started", "Detected", "Triage"):
            assert line in shown, f"{line!r} is out of sight at {size}:\n{shown}"
        assert LONG_TITLE[:20] in shown
        assert "…" in shown  # what does not fit is cut visibly
        if size == (120, 35):  # the timers beside it are untouched
            timers = "\n".join(screen_text(app))
            assert "SLA timers" in timers and "Acknowledge" in timers


async def test_a_title_that_fits_in_two_lines_is_shown_whole(make_app, desk):
    title = "Checkout returns 500 for card payments in eu-west after the 14:02 deploy of api v142"
    desk.declare(title, Severity.P1)
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.pause()
        shown = " ".join(line.strip() for line in incident_pane_lines(app))
        assert title in shown


async def test_a_log_entry_at_the_limit_is_one_row_of_the_log(make_app, desk, state_file):
    desk.declare("API down", Severity.P1)
    long_entry = ("stack trace line; " * 600)[: limits.ENTRY - 3] + "END"
    desk.log(long_entry)
    desk.log("after the long one")
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.pause()
        view = log_view(app)
        rows = [view.render_line(y).text for y in range(view.scrollable_content_region.height)]
        assert any("stack trace line;" in row for row in rows)
        assert any("after the long one" in row for row in rows)
        assert "Commander" in "\n".join(incident_pane_lines(app))


async def test_a_log_line_over_the_limit_is_refused_and_keeps_its_text(make_app, desk, state_file):
    desk.declare("API down", Severity.P1)
    app = make_app()
    too_long = "x" * (limits.ENTRY + 1)
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.press("l")
        await pilot.pause()
        box = app.main.query_one("#log-input")
        box.insert_text_at_cursor(too_long)
        await pilot.press("enter")
        await wait_saved(pilot)
        assert box.value == too_long
        assert [n.message for n in notices(app) if "10,001 characters" in n.message and "10,000" in n.message]
        assert [e.kind for e in on_disk(state_file).log] == ["declare"]


async def test_a_form_over_a_limit_stays_open_with_the_error_and_the_text(make_app, desk, state_file):
    app = make_app()
    title = "t" * (limits.TITLE + 5)
    async with app.run_test(size=(120, 35)) as pilot:
        form = await open_form(pilot, "d")
        form.query_one("#field-title").insert_text_at_cursor(title)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, FormScreen)
        error = str(app.screen.query_one("#error-title").render())  # under the field
        assert "Title is 205 characters long; the limit is 200" in error
        assert app.screen.query_one("#field-title").value == title
        assert not on_disk(state_file).incidents


async def test_a_post_mortem_section_over_the_limit_keeps_the_editor_open(make_app, desk, state_file):
    desk.declare("API down", Severity.P1)
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        area = app.screen.query_one("#section-text")
        area.insert("y" * (limits.SECTION + 1))
        await pilot.press("ctrl+s")
        await wait_saved(pilot)
        assert app.screen.query_one("#section-text").text == "y" * (limits.SECTION + 1)
        assert [n for n in notices(app) if "20,001 characters" in n.message]
        assert not on_disk(state_file).incidents[0].postmortem


async def test_an_update_over_the_limit_is_neither_copied_nor_logged(make_app, desk, clipboard, state_file):
    desk.declare("API down", Severity.P1)
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        app.main.query_one("#draft").load_text("u" * (limits.ENTRY + 1))
        await pilot.press("y")
        await pilot.pause(0.2)
        await wait_saved(pilot)
        assert clipboard.texts == []
        assert [n for n in notices(app) if "the status update is 10,001 characters long" in n.message]
        assert [e.kind for e in on_disk(state_file).log] == ["declare"]


async def test_a_long_title_is_shown_whole_where_the_pane_has_the_lines_to_spare(make_app, desk):
    desk.declare(LONG_TITLE, Severity.P1)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:  # narrow: the incident pane has the screen's height
        await pilot.pause()
        await app.main.action_pane(1)
        await pilot.pause()
        lines = incident_pane_lines(app)
        shown = " ".join(line.strip() for line in lines)
        assert LONG_TITLE in shown
        assert "Triage" in shown and "…" not in shown
