"""Alerts in the console: what the listener or `ingest` writes appears in the incident pane, live."""

from __future__ import annotations

import json
from pathlib import Path

from incident_console import ingest
from incident_console.desk import Desk
from incident_console.domain.alert_rules import IngestRules
from incident_console.domain.model import Severity
from incident_console.store.repository import Repository

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
            pane = text_of(app, "#incident-pane")
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
