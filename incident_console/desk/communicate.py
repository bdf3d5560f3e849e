"""Communicate (runbook step 3): status updates from the templates, and the deadlines the updates keep."""

from __future__ import annotations

from collections.abc import Sequence
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
from ..domain.timer_text import overdue
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

    def due_breaches(self, incident: Incident, timers: Sequence[sla.SlaTimer]) -> list[sla.SlaTimer]:
        """Those of ``incident``'s ``timers`` that are breaches to log: past their deadline and not
        met; once the incident is resolved, only the post-mortem's (resolution ends the others, and
        an early resolve is logged as an override instead)."""
        return [
            timer
            for timer in timers
            if overdue(timer) and timer.due_at is not None and (incident.is_open or timer.name == "postmortem")
        ]

    def record_breach(self, timer: sla.SlaTimer, incident_id: str) -> LogEntry | None:
        """Log that ``timer`` breached, once per deadline; None when it was already logged."""
        logged = self.record_due_breaches(incident_id, [timer])
        return logged[0] if logged else None

    def record_due_breaches(self, incident_id: str, timers: Sequence[sla.SlaTimer]) -> list[LogEntry]:
        """Log each of ``timers`` (see ``due_breaches``) as breached, in one change, each deadline once:
        those already in the log are left out. Returns the entries written."""

        def apply(tx: Transaction, incident: Incident, now: datetime) -> list[LogEntry]:
            logged = {
                (entry.details.get("timer"), entry.details.get("due_at"))
                for entry in tx.snapshot.log_for(incident.id)
                if entry.kind == "breach"
            }
            written = []
            for timer in timers:
                due = timer.due_at.isoformat() if timer.due_at else ""
                if (timer.name, due) in logged:
                    continue
                logged.add((timer.name, due))
                overdue_by = sla.format_duration(timer.remaining or 0)
                text = f"{timer.title} deadline breached ({overdue_by} overdue)"
                written.append(tx.append(self._entry(incident, "breach", text, now, timer=timer.name, due_at=due)))
            return written

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
