"""The runbook's step 5, Resolve, as a checklist read from the log: Verify, Monitor, Update status, Notify."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import NamedTuple

from .model import Incident, LogEntry, Status
from .sla import SlaTimer, TimerState, format_duration

CHECKS: tuple[tuple[str, str], ...] = (
    ("verify", "Verify — metrics returned to normal"),
    ("monitor", "Monitor — watched for recurrence (30+ minutes)"),
    ("update_status", "Update status — incident marked resolved"),
    ("notify", "Notify — Resolved update sent to stakeholders"),
)


# Details that call for a step; each interface says how to take it (a key, a command).
NOT_CONFIRMED = "not confirmed"
NOT_MONITORING = "not in monitoring yet"
NOT_SENT = "not sent"


class Check(NamedTuple):
    key: str
    title: str
    done: bool
    detail: str = ""
    evidence: str = ""  # what the alerts say (Verify): "all 3 alerts resolved", or those still firing


def alert_evidence(log: Sequence[LogEntry]) -> str:
    """The alerts' word on Verify: all resolved, or which are still firing; "" without alerts."""
    from .alert_plan import alerts_of

    alerts = alerts_of(log)
    if not alerts:
        return ""
    firing = [a for a in alerts if a["status"] == "firing"]
    if not firing:
        return f"all {len(alerts)} alert{'s' if len(alerts) != 1 else ''} resolved"
    names = sorted({str(a["name"]) for a in firing})
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return f"{len(firing)} of {len(alerts)} alert{'s' if len(alerts) != 1 else ''} still firing: {shown}"


def _verified_at(log: Iterable[LogEntry]) -> datetime | None:
    found = None
    for entry in log:
        if entry.kind == "checklist" and entry.details.get("item") == "verify":
            found = entry.at
    return found


def checks(incident: Incident, log: Sequence[LogEntry], timers: Sequence[SlaTimer]) -> list[Check]:
    """Where each step of Resolve stands, from the incident, its log and its timers."""
    verified = _verified_at(log)
    evidence = alert_evidence(log)
    monitoring = next((t for t in timers if t.name == "monitoring"), None)
    resolved = incident.status is Status.RESOLVED
    notified = resolved and any(
        e.kind == "comms" and e.details.get("template") == "resolved" and e.at >= (incident.resolved_at or e.at)
        for e in log
    )
    if monitoring is None or monitoring.state is TimerState.NOT_APPLICABLE:
        monitor_detail = NOT_MONITORING
        monitored = False
    elif monitoring.state is TimerState.MET:
        monitor_detail, monitored = "30 minutes passed", True
    elif monitoring.state is TimerState.PENDING:
        monitor_detail, monitored = f"{format_duration(monitoring.remaining or 0)} to go", False
    else:
        monitor_detail, monitored = "resolved before the monitoring time (override)", False
    return [
        Check("verify", CHECKS[0][1], verified is not None, "confirmed" if verified else NOT_CONFIRMED, evidence),
        Check("monitor", CHECKS[1][1], monitored, monitor_detail),
        Check("update_status", CHECKS[2][1], resolved, "resolved" if resolved else "not yet"),
        Check("notify", CHECKS[3][1], notified, "sent" if notified else NOT_SENT),
    ]


def early_resolve_problems(incident: Incident, log: Sequence[LogEntry], timers: Sequence[SlaTimer]) -> list[str]:
    """What is not done yet that Resolve expects before the status changes; empty when clear."""
    problems = []
    state = {c.key: c for c in checks(incident, log, timers)}
    if not state["verify"].done:
        problems.append("metrics have not been verified")
    if not state["monitor"].done:
        problems.append(f"monitoring is not complete ({state['monitor'].detail})")
    return problems
