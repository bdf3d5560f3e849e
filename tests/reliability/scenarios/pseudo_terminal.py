"""Untrusted text in a real pseudo-terminal: raw escape sequences never reach the terminal, their visible form does."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from incident_console.desk import Desk
from incident_console.domain.model import NewEntry, Severity
from incident_console.store.repository import Repository
from tests.reliability.harness import (
    Result,
    StepClock,
    Tally,
    trial_file,
)
from tests.reliability.terminal import console_on_pty, read_terminal


def _hostile_terminal_file(path: Path, marker: str) -> dict[str, bytes]:
    """A file whose title and a log entry hold raw escape sequences (written by another tool)."""
    clock = StepClock(datetime.now(UTC) - timedelta(minutes=5))
    desk = Desk(Repository(path), author="alice", clock=clock)
    incident = desk.declare("placeholder", Severity.P2)
    osc = f"\x1b]0;PWNED-{marker}\x07"
    clear = f"\x1b[2JCLEARED-{marker}"
    with desk.repository.transaction(clock()) as tx:
        tx.put_incident(incident.with_changes(title=f"Checkout {osc} down"))
        tx.append(NewEntry(incident.id, "note", f"pasted {clear} {osc} here", "other-tool", clock(), {}, None))
    return {
        "raw title sequence": f"\x1b]0;PWNED-{marker}".encode(),
        "raw clear screen": f"\x1b[2JCLEARED-{marker}".encode(),
        "visible title sequence": f"\u241b]0;PWNED-{marker}".encode(),
        "visible clear screen": f"\u241b[2JCLEARED-{marker}".encode(),
    }


SHOWN = ("visible title sequence", "visible clear screen")


def terminal_output(workdir: Path, trials: int = 1, *, seed: int | None = None, strict: bool = False) -> Result:
    """The real console under a pseudo-terminal (xterm-256color, 120x35) on a file with raw escape
    sequences in a title and a log entry: the bytes sent to the terminal never contain them, and
    their visible form (``␛``) is drawn."""
    tally = Tally(strict)
    for trial in range(trials):
        with tally.trial(f"trial {trial}"):
            path = trial_file(workdir, f"pty-{trial}")
            folder = path.parent
            marker = uuid.uuid4().hex[:6]
            expect = _hostile_terminal_file(path, marker)
            with console_on_pty(path, folder) as terminal:
                # Read until both visible forms were drawn, then a little longer for the next redraws, then quit.
                shown = [expect[k] for k in SHOWN]
                output = read_terminal(terminal, lambda out, shown=shown: all(s in out for s in shown), limit=120.0)
                output += read_terminal(terminal, limit=1.5)
                os.write(terminal, b"q")
                output += read_terminal(terminal, limit=3.0)
            assert output, "the console wrote nothing to the terminal"
            assert expect["raw title sequence"] not in output, "the raw OSC title sequence reached the terminal"
            assert expect["raw clear screen"] not in output, "the raw clear-screen sequence reached the terminal"
            assert expect["visible title sequence"] in output, "the title's sequence is not shown as ␛]0;..."
            assert expect["visible clear screen"] in output, "the log entry's sequence is not shown as ␛[2J..."
            assert b"\x1b]52;" not in output, "something was sent to the terminal clipboard"
    return tally.result()
