"""The console flags an entry from a wrong clock in its banner, and the timer it would have met stays unmet."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from incident_console.desk import Desk
from incident_console.domain.model import Severity
from incident_console.store.repository import Repository
from incident_console.ui.app import IncidentConsole
from tests.ui.conftest import SIZE, FrozenClock, text_of


async def test_an_entry_written_before_detection_is_in_the_banner_and_meets_no_timer(
    desk: Desk, clock: FrozenClock, make_app: Callable[..., IncidentConsole]
) -> None:
    ahead = FrozenClock(clock.now + timedelta(days=2))
    Desk(desk.repository, author="bob", clock=ahead).declare("Checkout down", Severity.P1)  # a clock two days ahead
    desk.acknowledge()  # the console's own, correct clock
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        banner = text_of(app, "#banner")
        assert "Clock problem: entry #2 (ack by alice)" in banner and "meets no timer" in banner
        assert app.main.query_one("#banner").display
        board = text_of(app, "SlaBoard")
        assert "Acknowledge" in board and "met at" not in board.split("Acknowledge", 1)[1].splitlines()[0]
    assert Repository(desk.repository.path).snapshot().incidents[0].acknowledged_at is not None
