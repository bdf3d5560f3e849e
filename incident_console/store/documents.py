"""Documents to domain records and back: the one place the stored form of each record is spelled out.

Guarantees: ``*_to_doc`` gives plain JSON values (times as ISO-8601 text in UTC); ``*_from_doc``
gives the domain record or raises KeyError, TypeError or ValueError for a malformed document (the
caller names the file and the record). A stored time must carry an offset and lie before the year
9000, so a deadline computed from it cannot overflow. No I/O here.
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from typing import Any

from ..domain.model import NO_DETAILS, ActionItem, Incident, LogEntry, Severity, Status, TriageAnswers, Users
from ..domain.times import from_text, to_text

# Deadlines are computed by adding hours to stored times: a stored time this late would overflow.
_LATEST_YEAR = 9000


def _time(value: Any) -> datetime:
    """A stored time, refused (ValueError) when it is not ISO-8601 with an offset or is out of range."""
    try:
        moment = from_text(value)
    except OverflowError:  # e.g. year 1 at +14:00, which is before year 1 in UTC
        raise ValueError(f"time {value!r} is out of range") from None
    if moment.year > _LATEST_YEAR:
        raise ValueError(f"time {value!r} is out of range")
    return moment


def _opt_time(value: Any) -> datetime | None:
    return _time(value) if value else None


def _opt_text(value: datetime | None) -> str | None:
    return to_text(value) if value is not None else None


def incident_to_doc(incident: Incident) -> dict[str, Any]:
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
        "started_at": _opt_text(incident.started_at),
        "detected_at": to_text(incident.detected_at),
        "declared_at": to_text(incident.declared_at),
        "acknowledged_at": _opt_text(incident.acknowledged_at),
        "triaged_at": _opt_text(incident.triaged_at),
        "triage": None
        if triage is None
        else {
            "users": triage.users.value,
            "data_at_risk": triage.data_at_risk,
            "transactions_failing": triage.transactions_failing,
            "workaround": triage.workaround,
        },
        "monitoring_since": _opt_text(incident.monitoring_since),
        "resolved_at": _opt_text(incident.resolved_at),
        "postmortem_done_at": _opt_text(incident.postmortem_done_at),
        "postmortem": dict(incident.postmortem),
    }


def incident_from_doc(doc: dict[str, Any]) -> Incident:
    triage = doc.get("triage")
    severity = _severity(doc["severity"])
    services = doc.get("services")
    postmortem = doc.get("postmortem")
    return Incident._make(  # _make: straight to the tuple (this runs for every incident in the file)
        (
            str(doc["id"]),
            str(doc["title"]),
            severity,
            status_of(doc["status"]),
            stored_time(doc["detected_at"]),
            stored_time(doc["declared_at"]),
            _opt_stored_time(doc.get("started_at")),
            str(doc.get("impact") or ""),
            tuple(str(s) for s in services) if services else (),
            str(doc.get("commander") or ""),
            _opt_stored_time(doc.get("acknowledged_at")),
            _opt_stored_time(doc.get("triaged_at")),
            None
            if not triage
            else TriageAnswers(
                users=Users(triage["users"]),
                data_at_risk=bool(triage["data_at_risk"]),
                transactions_failing=bool(triage["transactions_failing"]),
                workaround=bool(triage["workaround"]),
            ),
            _opt_stored_time(doc.get("monitoring_since")),
            _opt_stored_time(doc.get("resolved_at")),
            _opt_stored_time(doc.get("postmortem_done_at")),
            _severity(doc.get("highest_severity") or doc["severity"]),
            {str(k): str(v) for k, v in postmortem.items()} if postmortem else NO_DETAILS,
        )
    )


_SEVERITIES = {severity.value: severity for severity in Severity}
_STATUSES = {status.value: status for status in Status}


def _severity(value: Any) -> Severity:
    try:
        return _SEVERITIES[value]
    except (KeyError, TypeError):
        return Severity(value)  # raises ValueError naming the value


def status_of(value: Any) -> Status:
    try:
        return _STATUSES[value]
    except (KeyError, TypeError):
        return Status(value)  # raises ValueError naming the value


def stored_time(value: Any) -> datetime:
    """``_time``, with the store's own form (UTC, ``Z``) read directly."""
    if type(value) is str and value[-1:] == "Z":
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return _time(value)
        if moment.tzinfo is UTC and moment.year <= _LATEST_YEAR:
            return moment
    return _time(value)


def _opt_stored_time(value: Any) -> datetime | None:
    return stored_time(value) if value else None


def item_to_doc(item: ActionItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "incident_id": item.incident_id,
        "text": item.text,
        "owner": item.owner,
        "due": item.due.isoformat() if item.due else None,
        "created_at": to_text(item.created_at),
        "done_at": _opt_text(item.done_at),
    }


def item_from_doc(doc: dict[str, Any]) -> ActionItem:
    return ActionItem(
        id=int(doc["id"]),
        incident_id=str(doc["incident_id"]),
        text=str(doc["text"]),
        owner=str(doc.get("owner") or ""),
        due=date.fromisoformat(doc["due"]) if doc.get("due") else None,
        created_at=_time(doc["created_at"]),
        done_at=_opt_time(doc.get("done_at")),
    )


def entry_to_doc(entry: LogEntry) -> dict[str, Any]:
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
    }


def entry_from_doc(doc: dict[str, Any]) -> LogEntry:
    at_text, recorded_text = doc["at"], doc["recorded_at"]
    # The stored form (UTC, "Z") read directly: this runs for every entry each time a file is opened.
    at = datetime.fromisoformat(at_text) if type(at_text) is str else None
    if at is None or at.tzinfo is not UTC or at.year > _LATEST_YEAR:
        at = _time(at_text)
    details = doc.get("details")
    return LogEntry._make(  # _make: straight to the tuple, without the keyword-taking constructor
        (
            int(doc["id"]),
            # The same few incident ids, kinds and authors repeat over the whole log: one copy of each.
            sys.intern(str(doc["incident_id"])),
            sys.intern(str(doc["kind"])),
            str(doc["text"]),
            sys.intern(str(doc.get("author") or "")),
            at,
            at if recorded_text == at_text else _time(recorded_text),
            (details if isinstance(details, dict) else dict(details)) if details else NO_DETAILS,
            doc.get("corrects"),
            str(doc.get("hash") or ""),
        )
    )
