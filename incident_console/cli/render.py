"""The text the commands print for people: lines for timers and entries, ``show`` and ``verify``."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from ..domain import sla
from ..domain.model import Incident, LogEntry, Snapshot
from ..domain.text import visible
from ..domain.timer_text import moment_on, timer_text
from ..domain.times import clock_text, to_text
from .registry import PROG

if TYPE_CHECKING:
    from ..desk import Desk


class Verdict(Protocol):
    """What ``Desk.check`` answers, as far as ``verify`` prints it."""

    @property
    def entries(self) -> int: ...
    @property
    def head(self) -> str: ...
    @property
    def head_entry(self) -> int | None: ...
    @property
    def unchecked(self) -> Sequence[str]: ...
    @property
    def clock(self) -> Sequence[str]: ...
    @property
    def archived(self) -> Sequence[tuple[str, int]]: ...


def out(text: str = "") -> None:
    """Write ``text`` and a newline to stdout, control characters made visible."""
    sys.stdout.write(visible(text, multiline=True) + "\n")


def timer_line(timer: sla.SlaTimer, now: datetime) -> str:
    """One timer as a person reads it: what is due and where it stands (times UTC)."""
    return timer_text(timer, moment_on(now)).line()


def entry_line(entry: LogEntry) -> str:
    """One log entry on one line: id, time, author, kind, text."""
    back = f" (backfilled, written {clock_text(entry.recorded_at)})" if entry.backfilled else ""
    return f"#{entry.id:<4} {clock_text(entry.at)} {entry.author:<10} {entry.kind:<10} {entry.text}{back}"


def head_line(snap: Snapshot) -> str:
    """The log's head, for the recipient of the file to check it with ``verify --head``."""
    if not snap.log:
        return "Log head: none (the log is empty)"
    head = snap.log[-1].hash
    return f"Log head: {head} (entry {snap.log[-1].id}; check a copy with: {PROG} verify --head {head})"


def show_text(desk: Desk, snap: Snapshot, incident: Incident, lines: int) -> str:
    """What ``show`` prints: the incident, its timers, clock problems, the last log entries, the head."""
    text = [f"{incident.id}  {incident.severity.value} ({incident.severity.description})  {incident.status.value}"]
    text.append(f"  {incident.title}")
    if incident.impact:
        text.append(f"  impact: {incident.impact}")
    if incident.services:
        text.append(f"  services: {', '.join(incident.services)}")
    text.append(f"  commander: {incident.commander or '-'}")
    text.append(f"  detected: {to_text(incident.detected_at)}   impact start: {to_text(incident.impact_start)}")
    if incident.triage:
        text.append(f"  triage: {incident.triage.describe()}")
    text += ["", "Timers (times UTC)"]
    now = desk.clock()
    text += ["  " + timer_line(timer, now) for timer in desk.timers(incident, snap, now)]
    skewed = desk.clock_problems(incident, snap)
    if skewed:
        text += ["", "Clock problems (these entries meet no timer)"]
        text += [f"  {problem}" for problem in skewed.values()]
    log = snap.log_for(incident.id)
    text += ["", f"Log (last {min(lines, len(log))} of {len(log)})"]
    for entry in log[-lines:] if lines > 0 else ():
        text.append("  " + entry_line(entry) + (" [clock problem]" if entry.id in skewed else ""))
    text += ["", head_line(snap)]
    return "\n".join(text)


def verify_text(path: str, verdict: Verdict, expected_head: str | None, keyed: bool, archive: str | None = None) -> str:
    """What ``verify`` prints for a file found intact (with ``archive``: the two checked as one chain)."""
    checked = "hash chain verified" + (f" across {archive}" if archive else "")
    checked += ", keyed head verified" if keyed else ""
    checked += ", tables agree with the log"
    text = [f"{path}: intact ({verdict.entries} entries, {checked}; head {verdict.head})"]
    if expected_head and verdict.head_entry is not None:
        later = verdict.entries - verdict.head_entry
        text.append(f"  the expected head is entry {verdict.head_entry}'s; {later} entries were written after it")
    elif expected_head:
        text.append("  the head is the one expected")
    if verdict.unchecked:
        text.append(f"  not checked (written before the log carried these values): {'; '.join(verdict.unchecked)}")
    text += [f"  clock problem: {problem}" for problem in verdict.clock]
    text += [f"  {count} entries are in archive {name} (not checked)" for name, count in verdict.archived]
    return "\n".join(text)
