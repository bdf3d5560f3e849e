"""The use cases: one API that both the command line and the console call.

Every action goes through a ``Desk`` method, so every action is checked and logged the same
way wherever it came from. Each change is one transaction: the incident and the log entries
that record the change are saved together, or not at all.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .domain import sla, triage
from .domain.errors import InputError
from .domain.model import Incident, LogEntry, NewEntry, Severity, Snapshot, Status, TriageAnswers
from .domain.policy import Policy
from .domain.text import clean_input
from .store.repository import Repository, Transaction

Clock = Callable[[], datetime]
USER_VARIABLE = "INCIDENT_CONSOLE_USER"

# The runbook's step 4, "Respond": the catalog of immediate actions and when each applies.
RESPONSE_ACTIONS: tuple[tuple[str, str], ...] = (
    ("Rollback", "Deployment caused issue"),
    ("Disable feature flag", "Feature causing issue"),
    ("Scale resources", "Capacity issue"),
    ("Restart services", "Transient failure"),
    ("Failover", "Region/zone failure"),
)


def system_clock() -> datetime:
    return datetime.now(UTC)


def default_author(explicit: str | None = None) -> str:
    """``--as NAME``, else ``$INCIDENT_CONSOLE_USER``, else the login name."""
    if explicit and explicit.strip():
        return clean_input(explicit)
    from_env = os.environ.get(USER_VARIABLE, "").strip()
    if from_env:
        return clean_input(from_env)
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


@dataclass(frozen=True, slots=True)
class TriageResult:
    suggested: Severity
    rule: str
    applied: bool
    incident: Incident


def _required(label: str, value: str, *, multiline: bool = False) -> str:
    cleaned = clean_input(value, multiline=multiline)
    if not cleaned.strip():
        raise InputError(f"{label} is empty; write what it should say")
    return cleaned


class Desk:
    """The incident desk: reads the state file and records every action in it."""

    def __init__(
        self,
        repository: Repository,
        *,
        author: str | None = None,
        policy: Policy | None = None,
        clock: Clock = system_clock,
    ) -> None:
        self.repository = repository
        self.author = default_author(author)
        self.policy = policy or Policy()
        self.clock = clock

    # reading -----------------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """The state file's content now (re-read only when it changed on disk)."""
        return self.repository.snapshot()

    def incident(self, incident_id: str | None = None, snapshot: Snapshot | None = None) -> Incident:
        """The incident named by ``incident_id``, else the most recently declared open one."""
        snap = snapshot or self.snapshot()
        if incident_id:
            found = snap.incident(incident_id)
            if found is None:
                known = ", ".join(i.id for i in snap.incidents) or "none yet"
                raise InputError(f"incident {incident_id!r} does not exist (known: {known})")
            return found
        current = snap.current()
        if current is None:
            raise InputError("there is no incident yet; declare one with: incident-console new TITLE --severity P1")
        return current

    def timers(
        self, incident: Incident, snapshot: Snapshot | None = None, now: datetime | None = None
    ) -> list[sla.SlaTimer]:
        """The SLA timers of ``incident`` at ``now`` (the clock's now by default)."""
        snap = snapshot or self.snapshot()
        return sla.timers(incident, snap.log_for(incident.id), self.policy, now or self.clock())

    # changes -------------------------------------------------------------------------------

    def _change(self, incident_id: str | None, apply: Callable[[Transaction, Incident, datetime], Any]) -> Any:
        now = self.clock()
        with self.repository.transaction(now) as tx:
            incident = self.incident(incident_id, tx.snapshot)
            return apply(tx, incident, now)

    def _entry(self, incident: Incident, kind: str, text: str, at: datetime, **details: Any) -> NewEntry:
        corrects = details.pop("corrects", None)
        return NewEntry(incident.id, kind, text, self.author, at, details, corrects)

    def declare(
        self,
        title: str,
        severity: Severity,
        *,
        impact: str = "",
        services: Sequence[str] = (),
        commander: str = "",
        started_at: datetime | None = None,
        detected_at: datetime | None = None,
    ) -> Incident:
        """Declare a new incident; its id is the next ``INC-N`` in the file."""
        title = _required("the incident title", title)
        now = self.clock()
        detected = detected_at or now
        if started_at is not None and started_at > detected:
            raise InputError("the impact start is after the detection time; check --started-at and --detected-at")
        if detected > now:
            raise InputError("the detection time is in the future")
        with self.repository.transaction(now) as tx:
            incident = Incident(
                id=tx.next_incident_id(),
                title=title,
                severity=severity,
                highest_severity=severity,
                status=Status.INVESTIGATING,
                detected_at=detected,
                declared_at=now,
                started_at=started_at,
                impact=clean_input(impact),
                services=tuple(s for s in (clean_input(x) for x in services) if s),
                commander=clean_input(commander) or self.author,
            )
            tx.put_incident(incident)
            tx.append(
                self._entry(
                    incident,
                    "declare",
                    f"Declared {severity.value} ({severity.description}): {title}",
                    detected,
                    severity=severity.value,
                )
            )
            return incident

    def log(
        self,
        text: str,
        *,
        kind: str = "note",
        at: datetime | None = None,
        incident_id: str | None = None,
        corrects: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> LogEntry:
        """Append an entry to the incident's log; ``at`` backdates it (the entry shows it)."""
        text = _required("the log entry", text, multiline=kind == "comms")

        def apply(tx: Transaction, incident: Incident, now: datetime) -> LogEntry:
            when = at or now
            if when > now:
                raise InputError("the entry's time is in the future")
            if corrects is not None and not any(e.id == corrects for e in tx.snapshot.log_for(incident.id)):
                raise InputError(f"entry {corrects} is not in {incident.id}'s log, so it cannot be corrected")
            return tx.append(NewEntry(incident.id, kind, text, self.author, when, dict(details or {}), corrects))

        return self._change(incident_id, apply)

    def acknowledge(self, incident_id: str | None = None) -> LogEntry:
        """Acknowledge the incident: meets the acknowledge timer."""

        def apply(tx: Transaction, incident: Incident, now: datetime) -> LogEntry:
            if incident.acknowledged_at is not None:
                raise InputError(f"{incident.id} was already acknowledged")
            tx.put_incident(incident.with_changes(acknowledged_at=now))
            return tx.append(self._entry(incident, "ack", f"Acknowledged by {self.author}", now))

        return self._change(incident_id, apply)

    def triage(
        self, answers: TriageAnswers, *, apply_severity: bool = False, incident_id: str | None = None
    ) -> TriageResult:
        """Record the four answers, log the suggested severity and, when asked, apply it."""

        def apply(tx: Transaction, incident: Incident, now: datetime) -> TriageResult:
            suggested, rule = triage.suggest(answers)
            changed = incident.with_changes(triage=answers, triaged_at=incident.triaged_at or now)
            tx.append(
                self._entry(
                    incident,
                    "triage",
                    f"Triage: {answers.describe()} -> suggests {suggested.value} ({rule})",
                    now,
                    suggested=suggested.value,
                    applied=apply_severity,
                )
            )
            if apply_severity and suggested is not incident.severity:
                changed = self._severity_change(tx, changed, suggested, f"triage suggested {suggested.value}", now)
            tx.put_incident(changed)
            return TriageResult(suggested, rule, apply_severity, changed)

        return self._change(incident_id, apply)

    def _severity_change(
        self, tx: Transaction, incident: Incident, severity: Severity, reason: str, now: datetime
    ) -> Incident:
        peak = incident.peak_severity
        if severity.rank < peak.rank:
            peak = severity
        tx.append(
            self._entry(
                incident,
                "severity",
                f"Severity {incident.severity.value} -> {severity.value}: {reason}",
                now,
                previous=incident.severity.value,
                severity=severity.value,
            )
        )
        return incident.with_changes(severity=severity, highest_severity=peak)

    def set_severity(self, severity: Severity, reason: str, incident_id: str | None = None) -> Incident:
        """Change the severity; a reason is required and logged. Deadlines follow the new severity."""
        reason = _required("the reason for the severity change", reason)

        def apply(tx: Transaction, incident: Incident, now: datetime) -> Incident:
            if severity is incident.severity:
                raise InputError(f"{incident.id} is already {severity.value}")
            changed = self._severity_change(tx, incident, severity, reason, now)
            tx.put_incident(changed)
            return changed

        return self._change(incident_id, apply)

    def set_status(self, status: Status, *, note: str = "", incident_id: str | None = None) -> Incident:
        """Move the incident to ``status``; reopening a resolved incident needs a note saying why."""
        note = clean_input(note)

        def apply(tx: Transaction, incident: Incident, now: datetime) -> Incident:
            if status is incident.status:
                raise InputError(f"{incident.id} is already {status.value}")
            if incident.status is Status.RESOLVED and not note:
                raise InputError(f"{incident.id} is resolved; reopening it needs a reason (--note)")
            changes: dict[str, Any] = {"status": status}
            if status is Status.MONITORING:
                changes["monitoring_since"] = now
            elif status is Status.RESOLVED:
                changes["resolved_at"] = now
            else:
                changes["monitoring_since"] = None
            if incident.status is Status.RESOLVED:
                changes["resolved_at"] = None
                changes["postmortem_done_at"] = None
            verb = "Reopened" if incident.status is Status.RESOLVED else "Status"
            text = f"{verb}: {incident.status.value} -> {status.value}" + (f": {note}" if note else "")
            tx.append(self._entry(incident, "status", text, now, previous=incident.status.value, status=status.value))
            changed = incident.with_changes(**changes)
            tx.put_incident(changed)
            return changed

        return self._change(incident_id, apply)

    def set_commander(self, name: str, incident_id: str | None = None) -> Incident:
        """Hand command to ``name``."""
        name = _required("the commander's name", name)

        def apply(tx: Transaction, incident: Incident, now: datetime) -> Incident:
            tx.append(
                self._entry(
                    incident,
                    "commander",
                    f"Commander: {incident.commander or '-'} -> {name}",
                    now,
                    previous=incident.commander,
                    commander=name,
                )
            )
            changed = incident.with_changes(commander=name)
            tx.put_incident(changed)
            return changed

        return self._change(incident_id, apply)

    def set_impact(self, impact: str, incident_id: str | None = None) -> Incident:
        """Describe the user impact anew."""
        impact = _required("the impact", impact)

        def apply(tx: Transaction, incident: Incident, now: datetime) -> Incident:
            tx.append(self._entry(incident, "impact", f"Impact: {impact}", now, previous=incident.impact))
            changed = incident.with_changes(impact=impact)
            tx.put_incident(changed)
            return changed

        return self._change(incident_id, apply)

    def escalate(self, to: str, why: str, incident_id: str | None = None) -> LogEntry:
        """Record an escalation: to whom, and why."""
        to = _required("who the incident is escalated to", to)
        why = _required("why it is escalated", why)
        return self.log(f"Escalated to {to}: {why}", kind="escalation", incident_id=incident_id, details={"to": to})

    def respond(self, action: str, detail: str, incident_id: str | None = None) -> LogEntry:
        """Record one of the runbook's response actions (Rollback, Failover, ...) with its detail."""
        names = [name for name, _ in RESPONSE_ACTIONS]
        if action not in names:
            raise InputError(f"response action {action!r} is not one of {', '.join(names)}")
        detail = _required(f"the detail of {action}", detail)
        return self.log(f"{action}: {detail}", kind="action", incident_id=incident_id, details={"action": action})

    def record_command(
        self, argv: Sequence[str], started: datetime, ended: datetime, exit_status: int, incident_id: str | None = None
    ) -> LogEntry:
        """Log a command that was run, with its start, end and exit status."""
        line = clean_input(" ".join(_quote(a) for a in argv))
        text = f"$ {line} -> exit {exit_status} ({(ended - started).total_seconds():.1f}s)"
        return self.log(
            text,
            kind="command",
            at=started,
            incident_id=incident_id,
            details={
                "argv": [clean_input(a) for a in argv],
                "exit_status": exit_status,
                "started_at": started.isoformat(),
                "ended_at": ended.isoformat(),
            },
        )

    def record_update(
        self, text: str, *, template: str = "", channel: str = "", incident_id: str | None = None
    ) -> LogEntry:
        """Log a status update as sent: meets the response timer and restarts the update cadence."""
        return self.log(text, kind="comms", incident_id=incident_id, details={"template": template, "channel": channel})

    def record_breach(self, timer: sla.SlaTimer, incident_id: str) -> LogEntry | None:
        """Log that ``timer`` breached, once per deadline; None when it was already logged."""

        def apply(tx: Transaction, incident: Incident, now: datetime) -> LogEntry | None:
            due = timer.due_at.isoformat() if timer.due_at else ""
            for entry in tx.snapshot.log_for(incident.id):
                if (
                    entry.kind == "breach"
                    and entry.details.get("timer") == timer.name
                    and entry.details.get("due_at") == due
                ):
                    return None
            overdue = sla.format_duration(timer.remaining or 0)
            return tx.append(
                self._entry(
                    incident,
                    "breach",
                    f"{timer.title} deadline breached ({overdue} overdue)",
                    now,
                    timer=timer.name,
                    due_at=due,
                )
            )

        return self._change(incident_id, apply)


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)
