"""Opening the console (the command with no command word), and what is said after it closes."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ..domain.text import visible
from ..domain.times import to_text
from .registry import PROG, Context


def _open_console(args: argparse.Namespace, path: str, now: datetime) -> int:
    from .commands.files import show
    from .render import out

    ctx = Context(args, path, now, read_only=bool(getattr(args, "read_only", False)))
    desk = ctx.desk
    if not ctx.read_only:
        desk.finish_archiving()  # an archive a crash interrupted after the working file was trimmed
    # Refuse a file that is not ours before the screen opens. Only the newest part of a long log
    # is read here; the console reads the rest after its first frame (and closes if it is refused).
    desk.newest(ctx.incident_id)
    try:
        from ..ui.app import IncidentConsole
    except ImportError:  # the console is not installed: print what `show` prints
        args.json, args.lines = False, 20
        out(show(ctx).text)
        return 0
    served = bool(getattr(args, "served", False))
    ask_name = served and not getattr(args, "author", "")
    app = IncidentConsole(desk, incident_id=ctx.incident_id, served=served, ask_name=ask_name)
    try:
        app.run()
    finally:
        app.team.leave()
    if served:  # the browser closed the tab (or the server went): nothing queued is left behind
        from ..serving.tab import finish_saves

        app.unsaved_at_exit = finish_saves(app.saver)
    if app.refused:
        sys.stderr.write(f"{PROG}: {visible(app.refused)}\n")
        return 1
    return _report_unsaved(app.unsaved_at_exit, path)


def _report_unsaved(changes: Sequence[Any], path: str) -> int:
    """After quitting with changes that could not be saved: print them, so nothing typed is lost."""
    if not changes:
        return 0
    sys.stderr.write(f"{PROG}: {len(changes)} change(s) could not be saved to {path}:\n")
    for change in changes:
        entry = change.entry
        if entry is not None:
            line = f"  {entry.incident_id} {entry.kind} at {to_text(entry.at)}: {entry.text}"
        else:
            line = f"  {change.description}"
        sys.stderr.write(visible(line, multiline=True) + "\n")
    sys.stderr.write(f"{PROG}: add them again with `{PROG} log TEXT --at TIME` once the file can be written\n")
    return 1
