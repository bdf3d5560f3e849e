"""The incidents and action items as the log tells them: replayed entry by entry, to check the tables against.

Every change the Desk makes to an incident or an action item is also a log entry whose details
carry the new values, so the tables can be derived from the hash-chained log alone. Entries
written before the log carried a value (an older file) leave it unknown: it is reported as not
checked, never taken as agreeing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from .model import ActionItem, Incident, LogEntry, Severity, Status, TriageAnswers, Users
from .times import from_text, to_text


class _Unknown:
    """A value the log does not carry (its entries are older than the detail that holds it)."""

    def __repr__(self) -> str:
        return "unknown"


UNKNOWN: Any = _Unknown()

# The incident's fields, as the table and the log both name them, in the order they are reported.
INCIDENT_FIELDS = (
    "title",
    "severity",
    "highest_severity",
    "status",
    "impact",
    "services",
    "commander",
    "started_at",
    "detected_at",
    "declared_at",
    "acknowledged_at",
    "triaged_at",
    "triage",
    "monitoring_since",
    "resolved_at",
    "postmortem_done_at",
)
ITEM_FIELDS = ("incident_id", "text", "owner", "due", "created_at", "done_at")


def _time(value: Any) -> Any:
    if value is None:
        return None
    try:
        return from_text(value)
    except (TypeError, ValueError):
        return UNKNOWN


def _enum(kind: Any, value: Any) -> Any:
    try:
        return kind(value)
    except ValueError:
        return UNKNOWN


def _triage(details: Mapping[str, Any]) -> Any:
    try:
        return TriageAnswers(
            Users(details["users"]),
            bool(details["data_at_risk"]),
            bool(details["transactions_failing"]),
            bool(details["workaround"]),
        )
    except (KeyError, ValueError):
        return UNKNOWN


class Replay:
    """Feed it the log in id order (``add``); ``incidents`` and ``items`` are then what the log says."""

    def __init__(self) -> None:
        self.incidents: dict[str, dict[str, Any]] = {}
        self.sections: dict[str, dict[str, Any]] = {}  # post-mortem text by incident and section
        self.items: dict[int, dict[str, Any]] = {}
        self.undeclared: list[str] = []  # incidents with entries but no declaration before them

    def add(self, entry: LogEntry) -> None:
        """Apply one entry's change, as the Desk made it."""
        details, at = entry.details, entry.at
        if entry.kind == "declare":
            self._declare(entry)
            return
        record = self.incidents.get(entry.incident_id)
        if record is None:
            if entry.incident_id not in self.undeclared:
                self.undeclared.append(entry.incident_id)
            return
        kind = entry.kind
        if kind == "ack":
            record["acknowledged_at"] = at
        elif kind == "triage":
            record["triage"] = _triage(details)
            if record["triaged_at"] is None:
                record["triaged_at"] = at
        elif kind == "severity":
            self._severity(record, _enum(Severity, details.get("severity")))
        elif kind == "status":
            self._status(record, _enum(Status, details.get("status")), at)
        elif kind == "commander":
            record["commander"] = details.get("commander", UNKNOWN)
        elif kind == "handoff":
            record["commander"] = details.get("to", UNKNOWN)
        elif kind == "impact":
            record["impact"] = details.get("impact", UNKNOWN)
        elif kind == "postmortem":
            if details.get("complete"):
                record["postmortem_done_at"] = at
            elif isinstance(details.get("section"), str):
                self.sections[entry.incident_id][details["section"]] = details.get("text", UNKNOWN)
        elif kind == "action_item" and isinstance(details.get("item"), int):
            self._item(entry)

    def _declare(self, entry: LogEntry) -> None:
        details = entry.details
        severity = _enum(Severity, details.get("severity"))
        self.incidents[entry.incident_id] = {
            "title": details.get("title", UNKNOWN),
            "severity": severity,
            "highest_severity": severity,
            "status": Status.INVESTIGATING,
            "impact": details.get("impact", UNKNOWN),
            "services": tuple(details["services"]) if isinstance(details.get("services"), list) else UNKNOWN,
            "commander": details.get("commander", UNKNOWN),
            "started_at": _time(details["started_at"]) if "started_at" in details else UNKNOWN,
            "detected_at": _time(details.get("detected_at", "")),
            "declared_at": entry.at,
            "acknowledged_at": None,
            "triaged_at": None,
            "triage": None,
            "monitoring_since": None,
            "resolved_at": None,
            "postmortem_done_at": None,
        }
        self.sections[entry.incident_id] = {}

    @staticmethod
    def _severity(record: dict[str, Any], severity: Any) -> None:
        current, highest = record["severity"], record["highest_severity"]
        if UNKNOWN in (severity, current, highest):
            record["severity"] = severity
            record["highest_severity"] = UNKNOWN
            return
        peak = highest if highest.rank <= current.rank else current
        record["severity"] = severity
        record["highest_severity"] = severity if severity.rank < peak.rank else peak

    @staticmethod
    def _status(record: dict[str, Any], status: Any, at: datetime) -> None:
        previous = record["status"]
        if status is Status.MONITORING:
            record["monitoring_since"] = at
        elif status is Status.RESOLVED:
            record["resolved_at"] = at
        elif status is UNKNOWN:
            record["monitoring_since"] = record["resolved_at"] = record["postmortem_done_at"] = UNKNOWN
        else:
            record["monitoring_since"] = None
        if previous is Status.RESOLVED or previous is UNKNOWN:
            record["resolved_at"] = None if previous is Status.RESOLVED else UNKNOWN
            record["postmortem_done_at"] = None if previous is Status.RESOLVED else UNKNOWN
        record["status"] = status

    def _item(self, entry: LogEntry) -> None:
        details = entry.details
        number = details["item"]
        if details.get("done"):
            item = self.items.get(number)
            if item is not None:
                item["done_at"] = entry.at
            return
        due = details.get("due", UNKNOWN)
        if isinstance(due, str):
            try:
                due = date.fromisoformat(due)
            except ValueError:
                due = UNKNOWN
        self.items[number] = {
            "incident_id": entry.incident_id,
            "text": details.get("text", UNKNOWN),
            "owner": details.get("owner", UNKNOWN),
            "due": due,
            "created_at": entry.at,
            "done_at": None,
        }


def replay(entries: Iterable[LogEntry]) -> Replay:
    """The tables as ``entries`` (the whole log, in id order) tell them."""
    result = Replay()
    for entry in entries:
        result.add(entry)
    return result


def _shown(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, datetime):
        return to_text(value)
    if isinstance(value, TriageAnswers):
        return value.describe()
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value) or "none"
    if isinstance(value, Severity | Status):
        return value.value
    return repr(value) if isinstance(value, str) else str(value)


_NAMES = {
    "highest_severity": "highest severity",
    "started_at": "impact start",
    "detected_at": "detection time",
    "declared_at": "declaration time",
    "acknowledged_at": "acknowledgement time",
    "triaged_at": "triage time",
    "monitoring_since": "monitoring start",
    "resolved_at": "resolution time",
    "postmortem_done_at": "post-mortem completion time",
    "incident_id": "incident",
    "created_at": "creation time",
    "done_at": "completion time",
}


def _name(field: str) -> str:
    return _NAMES.get(field, field)


def _compare(fields: Iterable[str], told: Mapping[str, Any], record: Any, whose: str) -> tuple[str, list[str]]:
    """The first field of ``record`` that differs from what the log ``told`` (a sentence, or ""),
    and the names of the fields the log does not tell."""
    missing = []
    for field in fields:
        expected, actual = told[field], getattr(record, field)
        if expected is UNKNOWN:
            missing.append(_name(field))
        elif expected != actual:
            return _says(f"{whose} {_name(field)}", actual, expected), missing
    return "", missing


def disagreement(
    incidents: Iterable[Incident], items: Iterable[ActionItem], told: Replay
) -> tuple[str | None, tuple[str, ...]]:
    """Where the tables disagree with the log (one sentence, or None), and what could not be checked."""
    unchecked: list[str] = []
    seen: set[str] = set()
    for incident in incidents:
        seen.add(incident.id)
        record = told.incidents.get(incident.id)
        if record is None:
            return f"the incidents table holds {incident.id}, which no log entry declares", ()
        wrong, missing = _compare(INCIDENT_FIELDS, record, incident, f"{incident.id}'s")
        if wrong:
            return wrong, ()
        sections = told.sections[incident.id]
        for key in sorted(set(incident.postmortem) | set(sections)):
            expected, actual = sections.get(key, ""), incident.postmortem.get(key, "")
            if expected is UNKNOWN:
                missing.append(f"post-mortem {key}")
            elif expected != actual:
                return _says(f"{incident.id}'s post-mortem {key}", actual, expected), ()
        if missing:
            unchecked.append(f"{incident.id}'s {', '.join(missing)}")
    for incident_id in told.incidents:
        if incident_id not in seen:
            return f"the log declares {incident_id}, which the incidents table does not hold", ()
    for incident_id in told.undeclared:
        if incident_id in seen:
            return f"the log has entries of {incident_id} before any entry declaring it", ()
    held: set[int] = set()
    for item in items:
        held.add(item.id)
        expected_item = told.items.get(item.id)
        if expected_item is None:
            return f"the action items table holds #{item.id}, which no log entry adds", ()
        wrong, missing = _compare(ITEM_FIELDS, expected_item, item, f"action item #{item.id}'s")
        if wrong:
            return wrong, ()
        if missing:
            unchecked.append(f"action item #{item.id}'s {', '.join(missing)}")
    for number in told.items:
        if number not in held:
            return f"the log adds action item #{number}, which the action items table does not hold", ()
    return None, tuple(unchecked)


def _says(what: str, actual: Any, expected: Any) -> str:
    return (
        f"the tables say {what} is {_shown(actual)[:80]}, but the log says {_shown(expected)[:80]} "
        "(the tables were edited outside the console)"
    )
