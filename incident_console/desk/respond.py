"""Log, respond and escalate (runbook step 4): the running record of what was seen and done."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..domain import limits
from ..domain.errors import InputError
from ..domain.model import (
    Incident,
    LogEntry,
    NewEntry,
)
from ..domain.text import clean_input
from .core import _required
from .reading import Reading

if TYPE_CHECKING:
    from ..domain.pending import PendingEntry
    from ..store.repository import Transaction

# The runbook's step 4, "Respond": the catalog of immediate actions and when each applies.
RESPONSE_ACTIONS: tuple[tuple[str, str], ...] = (
    ("Rollback", "Deployment caused issue"),
    ("Disable feature flag", "Feature causing issue"),
    ("Scale resources", "Capacity issue"),
    ("Restart services", "Transient failure"),
    ("Failover", "Region/zone failure"),
)


def _escalation_text(to: str, why: str) -> str:
    return f"Escalated to {to}: {why}"


def _response_text(action: str, detail: str) -> str:
    return f"{action}: {detail}"


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)


class Responding(Reading):
    """Writing the log: notes, acknowledgement, escalations, response actions, commands run."""

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
        text = _required("the log entry", text, limits.ENTRY, multiline=kind == "comms")

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

    def escalate(self, to: str, why: str, incident_id: str | None = None) -> LogEntry:
        """Record an escalation: to whom, and why."""
        to = _required("who the incident is escalated to", to, limits.NAME)
        why = _required("why it is escalated", why, limits.REASON)
        return self.log(_escalation_text(to, why), kind="escalation", incident_id=incident_id, details={"to": to})

    def respond(self, action: str, detail: str, incident_id: str | None = None) -> LogEntry:
        """Record one of the runbook's response actions (Rollback, Failover, ...) with its detail."""
        names = [name for name, _ in RESPONSE_ACTIONS]
        canonical = next((name for name in names if name.lower() == action.strip().lower()), None)
        if canonical is None:
            raise InputError(f"response action {action!r} is not one of {', '.join(names)}")
        action = canonical
        detail = _required(f"the detail of {action}", detail, limits.REASON)
        return self.log(
            _response_text(action, detail), kind="action", incident_id=incident_id, details={"action": action}
        )

    # what a change will log, shown until it is saved ----------------------------------------

    def pending_entry(self, incident_id: str, kind: str, text: str, at: datetime) -> PendingEntry:
        """The row ``log(text, kind=kind, ...)`` will add, as it reads until the file has it."""
        from ..domain.pending import PendingEntry  # the console's alone: commands never build one

        return PendingEntry(incident_id, kind, clean_input(text, multiline=kind == "comms"), self.author, at)

    def pending_escalation(self, to: str, why: str, incident_id: str, at: datetime) -> PendingEntry:
        """The row ``escalate(to, why, ...)`` will add."""
        return self.pending_entry(incident_id, "escalation", _escalation_text(clean_input(to), clean_input(why)), at)

    def pending_response(self, action: str, detail: str, incident_id: str, at: datetime) -> PendingEntry:
        """The row ``respond(action, detail, ...)`` will add."""
        return self.pending_entry(incident_id, "action", _response_text(action.strip(), clean_input(detail)), at)

    def record_command(
        self, argv: Sequence[str], started: datetime, ended: datetime, exit_status: int, incident_id: str | None = None
    ) -> LogEntry:
        """Log a command that was run, with its start, end and exit status.

        The entry is dated when the command ended (when its outcome was known); the start is in
        the details, so a long command does not read as a backfilled entry.
        """
        line = self.command_line(argv)
        text = f"$ {line} -> exit {exit_status} ({(ended - started).total_seconds():.1f}s)"
        return self.log(
            text,
            kind="command",
            at=ended,
            incident_id=incident_id,
            details={
                "argv": [clean_input(a) for a in argv],
                "exit_status": exit_status,
                "started_at": started.isoformat(),
                "ended_at": ended.isoformat(),
            },
        )

    def command_line(self, argv: Sequence[str]) -> str:
        """The command line ``record_command`` logs for ``argv``; refused when too long to log (``run``
        asks before it starts the command)."""
        return limits.check("the command line", clean_input(" ".join(_quote(a) for a in argv)), limits.COMMAND_LINE)
