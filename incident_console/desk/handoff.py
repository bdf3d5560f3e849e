"""Hand off: the briefing for the next person, and what they should review."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ..domain import limits, sla
from ..domain.model import (
    Incident,
    LogEntry,
    Snapshot,
)
from ..domain.text import clean_input
from .core import _required
from .reading import Reading

if TYPE_CHECKING:
    from ..store.repository import Transaction


class HandingOff(Reading):
    """Handing an incident to the next person on call."""

    def handoff(self, to: str, incident_id: str | None = None, *, notes: str = "") -> tuple[str, Incident]:
        """Brief the next person: returns the Markdown briefing; logs the handoff with ``notes`` (what
        the outgoing person would do next, open threads); ``to`` takes command."""
        to = _required("who takes over", to, limits.NAME, wants="to")
        notes = limits.check("the handoff notes", clean_input(notes, multiline=True).strip(), limits.REASON)

        def apply(tx: Transaction, incident: Incident, now: datetime) -> tuple[str, Incident]:
            log = tx.snapshot.log_for(incident.id)
            from ..domain import reports

            briefing = reports.handoff_markdown(
                incident,
                log,
                sla.timers(incident, log, self.policy, now),
                tx.snapshot.items_for(incident.id),
                from_name=self.author,
                to_name=to,
                now=now,
                notes=notes,
            )
            text = f"Handed off from {self.author} to {to}" + (f"\nNext / open threads: {notes}" if notes else "")
            details = {"from": self.author, "to": to, "previous_commander": incident.commander}
            tx.append(self._entry(incident, "handoff", text, now, **details, **({"notes": notes} if notes else {})))
            changed = incident.with_changes(commander=to)
            tx.put_incident(changed)
            return briefing, changed

        return self._change(incident_id, apply)

    def since_last_handoff(self, incident: Incident, snapshot: Snapshot | None = None) -> tuple[LogEntry, ...]:
        """The log since the last handoff before the latest one: what the incoming person should review."""
        from ..domain import reports

        return reports.review_window((snapshot or self.snapshot()).log_for(incident.id))[1]

    def handed_to_me(self, incident: Incident, snapshot: Snapshot | None = None) -> bool:
        """Whether ``incident`` was last handed off to this Desk's author by someone else, and they have
        written nothing since: then the review of what they missed is what they should see first."""
        log = (snapshot or self.snapshot()).log_for(incident.id)
        last = next((index for index in range(len(log) - 1, -1, -1) if log[index].kind == "handoff"), None)
        if last is None:
            return False
        handoff = log[last]
        if handoff.details.get("to") != self.author or handoff.author == self.author:
            return False
        return all(entry.author != self.author for entry in log[last + 1 :])

    def review(self, incident: Incident, snapshot: Snapshot | None = None) -> str:
        """The review Markdown: the entries of since_last_handoff, and from where they start."""
        from ..domain import reports

        since, entries = reports.review_window((snapshot or self.snapshot()).log_for(incident.id))
        return reports.review_markdown(incident, entries, since=since)
