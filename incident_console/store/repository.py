"""The only module that touches TinyDB: documents to domain records and back, locking, transactions.

Layout (TinyDB's own, so ``TinyDB(path)`` and ``python -m json.tool`` read it; the log comes last,
one entry per line, see ``storage``)::

    {"meta":      {"1": {"app": "incident-console", "schema": 1, "entries": N, "head": "<hash>"}},
     "incidents": {"1": {"id": "INC-1", ...}},
     "action_items": {...},
     "log": {
    "1": {"id": 1, "incident_id": "INC-1", "kind": "declare", ..., "hash": "..."},
    ...
    }}

Every change runs in ``Repository.transaction()``: take the inter-process lock, re-read the file
if another process changed it, apply, write atomically once, release. Ids are given out under
the lock, so two writers never hand out the same one.
"""

from __future__ import annotations

import contextlib
import gc
import os
import re
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from tinydb import TinyDB

from ..domain import ledger
from ..domain.errors import FileProblem, InputError
from ..domain.model import (
    NO_DETAILS,
    ActionItem,
    Incident,
    LogEntry,
    NewEntry,
    Severity,
    Snapshot,
    Status,
    TriageAnswers,
    Users,
)
from ..domain.times import from_text, to_text
from . import storage as storage_module
from .locations import resolved
from .lock import DEFAULT_TIMEOUT, FileLock
from .storage import LOG, AtomicJSONStorage, NotInLayout, StateFile

if TYPE_CHECKING:
    from .verification import Verdict

APP = "incident-console"
SCHEMA = 1
_HASH = re.compile(r"[0-9a-f]{64}")
META, INCIDENTS, ITEMS = "meta", "incidents", "action_items"
# Entries of each incident in the log read before a console's first frame: more than a screen shows.
NEWEST_ROWS = 100

# --- documents <-> domain records ----------------------------------------------------------


# Deadlines are computed by adding hours to stored times: a stored time this late would overflow.
_LATEST_YEAR = 9000


def _time(value: Any) -> datetime:
    """A stored time, refused (ValueError) when it is not ISO-8601 with an offset or is out of range."""
    try:
        moment = from_text(value)
    except OverflowError:  # e.g. year 1 at +14:00, which is before year 1 in UTC
        raise ValueError(f"time {value!r} is out of range") from None
    if moment.year > _LATEST_YEAR:
        raise ValueError(f"time {value!r} is out of range")
    return moment


def _opt_time(value: Any) -> datetime | None:
    return _time(value) if value else None


def _opt_text(value: datetime | None) -> str | None:
    return to_text(value) if value is not None else None


def incident_to_doc(incident: Incident) -> dict[str, Any]:
    triage = incident.triage
    return {
        "id": incident.id,
        "title": incident.title,
        "severity": incident.severity.value,
        "highest_severity": (incident.highest_severity or incident.severity).value,
        "status": incident.status.value,
        "impact": incident.impact,
        "services": list(incident.services),
        "commander": incident.commander,
        "started_at": _opt_text(incident.started_at),
        "detected_at": to_text(incident.detected_at),
        "declared_at": to_text(incident.declared_at),
        "acknowledged_at": _opt_text(incident.acknowledged_at),
        "triaged_at": _opt_text(incident.triaged_at),
        "triage": None
        if triage is None
        else {
            "users": triage.users.value,
            "data_at_risk": triage.data_at_risk,
            "transactions_failing": triage.transactions_failing,
            "workaround": triage.workaround,
        },
        "monitoring_since": _opt_text(incident.monitoring_since),
        "resolved_at": _opt_text(incident.resolved_at),
        "postmortem_done_at": _opt_text(incident.postmortem_done_at),
        "postmortem": dict(incident.postmortem),
    }


def incident_from_doc(doc: dict[str, Any]) -> Incident:
    triage = doc.get("triage")
    return Incident(
        id=str(doc["id"]),
        title=str(doc["title"]),
        severity=Severity(doc["severity"]),
        highest_severity=Severity(doc.get("highest_severity") or doc["severity"]),
        status=Status(doc["status"]),
        impact=str(doc.get("impact") or ""),
        services=tuple(str(s) for s in doc.get("services") or ()),
        commander=str(doc.get("commander") or ""),
        started_at=_opt_time(doc.get("started_at")),
        detected_at=_time(doc["detected_at"]),
        declared_at=_time(doc["declared_at"]),
        acknowledged_at=_opt_time(doc.get("acknowledged_at")),
        triaged_at=_opt_time(doc.get("triaged_at")),
        triage=None
        if not triage
        else TriageAnswers(
            users=Users(triage["users"]),
            data_at_risk=bool(triage["data_at_risk"]),
            transactions_failing=bool(triage["transactions_failing"]),
            workaround=bool(triage["workaround"]),
        ),
        monitoring_since=_opt_time(doc.get("monitoring_since")),
        resolved_at=_opt_time(doc.get("resolved_at")),
        postmortem_done_at=_opt_time(doc.get("postmortem_done_at")),
        postmortem={str(k): str(v) for k, v in (doc.get("postmortem") or {}).items()},
    )


def item_to_doc(item: ActionItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "incident_id": item.incident_id,
        "text": item.text,
        "owner": item.owner,
        "due": item.due.isoformat() if item.due else None,
        "created_at": to_text(item.created_at),
        "done_at": _opt_text(item.done_at),
    }


def item_from_doc(doc: dict[str, Any]) -> ActionItem:
    return ActionItem(
        id=int(doc["id"]),
        incident_id=str(doc["incident_id"]),
        text=str(doc["text"]),
        owner=str(doc.get("owner") or ""),
        due=date.fromisoformat(doc["due"]) if doc.get("due") else None,
        created_at=_time(doc["created_at"]),
        done_at=_opt_time(doc.get("done_at")),
    )


def entry_to_doc(entry: LogEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "incident_id": entry.incident_id,
        "kind": entry.kind,
        "text": entry.text,
        "author": entry.author,
        "at": to_text(entry.at),
        "recorded_at": to_text(entry.recorded_at),
        "details": dict(entry.details),
        "corrects": entry.corrects,
        "hash": entry.hash,
    }


def entry_from_doc(doc: dict[str, Any]) -> LogEntry:
    at_text, recorded_text = doc["at"], doc["recorded_at"]
    # The stored form (UTC, "Z") read directly: this runs for every entry each time a file is opened.
    at = datetime.fromisoformat(at_text) if type(at_text) is str else None
    if at is None or at.tzinfo is not UTC or at.year > _LATEST_YEAR:
        at = _time(at_text)
    details = doc.get("details")
    return LogEntry._make(  # _make: straight to the tuple, without the keyword-taking constructor
        (
            int(doc["id"]),
            # The same few incident ids, kinds and authors repeat over the whole log: one copy of each.
            sys.intern(str(doc["incident_id"])),
            sys.intern(str(doc["kind"])),
            str(doc["text"]),
            sys.intern(str(doc.get("author") or "")),
            at,
            at if recorded_text == at_text else _time(recorded_text),
            (details if isinstance(details, dict) else dict(details)) if details else NO_DETAILS,
            doc.get("corrects"),
            str(doc.get("hash") or ""),
        )
    )


# --- the repository --------------------------------------------------------------------------


class Transaction:
    """Changes gathered under the lock and written in one atomic save."""

    def __init__(self, snapshot: Snapshot, recorded_at: datetime, head: str, next_entry: int) -> None:
        self.snapshot = snapshot
        self.recorded_at = recorded_at
        self._head = head
        self._next_entry = next_entry
        self.incidents: dict[str, Incident] = {}
        self.entries: list[LogEntry] = []
        self.items: dict[int, ActionItem] = {}

    def next_item_id(self) -> int:
        ids = [i.id for i in self.snapshot.action_items] + list(self.items)
        return max(ids, default=0) + 1

    def put_item(self, item: ActionItem) -> None:
        self.items[item.id] = item

    def next_incident_id(self) -> str:
        numbers = [i.id_number for i in self.snapshot.incidents] + [i.id_number for i in self.incidents.values()]
        return f"INC-{max(numbers, default=0) + 1}"

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


class Repository:
    """One state file, shared safely with other processes."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        lock_timeout: float = DEFAULT_TIMEOUT,
        chain_key: bytes | None = None,
    ) -> None:
        given = os.path.expanduser(os.fspath(path))
        # Resolved once: reads, writes and the lock all use the real file. The path is kept as given
        # (for messages and the screen) unless a link made it another file.
        real = resolved(given)
        self.path = given if real == os.path.abspath(given) else real
        # The team's key: each save then also records the head's keyed hash, which verify checks.
        self.chain_key = chain_key
        self._db = TinyDB(self.path, storage=AtomicJSONStorage)
        self._storage: AtomicJSONStorage = self._db.storage  # type: ignore[assignment]
        self.lock = FileLock(self.path, lock_timeout)
        self._mutex = threading.RLock()
        self._snapshot = Snapshot()
        # Log keys that are not their entry's id (a file edited by hand): a new entry must not land on one.
        self._odd_keys: frozenset[str] = frozenset()
        self._generation = -1
        self._newest: tuple[tuple[int, int, str | None], Snapshot] | None = None

    # reading

    def snapshot(self) -> Snapshot:
        """The file's content now; parsed again only when the file changed on disk."""
        with self._mutex, _collector_paused():
            state = self._storage.load()
            if self._storage.generation != self._generation:
                try:
                    decoded = decode(self.path, state)
                except NotInLayout:
                    decoded = decode(self.path, self._storage.load(whole=True))
                self._snapshot, self._odd_keys = decoded
                self._generation = self._storage.generation
                self._newest = None
            return self._snapshot

    def newest(self, rows: int = NEWEST_ROWS, incident_id: str | None = None) -> Snapshot:
        """The file's tables and the newest part of its log, for a console to draw its first frame
        without waiting for a long log to be read (``snapshot()`` reads the rest).

        The part read holds at least ``rows`` entries of each open incident, of the most recent
        one and of ``incident_id`` (or all there are), and every status update sent before it,
        so the timers are right. A small log, a file in another layout or one already read comes
        whole. A malformed record in the part read is refused as ``snapshot()`` refuses it.
        """
        with self._mutex, _collector_paused():
            state = self._storage.load()
            if self._storage.generation == self._generation or state is None or not state.can_read_newest:
                return self.snapshot()
            asked = (self._storage.generation, rows, incident_id)
            if self._newest is not None and self._newest[0] == asked:
                return self._newest[1]  # asked again before the screen opens, and again by the console
            try:
                newest = decode_newest(self.path, state, rows, incident_id)
            except NotInLayout:
                newest = None
            if newest is None:
                return self.snapshot()
            self._newest = (asked, newest)
            return newest

    def changed_on_disk(self) -> bool:
        """A stat of the file against the one last read or written here.

        Deliberately without the lock: the console asks every second from its UI thread, and a save
        may be holding the lock while it waits for another process. A stale answer only means the
        file is looked at again a second later.
        """
        return self._storage.changed()

    def saved_at(self) -> datetime | None:
        """When the file was last written (its modification time)."""
        try:
            return datetime.fromtimestamp(os.stat(self.path).st_mtime, UTC)
        except OSError:
            return None

    def writable(self) -> bool:
        """False when this process could not save the file (read-only file or folder)."""
        folder = os.path.dirname(self.path) or "."
        if os.path.exists(self.path):
            return os.access(self.path, os.W_OK) and os.access(folder, os.W_OK)
        return os.access(folder, os.W_OK) if os.path.exists(folder) else True

    # writing

    @contextlib.contextmanager
    def transaction(self, recorded_at: datetime) -> Iterator[Transaction]:
        """Lock, re-read if changed, yield the current state, then save every change at once."""
        with self._mutex:
            self._ensure_folder()
            with self.lock:
                current = self.snapshot()
                state = self._storage.load()  # the one the snapshot was made from
                meta = _meta(state.tables if state is not None else {})
                last = current.log[-1].id if current.log else 0
                tx = Transaction(
                    snapshot=current,
                    recorded_at=recorded_at,
                    head=str(meta.get("head") or (current.log[-1].hash if current.log else ledger.GENESIS)),
                    next_entry=max(int(meta.get("entries") or 0), last) + 1,
                )
                yield tx
                if not tx.dirty:
                    return
                # Under the lock every temporary file beside the file is a crashed writer's.
                storage_module.remove_stale_temps(self.path)
                self._commit(state or StateFile({}), tx)

    def _commit(self, state: StateFile, tx: Transaction) -> None:
        tables = state.tables
        # A record is saved under its id; a file whose keys do not match the ids (edited by hand)
        # could hold another record there, which the save would silently replace.
        keys: list[tuple[str, str, object]] = [(INCIDENTS, str(i.id_number), i.id) for i in tx.incidents.values()]
        keys += [(ITEMS, str(i.id), i.id) for i in tx.items.values()]
        for table, key, ident in keys:
            existing = (tables.get(table) or {}).get(key)
            if existing is not None and (not isinstance(existing, dict) or existing.get("id") != ident):
                self._refuse_key(table, ident)
        for entry in tx.entries:
            # New ids are above every id in the log, so only a key that is not its entry's id can clash.
            if str(entry.id) in self._odd_keys:
                self._refuse_key(LOG, entry.id)
        incidents = tables.setdefault(INCIDENTS, {})
        for incident in tx.incidents.values():
            incidents[str(incident.id_number)] = incident_to_doc(incident)
        if tx.items:
            items = tables.setdefault(ITEMS, {})
            for item in tx.items.values():
                items[str(item.id)] = item_to_doc(item)
        tables[META] = {"1": {"app": APP, "schema": SCHEMA, "entries": tx._next_entry - 1, "head": tx._head}}
        if self.chain_key is not None:
            tables[META]["1"]["head_key"] = ledger.keyed_head(self.chain_key, tx._head)
        state.add_log([(str(entry.id), entry_to_doc(entry)) for entry in tx.entries])
        self._storage.save(state)  # raises FileProblem and forgets the changed state on failure
        self._snapshot = _apply(self._snapshot, tx)
        self._generation = self._storage.generation

    def _refuse_key(self, table: str, ident: object) -> None:
        raise FileProblem(
            f"{self.path} holds another record under the key of {table} {ident} "
            "(its keys do not match the ids); left unchanged"
        )

    def export_to(self, out: str | os.PathLike[str]) -> int:
        """Write a consistent copy of the file to ``out`` (atomically, mode 0600); returns the entry count.

        ``out`` is written, never followed: a link there is refused.
        """
        target = os.path.abspath(os.path.expanduser(os.fspath(out)))
        if os.path.realpath(target) == os.path.realpath(self.path):
            raise FileProblem(f"cannot export {self.path} onto itself")
        with self._mutex, self.lock:  # no other process replaces the file while it is copied
            snapshot = self.snapshot()  # refuses a file that is not ours
            storage_module.remove_stale_temps(self.path)
            content = self._storage.read_exactly() if os.path.exists(self.path) else b"{}"
            try:
                os.makedirs(os.path.dirname(target), exist_ok=True)
                storage_module.remove_stale_temps(target, locked=False)
                storage_module.write_atomically(target, content, mode=0o600)
            except OSError as exc:
                raise FileProblem(f"could not write {target}: {exc.strerror or exc}") from None
            return len(snapshot.log)

    def verify(self) -> str | None:
        """Check the file against its own log (see ``check``); the first problem in one sentence, or None."""
        return self.check().problem

    def check(self, expected_head: str | None = None) -> Verdict:
        """Check the log's hash chain, the head and entry count, the tables against the log and, when
        given, an expected head; the log is read one entry at a time. Refuses a file that is not ours."""
        from .verification import Verdict  # here: the commands an alert hook runs never verify

        with self._mutex:
            if not os.path.exists(self.path):
                return Verdict(None)
            try:
                return self._check(self._storage.read_state(), expected_head)
            except NotInLayout:
                return self._check(self._storage.read_state(whole=True), expected_head)

    def _check(self, state: StateFile, expected_head: str | None) -> Verdict:
        check_ours(self.path, state.tables, state.has_log)

        def to_entry(doc: Any) -> LogEntry:
            try:
                return entry_from_doc(doc)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise FileProblem(f"{self.path} has a malformed log entry ({exc!s}); left unchanged") from None

        from . import verification

        incidents, items = _incidents(self.path, state.tables), _items(self.path, state.tables)
        return verification.check(state, incidents, items, to_entry, expected_head, self.chain_key)

    def _ensure_folder(self) -> None:
        try:
            os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
        except OSError as exc:
            raise FileProblem(f"cannot create the folder for {self.path}: {exc.strerror}") from None


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Parsing a long log allocates tens of thousands of objects that all live on; without this,
    the cyclic collector runs over and over during the load for nothing (a third of its time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _meta(data: dict[str, Any]) -> dict[str, Any]:
    table = data.get(META) or {}
    record = table.get("1") if isinstance(table, dict) else None
    return dict(record) if isinstance(record, dict) else {}


def _apply(snapshot: Snapshot, tx: Transaction) -> Snapshot:
    """The snapshot after ``tx``, without parsing the file again."""
    incidents = list(snapshot.incidents)
    for incident in tx.incidents.values():
        for index, old in enumerate(incidents):
            if old.id == incident.id:
                incidents[index] = incident
                break
        else:
            incidents.append(incident)
    by_incident = dict(snapshot.log_by_incident)
    for entry in tx.entries:
        by_incident[entry.incident_id] = by_incident.get(entry.incident_id, ()) + (entry,)
    items = snapshot.action_items
    if tx.items:
        kept = [item for item in items if item.id not in tx.items]
        items = tuple(sorted([*kept, *tx.items.values()], key=lambda i: i.id))
    return Snapshot(
        incidents=tuple(incidents),
        log=snapshot.log + tuple(tx.entries),
        log_by_incident=by_incident,
        action_items=items,
    )


def check_ours(path: str, tables: dict[str, Any], has_log: bool = False) -> None:
    """Refuse a file that is not an incident-console file, or is from a newer version."""
    if not has_log and all(not table for table in tables.values()):
        return  # a new or empty TinyDB file: nothing in it can be lost
    meta = _meta(tables)
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


def _incidents(path: str, tables: dict[str, Any]) -> tuple[Incident, ...]:
    try:
        return tuple(
            sorted(
                (incident_from_doc(doc) for doc in (tables.get(INCIDENTS) or {}).values()),
                key=lambda i: (i.declared_at, i.id_number),
            )
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise FileProblem(f"{path} has a malformed incident record ({exc!s}); left unchanged") from None


def _items(path: str, tables: dict[str, Any]) -> tuple[ActionItem, ...]:
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
    incidents = _incidents(path, tables)
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
        action_items=_items(path, tables),
        newest_from=first,
    )


def _keyed_entry(key: str, doc: Any) -> LogEntry:
    entry = entry_from_doc(doc)
    if key != str(entry.id):
        raise NotInLayout  # the whole log is read to tell which keys are odd
    return entry


def decode(path: str, state: StateFile | None) -> tuple[Snapshot, frozenset[str]]:
    """Turn the file into a Snapshot and the log keys that are not their entry's id, or say which
    record is malformed. Raises NotInLayout when the log's lines turn out not to be in the line layout."""
    if state is None:
        return Snapshot(), frozenset()
    tables = state.tables
    check_ours(path, tables, state.has_log)
    incidents = _incidents(path, tables)
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
            by_incident.setdefault(entry.incident_id, []).append(entry)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise FileProblem(f"{path} has a malformed log entry ({exc!s}); left unchanged") from None
    if not ascending:  # a file edited by hand: ids in another order than the lines
        entries.sort(key=lambda e: e.id)
        for group in by_incident.values():
            group.sort(key=lambda e: e.id)
    log = tuple(entries)
    del entries
    snapshot = Snapshot(
        incidents=incidents,
        log=log,
        log_by_incident={key: tuple(value) for key, value in by_incident.items()},
        action_items=_items(path, tables),
    )
    return snapshot, frozenset(odd)
