"""The console checks the file against its log when it opens, and says in its banner what disagrees."""

from __future__ import annotations

import json
from collections.abc import Callable

from incident_console.desk import Desk
from incident_console.domain.model import Severity
from incident_console.ui.app import IncidentConsole
from tests.ui.conftest import SIZE, text_of, wait_for


async def test_an_edited_incidents_table_is_named_in_the_banner(
    desk: Desk, make_app: Callable[..., IncidentConsole]
) -> None:
    desk.declare("Checkout down", Severity.P1)
    desk.acknowledge()
    path = desk.repository.path
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    data["incidents"]["1"]["severity"] = data["incidents"]["1"]["highest_severity"] = "P4"
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    app = make_app(verify_on_open=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "does not verify" in text_of(app, "#banner"))
        banner = text_of(app, "#banner")
        assert "INC-1's severity is P4, but the log says P1" in banner
        assert app.main.query_one("#banner").display
