"""Communicate (runbook step 3): status updates from the templates, and the deadlines the updates keep."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ..domain import limits, sla
from ..domain import templates as comms
from ..domain.errors import InputError
from ..domain.model import (
    Incident,
    LogEntry,
    Snapshot,
)
from .core import _optional
from .respond import Responding

if TYPE_CHECKING:
    from ..store.repository import Transaction


class Communicating(Responding):
    """Filling and recording status updates; logging breached deadlines."""

    def record_update(
        self, text: str, *, template: str = "", channel: str = "", incident_id: str | None = None
    ) -> LogEntry:
        """Log a status update as sent: meets the response timer and restarts the update cadence."""
        limits.check("the status update", text, limits.ENTRY)
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

    def stated_cause(self, incident: Incident, snapshot: Snapshot | None = None) -> str:
        """The cause given when ``incident`` was moved to identified (the status change's note), or ''."""
        snap = snapshot or self.snapshot()
        return comms.stated_cause(snap.log_for(incident.id))

    def render_update(self, template_key: str, cause: str = "", incident_id: str | None = None) -> str:
        """The filled text of a communications template for the incident, now.

        A template that names the cause (Identified) takes it from ``cause``, else from the note of the
        change to identified; with neither it is refused, so no update goes out saying "[cause]".
        """
        needs_cause = comms.template(template_key, self.templates).needs_cause
        cause = _optional("the cause", cause, limits.REASON)
        incident = self.incident(incident_id)
        cause = cause or (self.stated_cause(incident) if needs_cause else "")
        if needs_cause and not cause.strip():
            raise InputError(
                f"template {template_key!r} needs the cause, given here or with the change of status to identified",
                wants="cause",
            )
        return comms.render(template_key, incident, self.policy, self.clock(), cause, self.templates)
