"""Alerts from monitoring: Alertmanager, Grafana and PagerDuty V3 webhooks read into plain records.

Pure: the payload is already-decoded JSON. Every sentence a bad payload gets names what is wrong
with it. What a payload then does to the incidents is decided in ``alert_plan``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, NamedTuple

from .errors import InputError
from .text import clean_input

SOURCES = ("alertmanager", "grafana", "pagerduty")
# The webhook versions whose shape is read here (Grafana's own webhook says version "1").
_VERSIONS = {"alertmanager": ("4",), "grafana": ("1",)}
# Alertmanager's "no end time yet".
_ZERO_TIME = "0001-01-01T00:00:00Z"
_LINK_FIELDS = ("generatorURL", "dashboardURL", "panelURL", "silenceURL")
_LONGEST_TEXT = 2000  # an annotation is evidence, not a document: longer text is cut


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
