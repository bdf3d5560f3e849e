"""A state file read into a Snapshot: the whole file, or only the newest part of a long log.

Guarantees: ``check_ours`` refuses a file that is not an incident-console file or is from a newer
version before anything in it is used. ``decode`` reads the log one line at a time (the parsed
documents of a long log are never all held at once) and gives the entries in id order.
``decode_newest`` reads from the end of the log (``tail``) only as far as the console's first frame
needs, and says (None, or NotInLayout) when the whole log has to be read instead. A malformed
record is refused with one sentence that names the file (FileProblem).
"""

from __future__ import annotations

import contextlib
import re
from datetime import datetime
from typing import Any, NamedTuple

from ..domain.errors import FileProblem
from ..domain.model import ActionItem, Incident, LogEntry, Snapshot
from .blocks import NotInLayout
from .documents import entry_from_doc, incident_from_doc, item_from_doc
from .incident_log import DECLARE
from .layout import INCIDENTS, ITEMS, meta_record
from .state import StateFile

APP = "incident-console"
SCHEMA = 1
_HASH = re.compile(r"[0-9a-f]{64}")


def check_ours(path: str, tables: dict[str, Any], has_log: bool = False) -> None:
    """Refuse a file that is not an incident-console file, or is from a newer version."""
    if not has_log and all(not table for table in tables.values()):
        return  # a new or empty TinyDB file: nothing in it can be lost
    meta = meta_record(tables)
    if meta.get("app") != APP:
        raise FileProblem(f"{path} is not an incident-console file (no incident-console meta record); left unchanged")
    schema = meta.get("schema")
    if not isinstance(schema, int):
        raise FileProblem(f"{path} has a meta record without a schema version; left unchanged")
    if schema > SCHEMA:
        raise FileProblem(
            f"{path} was written by a newer incident-console (schema {schema}; this one reads {SCHEMA}); left unchanged"
        )
    entries, head = meta.get("entries"), meta.get("head")
    bad_count = entries is not None and (not isinstance(entries, int) or isinstance(entries, bool) or entries < 0)
    bad_head = head is not None and not (isinstance(head, str) and _HASH.fullmatch(head))
    if bad_count or bad_head:
        what = "entry count" if bad_count else "hash chain head"
        raise FileProblem(f"{path} has a malformed meta record (its {what}); left unchanged")


def incidents_of(path: str, tables: dict[str, Any]) -> tuple[Incident, ...]:
    """The incidents table's records, in the order they were declared."""
    try:
        return tuple(
            sorted(
                (incident_from_doc(doc) for doc in (tables.get(INCIDENTS) or {}).values()),
                key=_declared,
            )
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise FileProblem(f"{path} has a malformed incident record ({exc!s}); left unchanged") from None


def incidents_to_look_at(path: str, tables: dict[str, Any], incident_id: str | None) -> tuple[Incident, ...]:
    """The incidents a look at one incident of a checked file can pick from: ``incident_id``'s, and
    the open ones (of which ``Snapshot.current`` picks one), in declared order; all of them when
    none is open or ``incident_id`` is not there (so the refusal can name them all). A file's
    history is mostly resolved incidents: they are not turned into records to be passed over."""
    wanted = incident_id.strip().upper() if incident_id else None
    docs = (tables.get(INCIDENTS) or {}).values()
    chosen = [
        doc
        for doc in docs
        if type(doc) is not dict or doc.get("status") != "resolved" or str(doc.get("id")).upper() == wanted
    ]
    found = wanted is None or any(type(doc) is dict and str(doc.get("id")).upper() == wanted for doc in chosen)
    if not found or not any(type(doc) is not dict or doc.get("status") != "resolved" for doc in chosen):
        return incidents_of(path, tables)
    return incidents_of(path, {INCIDENTS: dict(enumerate(chosen))})


def _declared(incident: Incident) -> tuple[datetime, int]:
    """The order incidents were declared in: ``(declared_at, id_number)``, the store's ids read directly."""
    ident = incident.id
    number = ident[4:]
    if ident.startswith("INC-") and number.isascii() and number.isdecimal():
        return incident.declared_at, int(number)
    return incident.declared_at, incident.id_number


def items_of(path: str, tables: dict[str, Any]) -> tuple[ActionItem, ...]:
    """The action items table's records, in id order."""
    try:
        return tuple(sorted((item_from_doc(doc) for doc in (tables.get(ITEMS) or {}).values()), key=lambda i: i.id))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise FileProblem(f"{path} has a malformed action item ({exc!s}); left unchanged") from None


def _by_incident(entries: list[LogEntry]) -> dict[str, tuple[LogEntry, ...]]:
    groups: dict[str, list[LogEntry]] = {}
    for entry in entries:
        groups.setdefault(entry.incident_id, []).append(entry)
    return {key: tuple(group) for key, group in groups.items()}


# The lines of earlier status updates are found by searching the log's bytes for their kind as a
# JSON string, whatever the spacing around it (a quote inside a string is escaped, so this is a
# whole string "comms": the kind, or now and then a detail), and only those lines are parsed.
_UPDATE_MARK = b'"comms"'


def decode_newest(path: str, state: StateFile, rows: int, incident_id: str | None) -> Snapshot | None:
    """The Snapshot of ``Repository.newest``; None when the part needed turns out to be the whole log.

    Raises NotInLayout where the whole log has to be read to tell what is there (keys that are not
    their entry's id or out of order, lines in another layout).
    """
    tables = state.tables
    check_ours(path, tables, state.has_log)
    incidents = incidents_of(path, tables)
    wanted = {incident.id.upper() for incident in incidents if incident.is_open}
    current = Snapshot(incidents=incidents).current()
    if current is not None:
        wanted.add(current.id.upper())
    if incident_id:
        wanted.add(incident_id.strip().upper())
    counts = dict.fromkeys(wanted, 0)
    newest: list[LogEntry] = []
    begins = 0
    try:
        with contextlib.closing(state.newest_log_records()) as blocks:
            for offset, records in blocks:
                begins = offset
                block = [_keyed_entry(key, doc) for key, doc in records]
                for entry in block:
                    if entry.incident_id.upper() in counts:
                        counts[entry.incident_id.upper()] += 1
                newest[:0] = block
                if all(count >= rows for count in counts.values()):
                    break
            else:
                return None  # read to the first line: the whole log, which snapshot() reads and checks
        first = newest[0].id
        earlier = [
            entry
            for entry in (_keyed_entry(key, doc) for key, doc in state.log_records_with(_UPDATE_MARK, begins))
            if entry.kind == "comms"
        ]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise FileProblem(f"{path} has a malformed log entry ({exc!s}); left unchanged") from None
    if any(entry.id >= first for entry in earlier):
        raise NotInLayout
    log = earlier + newest
    return Snapshot(
        incidents=incidents,
        log=tuple(log),
        log_by_incident=_by_incident(log),
        action_items=items_of(path, tables),
        newest_from=first,
    )


def _keyed_entry(key: str, doc: Any) -> LogEntry:
    entry = entry_from_doc(doc)
    if key != str(entry.id):
        raise NotInLayout  # the whole log is read to tell which keys are odd
    return entry


class Decoded(NamedTuple):
    """A file read whole: its Snapshot, the log keys that are not their entry's id, and whether each
    incident's entries begin with its one declaration and are of an incident in the table (the
    order ``incident_log`` relies on)."""

    snapshot: Snapshot
    odd_keys: frozenset[str]
    declared_first: bool


def decode(path: str, state: StateFile | None) -> Decoded:
    """Turn the file into a ``Decoded``, or say which record is malformed. Raises NotInLayout when
    the log's lines turn out not to be in the line layout."""
    if state is None:
        return Decoded(Snapshot(), frozenset(), True)
    tables = state.tables
    check_ours(path, tables, state.has_log)
    incidents = incidents_of(path, tables)
    in_table = {incident.id for incident in incidents}
    declared_first = True
    entries: list[LogEntry] = []
    by_incident: dict[str, list[LogEntry]] = {}
    odd: set[str] = set()
    ascending = True
    previous = -1
    try:
        # One line at a time: the parsed documents of a long log are never all held at once.
        for key, doc in state.log_records():
            entry = entry_from_doc(doc)
            ident = entry.id
            if ident <= previous:
                ascending = False
            previous = ident
            if key != str(ident):
                odd.add(key)
            entries.append(entry)
            group = by_incident.get(entry.incident_id)
            if group is None:
                group = by_incident[entry.incident_id] = []
                if entry.incident_id not in in_table:
                    declared_first = False
            elif entry.kind == DECLARE:
                declared_first = False
            group.append(entry)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise FileProblem(f"{path} has a malformed log entry ({exc!s}); left unchanged") from None
    if not ascending:  # a file edited by hand: ids in another order than the lines
        declared_first = False
        entries.sort(key=lambda e: e.id)
        for group in by_incident.values():
            group.sort(key=lambda e: e.id)
    log = tuple(entries)
    del entries
    snapshot = Snapshot(
        incidents=incidents,
        log=log,
        log_by_incident={key: tuple(value) for key, value in by_incident.items()},
        action_items=items_of(path, tables),
    )
    return Decoded(snapshot, frozenset(odd), declared_first and not odd)
