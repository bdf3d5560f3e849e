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
from _thread import RLock  # threading's own RLock; threading itself is not needed to start a command
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
from .change_view import Look, change_view
from .documents import entry_from_doc, entry_to_doc, incident_to_doc, item_to_doc
from .incident_log import entries_of, keeps_declared_first
from .incident_table import ids_of
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
        self._storage.lock = self.lock
        self._mutex = RLock()
        self._snapshot = Snapshot()
        # Log keys that are not their entry's id (a file edited by hand): a new entry must not land on one.
        self._odd_keys: frozenset[str] = frozenset()
        # Whether the log held begins each incident's entries with its one declaration (``incident_log``).
        self._declared_first = True
        self._generation = -1
        # A one-shot command's change reads the log in part (``change_view``); a process that makes
        # more than one change (the listener, the console) reads the file whole once and holds it.
        self._first_change = True
        self._newest: tuple[tuple[int, int, str | None], Snapshot] | None = None
        # A console's view of a long log (``held``), and the storage generation it is of.
        self._held: tuple[int, Snapshot] | None = None

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
                self._snapshot, self._odd_keys, self._declared_first = decoded
                self._generation = self._storage.generation
                self._snapshot = self._snapshot._replace(generation=self._generation)
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
            if vouched.is_vouched(self.path, state.stamp):
                return self.held(incident_id)  # every incident's log whole, the resolved ones read when asked
            asked = (self._storage.generation, rows, incident_id)
            if self._newest is not None and self._newest[0] == asked:
                return self._newest[1]  # asked again before the screen opens, and again by the console
            try:
                newest = decode_newest(self.path, state, rows, incident_id)
            except NotInLayout:
                newest = None
            if newest is None:
                return self.snapshot()
            newest = newest._replace(generation=self._storage.generation)
            self._newest = (asked, newest)
            return newest

    def held(self, incident_id: str | None = None) -> Snapshot:
        """The state a console holds (``held_logs``): on a long file recorded as checked, the tables,
        the newest entry and the entries of the open incidents and of ``incident_id``, any other
        incident's entries read when asked for; else the whole file (``snapshot()``). Read again
        only when the file changed on disk; after a change saved here, without reading it."""
        with self._mutex, _collector_paused():
            state = self._storage.load()
            generation = self._storage.generation
            if generation == self._generation:
                return self._snapshot  # held whole already
            if self._held is not None and self._held[0] == generation:
                return self._held[1]
            self._held = None
            if state is None or not state.can_read_newest or not vouched.is_vouched(self.path, state.stamp):
                return self.snapshot()
            from .held_logs import held_view  # here: only a console holds a view

            try:
                view = held_view(self.path, state, [incident_id] if incident_id else [], self._entries_now)
            except NotInLayout:
                return self.snapshot()
            view = view._replace(generation=generation)
            self._held = (generation, view)
            return view

    def _entries_now(self, incident_id: str) -> tuple[LogEntry, ...]:
        """An incident's entries in the file as it is now: searched for on a file recorded as checked,
        else from the whole file."""
        with self._mutex, _collector_paused():
            state = self._storage.load()
            if state is not None and state.can_read_newest and vouched.is_vouched(self.path, state.stamp):
                with contextlib.suppress(NotInLayout):
                    return entries_of(self.path, state, incident_id)
            return self.snapshot().log_for(incident_id)

    def changed_on_disk(self, shown: int | None = None) -> bool:
        """A stat of the file against the one last read or written here; with ``shown`` (the
        generation of the snapshot a console shows), also True when this process has read or saved
        a later state than that one since (another thread's read, whose snapshot was not shown).

        Deliberately without the lock: the console asks every second from its UI thread, and a save
        may be holding the lock while it waits for another process. A stale answer only means the
        file is looked at again a second later.
        """
        return self._storage.changed() or (shown is not None and shown < self._storage.generation)

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
                self._storage.settle()  # a change in place another process left cut off is put back
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

    def incident_view(self, incident_id: str | None = None) -> Snapshot:
        """What a look at one incident reads (``incident_id``, else the current one): on a file whose
        every line was checked, the tables, the incidents it can be (``incidents_to_look_at``), and
        each incident's log read when asked for (``change_view``); else the whole file. ``log``
        holds the newest entry only (the head); ``log_for`` gives an incident's entries in full."""
        with self._mutex, _collector_paused():
            snapshot, _, _ = self._change_snapshot(Look(incident_id))
        return snapshot

    def _change_snapshot(self, looking_at: Look | None = None) -> tuple[Snapshot, LogEntry | None, bool]:
        """The snapshot a change is made on, the newest entry, and whether the log was read only in
        part: the snapshot held when the file has not changed since, else the tables with each
        incident's log read when asked (``change_view``), else the whole file."""
        state = self._storage.load()
        if self._held is not None and self._held[0] != self._storage.generation:
            self.held()  # another process changed the file: the view again, on the file as it is now
        if self._held is not None and self._held[0] == self._storage.generation:
            held = self._held[1]  # a console's view of a long log: each incident's entries read when asked
            return held, held.log[-1] if held.log else None, True
        if (
            self._storage.generation != self._generation
            and self._first_change
            and state is not None
            and vouched.is_vouched(self.path, state.stamp)
        ):
            try:
                view = change_view(self.path, state, self.snapshot, looking_at)
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
        if INCIDENTS not in tables:
            state.put(INCIDENTS, None, {})
        for incident in tx.incidents.values():
            state.put(INCIDENTS, str(incident.id_number), incident_to_doc(incident))
        for item in tx.items.values():
            state.put(ITEMS, str(item.id), item_to_doc(item))
        meta: dict[str, object] = {"app": APP, "schema": SCHEMA, "entries": tx.entry_count, "head": tx.head}
        if self.chain_key is not None:
            meta["head_key"] = ledger.keyed_head(self.chain_key, tx.head)
        state.put(META, None, {"1": meta})
        state.add_log([(str(entry.id), entry_to_doc(entry)) for entry in tx.entries])
        # A file vouched for (read in part) begins each incident's entries with its declaration.
        before = ids_of(tx.snapshot.incidents)
        declared_first = (partial or self._declared_first) and keeps_declared_first(
            before, (*before, *tx.incidents), tx.entries
        )
        self._storage.save(state)  # raises FileProblem and forgets the changed state on failure
        saved = self._storage.load()
        if saved is not None and saved.can_read_newest and declared_first:
            # Its lines are those of a checked file (read whole, or vouched for) and the new ones.
            vouched.vouch(self.path, saved.stamp)
            held = self._held
            if held is not None and tx.snapshot is held[1] and saved is state:
                from .held_logs import with_change

                changed = with_change(held[1], tx, saved, self._entries_now)
                self._held = (self._storage.generation, changed._replace(generation=self._storage.generation))
        else:
            self._held = None
        if partial:
            self._generation = -1  # the log was read in part: the next snapshot() reads it
            self._newest = None
            return
        self._snapshot = applied(self._snapshot, tx)._replace(generation=self._storage.generation)
        self._declared_first = declared_first
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
                # The state held when it is of the file as it is now: a console holding a long file's
                # tables does not parse them a second time to check it.
                state = self._storage.load() or self._storage.read_state()
                return self._check(state, expected_head)
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
