"""Pictures of the console (SVG, compared with the accepted ones in __snapshots__).

Everything in a picture comes from a fixed clock: the Desk's clock, and the file's saved time,
which is otherwise the file's modification time. The state file is named by a relative path,
so the top bar does not show the test's temporary folder.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot

from incident_console.desk import Desk
from incident_console.domain.model import Severity, Status
from incident_console.domain.triage import answers_from_text
from incident_console.store.repository import Repository
from incident_console.ui.app import IncidentConsole

from .conftest import FakeClipboard, FrozenClock, settle

STORY_START = datetime(2026, 11, 28, 2, 47, tzinfo=UTC)
NOW = datetime(2026, 11, 28, 3, 9, 30, tzinfo=UTC)
FILE = "incidents.json"


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(Repository, "saved_at", lambda self: NOW - timedelta(seconds=20))
    return tmp_path


def demo_incident(clock: FrozenClock) -> None:
    """A P1 checkout incident twenty minutes in: acknowledged, triaged, rolled back, one update out."""

    def desk(author: str) -> Desk:
        return Desk(Repository(FILE), author=author, clock=clock)

    alice, bob = desk("alice"), desk("bob")
    clock.now = STORY_START + timedelta(minutes=4)
    alice.declare(
        "Checkout API returning 502s",
        Severity.P2,
        impact="About 30% of checkout attempts fail with a 502",
        services=["checkout-api", "payments"],
        started_at=STORY_START,
        detected_at=STORY_START + timedelta(minutes=2),
    )
    clock.advance(minutes=1)
    alice.acknowledge()
    clock.advance(minutes=2)
    alice.triage(answers_from_text("all", "no", "yes", "no"), apply_severity=True)
    clock.advance(minutes=1)
    alice.log("Error rate jumped at 02:47, right after deploy v2026.11.28-1")
    clock.advance(minutes=2)
    alice.record_update(
        "We're investigating failed checkouts (about 30% of attempts). Next update by 03:26 UTC.",
        template="initial",
    )
    clock.advance(minutes=3)
    bob.log("payments p99 is normal; the 502s come from the checkout-api pods")
    clock.advance(minutes=1)
    alice.respond("Rollback", "checkout-api to v2026.11.27-3")
    clock.advance(minutes=2)
    alice.set_status(Status.IDENTIFIED, note="bad deploy of checkout-api")
    clock.now = NOW


def console(clock: FrozenClock) -> IncidentConsole:
    desk = Desk(Repository(FILE), author="alice", clock=clock)
    return IncidentConsole(desk, clipboard=FakeClipboard(), poll_seconds=1.0, verify_on_open=False)


class TestMainScreen:
    def test_demo_incident_120x35(self, snap_compare, in_tmp):
        clock = FrozenClock()
        demo_incident(clock)
        assert snap_compare(console(clock), terminal_size=(120, 35), run_before=settle)

    def test_demo_incident_80x24(self, snap_compare, in_tmp):
        clock = FrozenClock()
        demo_incident(clock)
        assert snap_compare(console(clock), terminal_size=(80, 24), run_before=settle)

    def test_empty_state(self, snap_compare, in_tmp):
        assert snap_compare(console(FrozenClock()), terminal_size=(120, 35), run_before=settle)


class TestHelpScreen:
    def test_help(self, snap_compare, in_tmp):
        clock = FrozenClock()
        demo_incident(clock)

        async def open_help(pilot: Pilot[None]) -> None:
            await pilot.press("question_mark")
            await pilot.pause(0.5)

        assert snap_compare(console(clock), terminal_size=(120, 35), run_before=open_help)
