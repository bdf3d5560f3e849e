"""Communications templates from the runbook, filled from the incident with safe substitution.

Placeholders are ``{name}``. Values are inserted once and never scanned again, so text with
``{``, ``}``, ``$``, ``%`` or markup in it comes out exactly as written.
"""

# No "from __future__ import annotations": see model.py (named tuples are made faster without it).

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from .errors import InputError
from .model import Incident, LogEntry, Severity
from .policy import Policy

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")

# What a template says where the incident lacks a value, and the runbook's own placeholders (a template
# from the config may copy the runbook's text): an update that still says one is not finished.
IMPACT_PLACEHOLDER = "[Description of user impact]"
CAUSE_PLACEHOLDER = "[cause]"
RUNBOOK_PLACEHOLDERS = (IMPACT_PLACEHOLDER, CAUSE_PLACEHOLDER, "[Time]", "[service]", "[issue]")


class Template(NamedTuple):
    key: str
    title: str
    body: str
    needs_cause: bool = False
    # The status the update announces; None keeps the incident's own.
    announces: str | None = None


INCIDENT_UPDATE = """## Incident Update

**Status:** {status}
**Impact:** {impact}
**Start Time:** {start_time} UTC
**Next Update:** {next_update} UTC

We are aware of issues with {service} and are actively investigating."""

TEMPLATES: tuple[Template, ...] = (
    Template("initial", "Initial alert", "We're investigating reports of {issue}. More updates to follow."),
    Template("update", "Incident Update (P1/P2)", INCIDENT_UPDATE),
    Template("identified", "Identified", "We've identified the issue as {cause}. Working on a fix.", needs_cause=True),
    Template("monitoring", "Monitoring", "Fix has been deployed. Monitoring for stability."),
    Template("resolved", "Resolved", "The issue has been resolved. Services are operating normally."),
)


def template(key: str, catalog: Sequence[Template] = TEMPLATES) -> Template:
    for candidate in catalog:
        if candidate.key == key:
            return candidate
    raise InputError(f"template {key!r} does not exist (known: {', '.join(t.key for t in catalog)})")


def merge(overrides: Mapping[str, Any], source: str = "config") -> tuple[Template, ...]:
    """The runbook's templates, with ``[templates.KEY]`` tables from the config replacing or adding.

    Each table has ``body`` (required for a new template), and optionally ``title`` and
    ``needs_cause``.
    """
    catalog = {t.key: t for t in TEMPLATES}
    for key, table in overrides.items():
        if not isinstance(table, dict):
            raise InputError(f"{source}: templates.{key} must be a table with a body, not {table!r}")
        unknown = set(table) - {"title", "body", "needs_cause"}
        if unknown:
            raise InputError(f"{source}: templates.{key}.{sorted(unknown)[0]} is not a template setting")
        base = catalog.get(key)
        body = table.get("body", base.body if base else None)
        if not isinstance(body, str) or not body.strip():
            raise InputError(f"{source}: templates.{key}.body = {body!r} must be non-empty text")
        title = table.get("title", base.title if base else key.replace("_", " ").capitalize())
        if not isinstance(title, str):
            raise InputError(f"{source}: templates.{key}.title = {title!r} is not text")
        needs_cause = table.get("needs_cause", "{cause}" in body)
        catalog[key] = Template(key, title, body, bool(needs_cause))
    return tuple(catalog.values())


def substitute(body: str, values: Mapping[str, str]) -> str:
    """Replace each known ``{name}``; unknown placeholders stay as written."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), body)


def next_update_at(incident: Incident, policy: Policy, now: datetime) -> datetime:
    """When the next update is due if one goes out now: the severity's cadence, else an hour."""
    cadence = policy.update_every.get(incident.severity, timedelta(hours=1))
    return now + cadence


def _next_update_text(moment: datetime, now: datetime) -> str:
    """``13:03`` today (UTC), else dated like the Start Time beside it: ``2026-11-29 00:20``."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%H:%M" if moment.date() == now.astimezone(UTC).date() else "%Y-%m-%d %H:%M")


def values_for(incident: Incident, policy: Policy, now: datetime, cause: str = "") -> dict[str, str]:
    """The values the templates use, taken from the incident."""
    service = ", ".join(incident.services) or incident.title
    return {
        "issue": incident.impact or incident.title,
        "service": service,
        "impact": incident.impact or IMPACT_PLACEHOLDER,
        "start_time": incident.impact_start.strftime("%Y-%m-%d %H:%M"),
        "status": incident.status.title,
        "next_update": _next_update_text(next_update_at(incident, policy, now), now),
        "cause": cause.strip() or CAUSE_PLACEHOLDER,
        "severity": incident.severity.value,
        "title": incident.title,
        "id": incident.id,
    }


def render(
    key: str,
    incident: Incident,
    policy: Policy,
    now: datetime,
    cause: str = "",
    catalog: Sequence[Template] = TEMPLATES,
) -> str:
    """The filled text of template ``key`` for ``incident`` at ``now``."""
    return substitute(template(key, catalog).body, values_for(incident, policy, now, cause))


def suggested_template(incident: Incident) -> str:
    """The template that fits where the incident stands."""
    status = incident.status.value
    if status == "resolved":
        return "resolved"
    if status == "monitoring":
        return "monitoring"
    if status == "identified":
        return "identified"
    return "update" if incident.severity in (Severity.P1, Severity.P2) else "initial"


def unfilled(text: str) -> list[str]:
    """The template placeholders ``text`` still holds: the runbook's ``[...]`` ones and any ``{name}``
    left as written (a name no template value has), each once, in the order found."""
    found = [(text.index(p), p) for p in RUNBOOK_PLACEHOLDERS if p in text]
    found += [(m.start(), m.group(0)) for m in _PLACEHOLDER.finditer(text)]
    return list(dict.fromkeys(p for _, p in sorted(found)))


def stated_cause(log: Sequence[LogEntry]) -> str:
    """The cause given when the incident was last moved to identified (that status change's note), or ''.

    A reopening's note is why it was reopened, not a cause.
    """
    for entry in reversed(log):
        if entry.kind != "status" or entry.details.get("status") != "identified":
            continue
        if entry.details.get("previous") == "resolved":
            return ""
        cause = entry.details.get("cause")
        if isinstance(cause, str):
            return cause
        # Entries written before the cause had its own field: the note follows the change in the text.
        return entry.text.partition(" -> identified: ")[2]
    return ""
