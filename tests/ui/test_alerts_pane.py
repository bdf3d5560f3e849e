"""Alerts in the console: what the listener or `ingest` writes appears in the incident pane, live."""

from __future__ import annotations

import json
from pathlib import Path

from incident_console.desk import Desk
from incident_console.desk import detect as ingest
from incident_console.domain.alert_rules import IngestRules
from incident_console.domain.model import Severity, Status
from incident_console.store.repository import Repository
from incident_console.ui.app import IncidentConsole

from .conftest import SIZE, notices, text_of, wait_for

FIXTURES = Path(__file__).parents[1] / "fixtures"


def deliver(state_file: Path, clock, name: str, change=None) -> None:
    """What the listener does with a webhook, from another Desk on the same file."""
    body = json.loads((FIXTURES / f"{name}.json").read_text())
    if change:
        change(body)
    desk = Desk(Repository(state_file), clock=clock)
    desk.ingest(ingest.decode(json.dumps(body).encode(), "auto"), IngestRules())


class TestAlertsInTheIncidentPane:
    async def test_a_group_declared_while_the_console_is_open_is_shown_and_announced_once(
        self, make_app, state_file, clock
    ):
        app = make_app(poll_seconds=0.1)
        bells = []
        app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            deliver(state_file, clock, "alertmanager_firing")
            await wait_for(pilot, lambda: "Alerts" in text_of(app, "#incident-pane"))
            pane = text_of(app, "#incident-pane")
            assert "Checkout error rate above 5%" in pane
            assert "Alerts    2 firing · 0 resolved" in pane
            assert "Alerts    2 firing · 0 resolved · newest: HighErrorRate" in pane
            announced = [n for n in notices(app) if n.title == "New incident"]
            assert len(announced) == 1 and "INC-1 P1 declared by alertmanager" in announced[0].message
            assert bells == [1]
            deliver(state_file, clock, "alertmanager_new_alert")
            await wait_for(pilot, lambda: "3 firing" in text_of(app, "#incident-pane"))
            deliver(state_file, clock, "alertmanager_resolved")
            await wait_for(pilot, lambda: "0 firing · 3 resolved" in text_of(app, "#incident-pane"))
            assert len([n for n in notices(app) if n.title == "New incident"]) == 1
            assert bells == [1]

    async def test_g_opens_the_newest_firing_alerts_link(self, make_app, state_file, clock):
        deliver(state_file, clock, "grafana_firing")
        app = make_app()
        opened: list[str] = []
        app.open_url = lambda url, **kw: opened.append(url)  # type: ignore[method-assign]
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.press("g")
            await pilot.pause()
        assert opened == ["https://grafana.example.com/alerting/grafana/fe2a7c9d/view"]

    async def test_g_opens_nothing_but_a_web_address(self, make_app, desk, state_file, clock):
        def hostile(body):
            body["alerts"][0]["generatorURL"] = "javascript:alert(1)"
            body["alerts"][0]["annotations"].pop("runbook_url")
            body["alerts"] = body["alerts"][:1]

        deliver(state_file, clock, "alertmanager_firing", hostile)
        app = make_app()
        opened: list[str] = []
        app.open_url = lambda url, **kw: opened.append(url)  # type: ignore[method-assign]
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.press("g")
            await pilot.pause()
        assert opened == []
        assert any(n.message == "No alert of this incident has a web link." for n in notices(app))

    async def test_alert_text_is_shown_literally(self, make_app, state_file, clock):
        def hostile(body):
            body["alerts"] = body["alerts"][:1]
            body["alerts"][0]["labels"]["alertname"] = "[bold]Boom[/bold] [@click=app.quit]x[/]\x1b[2J"

        deliver(state_file, clock, "alertmanager_firing", hostile)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            pane = text_of(app, "#incident-pane").replace("\n", " ")  # a long line wraps in the pane
            assert "[bold]Boom[/bold] [@click=app.quit]x[/]" in pane
            assert "\u241b[2J" in pane and "\x1b" not in pane

    async def test_an_incident_declared_by_a_person_shows_no_alerts_line(self, make_app, desk):
        desk.declare("Checkout returns 500", Severity.P1)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert "Alerts" not in text_of(app, "#incident-pane")


class TestTheResolveChecklist:
    async def test_verify_shows_the_alerts_still_firing_then_all_resolved(self, make_app, state_file, clock):
        deliver(state_file, clock, "alertmanager_firing")
        app = make_app(poll_seconds=0.1)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.press("x")
            await pilot.pause()
            checks = str(app.screen.query_one("#checks").render())
            assert "2 of 2 alerts still firing: HighErrorRate" in checks
            deliver(state_file, clock, "alertmanager_resolved")
            await pilot.press("escape")
            await wait_for(pilot, lambda: "0 firing" in text_of(app, "#incident-pane"))
            await pilot.press("x")
            await pilot.pause()
            assert "all 3 alerts resolved" in str(app.screen.query_one("#checks").render())


class TestSendersWhileTheConsoleIsOpen:
    async def test_twenty_senders_and_a_person_typing_lose_nothing(self, clipboard, state_file):
        import asyncio
        import copy
        from concurrent.futures import ThreadPoolExecutor

        from tests.alerts.helpers import Listener

        from .conftest import on_disk, record_notifications, wait_saved

        typist = Desk(Repository(state_file), author="alice")
        typist.declare("Checkout returns 500", Severity.P1)
        base = json.loads((FIXTURES / "alertmanager_firing.json").read_text())
        bodies = []
        for number in range(20):
            body = copy.deepcopy(base)
            body["alerts"][0]["fingerprint"] = f"{number:016x}"
            body["alerts"][0]["labels"]["instance"] = f"checkout-{number}:8080"
            bodies.append(json.dumps(body).encode())
        app = IncidentConsole(typist, clipboard=clipboard, verify_on_open=False, poll_seconds=0.1)
        record_notifications(app)
        with Listener(state_file.parent, file=state_file) as listener, ThreadPoolExecutor(max_workers=20) as pool:
            async with app.run_test(size=SIZE) as pilot:
                await pilot.pause()
                sent = [pool.submit(listener.post, "/alertmanager", body) for body in bodies]
                for line in range(5):
                    await pilot.press("l", *f"typed line {line}", "enter")
                await wait_saved(pilot)
                answers = await asyncio.get_running_loop().run_in_executor(None, lambda: [f.result() for f in sent])
                assert [status for status, _ in answers] == [200] * 20
                await wait_for(pilot, lambda: any(n.title == "New incident" for n in notices(app)))
                assert app.main.incident is not None and app.main.incident.id == "INC-1"  # not taken from the typist
            listener.stop()
        snap = on_disk(state_file)
        assert [e.text for e in snap.log_for("INC-1") if e.kind == "note"] == [f"typed line {n}" for n in range(5)]
        assert [i.id for i in snap.incidents] == ["INC-1", "INC-2"]  # the group declared once
        fingerprints = {e.details["fingerprint"] for e in snap.log_for("INC-2") if e.kind == "alert"}
        assert fingerprints == {"8a1e6d0c2f9b7e31"} | {f"{n:016x}" for n in range(20)}
        assert Repository(state_file).verify() is None


class TestRecurrence:
    async def test_a_resolved_incident_whose_alerts_fire_again_is_marked(self, make_app, desk, state_file, clock):
        deliver(state_file, clock, "alertmanager_firing")
        deliver(state_file, clock, "alertmanager_resolved")
        desk.set_status(Status.RESOLVED, note="rolled back")
        app = make_app(poll_seconds=0.1)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert "RECURRED" not in text_of(app, "#incident-pane")
            clock.advance(minutes=5)
            deliver(state_file, clock, "alertmanager_firing")
            await wait_for(pilot, lambda: "RECURRED 03:05" in text_of(app, "#incident-pane"))
            assert "2 firing · 1 resolved" in text_of(app, "#incident-pane")
            assert app.main.incident.status is Status.RESOLVED  # marked, not reopened
