"""Markdown the incident produces: the handoff briefing and the post-mortem in the runbook's layout.

Everything a person wrote goes in as literal text: control characters are made visible and
characters that would break a table are escaped, so the Markdown renders as written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from .model import POSTMORTEM_SECTIONS, ActionItem, Incident, LogEntry, Severity
from .sla import SlaTimer, format_duration
from .text import visible
from .timer_text import Tone, timer_text
from .times import to_text

# What the briefing lists under "Timers open or breached": whatever is not plainly met or not applicable.
_TONES_TO_BRIEF = (Tone.LEFT, Tone.SOON, Tone.OVERDUE, Tone.OVERRIDE, Tone.MISSED, Tone.UNMET)

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


# Every character that starts inline formatting, a link, HTML or an entity (``&lt;``) is escaped.
_MARKDOWN_SPECIAL = str.maketrans({ch: "\\" + ch for ch in "\\`*_[]<#|~&"})
# At the start of a line (a list item's text, a quoted line) these would start a list, a quote or
# an underlined heading.
_BLOCK_START = re.compile(r"^(\s*)([-+>=]|\d+(?=[.)]))")


def _line(text: str) -> str:
    """Text a person wrote, made literal for Markdown: no control characters, no formatting."""
    escaped = visible(text).translate(_MARKDOWN_SPECIAL)
    return _BLOCK_START.sub(lambda m: m[1] + (m[2] + "\\" if m[2][0].isdigit() else "\\" + m[2]), escaped)


def _lines(text: str, indent: str = "") -> list[str]:
    """Multi-line text a person wrote as literal Markdown lines that keep their line breaks."""
    lines = [_line(line) for line in text.replace("\r\n", "\n").split("\n")]
    # A backslash at the end of a line breaks it there; it is literal before a blank line or at the end.
    return [
        f"{indent}{line}\\" if line and i + 1 < len(lines) and lines[i + 1] else f"{indent}{line}".rstrip()
        for i, line in enumerate(lines)
    ]


def _cell(text: str) -> str:
    return _line(text)


def _utc(moment: datetime) -> str:
    return to_text(moment)[:16].replace("T", " ") + " UTC"


def _ago(moment: datetime, now: datetime) -> str:
    return f"{format_duration((now - moment).total_seconds())} ago"


def _hours(seconds: float) -> str:
    hours = seconds / 3600
    return f"{hours:.1f} hours" if hours >= 1 else f"{format_duration(seconds)}"


def review_window(log: Sequence[LogEntry]) -> tuple[LogEntry | None, tuple[LogEntry, ...]]:
    """What the person taking over reviews: the log from the handoff before the latest one (the
    shift of the person who handed over), or all of it; returns that handoff (None) and the entries."""
    handoffs = [i for i, e in enumerate(log) if e.kind == "handoff"]
    if len(handoffs) < 2:
        return None, tuple(log)
    start = handoffs[-2]
    return log[start], tuple(log[start + 1 :])


def _since(start: LogEntry | None) -> str:
    if start is None:
        return "since the incident began"
    to = str(start.details.get("to", "")) or "?"
    return f"since {_line(start.author)} handed off to {_line(to)} at {_utc(start.at)}"


def review_markdown(incident: Incident, entries: Sequence[LogEntry], *, since: LogEntry | None = None) -> str:
    """The review of ``entries``, the log after the handoff ``since`` (None: the whole log); see
    review_window."""
    lines = [
        f"# Review: {incident.id} — {_line(incident.title)}",
        "",
        f"{len(entries)} entries {_since(since)}.",
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


def lead(incident: Incident, log: Sequence[LogEntry], end: datetime) -> str:
    """Who led the incident: whoever was its commander longest from declaration to ``end`` (its
    resolution), so a handoff after resolution, or a brief stand-in, does not change it."""
    every_change = [e for e in log if e.kind in ("commander", "handoff")]
    if not every_change:
        return incident.commander
    first = every_change[0].details
    holder = str(first.get("previous", first.get("previous_commander", "")) or "")
    changes = [e for e in every_change if e.at < end]
    held: dict[str, float] = {}
    since = incident.declared_at
    for entry in changes:
        held[holder] = held.get(holder, 0.0) + max((entry.at - since).total_seconds(), 0.0)
        holder = str(entry.details.get("commander" if entry.kind == "commander" else "to", "") or "")
        since = entry.at
    held[holder] = held.get(holder, 0.0) + max((end - since).total_seconds(), 0.0)
    named = {name: seconds for name, seconds in held.items() if name}
    # Longest first; of two who held it as long, the one who held it first.
    return max(named, key=lambda name: named[name]) if named else incident.commander


def postmortem_markdown(incident: Incident, log: Sequence[LogEntry], items: Sequence[ActionItem], now: datetime) -> str:
    """The runbook's post-mortem, prefilled from the file; unwritten sections say TODO."""
    end = incident.resolved_at or now
    duration = (end - incident.impact_start).total_seconds()
    multi_day = incident.impact_start.date() != end.date()
    impact_start = _time(incident.impact_start, multi_day)
    if incident.resolved_at:
        span = f"{_hours(duration)}, from impact start ({impact_start}) to resolution ({_time(end, multi_day)} UTC)"
    else:
        span = f"{_hours(duration)} so far, from impact start ({impact_start} UTC); ongoing"
    peak: Severity = incident.peak_severity

    def section(key: str) -> str:
        text = incident.postmortem.get(key, "").strip()
        return visible(text, multiline=True) if text else "TODO"

    lines = [
        "# Incident Post-Mortem",
        "",
        f"**Date:** {incident.impact_start.strftime('%Y-%m-%d')}",
        f"**Duration:** {span}",
        f"**Severity:** {peak.value}",
        f"**Lead:** {_line(incident.postmortem.get('lead', '').strip() or lead(incident, log, end)) or 'TODO'}",
        f"**Incident:** {incident.id} — {_line(incident.title)}",
        "",
        "## Summary",
        section("summary"),
        "",
        "## Timeline",
        "| Time | Event |",
        "|------|-------|",
    ]
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
    lines.append(f"Measured from detection ({_time(incident.detected_at, multi_day)}):")
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
    notes: str = "",
) -> str:
    """The briefing for the next person: where things stand, what the outgoing person would do next
    (``notes``), what was tried, what is open."""
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
        "## What I would do next / open threads",
        *(_lines(notes) if notes.strip() else ["- nothing written"]),
        "",
        "## Timers open or breached",
    ]
    worded = [timer_text(t, _utc) for t in timers]
    open_timers = [t for t in worded if t.tone in _TONES_TO_BRIEF]
    for text in open_timers:
        lines.append(f"- **{text.title}:** {text.state}" + (f" ({text.due})" if text.due else ""))
    if not open_timers:
        lines.append("- none")
    lines += ["", "## Communications"]
    updates = [e for e in log if e.kind == "comms"]
    if updates:
        last = updates[-1]
        lines.append(f"- **Last update sent:** {_utc(last.at)} by {_line(last.author)}")
        lines.append("")
        lines += _lines(last.text, "  > ")
    else:
        lines.append("- **Last update sent:** none yet")
    # Only while the cadence runs: a resolved incident has no next update due.
    next_update = next((t for t in timers if t.name == "next_update" and t.running), None)
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
