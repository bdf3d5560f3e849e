"""Post-mortem and action items (runbook step 6)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ..domain import limits
from ..domain.errors import InputError
from ..domain.model import (
    POSTMORTEM_FIELDS,
    ActionItem,
    Incident,
    Snapshot,
    Status,
)
from ..domain.text import clean_input
from .core import _optional, _required
from .reading import Reading

if TYPE_CHECKING:
    from ..store.repository import Transaction


class PostMortems(Reading):
    """The post-mortem document, its sections, its completion, and the follow-up action items."""

    def postmortem(self, incident_id: str | None = None, snapshot: Snapshot | None = None) -> str:
        """The post-mortem Markdown in the runbook's layout, prefilled from the file (or ``snapshot``)."""
        snap = snapshot or self.snapshot()
        incident = self.incident(incident_id, snap)
        from ..domain import reports

        return reports.postmortem_markdown(
            incident, snap.log_for(incident.id), snap.items_for(incident.id), self.clock()
        )

    def write_postmortem_section(self, key: str, text: str, incident_id: str | None = None) -> Incident:
        """Save one free-text section of the post-mortem (Summary, Root Cause, ...)."""
        titles = dict(POSTMORTEM_FIELDS)
        if key not in titles:
            raise InputError(f"post-mortem section {key!r} is not one of {', '.join(titles)}")
        text = clean_input(text, multiline=True).strip()
        limits.check(f"the post-mortem's {titles[key]} section", text, limits.SECTION)

        def apply(tx: Transaction, incident: Incident, now: datetime) -> Incident:
            if incident.postmortem.get(key, "") == text:
                return incident
            sections = {**incident.postmortem, key: text}
            tx.append(
                self._entry(incident, "postmortem", f"Post-mortem: {titles[key]} written", now, section=key, text=text)
            )
            changed = incident.with_changes(postmortem=sections)
            tx.put_incident(changed)
            return changed

        return self._change(incident_id, apply)

    def complete_postmortem(self, incident_id: str | None = None, *, reason: str = "") -> Incident:
        """Mark the post-mortem complete: meets the 48-hour timer.

        With sections still TODO it is refused, unless a reason is given: then it is logged as an
        override naming what is missing, and the timer shows the override.
        """
        reason = clean_input(reason).strip()

        def apply(tx: Transaction, incident: Incident, now: datetime) -> Incident:
            if incident.status is not Status.RESOLVED:
                raise InputError(f"{incident.id} is not resolved yet; the post-mortem follows resolution")
            if incident.postmortem_done_at is not None:
                raise InputError(f"{incident.id}'s post-mortem is already complete")
            missing = list(incident.postmortem_todo)
            if missing and not reason:
                raise InputError(
                    f"{incident.id}'s post-mortem still has TODO sections: {', '.join(missing)}. "
                    "Marking it complete anyway needs a reason, logged as an override",
                    wants="reason",
                )
            text = "Post-mortem marked complete"
            details: dict[str, Any] = {"complete": True}
            if missing:
                text += f" (override, still TODO: {', '.join(missing)}): {reason}"
                details.update(override=True, missing=missing)
            elif reason:
                text += f": {reason}"
            tx.append(self._entry(incident, "postmortem", text, now, **details))
            changed = incident.with_changes(postmortem_done_at=now)
            tx.put_incident(changed)
            return changed

        return self._change(incident_id, apply)

    def add_action_item(
        self, text: str, *, owner: str = "", due: date | None = None, incident_id: str | None = None
    ) -> ActionItem:
        """Add a follow-up with an owner and a deadline."""
        text = _required("the action item", text, limits.ACTION_ITEM)
        owner = _optional("the owner's name", owner, limits.NAME)

        def apply(tx: Transaction, incident: Incident, now: datetime) -> ActionItem:
            item = ActionItem(tx.next_item_id(), incident.id, text, owner, due, now)
            tx.put_item(item)
            when = due.isoformat() if due else "no deadline"
            tx.append(
                self._entry(
                    incident,
                    "action_item",
                    f"Action item #{item.id} added: {text} (owner {owner or 'none'}, {when})",
                    now,
                    item=item.id,
                    text=text,
                    owner=owner,
                    due=due.isoformat() if due else None,
                )
            )
            return item

        return self._change(incident_id, apply)

    def complete_action_item(self, item_id: int) -> ActionItem:
        """Mark action item ``item_id`` done."""
        now = self.clock()
        with self._transaction(now) as tx:
            item = next((i for i in tx.snapshot.action_items if i.id == item_id), None)
            if item is None:
                raise InputError(f"action item {item_id} does not exist")
            if item.done_at is not None:
                raise InputError(f"action item {item_id} is already done")
            incident = self.incident(item.incident_id, tx.snapshot)
            done = ActionItem(item.id, item.incident_id, item.text, item.owner, item.due, item.created_at, now)
            tx.put_item(done)
            tx.append(
                self._entry(
                    incident, "action_item", f"Action item #{item.id} done: {item.text}", now, item=item.id, done=True
                )
            )
            return done
