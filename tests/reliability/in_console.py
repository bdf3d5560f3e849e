"""Driving the console in process for a scenario: its notices recorded, a clipboard that fails, waiting on a
condition, a widget's text, the file as stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from incident_console.desk import Desk
from incident_console.store.repository import Repository


def record_notices(app: Any) -> list[tuple[str, str]]:
    notices: list[tuple[str, str]] = []
    show = app.notify

    def notify(message: str, *, title: str = "", **kwargs: Any) -> None:
        notices.append((str(title), str(message)))
        show(message, title=title, **kwargs)

    app.notify = notify
    return notices


class FailingClipboard:
    def __init__(self, detail: str = "no display for a system clipboard") -> None:
        self.detail = detail
        self.texts: list[str] = []

    def copy(self, text: str) -> Any:
        from incident_console.clipboard import CopyOutcome

        self.texts.append(text)
        return CopyOutcome(False, self.detail)


def open_console(desk: Desk, **kwargs: Any) -> Any:
    from incident_console.ui.app import IncidentConsole

    kwargs.setdefault("clipboard", FailingClipboard())
    kwargs.setdefault("verify_on_open", False)
    kwargs.setdefault("poll_seconds", 0.2)
    return IncidentConsole(desk, **kwargs)


async def until(pilot: Any, condition: Callable[[], Any], what: str, limit: float = 60.0) -> None:
    """Let the app run until ``condition`` holds (the limit only stops a hang)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + limit
    while not condition():
        if loop.time() > end:
            raise AssertionError(f"never happened: {what}")
        await pilot.pause(0.05)


def text_of(app: Any, selector: str) -> str:
    """The text a widget of the main screen shows (a Static, or any widget that renders text)."""
    return str(app.screen_stack[0].query_one(selector).render())


def on_disk(path: Path) -> Any:
    return Repository(path).snapshot()
