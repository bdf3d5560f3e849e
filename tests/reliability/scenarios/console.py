"""A headless console for the scenarios that drive it: its clipboard, its notices, waiting on it, reading it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from incident_console.desk import Desk
from incident_console.store.repository import Repository
from tests.reliability.harness import Result, Tally, trial_file

SIZE = (120, 35)
# The moment a scenario's incident is declared at (a StepClock starts here).
START = datetime(2026, 11, 28, 3, 0, 0, tzinfo=UTC)


def record_notices(app: Any) -> list[tuple[str, str]]:
    """Every notification the app shows from now on, as (title, message), still shown as usual."""
    notices: list[tuple[str, str]] = []
    show = app.notify

    def notify(message: str, *, title: str = "", **kwargs: Any) -> None:
        notices.append((str(title), str(message)))
        show(message, title=title, **kwargs)

    app.notify = notify
    return notices


class FailingClipboard:
    """A system clipboard that never copies, with the reason it gives; keeps the texts it was asked to copy."""

    def __init__(self, detail: str = "no display for a system clipboard") -> None:
        self.detail = detail
        self.texts: list[str] = []

    def copy(self, text: str) -> Any:
        from incident_console.clipboard import CopyOutcome

        self.texts.append(text)
        return CopyOutcome(False, self.detail)


def headless_console(desk: Desk, **kwargs: Any) -> Any:
    """The console on ``desk``: a failing clipboard, no verify on open, a fast poll, unless given."""
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


async def settle(pilot: Any) -> None:
    """Let the app handle what is queued and lay the screen out (without waiting for the CPU to idle)."""
    await pilot.pause(0)
    await pilot.pause(0)


def text_of(app: Any, selector: str) -> str:
    """The text a widget of the main screen shows (a Static, or any widget that renders text)."""
    return str(app.screen_stack[0].query_one(selector).render())


def on_disk(path: Path) -> Any:
    """What the file holds now, read afresh."""
    return Repository(path).snapshot()


def console_trials(
    workdir: Path, trials: int, strict: bool, name: str, once: Callable[[Path], Coroutine[Any, Any, None]]
) -> Result:
    """``trials`` runs of ``once`` (one console session), each on a new file in its own folder ``name-N``."""
    tally = Tally(strict)
    for trial in range(trials):
        with tally.trial(f"trial {trial}"):
            asyncio.run(once(trial_file(workdir, f"{name}-{trial}")))
    return tally.result()
