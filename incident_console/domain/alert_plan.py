"""What an alert payload means for the incidents: declare one, log its alerts, mark a recurrence,
or nothing, decided against the incidents and the log entries already written. Pure: the
incidents and their logs are passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from .alert_rules import IngestRules
from .alerts import Alert, AlertGroup, PagerDutyEvent
from .model import Incident, LogEntry, Severity, Status

# --- what the log already holds ------------------------------------------------------------------


def linked_incident(key: str, incidents: Iterable[Incident], logs: Mapping[str, Sequence[LogEntry]]) -> Incident | None:
    """The incident declared for ``key``: its declaration (the first entry of its log) names the key,
    so the link is in the hash-chained log like every other fact."""
    found = None
    for incident in incidents:
        log = logs.get(incident.id, ())
        if log and log[0].kind == "declare" and log[0].details.get("alert_key") == key:
            found = incident  # the newest declaration wins (a key reused after a file was merged)
    return found


class AlertState(NamedTuple):
    status: str
    starts_at: str


def alert_states(log: Iterable[LogEntry], key: str) -> dict[str, AlertState]:
    """For each fingerprint of group ``key`` in ``log``, the status and start last logged."""
    states: dict[str, AlertState] = {}
    for entry in log:
        if entry.kind == "alert" and entry.details.get("key") == key:
            details = entry.details
            states[str(details.get("fingerprint"))] = AlertState(
                str(details.get("status")), str(details.get("starts_at") or "")
            )
    return states


def pagerduty_events(log: Iterable[LogEntry]) -> set[str]:
    """The PagerDuty event ids already applied to an incident."""
    return {
        str(e.details["event_id"]) for e in log if "event_id" in e.details and e.details.get("source") == "pagerduty"
    }


# --- the decision ---------------------------------------------------------------------------------


class Declaration(NamedTuple):
    title: str
    severity: Severity
    why: str  # how the severity was chosen: logged with the declaration
    services: tuple[str, ...]
    started_at: datetime | None


class Line(NamedTuple):
    """One log entry to write: kind, text and details (the author is the sender, unless given)."""

    kind: str
    text: str
    details: Mapping[str, Any]
    at: datetime | None = None
    author: str = ""


class Plan(NamedTuple):
    """What a payload does: declare an incident (or not), then write ``lines`` to it."""

    declare: Declaration | None
    lines: tuple[Line, ...]
    incident_id: str | None  # the linked incident, when there is one
    summary: str  # what was done, in a few words, for the listener's line and the CLI
    acknowledge: bool = False


def _time_text(moment: datetime | None) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else ""


def alert_details(group: AlertGroup, alert: Alert) -> dict[str, Any]:
    """The details of an alert entry: everything ``show --json`` and the console show of it."""
    return {
        "source": group.source,
        "key": group.key,
        "name": alert.name,
        "status": alert.status,
        "labels": dict(alert.labels),
        "summary": alert.summary,
        "description": alert.description,
        "starts_at": _time_text(alert.starts_at),
        "ends_at": _time_text(alert.ends_at),
        "links": dict(alert.links),
        "fingerprint": alert.fingerprint,
    }


def severity_for(labels: Mapping[str, str], rules: IngestRules) -> tuple[Severity, str]:
    """The severity a group's labels ask for, and a sentence saying why."""
    value = labels.get(rules.severity_label, "")
    mapped = rules.severity.get(value.strip().lower())
    if mapped is not None:
        return mapped, f"Severity {mapped.value} from alert label {rules.severity_label}={value!r}"
    shown = f"{rules.severity_label}={value!r} is not in the mapping" if value else f"no {rules.severity_label} label"
    return rules.default_severity, f"Severity {rules.default_severity.value} by default ({shown})"


def plan_group(group: AlertGroup, linked: Incident | None, known: Mapping[str, AlertState], rules: IngestRules) -> Plan:
    """What an Alertmanager or Grafana notification does, given the incident it is linked to (or None)
    and the alert states its log already holds. The same notification twice plans nothing the second time."""
    changed = [
        alert
        for alert in group.alerts
        if known.get(alert.fingerprint) != AlertState(alert.status, _time_text(alert.starts_at))
    ]
    # A resolved alert never seen firing still closes nothing: it is logged only where the group is linked.
    if linked is None:
        changed = [a for a in changed if a.status == "firing"]
    lines = [Line("alert", _alert_text(alert), alert_details(group, alert), author=group.source) for alert in changed]
    if group.truncated and changed:
        lines.append(
            Line(
                "alert",
                f"{group.truncated} more alerts of the group were left out by {group.source}",
                {"source": group.source, "key": group.key, "truncated": group.truncated},
                author=group.source,
            )
        )
    firing = [a for a in changed if a.status == "firing"]
    if linked is None:
        if not firing:
            return Plan(None, (), None, "no open incident for a resolved group, nothing to do")
        labels = {**group.common_labels}
        severity, why = severity_for(labels or firing[0].labels, rules)
        services = []
        for label in rules.service_labels:
            for alert in firing:
                value = alert.labels.get(label, "")
                if value and value not in services:
                    services.append(value)
        starts = [a.starts_at for a in group.alerts if a.starts_at is not None]
        declaration = Declaration(group.title, severity, why, tuple(services), min(starts) if starts else None)
        return Plan(declaration, tuple(lines), None, f"declared, {_count(len(changed))} logged")
    if not changed:
        return Plan(None, (), linked.id, "duplicate, nothing to do")
    if linked.status is Status.RESOLVED and firing:
        names = ", ".join(sorted({a.name for a in firing}))
        lines.insert(
            0,
            Line(
                "recurrence",
                f"Recurrence: {names} firing again after {linked.id} was resolved",
                {"source": group.source, "key": group.key, "firing": len(firing)},
                author=group.source,
            ),
        )
        return Plan(None, tuple(lines), linked.id, f"recurrence on {linked.id}, {_count(len(changed))} logged")
    return Plan(None, tuple(lines), linked.id, f"{_count(len(changed))} logged on {linked.id}")


def _count(n: int) -> str:
    return f"{n} alert{'s' if n != 1 else ''}"


def _alert_text(alert: Alert) -> str:
    what = alert.summary or alert.description.split("\n", 1)[0]
    return f"Alert {alert.status}: {alert.name}" + (f": {what}" if what else "")


def plan_pagerduty(event: PagerDutyEvent, linked: Incident | None, applied: set[str], rules: IngestRules) -> Plan:
    """What a PagerDuty event does, given the incident it is linked to and the event ids already applied."""
    if event.event_id in applied:
        return Plan(None, (), linked.id if linked else None, "duplicate, nothing to do")
    base = {"source": "pagerduty", "key": event.key, "event_id": event.event_id, "event_type": event.event_type}
    links = {"html_url": event.url} if event.url else {}
    who = event.agent or "pagerduty"
    kind = event.event_type
    if kind == "incident.triggered":
        if linked is not None:
            return Plan(None, (), linked.id, "already declared, nothing to do")
        severity, why = _pd_severity(event, rules)
        details: dict[str, Any] = {**base, "name": event.title or "PagerDuty incident", "status": "firing",
                   "links": links, "fingerprint": event.key, "starts_at": _time_text(event.occurred_at), "ends_at": "",
                   "labels": {}, "summary": event.title, "description": ""}  # fmt: skip
        title = event.title or f"PagerDuty incident #{event.number}"
        declaration = Declaration(title, severity, why, (event.service,) if event.service else (), event.occurred_at)
        line = Line("alert", f"PagerDuty triggered: {title}", details, author="pagerduty")
        return Plan(declaration, (line,), None, "declared")
    if linked is None:
        return Plan(None, (), None, f"{kind} for a PagerDuty incident not declared here, nothing to do")
    if kind == "incident.acknowledged":
        # Only the first acknowledgement meets the timer; a later one is a note, so the table still
        # says when the incident was first acknowledged.
        first = linked.acknowledged_at is None
        line = Line("ack" if first else "note", f"Acknowledged by {who} (PagerDuty)", base, author=who)
        return Plan(None, (line,), linked.id, f"acknowledged {linked.id}", acknowledge=first)
    if kind == "incident.annotated":
        line = Line("note", f"PagerDuty note by {who}: {event.note}", base, author=who)
        return Plan(None, (line,), linked.id, f"note logged on {linked.id}")
    if kind in ("incident.escalated", "incident.reassigned"):
        verb = "escalated" if kind == "incident.escalated" else "reassigned"
        line = Line("escalation", f"PagerDuty incident {verb} by {who}", base, author=who)
        return Plan(None, (line,), linked.id, f"escalation logged on {linked.id}")
    if kind == "incident.priority_updated":
        suggested = rules.pagerduty_priority.get(event.priority.upper())
        text = f"PagerDuty priority is now {event.priority or 'none'}"
        text += f": suggests {suggested.value}; the severity is unchanged" if suggested else ""
        suggestion = {**base, "suggested": suggested.value if suggested else None}
        return Plan(None, (Line("note", text, suggestion, author=who),), linked.id, f"priority logged on {linked.id}")
    if kind == "incident.resolved":
        details = {**base, "name": event.title or "PagerDuty incident", "status": "resolved", "links": links,
                   "fingerprint": event.key, "starts_at": "", "ends_at": _time_text(event.occurred_at),
                   "labels": {}, "summary": event.title, "description": ""}  # fmt: skip
        line = Line("alert", f"PagerDuty resolved by {who}: {event.title}", details, author=who)
        return Plan(None, (line,), linked.id, f"PagerDuty resolution logged on {linked.id}")
    return Plan(None, (), linked.id, f"{kind} is not acted on, nothing to do")


def _pd_severity(event: PagerDutyEvent, rules: IngestRules) -> tuple[Severity, str]:
    mapped = rules.pagerduty_priority.get(event.priority.upper()) if event.priority else None
    if mapped is not None:
        return mapped, f"Severity {mapped.value} from PagerDuty priority {event.priority}"
    if event.urgency == "high":
        return Severity.P2, "Severity P2 from PagerDuty urgency high"
    if event.urgency == "low":
        return Severity.P4, "Severity P4 from PagerDuty urgency low"
    return rules.default_severity, f"Severity {rules.default_severity.value} by default (no PagerDuty priority)"


# --- reading it back -----------------------------------------------------------------------------


def alerts_of(log: Iterable[LogEntry]) -> list[dict[str, Any]]:
    """The incident's alerts, one per fingerprint, as last logged: name, status, starts/ends, links."""
    latest: dict[str, dict[str, Any]] = {}
    for entry in log:
        details = entry.details
        if entry.kind == "alert" and "fingerprint" in details:
            latest.pop(str(details["fingerprint"]), None)  # re-inserted: the dict stays newest last
            latest[str(details["fingerprint"])] = {
                "name": details.get("name", ""),
                "status": details.get("status", ""),
                "starts_at": details.get("starts_at") or None,
                "ends_at": details.get("ends_at") or None,
                "links": dict(details.get("links") or {}),
                "fingerprint": details["fingerprint"],
                "source": details.get("source", ""),
                "summary": details.get("summary", ""),
                "entry": entry.id,
            }
    return list(latest.values())


def recurred_at(log: Iterable[LogEntry]) -> datetime | None:
    """When the incident's alerts last fired again after it was resolved, or None."""
    found = None
    for entry in log:
        if entry.kind == "recurrence":
            found = entry.at
    return found
