"""Text typed or pasted into the console is stored as written and drawn with control characters visible."""

from __future__ import annotations

from textual import events
from textual.keys import _character_to_key

from incident_console.domain.model import Severity
from incident_console.ui.screens.form import FormScreen
from tests.ui.conftest import on_disk, open_form, settle, text_of, wait_for, wait_saved

PASTED = "A \x1b[31mred\x1b[0m 👩\u200d💻 \x9b31m \u202eevil\u202c end"
SHOWN = "A ␛[31mred␛[0m 👩\u200d💻 \ufffd31m \u2b1aevil\u2b1a end"
# What must never be drawn: C0 and C1 controls, DEL, and the bidi overrides pasted above.
NEVER_DRAWN = {*map(chr, range(0x20)), *map(chr, range(0x7F, 0xA0)), "\u202e", "\u202c"}


def screen_text(app) -> str:
    """Every cell the terminal is sent for the top screen (style and cursor codes left out)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip if not segment.control) for strip in strips)


def raw_on_screen(app) -> set[str]:
    return {char for char in screen_text(app) if char in NEVER_DRAWN and char != "\n"}


async def paste(pilot, text: str) -> None:
    """What the terminal sends for a bracketed paste, as the driver delivers it to the console."""
    pilot.app.post_message(events.Paste(text))
    await pilot.pause()


async def type_keys(pilot, text: str) -> None:
    """Each character as a key press, as the terminal driver sends it (the pilot's ``press`` leaves
    the character out of keys such as the zero-width joiner)."""
    for char in text:
        pilot.app.post_message(events.Key(_character_to_key(char), char))
        await pilot.pause()


class TestLogLine:
    async def test_a_pasted_escape_sequence_and_joiner_are_saved_as_pasted_and_shown_visibly(
        self, make_app, desk, state_file
    ):
        desk.declare("API down", Severity.P1)
        app = make_app()
        async with app.run_test(size=(120, 35)) as pilot:
            await pilot.press("l")
            await paste(pilot, PASTED)
            box = app.main.query_one("#log-input")
            assert box.value == PASTED
            assert SHOWN in screen_text(app) and not raw_on_screen(app)
            await pilot.press("enter")
            await wait_saved(pilot)
            assert on_disk(state_file).log[-1].text == PASTED
            assert SHOWN in screen_text(app) and not raw_on_screen(app)

    async def test_a_paste_of_several_lines_keeps_every_line(self, make_app, desk, state_file):
        desk.declare("API down", Severity.P1)
        app = make_app()
        async with app.run_test(size=(120, 35)) as pilot:
            await pilot.press("l")
            await paste(pilot, "first line\nsecond\x1cline\r\nthird line")
            await pilot.press("enter")
            await wait_saved(pilot)
            assert on_disk(state_file).log[-1].text == "first line second\x1cline third line"

    async def test_a_joiner_and_a_no_break_space_typed_as_keys_are_kept(self, make_app, desk, state_file):
        desk.declare("API down", Severity.P1)
        app = make_app()
        async with app.run_test(size=(120, 35)) as pilot:
            await pilot.press("l")
            await type_keys(pilot, "👩\u200d💻\u00a0ok")
            await pilot.press("enter")
            await wait_saved(pilot)
            assert on_disk(state_file).log[-1].text == "👩\u200d💻\u00a0ok"

    async def test_the_cursor_is_drawn_on_the_character_it_is_on_after_a_control_character(self, make_app, desk):
        desk.declare("API down", Severity.P1)
        app = make_app()
        async with app.run_test(size=(120, 35)) as pilot:
            await pilot.press("l")
            await paste(pilot, "a\x1bb")
            await pilot.press("left")
            box = app.main.query_one("#log-input")
            # "a␛" is two cells wide: the cursor is drawn on the b.
            assert box.cursor_screen_offset.x - box.content_region.x == 2
            await pilot.press("x")
            assert box.value == "a\x1bxb"


class TestForms:
    async def test_every_field_of_a_form_keeps_what_was_pasted(self, make_app, state_file):
        app = make_app()
        async with app.run_test(size=(120, 35)) as pilot:
            await open_form(pilot, "d")
            for field in ("title", "impact", "services", "commander"):
                app.screen.query_one(f"#field-{field}").focus()
                await paste(pilot, f"{field} {PASTED}")
            assert isinstance(app.screen, FormScreen)
            assert not raw_on_screen(app)
            assert f"title {SHOWN}" in screen_text(app)
            await pilot.press("ctrl+s")
            await wait_saved(pilot)
            incident = on_disk(state_file).incidents[0]
            assert incident.title == f"title {PASTED}"
            assert incident.impact == f"impact {PASTED}"
            assert incident.services == (f"services {PASTED}",)
            assert incident.commander == f"commander {PASTED}"
            assert f"title {SHOWN}" in text_of(app, "#incident-pane").replace("\n", " ")
            assert not raw_on_screen(app)


class TestEditors:
    async def test_the_composer_keeps_a_paste_and_draws_it_visibly(self, make_app, desk):
        desk.declare("API down", Severity.P1)
        app = make_app()
        async with app.run_test(size=(120, 35)) as pilot:
            await settle(pilot)
            area = app.main.query_one("#draft")
            area.focus()
            area.select_all()
            await paste(pilot, "line one\n" + PASTED + "\x1ctail")
            assert area.text == "line one\n" + PASTED + "\x1ctail"
            await pilot.pause()
            assert not raw_on_screen(app)
            assert SHOWN.split(" evil")[0] in screen_text(app)

    async def test_the_post_mortem_section_editor_saves_a_paste_as_pasted(self, make_app, desk, state_file):
        desk.declare("API down", Severity.P1)
        app = make_app()
        async with app.run_test(size=(120, 35)) as pilot:
            await pilot.press("p")
            await pilot.pause()
            await pilot.press("e")
            await wait_for(pilot, lambda: bool(app.screen.query("#section-text")))
            app.screen.query_one("#section-text").focus()
            await paste(pilot, "Root cause:\n" + PASTED + "\u2028more")
            await type_keys(pilot, "👩\u200d💻")
            assert SHOWN in screen_text(app) and not raw_on_screen(app)
            await pilot.press("ctrl+s")
            await wait_saved(pilot)
            assert on_disk(state_file).incidents[0].postmortem["summary"] == (
                "Root cause:\n" + PASTED + "\u2028more👩\u200d💻"
            )
            await pilot.pause()
            assert not raw_on_screen(app)


class TestStoredText:
    async def test_c1_and_bidi_controls_in_the_file_are_drawn_as_stand_ins(self, make_app, desk):
        desk.declare(
            "pay \x9b2J \u202eevil\u202c \u2066x\u2069", Severity.P1, impact="\u200fimpact", services=["a\x85b"]
        )
        desk.log("note \x9b31m \u202edesrever\u202c")
        app = make_app()
        async with app.run_test(size=(120, 35)) as pilot:
            await settle(pilot)
            shown = screen_text(app)
            assert "pay \ufffd2J \u2b1aevil\u2b1a \u2b1ax\u2b1a" in shown
            assert "note \ufffd31m \u2b1adesrever\u2b1a" in shown
            assert not raw_on_screen(app)
            assert not {ch for ch in shown if ch in "\u2066\u2069\u200f\x85"}
