"""A save that finds the file's lock held by another process: the console never freezes, shows the
change pending with who holds the lock, and saves it once the lock is free."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from unittest import mock

from incident_console.desk import Desk
from incident_console.domain.model import Severity
from incident_console.store.repository import Repository
from incident_console.ui import app as app_module
from incident_console.ui.app import IncidentConsole
from tests.reliability.locks import held_lock
from tests.ui.conftest import SIZE, FrozenClock, log_rows, log_view, on_disk, text_of, wait_for, wait_saved

TEXT = "api rolled back"


def lock_of(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def saved_texts(path: Path) -> list[str]:
    return [entry.text for entry in on_disk(path).log]


async def test_a_save_waiting_for_the_lock_is_shown_pending_with_the_holder_then_lands(
    make_app: Callable[..., IncidentConsole], desk: Desk, state_file: Path
) -> None:
    desk.declare("Checkout returns 500", Severity.P1)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        with held_lock(lock_of(state_file)) as holder:
            await pilot.press("l", *TEXT, "enter")
            await wait_for(pilot, lambda: "waiting for the file lock" in text_of(app, "#banner"), tries=200)
            banner = text_of(app, "#banner")
            assert f"held by process {holder.pid}" in banner, banner
            row = log_rows(app)[-1]
            assert (row.text, row.pending) == (TEXT, True), row
            assert TEXT not in saved_texts(state_file)
            local = log_view(app).local_time
            await pilot.press("escape", "z")  # the console still answers keys while the save waits
            await wait_for(pilot, lambda: log_view(app).local_time != local)
            assert app.main.query_one("#banner").display
        await wait_saved(pilot, tries=400)
        assert saved_texts(state_file).count(TEXT) == 1
        assert not log_rows(app)[-1].pending
        assert not app.main.query_one("#banner").display


async def test_a_save_that_gave_up_on_the_lock_is_kept_and_retried_until_it_lands(
    state_file: Path, clock: FrozenClock, make_app: Callable[..., IncidentConsole]
) -> None:
    desk = Desk(Repository(state_file, lock_timeout=0.2), author="alice", clock=clock)
    desk.declare("Checkout returns 500", Severity.P1)
    app = IncidentConsole(desk, clipboard=make_app().system_clipboard, verify_on_open=False, poll_seconds=0.2)
    with mock.patch.object(app_module, "RETRY_SECONDS", 0.4):
        async with app.run_test(size=SIZE) as pilot:
            with held_lock(lock_of(state_file)) as holder:
                await pilot.press("l", *TEXT, "enter")
                await wait_for(pilot, lambda: "gave up after waiting" in text_of(app, "#banner"), tries=200)
                banner = text_of(app, "#banner")
                assert "NOT SAVED" in banner and f"held by process {holder.pid}" in banner, banner
                assert log_rows(app)[-1].pending
                assert TEXT not in saved_texts(state_file)
            await wait_saved(pilot, tries=400)
            assert saved_texts(state_file).count(TEXT) == 1
            assert not app.main.query_one("#banner").display
