"""Two threads of one console read the file: the reload after another process's write, and the save
queue after a change. Whichever finishes last, the console ends up showing the file as it is."""

from __future__ import annotations

from pathlib import Path

from incident_console.desk import Desk
from incident_console.domain.model import Severity
from incident_console.store.repository import Repository
from incident_console.ui.app import IncidentConsole

from .conftest import SIZE, log_rows, wait_for


def _texts(app: IncidentConsole) -> list[str]:
    return [row.text for row in log_rows(app)]


async def test_a_reload_that_arrives_after_a_newer_state_is_not_shown_over_it(desk, state_file: Path, clock, make_app):
    desk.declare("Checkout errors", Severity.P2)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        early = app.desk.held(app.incident_id)  # a reload's read, before the other console's entry
        Desk(Repository(state_file), author="bob", clock=clock).log("restarted the pods")
        later = app.desk.held(app.incident_id)  # the save queue's read, after it
        app.show_snapshot(later)
        await pilot.pause()
        assert "restarted the pods" in _texts(app)
        app.show_snapshot(early)  # the reload's answer arrives last
        await pilot.pause()
        assert "restarted the pods" in _texts(app)


async def test_a_state_read_on_another_thread_and_not_shown_is_picked_up_at_the_next_tick(
    desk, state_file: Path, clock, make_app
):
    desk.declare("Checkout errors", Severity.P2)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        Desk(Repository(state_file), author="bob", clock=clock).log("restarted the pods")
        # A read that took the file's new state in (its stamp now the file's) and was never shown,
        # as when a late reload's answer is dropped.
        app.desk.held(app.incident_id)
        assert "restarted the pods" not in _texts(app)
        app.tick()
        await wait_for(pilot, lambda: "restarted the pods" in _texts(app))
