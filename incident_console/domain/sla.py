"""SLA timers: a pure function of the incident, its log, the policy and the moment asked about.

Nothing here counts down. Remaining time is always ``due_at - now`` for the ``now`` passed in,
so a console whose laptop slept, or a file opened a day later by someone else, shows the truth.
"""

# No "from __future__ import annotations": see model.py (named tuples are made faster without it).

import enum
from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from .model import Incident, LogEntry, Status
from .policy import Policy


class TimerState(enum.StrEnum):
    PENDING = "pending"
    MET = "met"
    BREACHED = "breached"
    NOT_APPLICABLE = "not_applicable"


TIMER_NAMES: tuple[str, ...] = (
    "acknowledge",
    "triage",
    "response",
    "next_update",
    "monitoring",
    "postmortem",
)

TIMER_TITLES = {
    "acknowledge": "Acknowledge",
    "triage": "Triage",
    "response": "First update",
    "next_update": "Next update",
    "monitoring": "Monitoring",
    "postmortem": "Post-mortem",
}


class SlaTimer(NamedTuple):
    """One deadline and where it stands at ``now``.

    ``remaining`` is in seconds: negative when overdue. For a timer met (or met late) it is
    frozen at ``due_at - met_at``. A timer met after its deadline is ``breached`` with
    ``met_at`` set, so a late acknowledgement never reads as on time.

    ``ended_by`` says what stopped a timer other than being met: ``"resolution"`` (the incident
    was resolved first: an unmet timer whose deadline had not come is ``not_applicable``, one
    already past it stays ``breached`` with ``remaining`` frozen at resolution; the update
    cadence, kept until then, is ``met``), or ``"override"`` (monitoring cut short by an early
    resolve, ``remaining`` being the shortfall; a post-mortem marked complete with sections
    still TODO).
    """

    name: str
    due_at: datetime | None
    state: TimerState
    remaining: float | None
    met_at: datetime | None
    window: float | None = None  # seconds from the timer's start to its deadline
    soon_fraction: float = 0.2
    ended_by: str = ""  # "", "resolution" or "override"

    @property
    def title(self) -> str:
        return TIMER_TITLES.get(self.name, self.name)

    @property
    def due_soon(self) -> bool:
        """Pending and inside the last part of its window (20% unless the policy says otherwise)."""
        left = self._fraction_left
        return self.state is TimerState.PENDING and left is not None and left <= self.soon_fraction

    @property
    def running(self) -> bool:
        """Still counting at ``now``: pending, or overdue and not yet met."""
        return self.state in (TimerState.PENDING, TimerState.BREACHED) and self.met_at is None and not self.ended_by

    @property
    def _fraction_left(self) -> float | None:
        if self.remaining is None or not self.window:
            return None
        return self.remaining / self.window


def _timer(
    name: str,
    start: datetime | None,
    due: datetime | None,
    met_at: datetime | None,
    now: datetime,
    resolved: datetime | None = None,
) -> SlaTimer:
    if due is None:
        return SlaTimer(name, None, TimerState.NOT_APPLICABLE, None, None)
    window = (due - start).total_seconds() if start is not None else None
    if met_at is not None:
        state = TimerState.MET if met_at <= due else TimerState.BREACHED
        return SlaTimer(name, due, state, (due - met_at).total_seconds(), met_at, window)
    if resolved is not None:
        # Resolution stops the clock: a timer it came before can no longer be met, and must not count down.
        if due > resolved:
            return SlaTimer(name, due, TimerState.NOT_APPLICABLE, None, None, window, ended_by="resolution")
        return SlaTimer(
            name, due, TimerState.BREACHED, (due - resolved).total_seconds(), None, window, ended_by="resolution"
        )
    remaining = (due - now).total_seconds()
    state = TimerState.PENDING if remaining >= 0 else TimerState.BREACHED
    return SlaTimer(name, due, state, remaining, None, window)


def comms_times(log: Iterable[LogEntry]) -> list[datetime]:
    """When each status update went out, oldest first."""
    return sorted(entry.at for entry in log if entry.kind == "comms")


def timers(
    incident: Incident,
    log: Iterable[LogEntry],
    policy: Policy,
    now: datetime,
    sent: list[datetime] | None = None,
) -> list[SlaTimer]:
    """Every runbook timer for ``incident`` at ``now``.

    - acknowledge: due ``policy.acknowledge`` after detection; met by the acknowledgement.
    - triage: due ``policy.triage`` after detection; met when triage answers are recorded.
    - response: due the severity's response time after detection; met by the first update sent.
    - next_update: from the first update on, due the severity's cadence after the last update,
      until resolved; not applicable before the first update or without a cadence.
    - monitoring: ``policy.monitoring`` in monitoring before resolving; met once that has passed.
    - postmortem: due ``policy.postmortem`` after resolution; met when the post-mortem is complete.

    ``sent`` may carry the update times already taken from ``log`` (``comms_times``), so a
    caller ticking every second need not scan a long log each time.
    """
    detected = incident.detected_at
    if sent is None:
        sent = comms_times(e for e in log if e.incident_id == incident.id)
    resolved = incident.resolved_at if incident.status is Status.RESOLVED else None
    result = [
        _timer("acknowledge", detected, detected + policy.acknowledge, incident.acknowledged_at, now, resolved),
        _timer("triage", detected, detected + policy.triage, incident.triaged_at, now, resolved),
        _timer(
            "response",
            detected,
            detected + policy.response[incident.severity],
            sent[0] if sent else None,
            now,
            resolved,
        ),
        _next_update(incident, sent, policy, now, resolved),
        _monitoring(incident, policy, now, resolved),
    ]
    if resolved is not None:
        done = incident.postmortem_done_at
        postmortem = _timer("postmortem", resolved, resolved + policy.postmortem, done, now)
        if done is not None and incident.postmortem_todo:
            postmortem = postmortem._replace(ended_by="override")  # marked complete with sections still TODO
        result.append(postmortem)
    else:
        result.append(_timer("postmortem", None, None, None, now))
    return [timer._replace(soon_fraction=policy.due_soon_fraction) for timer in result]


def _next_update(
    incident: Incident, sent: list[datetime], policy: Policy, now: datetime, resolved: datetime | None
) -> SlaTimer:
    cadence = policy.update_every.get(incident.severity)
    if cadence is None or not sent:
        return _timer("next_update", None, None, None, now)
    last = sent[-1] if resolved is None else max((t for t in sent if t <= resolved), default=sent[0])
    due = last + cadence
    if resolved is None:
        return _timer("next_update", last, due, None, now)
    # Resolution ends the cadence: kept if it came before the next update was due, else not met.
    window = (due - last).total_seconds()
    if resolved <= due:
        remaining = (due - resolved).total_seconds()
        return SlaTimer("next_update", due, TimerState.MET, remaining, resolved, window, ended_by="resolution")
    return _timer("next_update", last, due, None, now, resolved)


def _monitoring(incident: Incident, policy: Policy, now: datetime, resolved: datetime | None) -> SlaTimer:
    since = incident.monitoring_since
    if since is None:
        return _timer("monitoring", None, None, None, now)
    due = since + policy.monitoring
    if resolved is not None:
        # Resolved before the watch was over: the timer stays breached, by how much it fell short.
        met_at = resolved if resolved >= due else None
        if met_at is None:
            return SlaTimer(
                "monitoring",
                due,
                TimerState.BREACHED,
                (resolved - due).total_seconds(),
                None,
                policy.monitoring.total_seconds(),
                ended_by="override",
            )
        return SlaTimer("monitoring", due, TimerState.MET, 0.0, due, policy.monitoring.total_seconds())
    if now >= due:
        return SlaTimer("monitoring", due, TimerState.MET, 0.0, due, policy.monitoring.total_seconds())
    return SlaTimer(
        "monitoring", due, TimerState.PENDING, (due - now).total_seconds(), None, policy.monitoring.total_seconds()
    )


def format_duration(seconds: float) -> str:
    """``1h 05m``, ``4m 09s``, ``12s``: a compact, always-positive duration."""
    total = int(abs(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours:02d}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def most_urgent(incident: Incident, timers: Iterable[SlaTimer]) -> SlaTimer | None:
    """The running timer with the least time left (the most overdue first), or None when none runs.

    Resolution ends every timer but the post-mortem's, so a deadline missed before it is not urgent after.
    """
    running = [
        t for t in timers if t.running and t.remaining is not None and (incident.is_open or t.name == "postmortem")
    ]
    return min(running, key=lambda t: t.remaining or 0.0, default=None)
