"""The ``--json`` output: objects made from domain records, with stable keys (documented in README).

This is the command line's own format, not the state file's: the store may change how it keeps a
record without changing what a script reading ``--json`` sees.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ..domain import sla
from ..domain.model import ActionItem, Incident, LogEntry
from ..domain.text import escape_json
from ..domain.times import to_text


def _moment(value: datetime | None) -> str | None:
    return to_text(value) if value else None


def incident_json(incident: Incident) -> dict[str, Any]:
    """An incident: its fields, times as ISO-8601 UTC ("Z"), absent ones as null."""
    triage = incident.triage
    return {
        "id": incident.id,
        "title": incident.title,
        "severity": incident.severity.value,
        "highest_severity": (incident.highest_severity or incident.severity).value,
        "status": incident.status.value,
        "impact": incident.impact,
        "services": list(incident.services),
        "commander": incident.commander,
        "started_at": _moment(incident.started_at),
        "detected_at": to_text(incident.detected_at),
        "declared_at": to_text(incident.declared_at),
        "acknowledged_at": _moment(incident.acknowledged_at),
        "triaged_at": _moment(incident.triaged_at),
        "triage": None
        if triage is None
        else {
            "users": triage.users.value,
            "data_at_risk": triage.data_at_risk,
            "transactions_failing": triage.transactions_failing,
            "workaround": triage.workaround,
        },
        "monitoring_since": _moment(incident.monitoring_since),
        "resolved_at": _moment(incident.resolved_at),
        "postmortem_done_at": _moment(incident.postmortem_done_at),
        "postmortem": dict(incident.postmortem),
    }


def entry_json(entry: LogEntry) -> dict[str, Any]:
    """A log entry, with ``backfilled`` (written later than it happened)."""
    return {
        "id": entry.id,
        "incident_id": entry.incident_id,
        "kind": entry.kind,
        "text": entry.text,
        "author": entry.author,
        "at": to_text(entry.at),
        "recorded_at": to_text(entry.recorded_at),
        "details": dict(entry.details),
        "corrects": entry.corrects,
        "hash": entry.hash,
        "backfilled": entry.backfilled,
    }


def item_json(item: ActionItem) -> dict[str, Any]:
    """An action item; ``due`` is a date (YYYY-MM-DD) or null."""
    return {
        "id": item.id,
        "incident_id": item.incident_id,
        "text": item.text,
        "owner": item.owner,
        "due": item.due.isoformat() if item.due else None,
        "created_at": to_text(item.created_at),
        "done_at": _moment(item.done_at),
    }


def timer_json(timer: sla.SlaTimer) -> dict[str, Any]:
    """A timer; ``remaining_s`` in seconds, negative when overdue."""
    return {
        "name": timer.name,
        "state": timer.state.value,
        "due_at": _moment(timer.due_at),
        "remaining_s": None if timer.remaining is None else round(timer.remaining, 3),
        "met_at": _moment(timer.met_at),
        "ended_by": timer.ended_by or None,
    }


def alerts_json(log: Sequence[LogEntry]) -> list[dict[str, Any]]:
    """The alerts an incident's log holds, as the log tells them."""
    from ..domain.alert_plan import alerts_of

    return [{k: v for k, v in alert.items() if k != "entry"} for alert in alerts_of(log)]


def encodes_everything(stream: Any) -> bool:
    """False for a terminal or pipe whose encoding cannot write every character (LC_ALL=C: ASCII)."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    return encoding.lower().replace("-", "").replace("_", "") in ("utf8", "utf16", "utf32")


def print_json(data: Any, *, one_line: bool = False) -> None:
    """Write ``data`` to stdout as one JSON object (indented, or on ``one_line`` for a stream of them)."""
    # Where stdout cannot encode all of Unicode, \u escapes keep the JSON valid and the same; control,
    # bidi and invisible characters are always escaped, so a terminal showing the JSON never gets them.
    sys.stdout.write(
        escape_json(json.dumps(data, indent=None if one_line else 2, ensure_ascii=not encodes_everything(sys.stdout)))
        + "\n"
    )
    sys.stdout.flush()
