"""Child processes for the reliability scenarios: ``python -m tests.reliability.workers MODE ARGS``.

Modes:

``console-append PATH COUNT LABEL [PAUSE]``
    Open the console headless on PATH, print ``ready``, wait for a line on stdin, then submit
    COUNT log entries ``LABEL 1`` .. ``LABEL COUNT`` through the console's own save path (the
    first one typed key by key, the rest posted as the log input's Submitted message, as Enter
    does), PAUSE seconds apart (0.01 unless given). Prints ``done COUNT`` once the save queue
    is empty.
``console-state PATH``
    Open the console headless on PATH, try to add one log entry, and print one JSON line: whether
    the file is read-only, the banner's text, the notifications and the unsaved changes.
``copy``
    Copy stdin's text with ``PyperclipClipboard`` and print ``RESULT {"copied": .., "detail": ..}``.
``timers PATH NOW``
    Print the timers of every incident at the moment NOW (ISO-8601) as JSON.

The console modes write to file descriptor 1 directly: while a Textual app runs, ``print``
goes to the app, not to the terminal.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from incident_console.desk import Desk
from incident_console.store.repository import Repository

SIZE = (120, 35)


def _say(line: str) -> None:
    os.write(1, (line + "\n").encode("utf-8"))


def _console(path: str, author: str) -> Any:
    from incident_console.clipboard import CopyOutcome
    from incident_console.ui.app import IncidentConsole

    class NoClipboard:
        def copy(self, text: str) -> CopyOutcome:
            return CopyOutcome(False, "not used here")

    desk = Desk(Repository(path), author=author)
    app = IncidentConsole(desk, clipboard=NoClipboard(), verify_on_open=False, poll_seconds=0.25)
    notices: list[str] = []
    show = app.notify

    def notify(message: str, **kwargs: Any) -> None:
        notices.append(str(message))
        show(message, **kwargs)

    app.notify = notify  # type: ignore[method-assign]
    return app, notices


async def _saved(pilot: Any, app: Any, limit: float = 600.0) -> bool:
    loop = asyncio.get_running_loop()
    end = loop.time() + limit
    while loop.time() < end:
        if not app.saver.pending():
            await pilot.pause()
            return True
        await pilot.pause(0.05)
    return False


async def _console_append(path: str, count: int, label: str, pause: float) -> int:
    from incident_console.ui.widgets.action_log import ActionLog

    app, _ = _console(path, label)
    async with app.run_test(size=SIZE) as pilot:
        _say("ready")
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        log = app.main.query_one(ActionLog)
        shown = app.main.incident
        incident_id = shown.id if shown is not None else "INC-1"
        for number in range(1, count + 1):
            text = f"{label} {number}"
            if number == 1:
                await pilot.press("l", *text, "enter")
            else:
                log.post_message(ActionLog.Submitted(text, incident_id))
                await pilot.pause(pause)
        if not await _saved(pilot, app):
            _say(f"stuck: {app.saver.problem}")
            return 1
    _say(f"done {count}")
    return 0


async def _console_state(path: str) -> int:
    app, notices = _console(path, "tester")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        banner = app.main.query_one("#banner")
        shown = {"read_only": app.read_only, "banner": str(banner.render()), "banner_shown": bool(banner.display)}
        await pilot.press("l", *"read only check", "enter")
        await pilot.pause(0.5)
        shown.update(notices=list(notices), pending=len(app.saver.pending()), problem=app.saver.problem)
    _say(json.dumps(shown))
    return 0


def console_append(path: str, count: str, label: str, pause: str = "0.01") -> int:
    return asyncio.run(_console_append(path, int(count), label, float(pause)))


def console_state(path: str) -> int:
    return asyncio.run(_console_state(path))


def copy() -> int:
    from incident_console.clipboard import PyperclipClipboard

    text = sys.stdin.buffer.read().decode("utf-8")
    outcome = PyperclipClipboard().copy(text)
    sys.stdout.write("RESULT " + json.dumps({"copied": outcome.copied, "detail": outcome.detail}) + "\n")
    return 0


def timers(path: str, now: str) -> int:
    from incident_console.domain.times import from_text, to_text

    moment = from_text(now)
    desk = Desk(Repository(Path(path)), author="tester", clock=lambda: moment)
    snapshot = desk.snapshot()
    out = {}
    for incident in snapshot.incidents:
        out[incident.id] = [
            {
                "name": t.name,
                "state": t.state.value,
                "due_at": to_text(t.due_at) if t.due_at else None,
                "remaining": t.remaining,
                "met_at": to_text(t.met_at) if t.met_at else None,
            }
            for t in desk.timers(incident, snapshot)
        ]
    sys.stdout.write(json.dumps(out, sort_keys=True) + "\n")
    return 0


MODES = {"console-append": console_append, "console-state": console_state, "copy": copy, "timers": timers}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in MODES:
        print(__doc__, file=sys.stderr)
        return 2
    return MODES[argv[0]](*argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
