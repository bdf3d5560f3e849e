"""The repository: one state file shared safely with other processes, read and changed through TinyDB.

Every change runs in ``Repository.transaction()``: take the inter-process lock, re-read the file
if another process changed it, apply, write atomically once, release. Ids are given out under
the lock, so two writers never hand out the same one. A snapshot is parsed again only when the
file changed on disk (``storage``); a console's first frame can be drawn from the newest part of a
long log (``newest``).

The layers under it, each with its own guarantees: ``documents`` (stored form <-> domain records),
``snapshots`` (a state file -> a Snapshot), ``transaction`` (the changes of one save),
``storage`` (the TinyDB storage and its cache), ``state``, ``layout``, ``lines``, ``tail``,
``blocks``, ``saving``, ``strict_json`` and ``atomic`` (the file itself), ``lock``.
"""

from __future__ import annotations

import contextlib
import gc
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tinydb import TinyDB

from ..domain import ledger
from ..domain.errors import FileProblem
from ..domain.model import LogEntry, Snapshot
from . import archive_record, vouched
from .atomic import remove_stale_temps, write_atomically
from .blocks import NotInLayout
from .change_view import change_view
from .documents import entry_from_doc, entry_to_doc, incident_to_doc, item_to_doc
from .layout import INCIDENTS, ITEMS, LOG, META, meta_record
from .locations import resolved
from .lock import DEFAULT_TIMEOUT, FileLock
from .snapshots import APP, SCHEMA, check_ours, decode, decode_newest, incidents_of, items_of
from .state import StateFile
from .storage import AtomicJSONStorage
from .transaction import Transaction, applied

if TYPE_CHECKING:
    from .verification import Verdict

# What other packages import from here, though it lives in the modules beside it.
__all__ = ["APP", "SCHEMA", "Repository", "Transaction", "entry_to_doc", "incident_to_doc", "item_to_doc"]

# Entries of each incident in the log read before a console's first frame: more than a screen shows.
NEWEST_ROWS = 100


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
        # A one-shot command's change reads the log in part (``change_view``); a process that makes
        # more than one change (the listener, the console) reads the file whole once and holds it.
        self._first_change = True
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
                current, newest, partial = self._change_snapshot()
                self._first_change = False
                state = self._storage.load()  # the one the snapshot was made from
                if state is not None and state.tables.get(archive_record.ARCHIVE_OF):
                    # Its head and count are recorded in the working file it came from: a change would break that.
                    raise FileProblem(f"{self.path} is an archive: it is read, never changed; left unchanged")
                meta = meta_record(state.tables if state is not None else {})
                last = newest.id if newest else 0
                tx = Transaction(
                    snapshot=current,
                    recorded_at=recorded_at,
                    head=str(meta.get("head") or (newest.hash if newest else ledger.GENESIS)),
                    next_entry=max(int(meta.get("entries") or 0), last) + 1,
                    floors=archive_record.floors(state.tables) if state is not None else (0, 0),
                )
                yield tx
                if not tx.dirty:
                    return
                # Under the lock every temporary file beside the file is a crashed writer's.
                remove_stale_temps(self.path)
                self._commit(state or StateFile({}), tx, partial)

    def incident_view(self) -> Snapshot:
        """What a command about one incident reads: the tables whole, and each incident's log read
        when asked for (``change_view``) on a file whose every line was checked; else the whole file.
        ``log`` holds the newest entry only (the head); ``log_for`` gives an incident's entries in full."""
        snapshot, _, _ = self._change_snapshot()
        return snapshot

    def _change_snapshot(self) -> tuple[Snapshot, LogEntry | None, bool]:
        """The snapshot a change is made on, the newest entry, and whether the log was read only in
        part: the snapshot held when the file has not changed since, else the tables with each
        incident's log read when asked (``change_view``), else the whole file."""
        state = self._storage.load()
        if (
            self._storage.generation != self._generation
            and self._first_change
            and state is not None
            and vouched.is_vouched(self.path, state.stamp)
        ):
            try:
                view = change_view(self.path, state, self.snapshot)
            except NotInLayout:
                view = None
            if view is not None:
                return view.snapshot, view.last, True
        current = self.snapshot()
        return current, current.log[-1] if current.log else None, False

    def _commit(self, state: StateFile, tx: Transaction, partial: bool = False) -> None:
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
        tables[META] = {"1": {"app": APP, "schema": SCHEMA, "entries": tx.entry_count, "head": tx.head}}
        if self.chain_key is not None:
            tables[META]["1"]["head_key"] = ledger.keyed_head(self.chain_key, tx.head)
        state.add_log([(str(entry.id), entry_to_doc(entry)) for entry in tx.entries])
        self._storage.save(state)  # raises FileProblem and forgets the changed state on failure
        saved = self._storage.load()
        if saved is not None and saved.can_read_newest:
            # Its lines are those of a checked file (read whole, or vouched for) and the new ones.
            vouched.vouch(self.path, saved.stamp)
        if partial:
            self._generation = -1  # the log was read in part: the next snapshot() reads it
            self._newest = None
            return
        self._snapshot = applied(self._snapshot, tx)
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
            remove_stale_temps(self.path)
            content = self._storage.read_exactly() if os.path.exists(self.path) else b"{}"
            try:
                os.makedirs(os.path.dirname(target), exist_ok=True)
                remove_stale_temps(target, locked=False)
                write_atomically(target, content, mode=0o600)
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

        incidents, items = incidents_of(self.path, state.tables), items_of(self.path, state.tables)
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
