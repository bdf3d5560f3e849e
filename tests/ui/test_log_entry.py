"""A log entry in full: Enter or a click on a row opens it; c writes a correction; the corrected row says so."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from incident_console.domain.model import NewEntry, Severity
from incident_console.store import storage
from incident_console.ui import app as app_module
from incident_console.ui.app import IncidentConsole
from incident_console.ui.widgets.log_view import LogView

from ..reliability.harness import screen_lines
from .conftest import SIZE, log_rows, log_view, notices, on_disk, wait_for, wait_saved

original_write = storage.write_atomically


def disk_full(path: Path, payload: bytes) -> None:
    raise OSError(28, "No space left on device")


UPDATE = "## Incident Update\n\n**Status:** Investigating\nPress [@click=app.quit]here[/] \x1b[31mred"


def entry_screen_text(app: IncidentConsole) -> str:
    """What the entry's box shows, line by line (its thick border drawn as █ on either side)."""
    lines = [line for line in screen_lines(app) if line.count("█") >= 2]
    return "\n".join(line[line.index("█") + 1 : line.rindex("█")].strip() for line in lines)


async def opened_entry(pilot, app: IncidentConsole) -> int:  # type: ignore[no-untyped-def]
    """Wait for the entry screen; the id of the entry it shows."""
    await wait_for(pilot, lambda: type(app.screen).__name__ == "EntryScreen")
    await pilot.pause(0.1)
    return app.screen.entry_id  # type: ignore[attr-defined,no-any-return]


def setup(desk, clock) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    desk.declare("Checkout returns 500", Severity.P1)
    clock.advance(minutes=10)
    note = desk.log("restarted the checkout pods", at=clock.now - timedelta(minutes=6))
    update = desk.log(UPDATE, kind="comms")
    return note.id, update.id


class TestOpenEntry:
    async def test_enter_opens_the_highlighted_entry_whole_and_literal(self, make_app, desk, clock):
        note_id, update_id = setup(desk, clock)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("3", "enter")  # the newest row is highlighted first
            assert await opened_entry(pilot, app) == update_id
            shown = entry_screen_text(app).splitlines()
            assert "## Incident Update" in shown and "**Status:** Investigating" in shown
            assert "Press [@click=app.quit]here[/] ␛[31mred" in shown
            assert any(line.split() == ["Kind", "comms"] for line in shown)
            assert any(line.split() == ["Author", "alice"] for line in shown)
            await pilot.press("escape", "up", "enter")
            assert await opened_entry(pilot, app) == note_id
            text = entry_screen_text(app)
            assert "2026-11-28T03:04:00Z" in text and "2026-11-28T03:10:00Z" in text  # happened, then written
            assert "backfilled" in text
            assert on_disk(desk.repository.path).log[note_id - 1].hash in text
            assert app.is_running

    async def test_a_click_on_a_row_opens_that_entry(self, make_app, desk, clock):
        note_id, _ = setup(desk, clock)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause(0.2)
            row = [r.entry_id for r in log_rows(app)].index(note_id)
            await pilot.click(LogView, offset=(20, row))
            assert await opened_entry(pilot, app) == note_id

    async def test_an_unsaved_row_says_it_cannot_be_opened_yet(self, make_app, desk, clock, monkeypatch):
        setup(desk, clock)
        monkeypatch.setattr(storage, "write_atomically", disk_full)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("l", *"cache flushed", "enter")
            await wait_for(pilot, lambda: any(n.title == "Not saved" for n in notices(app)))
            await pilot.press("escape", "enter")  # the entry line closes; the unsaved row is the newest
            await pilot.pause()
            assert type(app.screen).__name__ != "EntryScreen"
            assert any("not saved yet" in n.message for n in notices(app))


class TestCorrect:
    async def test_c_logs_a_correction_pointing_at_the_entry_and_the_row_says_corrected(self, make_app, desk, clock):
        note_id, _ = setup(desk, clock)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("3", "up", "enter")
            assert await opened_entry(pilot, app) == note_id
            await pilot.press("c", *"it was the payments pods", "enter")
            await wait_saved(pilot)
            correction = on_disk(desk.repository.path).log[-1]
            assert (correction.kind, correction.corrects, correction.text) == (
                "correction",
                note_id,
                "it was the payments pods",
            )
            await wait_for(pilot, lambda: f"#{correction.id} correction by alice" in entry_screen_text(app))
            assert "Corrected by" in entry_screen_text(app)
            await pilot.press("escape")
            await pilot.pause()
            row = [r.entry_id for r in log_rows(app)].index(note_id)
            assert "[corrected] restarted the checkout" in log_view(app).render_line(row).text

    async def test_a_correction_opened_says_what_it_corrects(self, make_app, desk, clock):
        note_id, _ = setup(desk, clock)
        desk.log("it was the payments pods", kind="correction", corrects=note_id)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("3", "enter")
            await opened_entry(pilot, app)
            assert f"#{note_id} note by alice at 2026-11-28T03:04:00Z: restarted" in entry_screen_text(app)

    async def test_closing_the_entry_before_the_correction_is_saved_keeps_the_correction(
        self, make_app, desk, clock, monkeypatch
    ):
        note_id, _ = setup(desk, clock)
        monkeypatch.setattr(app_module, "RETRY_SECONDS", 0.2)
        monkeypatch.setattr(storage, "write_atomically", disk_full)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("3", "up", "enter")
            assert await opened_entry(pilot, app) == note_id
            await pilot.press("c", *"it was the payments pods", "enter")
            await wait_for(pilot, lambda: any(n.title == "Not saved" for n in notices(app)))
            await pilot.press("escape")
            await pilot.pause()
            monkeypatch.setattr(storage, "write_atomically", original_write)
            await wait_saved(pilot)
            await wait_for(pilot, lambda: any("Correction to entry" in n.message for n in notices(app)))
            assert app.is_running and app.return_code is None
        correction = on_disk(desk.repository.path).log[-1]
        assert (correction.kind, correction.corrects) == ("correction", note_id)


class TestLongLog:
    async def test_moving_the_highlight_draws_only_what_is_on_screen(self, make_app, desk, monkeypatch):
        desk.declare("Checkout returns 500", Severity.P1)
        incident = desk.incident()
        with desk.repository.transaction(desk.clock()) as tx:
            for number in range(1, 5001):
                tx.append(NewEntry(incident.id, "note", f"note {number}", "bob", incident.detected_at))
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause(0.3)
            drawn: list[int] = []
            segments = LogView._segments
            monkeypatch.setattr(LogView, "_segments", lambda self, row: drawn.append(1) or segments(self, row))
            await pilot.press("3", *["up"] * 30, "pageup", "home", "down", "enter")
            assert await opened_entry(pilot, app) == 2  # the row after the declaration
            assert len(drawn) < 300
