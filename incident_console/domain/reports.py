"""Markdown the incident produces: the handoff briefing and the post-mortem in the runbook's layout.

Everything a person wrote goes in as literal text: control characters are made visible and
characters that would break a table are escaped, so the Markdown renders as written.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from .model import POSTMORTEM_SECTIONS, ActionItem, Incident, LogEntry, Severity
from .sla import SlaTimer, TimerState, format_duration
from .text import visible
from .times import to_text

TIMELINE_KINDS = {
    "declare",
    "ack",
    "severity",
    "status",
    "action",
    "command",
    "comms",
    "escalation",
    "handoff",
    "triage",
}


# ">" is left alone: it only quotes at the start of a line, and entries never start a line here.
_MARKDOWN_SPECIAL = str.maketrans({ch: "\\" + ch for ch in "\\`*_[]<#|~"})


def _line(text: str) -> str:
    """Text a person wrote, made literal for Markdown: no control characters, no formatting."""
    return visible(text).translate(_MARKDOWN_SPECIAL)


def _cell(text: str) -> str:
    return _line(text)


def _utc(moment: datetime) -> str:
    return to_text(moment)[:16].replace("T", " ") + " UTC"


def _ago(moment: datetime, now: datetime) -> str:
    return f"{format_duration((now - moment).total_seconds())} ago"


def _hours(seconds: float) -> str:
    hours = seconds / 3600
    return f"{hours:.1f} hours" if hours >= 1 else f"{format_duration(seconds)}"


def review_markdown(incident: Incident, entries: Sequence[LogEntry], *, since_handoff: bool) -> str:
    """The log an incoming person reviews: everything since the previous handoff."""
    heading = "since the previous handoff" if since_handoff else "since the incident began"
    lines = [
        f"# Review: {incident.id} — {_line(incident.title)}",
        "",
        f"{len(entries)} entries {heading}.",
        "",
        "| Time (UTC) | Who | Kind | What |",
        "|---|---|---|---|",
    ]
    lines += [f"| {_time(e.at, True)} | {_cell(e.author)} | {_cell(e.kind)} | {_cell(e.text)} |" for e in entries]
    lines.append("")
    return "\n".join(lines)


def timeline_event(entry: LogEntry) -> str:
    """What the post-mortem's timeline says for a log entry."""
    lines = [line.strip().lstrip("#").strip() for line in entry.text.splitlines()]
    first_line = next((line for line in lines if line), "")
    labels = {
        "declare": "",
        "ack": "On-call acknowledged",
        "comms": "Status update sent: ",
        "command": "Command run: ",
        "action": "Action: ",
        "escalation": "",
        "handoff": "",
        "severity": "",
        "status": "",
        "triage": "",
    }
    label = labels.get(entry.kind, "")
    if entry.kind == "ack":
        return label + f" ({entry.author})"
    return label + first_line


def metrics(incident: Incident, log: Sequence[LogEntry]) -> list[tuple[str, str]]:
    """Time to acknowledge, to first update, to mitigation and to resolve, from detection."""
    start = incident.detected_at

    def since(moment: datetime | None) -> str:
        return format_duration((moment - start).total_seconds()) if moment else "not yet"

    first_update = next((e.at for e in log if e.kind == "comms"), None)
    mitigated = incident.monitoring_since or next(
        (e.at for e in log if e.kind == "status" and e.details.get("status") == "monitoring"), None
    )
    return [
        ("Time to acknowledge", since(incident.acknowledged_at)),
        ("Time to first update", since(first_update)),
        ("Time to mitigation", since(mitigated)),
        ("Time to resolve", since(incident.resolved_at)),
    ]


def postmortem_markdown(incident: Incident, log: Sequence[LogEntry], items: Sequence[ActionItem], now: datetime) -> str:
    """The runbook's post-mortem, prefilled from the file; unwritten sections say TODO."""
    end = incident.resolved_at or now
    duration = (end - incident.impact_start).total_seconds()
    ongoing = "" if incident.resolved_at else " (ongoing)"
    peak: Severity = incident.peak_severity

    def section(key: str) -> str:
        text = incident.postmortem.get(key, "").strip()
        return visible(text, multiline=True) if text else "TODO"

    lines = [
        "# Incident Post-Mortem",
        "",
        f"**Date:** {incident.impact_start.strftime('%Y-%m-%d')}",
        f"**Duration:** {_hours(duration)}{ongoing}",
        f"**Severity:** {peak.value}",
        f"**Lead:** {_line(incident.commander) or 'TODO'}",
        f"**Incident:** {incident.id} — {_line(incident.title)}",
        "",
        "## Summary",
        section("summary"),
        "",
        "## Timeline",
        "| Time | Event |",
        "|------|-------|",
    ]
    multi_day = incident.impact_start.date() != end.date()
    if incident.started_at and incident.started_at < incident.detected_at:
        lines.append(f"| {_time(incident.started_at, multi_day)} | Impact started |")
    if incident.detected_at < incident.declared_at:
        lines.append(f"| {_time(incident.detected_at, multi_day)} | Detected |")
    for entry in log:
        if entry.kind in TIMELINE_KINDS:
            lines.append(f"| {_time(entry.at, multi_day)} | {_cell(timeline_event(entry))} |")
    lines.append("")
    lines.append("All times UTC.")
    lines.append("")
    for label, value in metrics(incident, log):
        lines.append(f"- **{label}:** {value}")
    titles = dict(POSTMORTEM_SECTIONS)
    for key in ("root_cause", "impact", "went_well", "went_wrong"):
        lines += ["", f"## {titles[key]}", section(key)]
    lines += ["", "## Action Items", "| Action | Owner | Deadline |", "|--------|-------|----------|"]
    for item in items:
        done = " (done)" if item.done_at else ""
        deadline = item.due.isoformat() if item.due else "TODO"
        lines.append(f"| {_cell(item.text)}{done} | {_cell(item.owner) or 'TODO'} | {deadline} |")
    if not items:
        lines.append("| TODO | TODO | TODO |")
    lines += ["", "## Lessons Learned", section("lessons"), ""]
    return "\n".join(lines)


def _time(moment: datetime, with_date: bool) -> str:
    return to_text(moment)[:16].replace("T", " ") if with_date else to_text(moment)[11:16]


def handoff_markdown(
    incident: Incident,
    log: Sequence[LogEntry],
    timers: Sequence[SlaTimer],
    items: Sequence[ActionItem],
    *,
    from_name: str,
    to_name: str,
    now: datetime,
) -> str:
    """The briefing for the next person: where things stand, what was tried, what is open."""
    last_handoff = max((i for i, e in enumerate(log) if e.kind == "handoff"), default=-1)
    since = log[last_handoff + 1 :]
    severity_why = next((e.text for e in reversed(log) if e.kind in ("severity", "triage")), "set when declared")
    status_why = next((e.text for e in reversed(log) if e.kind == "status"), "since declared")
    lines = [
        f"# Handoff: {incident.id} — {_line(incident.title)}",
        "",
        f"**From:** {_line(from_name)}  **To:** {_line(to_name)}  **At:** {_utc(now)}",
        "",
        "## Where it stands",
        f"- **Severity:** {incident.severity.value} ({incident.severity.description}) — {_line(severity_why)}",
        f"- **Status:** {incident.status.title} — {_line(status_why)}",
        f"- **Commander:** {_line(incident.commander) or '-'}",
        f"- **Impact:** {_line(incident.impact) or '-'}",
        f"- **Services:** {_line(', '.join(incident.services)) or '-'}",
        f"- **Started:** {_utc(incident.impact_start)} ({_ago(incident.impact_start, now)})",
        "",
        "## Timers open or breached",
    ]
    open_timers = [t for t in timers if t.state in (TimerState.PENDING, TimerState.BREACHED) and t.met_at is None]
    for timer in open_timers:
        remaining = timer.remaining or 0
        state = f"OVERDUE by {format_duration(remaining)}" if remaining < 0 else f"{format_duration(remaining)} left"
        due = _utc(timer.due_at) if timer.due_at else "-"
        lines.append(f"- **{timer.title}:** {state} (due {due})")
    if not open_timers:
        lines.append("- none")
    lines += ["", "## Communications"]
    updates = [e for e in log if e.kind == "comms"]
    if updates:
        last = updates[-1]
        lines.append(f"- **Last update sent:** {_utc(last.at)} by {_line(last.author)}")
        lines.append("")
        lines += [f"  > {visible(line)}" for line in last.text.split("\n")]
    else:
        lines.append("- **Last update sent:** none yet")
    next_update = next((t for t in timers if t.name == "next_update" and t.due_at), None)
    if next_update is not None and next_update.due_at is not None:
        lines.append(f"- **Next update due:** {_utc(next_update.due_at)}")
    lines += ["", "## Actions tried"]
    tried = [e for e in log if e.kind in ("action", "command")]
    for entry in tried:
        outcome = ""
        if entry.kind == "command":
            status = entry.details.get("exit_status")
            outcome = " — succeeded" if status == 0 else f" — failed (exit {status})"
        lines.append(f"- {_utc(entry.at)} {_line(entry.text)}{outcome}")
    if not tried:
        lines.append("- none recorded")
    lines += ["", "## Open action items"]
    open_items = [i for i in items if i.is_open]
    for item in open_items:
        due = item.due.isoformat() if item.due else "no deadline"
        lines.append(f"- #{item.id} {_line(item.text)} — {_line(item.owner) or 'unowned'}, {due}")
    if not open_items:
        lines.append("- none")
    lines += ["", "## Open questions"]
    questions = [e for e in log if e.kind == "question"]
    lines += [f"- {_line(e.text)} ({_line(e.author)}, {_utc(e.at)})" for e in questions] or ["- none recorded"]
    heading = "since the previous handoff" if last_handoff >= 0 else "since the incident began"
    lines += ["", f"## Log {heading}", "| Time (UTC) | Who | Kind | What |", "|---|---|---|---|"]
    for entry in since:
        lines.append(f"| {_time(entry.at, True)} | {_cell(entry.author)} | {_cell(entry.kind)} | {_cell(entry.text)} |")
    lines.append("")
    return "\n".join(lines)
