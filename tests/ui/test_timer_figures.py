"""Every figure the console shows is true: the SLA pane after a resolve, dates on other days, the
update text, the post-mortem's Lead, and refusals worded for the console (no command-line flags)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from incident_console.domain.model import Severity, Status
from incident_console.ui.screens.postmortem import PostmortemScreen
from incident_console.ui.widgets.composer import Composer

from .conftest import SIZE, choose, notices, open_form, text_of, wait_for, wait_saved

NARROW = (80, 24)


def board(app) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The SLA pane's timer lines, by title (a line wrapped in a narrow pane read as one)."""
    lines: list[str] = []
    for line in text_of(app, "#sla-board").splitlines()[1:]:
        if line.startswith(" " * 13) and lines:
            lines[-1] += " " + line.strip()
        else:
            lines.append(line)
    return {line[:13].strip(): line for line in lines}


class TestAfterResolution:
    async def test_monitoring_cut_short_says_skipped_and_by_how_much(self, make_app, desk, clock) -> None:  # type: ignore[no-untyped-def]
        desk.declare("Checkout returns 500", Severity.P2)
        clock.advance(minutes=10)
        desk.set_status(Status.MONITORING)
        clock.advance(seconds=13)
        desk.set_status(Status.RESOLVED, note="customer confirmed")
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            line = board(app)["Monitoring"]
            assert "skipped (override), 29m 47s short" in line and "due 03:40:00" in line
            clock.advance(minutes=45)  # later, past the due time: still a shortfall, not lateness
            await pilot.pause(1.2)
            assert "skipped (override), 29m 47s short" in board(app)["Monitoring"]
            assert "OVERDUE" not in text_of(app, "#sla-board")

    async def test_timers_the_resolution_came_before_stop_counting(self, make_app, desk, clock) -> None:  # type: ignore[no-untyped-def]
        desk.declare("Search slow", Severity.P2)
        clock.advance(seconds=30)
        desk.record_update("We are looking into slow search.", template="initial")
        clock.advance(seconds=30)
        desk.set_status(Status.RESOLVED, note="a false alarm")
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            for _ in range(2):
                await pilot.pause()
                lines = board(app)
                assert "✔ met 03:00:30" in lines["First update"]
                for title in ("Acknowledge", "Triage"):
                    assert "not met before resolution" in lines[title], lines[title]
                assert "kept until resolution 03:01:00" in lines["Next update"]
                assert not any("left" in line for title, line in lines.items() if title != "Post-mortem")
                clock.advance(minutes=3)


class TestDates:
    async def test_a_deadline_two_days_away_carries_its_date(self, make_app, desk, clock) -> None:  # type: ignore[no-untyped-def]
        desk.declare("Search slow", Severity.P3)
        clock.advance(minutes=34)
        desk.set_status(Status.RESOLVED, note="a false alarm")
        clock.advance(minutes=6)
        for key in ("summary", "root_cause", "impact", "went_well", "went_wrong", "lessons"):
            desk.write_postmortem_section(key, "It was a false alarm.")
        desk.complete_postmortem()
        app = make_app()
        async with app.run_test(size=NARROW) as pilot:
            await pilot.pause()
            assert board(app)["Post-mortem"].endswith("03:40:00  due 30 Nov 03:34")

    async def test_around_midnight_the_date_comes_and_goes(self, make_app, desk, clock) -> None:  # type: ignore[no-untyped-def]
        clock.now = datetime(2026, 11, 28, 23, 58, 0, tzinfo=UTC)
        desk.declare("Checkout returns 500", Severity.P1)
        app = make_app(poll_seconds=0.1)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert board(app)["Acknowledge"].endswith("due 29 Nov 00:03")
            assert board(app)["Triage"].endswith("due 29 Nov 00:08")
            clock.advance(minutes=2)  # midnight: tomorrow's times are today's
            await wait_for(pilot, lambda: board(app)["Acknowledge"].endswith("left  due 00:03:00"))
            assert board(app)["Triage"].endswith("due 00:08:00")

    async def test_today_is_the_day_in_local_time_when_the_console_shows_local_times(  # type: ignore[no-untyped-def]
        self, make_app, desk, clock, new_york
    ) -> None:
        clock.now = datetime(2026, 11, 28, 23, 58, 0, tzinfo=UTC)  # 18:58 on the 28th in New York
        desk.declare("Checkout returns 500", Severity.P1)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            # Due at 00:03 UTC: tomorrow in UTC, but 19:03 this evening in New York.
            assert board(app)["Acknowledge"].endswith("due 29 Nov 00:03")
            await pilot.press("z")
            await wait_for(pilot, lambda: "(local time)" in text_of(app, "#sla-board"))
            assert board(app)["Acknowledge"].endswith("due 19:03:00")
            assert board(app)["First update"].endswith("due 19:13:00")

    async def test_the_next_update_in_the_update_text_carries_its_date_after_midnight(  # type: ignore[no-untyped-def]
        self, make_app, desk, clock
    ) -> None:
        clock.now = datetime(2026, 11, 28, 23, 50, 0, tzinfo=UTC)
        desk.declare("Checkout returns 500", Severity.P1, impact="payments fail")
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            composer = app.main.query_one(Composer)
            await wait_for(pilot, lambda: "**Next Update:**" in composer.draft)
            assert "**Start Time:** 2026-11-28 23:50 UTC" in composer.draft
            assert "**Next Update:** 2026-11-29 00:20 UTC" in composer.draft


class TestPostmortemLead:
    async def test_a_handoff_after_resolution_does_not_change_the_lead(self, make_app, desk, clock) -> None:  # type: ignore[no-untyped-def]
        desk.declare("Checkout returns 500", Severity.P1)
        clock.advance(minutes=40)
        desk.set_status(Status.RESOLVED, note="rolled back")
        clock.advance(hours=1)
        desk.handoff("bob")
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("p")
            await wait_for(pilot, lambda: isinstance(app.screen, PostmortemScreen))
            await pilot.pause()
            text = app.screen.markdown
            assert "**Lead:** alice\n" in text
            assert "**Duration:** 40m 00s, from impact start (03:00) to resolution (03:40 UTC)" in text


class TestRefusalsInTheConsolesWords:
    async def test_resolving_early_from_the_status_form_names_the_field_not_a_flag(self, make_app, desk, clock) -> None:  # type: ignore[no-untyped-def]
        desk.declare("Checkout returns 500", Severity.P1)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await open_form(pilot, "u")
            await choose(pilot, "status", "resolved")
            await pilot.press("ctrl+s")
            await wait_saved(pilot)
            await wait_for(pilot, lambda: any("cannot be resolved yet" in n.message for n in notices(app)))
            message = next(n.message for n in notices(app) if "cannot be resolved yet" in n.message)
            assert "--" not in message
            assert message.endswith("write it in the Reason field of the status form (u)")
            assert desk.incident().status is Status.INVESTIGATING
            assert clock.now - desk.incident().declared_at == timedelta(0)
