"""The runbook's six steps, which one an incident is in, and what the runbook says to do next.

Detect → triage → communicate → respond → resolve → post-mortem, as ``docs/runbook.md`` reads.
Every piece of advice here is the runbook's own words (a test holds each one against the file);
which step an incident is in is read from its status and its log. Pure: no clock, no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from .model import Incident, LogEntry, Severity, Status


class Step(NamedTuple):
    """One step of the runbook: ``number`` 1 to 6, its ``key`` and its heading's ``title``."""

    number: int
    key: str
    title: str


STEPS: tuple[Step, ...] = (
    Step(1, "detect", "Detect"),
    Step(2, "triage", "Triage"),
    Step(3, "communicate", "Communicate"),
    Step(4, "respond", "Respond"),
    Step(5, "resolve", "Resolve"),
    Step(6, "postmortem", "Post-mortem"),
)
DETECT, TRIAGE, COMMUNICATE, RESPOND, RESOLVE, POSTMORTEM = STEPS


class Advice(NamedTuple):
    """One thing the runbook says to do: ``what``, and ``when`` (a table's second column, or empty)."""

    what: str
    when: str = ""

    def line(self) -> str:
        return f"{self.what} — {self.when}" if self.when else self.what


class Position(NamedTuple):
    """Where an incident stands in the runbook: its ``step``, ``why`` it is there (the console's
    words), and ``next`` (the runbook's). ``complete`` once the post-mortem is done."""

    step: Step
    why: str
    next: tuple[Advice, ...]
    complete: bool = False


_DETECTION = (
    Advice("Automated detection: monitoring alerts trigger; health check failures; error rate thresholds exceeded."),
    Advice("Manual detection: user reports; support tickets; internal observation."),
)
_QUESTIONS = (
    Advice("How many users affected?", "All / Many / Few"),
    Advice("Is data at risk?", "Yes / No"),
    Advice("Are transactions failing?", "Yes / No"),
    Advice("Is there a workaround?", "Yes / No"),
)
_ACKNOWLEDGE = Advice("Acknowledge alerts", "< 5 min")
_TRIAGE = (
    Advice("Initial triage", "< 10 min"),
    Advice("Assess severity and impact:"),
    *_QUESTIONS,
    Advice("Assign severity level based on answers."),
)
_COMMUNICATE = (
    Advice("Incident Update", "For P1/P2"),
    Advice("Update status page and notify stakeholders."),
)
_RESPOND = (
    Advice("Rollback", "Deployment caused issue"),
    Advice("Disable feature flag", "Feature causing issue"),
    Advice("Scale resources", "Capacity issue"),
    Advice("Restart services", "Transient failure"),
    Advice("Failover", "Region/zone failure"),
    Advice("Do NOT: make changes without tracking; skip communication updates; work in isolation."),
    Advice("Escalate if needed", "When blocked"),
    Advice("Document actions", "All changes logged"),
)
_RESOLVE = (
    Advice("When the issue is fixed:"),
    Advice("Verify - confirm metrics returned to normal"),
    Advice("Monitor - watch for recurrence (30+ minutes)"),
    Advice("Update status - mark incident resolved"),
    Advice("Notify - inform all stakeholders"),
)
_POSTMORTEM = Advice("Within 48 hours, conduct a post-mortem:")
# Every piece of advice above, for the test that holds them against docs/runbook.md.
ALL_ADVICE: tuple[Advice, ...] = (
    *_DETECTION,
    _ACKNOWLEDGE,
    *_TRIAGE,
    *_COMMUNICATE,
    *_RESPOND,
    *_RESOLVE,
    _POSTMORTEM,
)


def position(incident: Incident | None, log: Sequence[LogEntry]) -> Position:
    """The step ``incident`` is in, read from its status and ``log`` (its own entries), and what
    the runbook says to do next; with no incident, step 1."""
    if incident is None:
        return Position(DETECT, "There is no incident yet: declare one when detection finds a problem.", _DETECTION)
    if incident.status is Status.RESOLVED:
        if incident.postmortem_done_at is not None:
            return Position(POSTMORTEM, f"{incident.id} is resolved and its post-mortem is complete.", (), True)
        todo = tuple(Advice(title) for title in incident.postmortem_todo)
        why = f"{incident.id} is resolved; its post-mortem is not complete yet."
        if todo:
            why += " Sections still to write are listed below."
        return Position(POSTMORTEM, why, (_POSTMORTEM, *todo))
    if incident.status is Status.MONITORING:
        return Position(RESOLVE, f"{incident.id} is in monitoring: the fix is out.", _RESOLVE)
    acknowledged = incident.acknowledged_at is not None
    triaged = incident.triaged_at is not None or any(e.kind == "triage" for e in log)
    if not (acknowledged and triaged):
        missing = " and ".join(
            word for word, done in (("acknowledged", acknowledged), ("triaged", triaged)) if not done
        )
        advice = (() if acknowledged else (_ACKNOWLEDGE,)) + (() if triaged else _TRIAGE)
        return Position(TRIAGE, f"{incident.id} has not been {missing} yet.", advice)
    sent = any(e.kind == "comms" for e in log)
    if incident.severity in (Severity.P1, Severity.P2) and not sent:
        why = f"{incident.id} is {incident.severity.value} and no status update has been sent yet."
        return Position(COMMUNICATE, why, _COMMUNICATE)
    return Position(RESPOND, f"{incident.id} is {incident.status.value}: respond, and log what is done.", _RESPOND)
