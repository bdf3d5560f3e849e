"""A transaction: the changes gathered under the file's lock, and the snapshot they make.

Guarantees: ids are given out from the state read under the lock, so two writers never hand out
the same one; each new entry gets its id, time of writing and hash chained to the one before, or
is refused with one sentence (InputError) when it cannot be stored as UTF-8. ``applied`` gives the
snapshot after the changes without reading the file again. Nothing here reads or writes a file.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..domain import ledger
from ..domain.errors import InputError
from ..domain.model import NO_DETAILS, ActionItem, Incident, LogEntry, NewEntry, Snapshot
from .documents import entry_to_doc


class Transaction:
    """Changes gathered under the lock and written in one atomic save."""

    def __init__(
        self, snapshot: Snapshot, recorded_at: datetime, head: str, next_entry: int, floors: tuple[int, int] = (0, 0)
    ) -> None:
        self.snapshot = snapshot
        # The highest incident number and action item id moved to an archive: never given out again.
        self._floors = floors
        self.recorded_at = recorded_at
        self._head = head
        self._next_entry = next_entry
        self.incidents: dict[str, Incident] = {}
        self.entries: list[LogEntry] = []
        self.items: dict[int, ActionItem] = {}

    def next_item_id(self) -> int:
        ids = [i.id for i in self.snapshot.action_items] + list(self.items)
        return max([*ids, self._floors[1]]) + 1

    def put_item(self, item: ActionItem) -> None:
        self.items[item.id] = item

    def next_incident_id(self) -> str:
        numbers = [i.id_number for i in self.snapshot.incidents] + [i.id_number for i in self.incidents.values()]
        return f"INC-{max([*numbers, self._floors[0]]) + 1}"

    def put_incident(self, incident: Incident) -> None:
        self.incidents[incident.id] = incident

    def append(self, new: NewEntry) -> LogEntry:
        """Give ``new`` its id, time of writing and chained hash; it is saved at commit."""
        entry = LogEntry(
            id=self._next_entry,
            incident_id=new.incident_id,
            kind=new.kind,
            text=new.text,
            author=new.author,
            at=new.at,
            recorded_at=self.recorded_at,
            details=dict(new.details) if new.details else NO_DETAILS,
            corrects=new.corrects,
        )
        doc = entry_to_doc(entry)
        try:
            digest = ledger.chain_hash(self._head, doc)
        except (UnicodeEncodeError, TypeError):
            # e.g. undecodable command-line bytes, which Python turns into lone surrogates
            code = _first_surrogate(doc)
            what = f"U+{code:04X}, a lone surrogate" if code is not None else "a value"
            raise InputError(f"the entry holds {what} that cannot be stored as UTF-8; nothing was saved") from None
        entry = entry._replace(hash=digest)
        self._head = digest
        self._next_entry += 1
        self.entries.append(entry)
        return entry

    @property
    def dirty(self) -> bool:
        return bool(self.incidents or self.entries or self.items)

    @property
    def head(self) -> str:
        """The hash at the head of the log, the new entries chained on."""
        return self._head

    @property
    def entry_count(self) -> int:
        """How many entries the log holds with the new ones."""
        return self._next_entry - 1


def _first_surrogate(value: Any) -> int | None:
    """The first lone surrogate code point anywhere in ``value``, if any."""
    if isinstance(value, str):
        return next((ord(ch) for ch in value if 0xD800 <= ord(ch) <= 0xDFFF), None)
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    if isinstance(value, list | tuple):
        for item in value:
            found = _first_surrogate(item)
            if found is not None:
                return found
    return None


def applied(snapshot: Snapshot, tx: Transaction) -> Snapshot:
    """The snapshot after ``tx``, without parsing the file again."""
    incidents, items = applied_tables(snapshot, tx)
    by_incident = dict(snapshot.log_by_incident)
    for entry in tx.entries:
        by_incident[entry.incident_id] = by_incident.get(entry.incident_id, ()) + (entry,)
    return Snapshot(
        incidents=incidents,
        log=snapshot.log + tuple(tx.entries),
        log_by_incident=by_incident,
        action_items=items,
    )


def applied_tables(snapshot: Snapshot, tx: Transaction) -> tuple[tuple[Incident, ...], tuple[ActionItem, ...]]:
    """The incidents and the action items after ``tx``."""
    incidents = list(snapshot.incidents)
    for incident in tx.incidents.values():
        for index, old in enumerate(incidents):
            if old.id == incident.id:
                incidents[index] = incident
                break
        else:
            incidents.append(incident)
    items = snapshot.action_items
    if tx.items:
        kept = [item for item in items if item.id not in tx.items]
        items = tuple(sorted([*kept, *tx.items.values()], key=lambda i: i.id))
    return tuple(incidents), items
