"""Clock problems: log entries whose time of writing cannot be right, and how the timers leave them out.

Entries are written under the file's lock, one after the other, each stamped with its writer's
clock. An entry written before its incident was detected, or more than a few minutes after the
newest entry in the file (written after it), came from a clock that was wrong. Such an entry is
kept as it is (the log is append-only) and flagged; it meets no timer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from .model import Incident, LogEntry, Status
from .sla import format_duration
from .times import to_text

# Clocks of honest machines differ by seconds; an entry this far out of step is a clock problem.
CLOCK_SLACK = timedelta(minutes=5)


def clock_problem(entry: LogEntry, detected_at: datetime | None, newest: datetime | None) -> str | None:
    """Why ``entry``'s time of writing cannot be right (one sentence), or None.

    ``detected_at`` is when its incident was detected; ``newest`` is when the file's newest entry
    (the one with the highest id) was written.
    """
    who = f"entry #{entry.id} ({entry.kind} by {entry.author or 'unknown'})"
    written = entry.recorded_at
    if detected_at is not None and entry.kind != "declare" and written < detected_at:
        return (
            f"{who} was written at {to_text(written)}, {format_duration((detected_at - written).total_seconds())} "
            f"before {entry.incident_id} was detected ({to_text(detected_at)}): its writer's clock was wrong"
        )
    if newest is not None and written > newest + CLOCK_SLACK:
        return (
            f"{who} was written at {to_text(written)}, {format_duration((written - newest).total_seconds())} "
            f"after the newest entry ({to_text(newest)}): its writer's clock was ahead"
        )
    return None


def clock_problems(incident: Incident, log: Iterable[LogEntry], newest: datetime | None) -> dict[int, str]:
    """The incident's entries with a clock problem: entry id -> the sentence saying what is wrong."""
    found: dict[int, str] = {}
    for entry in log:
        problem = clock_problem(entry, incident.detected_at, newest)
        if problem is not None:
            found[entry.id] = problem
    return found


def without_skewed(
    incident: Incident, log: tuple[LogEntry, ...], problems: Mapping[int, str]
) -> tuple[Incident, tuple[LogEntry, ...]]:
    """The incident and its log as the timers are to see them: what an entry with a clock problem
    recorded (an acknowledgement, triage, an update sent, a resolution, a post-mortem) meets no timer."""
    if not problems:
        return incident, log
    changes: dict[str, object] = {}
    for entry in log:
        if entry.id not in problems:
            continue
        if entry.kind == "ack" and incident.acknowledged_at == entry.at:
            changes["acknowledged_at"] = None
        elif entry.kind == "triage" and incident.triaged_at == entry.at:
            changes["triaged_at"] = None
        elif entry.kind == "postmortem" and entry.details.get("complete") and incident.postmortem_done_at == entry.at:
            changes["postmortem_done_at"] = None
        elif entry.kind == "status" and incident.status is Status.RESOLVED and incident.resolved_at == entry.at:
            changes["resolved_at"] = None  # the timers then see no resolution
        elif entry.kind == "status" and incident.monitoring_since == entry.at:
            changes["monitoring_since"] = None
    kept = tuple(entry for entry in log if entry.kind != "comms" or entry.id not in problems)
    return incident.with_changes(**changes), kept
