"""The snapshot one change is made on: the tables whole, an incident's log read only when the change asks for it.

A command such as ``log`` or ``ack`` touches one incident. Reading the whole log to find that
incident's entries costs time in proportion to the file's history; this reads the tables, the
log's last block (the newest id and hash, so ids are given out and the chain continues), and an
incident's entries when the change first asks for them (``log_for``). Those are found by searching
the log's bytes from the end back for the incident's id as a JSON string, as far as its
declaration (``incident_log``), so only its lines are parsed. The lines not read are copied into
the next file unread, so the repository uses this only for the very version of the file whose
every line was checked (``vouched``).

Guarantees of ``change_view``: None when the log is short, not in the line layout, or its last
keys are not their entries' ids (the caller then reads the whole log, as before). An incident's
entries come in id order and are exactly the entries whose ``incident_id`` is that id among the
lines written in the store's spelling; if a line found turns out not to be in the line layout,
the whole log is read (``whole``) and its answer given instead. A malformed entry found is refused
with one sentence naming the file (FileProblem).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from ..domain.errors import FileProblem
from ..domain.model import Incident, LogEntry, Snapshot
from .blocks import NotInLayout
from .documents import entry_from_doc
from .incident_log import entries_of
from .incident_table import StoredIncidents, ids_of
from .layout import INCIDENTS
from .snapshots import check_ours, incidents_to_look_at, items_of
from .state import StateFile

# How many incidents' entries are searched for in the log's bytes before the whole log is read instead.
SEARCHES = 2


class ChangeView(NamedTuple):
    """The snapshot a change is made on, and the newest entry in the file (None when the log is empty)."""

    snapshot: Snapshot
    last: LogEntry | None


class Look(NamedTuple):
    """A look at one incident: ``incident_id``, or the current one when None."""

    incident_id: str | None


class IncidentLogs(Mapping[str, tuple[LogEntry, ...]]):
    """Each incident's entries, read from the file the first time they are asked for."""

    def __init__(
        self,
        path: str,
        state: StateFile,
        incident_ids: tuple[str, ...],
        whole: Callable[[], Snapshot],
    ) -> None:
        self._path = path
        self._state = state
        self._ids = incident_ids
        self._whole = whole
        self._read: dict[str, tuple[LogEntry, ...]] = {}

    def __getitem__(self, incident_id: str) -> tuple[LogEntry, ...]:
        if incident_id not in self._read:
            if len(self._read) >= SEARCHES:
                # A change that looks through many incidents (an alert matched against every open
                # one) costs a search of the whole log each: one whole read is cheaper from here on.
                return self._whole().log_by_incident.get(incident_id, ()) or self._missing(incident_id)
            self._read[incident_id] = self._entries_of(incident_id)
        found = self._read[incident_id]
        if not found and incident_id not in self._ids:
            raise KeyError(incident_id)
        return found

    def _missing(self, incident_id: str) -> tuple[LogEntry, ...]:
        if incident_id not in self._ids:
            raise KeyError(incident_id)
        return ()

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    def _entries_of(self, incident_id: str) -> tuple[LogEntry, ...]:
        try:
            return entries_of(self._path, self._state, incident_id)
        except NotInLayout:
            return self._whole().log_for(incident_id)


def _keyed(key: str, doc: Any) -> LogEntry:
    entry = entry_from_doc(doc)
    if key != str(entry.id):
        raise NotInLayout  # keys that are not their entry's id are told only by the whole log
    return entry


def change_view(
    path: str, state: StateFile | None, whole: Callable[[], Snapshot], looking_at: Look | None = None
) -> ChangeView | None:
    """The snapshot for one change of ``state`` (see the module's guarantees), or None to read it whole.

    ``whole`` gives the snapshot of the whole log, read only when a line found is not as expected.
    ``looking_at`` is for a look at one incident that changes nothing (``Look``): the snapshot's
    incidents are then only those it can be (``incidents_to_look_at``).
    """
    if state is None or not state.can_read_newest:
        return None
    tables = state.tables
    check_ours(path, tables, state.has_log)
    if looking_at is None:
        incidents: Sequence[Incident] = StoredIncidents(path, tables.get(INCIDENTS) or {})  # made when used
    else:
        incidents = incidents_to_look_at(path, tables, looking_at.incident_id)
    try:
        with contextlib.closing(state.newest_log_records()) as blocks:
            _, records = next(blocks)
        key, doc = records[-1]
        last = _keyed(key, doc)
    except (NotInLayout, StopIteration):
        return None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise FileProblem(f"{path} has a malformed log entry ({exc!s}); left unchanged") from None
    logs = IncidentLogs(path, state, ids_of(incidents), whole)
    snapshot = Snapshot(
        incidents=incidents,
        log=(last,),
        log_by_incident=logs,
        action_items=items_of(path, tables),
        newest_from=last.id,
    )
    return ChangeView(snapshot, last)
