"""Resolve (runbook step 5): status changes, the resolve checklist and its overrides."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..domain import limits, sla
from ..domain.errors import InputError
from ..domain.model import (
    Incident,
    LogEntry,
    Snapshot,
    Status,
)
from .core import _optional
from .reading import Reading

if TYPE_CHECKING:
    from ..domain import checklist
    from ..store.repository import Transaction


class Resolving(Reading):
    """Moving an incident through its statuses, with the checklist the runbook asks for before resolving."""

    def set_status(self, status: Status, *, note: str = "", incident_id: str | None = None) -> Incident:
        """Move the incident to ``status``.

        Reopening a resolved incident needs a note saying why. Resolving before the Resolve
        checklist is clear (metrics verified, 30 minutes of monitoring) needs a note too, and
        the change is logged as an override with what was skipped.
        """
        note = _optional("the note", note, limits.REASON)

        def apply(tx: Transaction, incident: Incident, now: datetime) -> Incident:
            if status is incident.status:
                raise InputError(f"{incident.id} is already {status.value}")
            if incident.status is Status.RESOLVED and not note:
                raise InputError(f"{incident.id} is resolved; reopening it needs a reason", wants="reason")
            skipped: list[str] = []
            if status is Status.RESOLVED:
                from ..domain import checklist

                log = tx.snapshot.log_for(incident.id)
                skipped = checklist.early_resolve_problems(incident, log, sla.timers(incident, log, self.policy, now))
                if skipped and not note:
                    raise InputError(
                        f"{incident.id} cannot be resolved yet: {'; '.join(skipped)}. "
                        "Resolving it anyway needs a reason, logged as an override",
                        wants="reason",
                    )
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
            if skipped:
                verb = "Resolved early (override)"
            text = f"{verb}: {incident.status.value} -> {status.value}" + (f": {note}" if note else "")
            details: dict[str, Any] = {"previous": incident.status.value, "status": status.value}
            if note and status is Status.IDENTIFIED and incident.status is not Status.RESOLVED:
                details["cause"] = note  # what the Identified update names
            if skipped:
                details.update(override=True, skipped=skipped)
            tx.append(self._entry(incident, "status", text, now, **details))
            changed = incident.with_changes(**changes)
            tx.put_incident(changed)
            return changed

        return self._change(incident_id, apply)

    def verify_metrics(self, note: str = "", incident_id: str | None = None) -> LogEntry:
        """Tick Resolve's first step: metrics are back to normal."""
        note = _optional("the note", note, limits.REASON)

        def apply(tx: Transaction, incident: Incident, now: datetime) -> LogEntry:
            text = "Checklist: verified metrics returned to normal" + (f": {note}" if note else "")
            return tx.append(self._entry(incident, "checklist", text, now, item="verify"))

        return self._change(incident_id, apply)

    def resolve_checks(self, incident: Incident, snapshot: Snapshot | None = None) -> list[checklist.Check]:
        from ..domain import checklist

        snap = snapshot or self.snapshot()
        log = snap.log_for(incident.id)
        return checklist.checks(incident, log, self.timers(incident, snap))
