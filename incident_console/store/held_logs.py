"""The state a console holds on a long log: every incident, the entries of the open ones and of the
one on screen, and any other incident's entries read when someone looks at them.

A console stays open for hours on a file that holds a year of incidents. Holding every entry would
cost memory in proportion to that history; what the screen shows at any moment is one incident,
and what the timers need are the open ones. So ``held_view`` reads the tables, the newest entry,
and the entries of the incidents held (one search from the end of the log back, ``incident_log``),
and gives a Snapshot whose ``log_by_incident`` (``HeldLogs``) reads any other incident's entries
when it is first asked for them, keeping the last few looked at.

Guarantees: ``log_for`` of any incident gives all its entries, exactly those a whole read gives,
on a file recorded as checked (``vouched``); the view is only made for one. Reads go through a copy
of the file's state as read (``StateFile.as_read``), so no lock is taken while nothing changed;
once the file is another one, ``read`` (the repository's, under its lock) reads it. ``with_change``
is the view after a change this process saved, without reading the file again. The held entries
never include a resolved incident's but for the few looked at: memory does not grow with history.
"""

from __future__ import annotations

import contextlib
from _thread import RLock  # threading itself is not needed to start a command
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping

from ..domain.errors import FileProblem
from ..domain.model import LogEntry, Snapshot
from .blocks import NotInLayout
from .documents import entry_from_doc
from .incident_log import entries_of, entries_of_many
from .snapshots import check_ours, incidents_of, items_of
from .state import StateFile
from .transaction import Transaction, applied_tables

# Incidents besides the held ones whose entries are kept once read: the one on screen, the ones
# just looked at (a switch back and forth reads nothing again).
LOOKED = 4

Reader = Callable[[str], tuple[LogEntry, ...]]


class HeldLogs(Mapping[str, tuple[LogEntry, ...]]):
    """Each incident's entries: those held, the few looked at, any other read when asked for."""

    def __init__(
        self,
        path: str,
        incident_ids: Iterable[str],
        held: dict[str, tuple[LogEntry, ...]],
        as_read: StateFile,
        read: Reader,
        looked: Iterable[tuple[str, tuple[LogEntry, ...]]] = (),
    ) -> None:
        self.path = path
        self._ids = tuple(incident_ids)
        self._known = frozenset(self._ids)
        self.held = held
        self._as_read = as_read
        self._read = read
        self._looked: OrderedDict[str, tuple[LogEntry, ...]] = OrderedDict(looked)
        self._lock = RLock()  # the UI thread and the save thread both ask

    def __getitem__(self, incident_id: str) -> tuple[LogEntry, ...]:
        if incident_id not in self._known:
            raise KeyError(incident_id)
        found = self.held.get(incident_id)
        if found is not None:
            return found
        with self._lock:
            found = self._looked.get(incident_id)
            if found is not None:
                self._looked.move_to_end(incident_id)
                return found
        try:
            found = entries_of(self.path, self._as_read, incident_id)
        except NotInLayout:  # the file is another one now (or a line is not as expected)
            found = self._read(incident_id)
        with self._lock:
            self._looked[incident_id] = found
            while len(self._looked) > LOOKED:
                self._looked.popitem(last=False)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    def in_memory(self, incident_id: str) -> bool:
        """True when the incident's entries are held or were looked at (asking for them reads nothing)."""
        with self._lock:
            return incident_id in self.held or incident_id in self._looked or incident_id not in self._known

    def looked(self) -> list[tuple[str, tuple[LogEntry, ...]]]:
        with self._lock:
            return list(self._looked.items())


def in_memory(logs: Mapping[str, tuple[LogEntry, ...]], incident_id: str) -> bool:
    """True when asking ``logs`` for the incident's entries reads nothing from the file."""
    return not isinstance(logs, HeldLogs) or logs.in_memory(incident_id)


def held_view(path: str, state: StateFile, keep: Iterable[str], read: Reader) -> Snapshot:
    """The view of ``state`` (a checked file in the line layout) holding the open incidents' entries
    and those of ``keep``; NotInLayout where the whole log has to be read instead."""
    tables = state.tables
    check_ours(path, tables, state.has_log)
    incidents = incidents_of(path, tables)
    ids = [incident.id for incident in incidents]
    wanted = [incident.id for incident in incidents if incident.is_open]
    wanted += [ident for ident in keep if ident in ids and ident not in wanted]
    as_read = state.as_read()
    held = entries_of_many(path, as_read, wanted)
    last = _newest_entry(path, as_read)
    return Snapshot(
        incidents=incidents,
        log=_merged(held.values(), last),
        log_by_incident=HeldLogs(path, ids, held, as_read, read),
        action_items=items_of(path, tables),
        log_in_part=True,
    )


def with_change(view: Snapshot, tx: Transaction, saved: StateFile, read: Reader) -> Snapshot:
    """``view`` after ``tx`` was saved as ``saved``: the incidents it declared are held, and the
    entries it added join those held or looked at (the others are read from the file when asked)."""
    logs = view.log_by_incident
    assert isinstance(logs, HeldLogs)
    incidents, items = applied_tables(view, tx)
    held = dict(logs.held)
    looked = dict(logs.looked())
    for incident_id in tx.incidents:
        if incident_id not in held and incident_id not in looked and not view.incident(incident_id):
            held[incident_id] = ()  # declared by ``tx``: its entries are all in it
    for entry in tx.entries:
        for group in (held, looked):
            if entry.incident_id in group:
                group[entry.incident_id] += (entry,)
    path = logs.path
    return Snapshot(
        incidents=incidents,
        log=view.log + tuple(tx.entries),
        log_by_incident=HeldLogs(path, (i.id for i in incidents), held, saved.as_read(), read, looked.items()),
        action_items=items,
        log_in_part=True,
    )


def _newest_entry(path: str, state: StateFile) -> LogEntry | None:
    try:
        with contextlib.closing(state.newest_log_records()) as blocks:
            _, records = next(blocks)
        key, doc = records[-1]
        entry = entry_from_doc(doc)
    except StopIteration:
        return None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise FileProblem(f"{path} has a malformed log entry ({exc!s}); left unchanged") from None
    if key != str(entry.id):
        raise NotInLayout
    return entry


def _merged(logs: Iterable[tuple[LogEntry, ...]], last: LogEntry | None) -> tuple[LogEntry, ...]:
    entries = {entry.id: entry for log in logs for entry in log}
    if last is not None:
        entries[last.id] = last
    return tuple(entries[ident] for ident in sorted(entries))
