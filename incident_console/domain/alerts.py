"""Alerts from monitoring: Alertmanager, Grafana and PagerDuty V3 webhooks read into plain records,
and what each one means for the incidents (declare one, log alerts, mark a recurrence, or nothing).

Pure: the payload is already-decoded JSON, the incidents and their logs are passed in, and so is
``now``. Every sentence a bad payload gets names what is wrong with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, NamedTuple

from .errors import InputError
from .model import Incident, LogEntry, Severity, Status
from .text import clean_input

SOURCES = ("alertmanager", "grafana", "pagerduty")
# The webhook versions whose shape is read here (Grafana's own webhook says version "1").
_VERSIONS = {"alertmanager": ("4",), "grafana": ("1",)}
# Alertmanager's "no end time yet".
_ZERO_TIME = "0001-01-01T00:00:00Z"
_LINK_FIELDS = ("generatorURL", "dashboardURL", "panelURL", "silenceURL")
_LONGEST_TEXT = 2000  # an annotation is evidence, not a document: longer text is cut


class IngestRules(NamedTuple):
    """How alerts become incidents: the ``[ingest]`` section of the config file."""

    severity: Mapping[str, Severity] = MappingProxyType(
        {
            "critical": Severity.P1,
            "error": Severity.P2,
            "high": Severity.P2,
            "warning": Severity.P3,
            "info": Severity.P4,
            "low": Severity.P4,
        }
    )
    default_severity: Severity = Severity.P3
    severity_label: str = "severity"
    service_labels: tuple[str, ...] = ("service", "job", "app")
    # PagerDuty's priorities P1..P5 (five of them) onto ours.
    pagerduty_priority: Mapping[str, Severity] = MappingProxyType(
        {"P1": Severity.P1, "P2": Severity.P2, "P3": Severity.P3, "P4": Severity.P4, "P5": Severity.P4}
    )

    @classmethod
    def from_mapping(cls, data: Any, *, source: str = "config") -> IngestRules:
        """Read ``[ingest]``, refusing any unknown key or bad value::

        [ingest]
        default_severity = "P3"
        severity_label = "severity"
        service_labels = ["service", "job", "app"]
        [ingest.severity]
        critical = "P1"
        [ingest.pagerduty_priority]
        P5 = "P4"
        """
        if not isinstance(data, dict):
            raise InputError(f"{source}: 'ingest' must be a table, not {data!r}")
        base = cls()
        values: dict[str, Any] = {}
        for key, value in data.items():
            name = f"ingest.{key}"
            if key == "default_severity":
                values[key] = _severity(source, name, value)
            elif key == "severity_label":
                if not isinstance(value, str) or not value.strip():
                    raise InputError(f"{source}: {name} = {value!r} must be a label name")
                values[key] = value.strip()
            elif key == "service_labels":
                if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                    raise InputError(f"{source}: {name} must be a list of label names, not {value!r}")
                values[key] = tuple(v.strip() for v in value)
            elif key in ("severity", "pagerduty_priority"):
                if not isinstance(value, dict):
                    raise InputError(f"{source}: {name} must be a table of values to P1..P4, not {value!r}")
                table = dict(getattr(base, key))
                for label_value, sev in value.items():
                    table[str(label_value).strip().lower() if key == "severity" else str(label_value).upper()] = (
                        _severity(source, f"{name}.{label_value}", sev)
                    )
                values[key] = MappingProxyType(table)
            else:
                raise InputError(f"{source}: unknown key {name!r}")
        return base._replace(**values)


def _severity(source: str, name: str, value: Any) -> Severity:
    try:
        return Severity(str(value).strip().upper())
    except ValueError:
        raise InputError(f"{source}: {name} = {value!r} is not a severity (P1..P4)") from None


# --- the records -------------------------------------------------------------------------------


class Alert(NamedTuple):
    """One alert of a group, as Alertmanager or Grafana sent it."""

    name: str
    status: str  # "firing" or "resolved"
    labels: Mapping[str, str]
    summary: str
    description: str
    starts_at: datetime | None
    ends_at: datetime | None
    links: Mapping[str, str]
    fingerprint: str


class AlertGroup(NamedTuple):
    """An Alertmanager or Grafana notification: one group of alerts."""

    source: str
    key: str  # the group key, namespaced by source: the link to our incident
    status: str
    alerts: tuple[Alert, ...]
    title: str
    common_labels: Mapping[str, str]
    truncated: int
    external_url: str


class PagerDutyEvent(NamedTuple):
    """A PagerDuty V3 webhook event about one PagerDuty incident."""

    event_id: str
    event_type: str
    key: str  # "pagerduty:" + PagerDuty's incident id
    number: int | None
    title: str
    service: str
    priority: str
    urgency: str
    url: str
    agent: str
    note: str
    occurred_at: datetime | None
    source: str = "pagerduty"


Payload = AlertGroup | PagerDutyEvent


def _fail(source: str, what: str) -> InputError:
    return InputError(f"the {source} payload {what}")


def _text(value: Any, source: str, field: str, *, required: bool = False, multiline: bool = False) -> str:
    if value is None:
        if required:
            raise _fail(source, f"has no {field}")
        return ""
    if not isinstance(value, str):
        raise _fail(source, f"has {field} = {_brief(value)}, which is not a string")
    cleaned = clean_input(value[:_LONGEST_TEXT], multiline=multiline)
    if required and not cleaned.strip():
        raise _fail(source, f"has an empty {field}")
    return cleaned


def _brief(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."


def _strings(value: Any, source: str, field: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _fail(source, f"has {field} that is not an object")
    return {clean_input(str(k)): _text(v, source, f"{field}.{k}", multiline=True) for k, v in value.items()}


_FRACTION = re.compile(r"(\.\d{6})\d+")


def _moment(value: Any, source: str, field: str) -> datetime | None:
    if value is None or value == "" or value == _ZERO_TIME:
        return None
    if not isinstance(value, str):
        raise _fail(source, f"has {field} = {_brief(value)}, which is not a time")
    # Go writes nanoseconds; Python reads at most microseconds.
    raw = _FRACTION.sub(r"\1", value.strip()).replace("z", "Z")
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise _fail(source, f"has {field} = {_brief(value)}, which is not an ISO-8601 time") from None
    if moment.tzinfo is None:
        raise _fail(source, f"has {field} = {_brief(value)}, a time without an offset")
    if moment.year <= 1:  # Go's zero time in another spelling
        return None
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise _fail(source, f"has {field} = {_brief(value)}, which is out of range") from None


def parse(data: Any, source: str) -> Payload:
    """Read a decoded webhook body of ``source`` (alertmanager, grafana, pagerduty or auto)."""
    if source == "auto":
        source = detect(data)
    if source not in SOURCES:
        raise InputError(f"format {source!r} is not one of {', '.join(SOURCES)} or auto")
    if not isinstance(data, dict):
        raise _fail(source, f"is {type(data).__name__}, not a JSON object")
    if source == "pagerduty":
        return _pagerduty(data)
    return _group(data, source)


def detect(data: Any) -> str:
    """Which sender a body comes from, by its shape."""
    if isinstance(data, dict):
        if isinstance(data.get("event"), dict):
            return "pagerduty"
        if "groupKey" in data and ("orgId" in data or "state" in data or data.get("version") == "1"):
            return "grafana"
        if "groupKey" in data or "alerts" in data:
            return "alertmanager"
    raise InputError(
        "the payload is not one that is known (an Alertmanager or Grafana webhook with groupKey and alerts, "
        "or a PagerDuty V3 webhook with event)"
    )


def _group(data: dict[str, Any], source: str) -> AlertGroup:
    version = data.get("version")
    if str(version) not in _VERSIONS[source]:
        wanted = " or ".join(repr(v) for v in _VERSIONS[source])
        raise _fail(source, f"has version {_brief(version)}; the version read here is {wanted}")
    key = _text(data.get("groupKey"), source, "groupKey", required=True)
    status = data.get("status")
    if status not in ("firing", "resolved"):
        raise _fail(source, f"has status {_brief(status)}; it must be firing or resolved")
    raw_alerts = data.get("alerts")
    if not isinstance(raw_alerts, list):
        raise _fail(source, "has no alerts list")
    alerts = tuple(_alert(item, source, index) for index, item in enumerate(raw_alerts))
    common = _strings(data.get("commonLabels"), source, "commonLabels")
    annotations = _strings(data.get("commonAnnotations"), source, "commonAnnotations")
    truncated = data.get("truncatedAlerts", 0)
    if isinstance(truncated, bool) or not isinstance(truncated, int) or truncated < 0:
        raise _fail(source, f"has truncatedAlerts = {_brief(truncated)}, which is not a count")
    title = clean_input(annotations.get("summary", ""))
    if not title:
        title = common.get("alertname", "") or next((a.name for a in alerts if a.name), "")
    if not title and source == "grafana":
        title = _text(data.get("title"), source, "title")
    return AlertGroup(
        source=source,
        key=f"{source}:{key}",
        status=status,
        alerts=alerts,
        title=title or "Alert",
        common_labels=common,
        truncated=truncated,
        external_url=_text(data.get("externalURL"), source, "externalURL"),
    )


def _alert(item: Any, source: str, index: int) -> Alert:
    where = f"alerts[{index}]"
    if not isinstance(item, dict):
        raise _fail(source, f"has {where} that is not an object")
    status = item.get("status")
    if status not in ("firing", "resolved"):
        raise _fail(source, f"has {where}.status {_brief(status)}; it must be firing or resolved")
    labels = _strings(item.get("labels"), source, f"{where}.labels")
    annotations = _strings(item.get("annotations"), source, f"{where}.annotations")
    fingerprint = _text(item.get("fingerprint"), source, f"{where}.fingerprint")
    if not fingerprint:
        # Older senders leave it out: the labels identify the alert just as well.
        fingerprint = "labels:" + ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
    links = {}
    for field in _LINK_FIELDS:
        url = _text(item.get(field), source, f"{where}.{field}")
        if url:
            links[field] = url
    runbook = annotations.get("runbook_url", "")
    if runbook:
        links["runbook_url"] = clean_input(runbook)
    return Alert(
        name=clean_input(labels.get("alertname", "")) or "alert",
        status=status,
        labels=labels,
        summary=clean_input(annotations.get("summary", "")),
        description=annotations.get("description", ""),
        starts_at=_moment(item.get("startsAt"), source, f"{where}.startsAt"),
        ends_at=_moment(item.get("endsAt"), source, f"{where}.endsAt"),
        links=links,
        fingerprint=fingerprint,
    )


def _pagerduty(data: dict[str, Any]) -> PagerDutyEvent:
    source = "pagerduty"
    event = data.get("event")
    if not isinstance(event, dict):
        raise _fail(source, "has no event object")
    event_type = _text(event.get("event_type"), source, "event.event_type", required=True)
    body = event.get("data")
    if not isinstance(body, dict):
        raise _fail(source, "has no event.data object")
    incident: Any = body if body.get("type", "incident") == "incident" else body.get("incident")
    if not isinstance(incident, dict):
        raise _fail(source, "has event.data without the incident it is about")
    pd_id = _text(incident.get("id"), source, "event.data.id", required=True)
    number = incident.get("number")
    service = incident.get("service")
    priority = incident.get("priority")
    agent = event.get("agent")
    return PagerDutyEvent(
        event_id=_text(event.get("id"), source, "event.id", required=True),
        event_type=event_type,
        key=f"pagerduty:{pd_id}",
        number=number if isinstance(number, int) and not isinstance(number, bool) else None,
        title=_text(incident.get("title"), source, "event.data.title"),
        service=_text(service.get("summary"), source, "service.summary") if isinstance(service, dict) else "",
        priority=_text(priority.get("summary"), source, "priority.summary") if isinstance(priority, dict) else "",
        urgency=_text(incident.get("urgency"), source, "event.data.urgency"),
        url=_text(incident.get("html_url"), source, "event.data.html_url"),
        agent=_text(agent.get("summary"), source, "agent.summary") if isinstance(agent, dict) else "",
        note=_text(body.get("content"), source, "event.data.content", multiline=True),
        occurred_at=_moment(event.get("occurred_at"), source, "event.occurred_at"),
    )


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
        str(e.details["event_id"]) for e in log if "event_id" in e.details and e.details.get("source") == SOURCES[2]
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
