"""Moving finished incidents, their log entries and action items, from a working file into an archive file.

The archive is a state file of this store (it opens with ``--file`` and verifies on its own); the
entries keep their ids and hashes, and both files record, in ``links``, the hash chain where it
crosses from one to the other (``archive_record``). The working file keeps a record of the
archive: its name, head hash and entry count.

The move is atomic across the two files. Under the working file's lock (and the archive's):

1. the whole archive is written beside ``--out`` under a pending name (``.NAME.archiving``),
   atomically and fsynced;
2. the working file is replaced, atomically, by the trimmed one, whose record names ``--out``
   with the pending archive's head and count;
3. the pending archive is renamed to ``--out``.

A crash before step 2 leaves the working file as it was (the pending archive is removed later: no
record names it); a crash after it leaves the record proving the rename was due, which
``finish_pending`` (run by ``archive`` and ``verify``) does. An entry is never in neither file,
nor, once that is done, in both. An existing ``--out`` is appended to only when it is the archive
this working file records, exactly as recorded.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, NamedTuple

from ..domain import ledger
from ..domain.errors import FileProblem, InputError
from ..domain.model import Incident
from ..domain.times import to_text
from .archive_record import (
    ARCHIVE_OF,
    ARCHIVES,
    LINKS,
    ArchiveRecord,
    RecordProblem,
    archive_tables,
    links_of,
    links_table,
    needed_links,
    records_of,
)
from .atomic import TEMP_MARK, fsync_folder, remove_stale_temps
from .layout import INCIDENTS, ITEMS, META, meta_record
from .lock import FileLock
from .saving import write_state
from .snapshots import APP, SCHEMA, check_ours, incidents_of
from .state import StateFile
from .state_check import check_state
from .storage import AtomicJSONStorage

PENDING_MARK = ".archiving"
# Test hook: called with the name of each step of an archive, so a test can stop the process there.
after_step: Callable[[str], None] | None = None
STEPS = ("archive_written", "working_replaced", "renaming", "renamed")


def _step(name: str) -> None:
    if after_step is not None:
        after_step(name)


class Moved(NamedTuple):
    """What an archive moved: the incidents and entries, where to, and the archive as it now is."""

    incidents: tuple[str, ...]
    entries: int
    items: int
    archive: str  # the path written
    name: str  # as the working file records it
    head: str
    archive_entries: int
    appended: bool


def pending_path(out: str) -> str:
    """Where the archive is written before the working file is trimmed: a hidden name beside ``out``."""
    return os.path.join(os.path.dirname(out) or ".", f".{os.path.basename(out)}{PENDING_MARK}")


def record_name(work: str, out: str) -> str:
    """How the working file names ``out``: relative to its own folder when it is inside it, else absolute."""
    folder = os.path.dirname(os.path.abspath(work))
    relative = os.path.relpath(os.path.abspath(out), folder)
    return os.path.abspath(out) if relative.startswith(os.pardir) else relative


def record_path(work: str, name: str) -> str:
    """The path of the archive a working file's record names."""
    return name if os.path.isabs(name) else os.path.join(os.path.dirname(os.path.abspath(work)), name)


def storage_of(path: str, lock: FileLock | None = None) -> AtomicJSONStorage:
    """The file's storage; given ``lock`` (the file's, held here), a change in place a crash cut
    off is put back under it rather than under a second lock of this process's, which would wait."""
    storage = AtomicJSONStorage(path)
    if lock is not None:
        storage.lock = lock
    return storage


def read_whole(path: str, lock: FileLock | None = None) -> StateFile:
    """A state file read whole (its log as parsed records), refused when it is not ours."""
    state = storage_of(path, lock).read_state(whole=True)
    check_ours(path, state.tables, state.has_log)
    return state


def _records(path: str, tables: dict[str, Any]) -> tuple[ArchiveRecord, ...]:
    try:
        return records_of(tables)
    except RecordProblem as exc:
        raise FileProblem(f"{path}: {exc}; left unchanged") from None


def _links(path: str, tables: dict[str, Any]) -> dict[int, str]:
    try:
        return links_of(tables)
    except RecordProblem as exc:
        raise FileProblem(f"{path}: {exc}; left unchanged") from None


def finish_pending(work: str, tables: dict[str, Any]) -> list[str]:
    """Finish what a crashed archive left (call under the working file's lock): rename a pending
    archive the record proves complete, remove one no record names. Returns what was done."""
    done = []
    records = _records(work, tables)
    for record in records:
        out = record_path(work, record.file)
        pending = pending_path(out)
        if os.path.lexists(pending) and _matches(pending, record):
            os.replace(pending, out)
            fsync_folder(os.path.dirname(out) or ".")
            done.append(f"finished moving archive {record.file} into place")
    for pending in pending_beside(work, records):
        remove_stale_temps(pending, locked=False)
        if os.path.lexists(pending) and _made_from(pending, work):
            with contextlib.suppress(OSError):
                os.unlink(pending)
                done.append(f"removed an unfinished archive {os.path.basename(pending)}")
    return done


def pending_beside(work: str, records: Iterable[ArchiveRecord]) -> list[str]:
    """The pending archives (and their writers' temporary files) in the working file's folder and
    beside each recorded archive."""
    folders = {os.path.dirname(os.path.abspath(work))}
    folders |= {os.path.dirname(record_path(work, r.file)) for r in records}
    found = []
    for folder in sorted(folders):
        try:
            names = [entry.name for entry in os.scandir(folder)]
        except OSError:
            continue
        for name in names:
            if name.startswith(".") and name.endswith(PENDING_MARK):
                found.append(os.path.join(folder, name))
            elif name.startswith("..") and f"{PENDING_MARK}{TEMP_MARK}" in name:  # its atomic writer's temporary
                found.append(os.path.join(folder, name.split(TEMP_MARK)[0][1:]))
    return sorted(set(found))


def _made_from(pending: str, work: str) -> bool:
    """Whether a pending archive was made from ``work`` (its ``archive_of`` names it)."""
    try:
        table = AtomicJSONStorage(pending).read_state().tables.get(ARCHIVE_OF) or {}
    except (FileProblem, OSError):
        return False
    record = table.get("1") if isinstance(table, dict) else None
    return isinstance(record, dict) and _same(str(record.get("path") or ""), work)


def _matches(path: str, record: ArchiveRecord) -> bool:
    """Whether the file at ``path`` is the archive ``record`` describes (its head and entry count)."""
    try:
        meta = meta_record(AtomicJSONStorage(path).read_state().tables)
    except (FileProblem, OSError):
        return False
    return meta.get("head") == record.head and meta.get("entries") == record.entries


def _drop_unrecorded_pending(out: str) -> None:
    """A pending archive beside ``out`` left now is a crashed archive's that no record names: removed."""
    pending = pending_path(out)
    remove_stale_temps(pending, locked=False)
    with contextlib.suppress(OSError):
        os.unlink(pending)


def _same(a: str, b: str) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


def archive(
    work: str,
    lock: FileLock,
    out: str,
    chosen: Callable[[tuple[Incident, ...]], tuple[Incident, ...]],
    now: datetime,
    chain_key: bytes | None = None,
) -> Moved:
    """Move the incidents ``chosen`` picks (from the working file's incidents as read under its lock)
    into ``out``. The working file must verify first (an archive never carries a broken chain away).

    ``chosen`` raises (InputError) when there is nothing to move; nothing is written then.
    """

    out = os.path.abspath(os.path.expanduser(out))
    if _same(out, work):
        raise InputError(f"--out {out} is the working file itself; name another file for the archive")
    if os.path.isdir(out):
        raise InputError(f"--out {out} is a folder; name a file for the archive")
    try:
        os.makedirs(os.path.dirname(out), exist_ok=True)
    except OSError as exc:
        raise FileProblem(f"cannot create the folder for {out}: {exc.strerror or exc}") from None
    with lock, FileLock(out, lock.timeout):
        remove_stale_temps(work)  # under the lock, every temporary file beside it is a crashed writer's
        state = read_whole(work, lock)
        finish_pending(work, state.tables)
        records = _records(work, state.tables)
        _drop_unrecorded_pending(out)
        verdict = check_state(work, state, chain_key)
        if verdict.problem is not None:
            raise FileProblem(f"{work} does not verify ({verdict.problem}); nothing was archived")
        incidents = chosen(incidents_of(work, state.tables))
        return _move(work, state, records, out, incidents, now, chain_key)


def _move(
    work: str,
    state: StateFile,
    records: tuple[ArchiveRecord, ...],
    out: str,
    incidents: tuple[Incident, ...],
    now: datetime,
    chain_key: bytes | None,
) -> Moved:
    tables = state.tables
    name = record_name(work, out)
    existing = next((r for r in records if _same(record_path(work, r.file), out)), None)
    old = _existing_archive(work, out, existing)
    moved_ids = {incident.id for incident in incidents}
    log = list(state.log_records())
    moved = [(key, doc) for key, doc in log if doc.get("incident_id") in moved_ids]
    kept = [(key, doc) for key, doc in log if doc.get("incident_id") not in moved_ids]
    old_log = list(old.log_records()) if old is not None else []
    old_tables = old.tables if old is not None else {}
    archived_log = sorted(old_log + moved, key=lambda record: int(record[1]["id"]))
    if len({doc["id"] for _, doc in archived_log}) != len(archived_log):
        raise FileProblem(f"{out} already holds some of the entries to move; nothing was archived")
    hashes = {int(doc["id"]): str(doc["hash"]) for _, doc in log + old_log}
    work_links, old_links = _links(work, tables), _links(out, old_tables)
    meta = meta_record(tables)
    count, head = int(meta.get("entries") or 0), str(meta.get("head") or ledger.GENESIS)

    def link(ident: int) -> str:
        if ident == count + 1:
            return head
        found = hashes.get(ident - 1) or work_links.get(ident) or old_links.get(ident)
        if found is None:
            raise FileProblem(f"{work}: the hash before entry {ident} is in no file; nothing was archived")
        return found

    archive_ids = [int(doc["id"]) for _, doc in archived_log]
    archive_head = str(archived_log[-1][1]["hash"]) if archived_log else ledger.GENESIS
    archive_meta: dict[str, Any] = {"app": APP, "schema": SCHEMA, "entries": len(archived_log), "head": archive_head}
    if chain_key is not None:
        archive_meta["head_key"] = ledger.keyed_head(chain_key, archive_head)
    moved_incidents = _rows(tables.get(INCIDENTS), lambda doc: doc.get("id") in moved_ids)
    moved_items = _rows(tables.get(ITEMS), lambda doc: doc.get("incident_id") in moved_ids)
    archive_state = StateFile(
        {
            META: {"1": archive_meta},
            INCIDENTS: {**(old_tables.get(INCIDENTS) or {}), **moved_incidents},
            ITEMS: {**(old_tables.get(ITEMS) or {}), **moved_items},
            LINKS: links_table({ident: link(ident) for ident in needed_links(archive_ids, None, None)}),
            ARCHIVE_OF: {"1": {"file": os.path.basename(work), "path": os.path.abspath(work)}},
        },
        records=archived_log,
    )
    record = ArchiveRecord(
        name,
        archive_head,
        len(archived_log),
        len(archive_state.tables[INCIDENTS]),
        max([existing.last_incident if existing else 0, *(i.id_number for i in incidents)]),
        max([existing.last_item if existing else 0, *(int(doc.get("id") or 0) for doc in moved_items.values())]),
        to_text(now),
    )
    trimmed = dict(tables)
    trimmed[INCIDENTS] = _rows(tables.get(INCIDENTS), lambda doc: doc.get("id") not in moved_ids)
    trimmed[ITEMS] = _rows(tables.get(ITEMS), lambda doc: doc.get("incident_id") not in moved_ids)
    kept_records = [record if r is existing else r for r in records]
    trimmed[ARCHIVES] = archive_tables(kept_records + ([] if existing else [record]))
    kept_links = needed_links((int(doc["id"]) for _, doc in kept), count, head)
    trimmed[LINKS] = links_table({ident: link(ident) for ident in kept_links})
    _write(work, out, archive_state, StateFile(trimmed, records=kept))
    return Moved(
        tuple(sorted(moved_ids, key=lambda ident: next(i.id_number for i in incidents if i.id == ident))),
        len(moved),
        len(moved_items),
        out,
        name,
        archive_head,
        len(archived_log),
        existing is not None,
    )


def _records_pending(work: str, out: str) -> bool:
    """Whether the working file now on disk records the pending archive beside ``out`` (its save landed)."""
    try:
        records = records_of(AtomicJSONStorage(work).read_state().tables)
    except (FileProblem, RecordProblem, OSError):
        return False
    pending = pending_path(out)
    return any(_same(record_path(work, r.file), out) and _matches(pending, r) for r in records)


def _rows(table: Any, keep: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    return {key: doc for key, doc in (table or {}).items() if isinstance(doc, dict) and keep(doc)}


def _existing_archive(work: str, out: str, record: ArchiveRecord | None) -> StateFile | None:
    """The archive at ``out`` to append to, when there is one: only the one this file records, as recorded."""
    if not os.path.lexists(out):
        if record is not None:
            raise FileProblem(
                f"{out} is recorded as an archive of {work} but is missing; restore it, or archive elsewhere"
            )
        return None
    if record is None:
        raise InputError(
            f"--out {out} already exists and is not an archive of {work}; "
            "name a new file, or the archive this file records (to add to it)"
        )
    try:
        old = read_whole(out)
    except FileProblem as exc:
        raise FileProblem(f"the archive cannot be added to: {exc}") from None
    meta = meta_record(old.tables)
    if meta.get("head") != record.head or meta.get("entries") != record.entries:
        raise FileProblem(
            f"{out} does not match the record {work} keeps of it (edited, truncated or replaced); nothing was archived"
        )
    return old


def _write(work: str, out: str, archive_state: StateFile, trimmed: StateFile) -> None:
    pending = pending_path(out)
    try:
        write_state(pending, archive_state)
    except FileProblem as exc:
        with contextlib.suppress(OSError):
            os.unlink(pending)
        raise FileProblem(f"could not write the archive {out} ({exc}); nothing was archived") from None
    _step("archive_written")
    try:
        write_state(work, trimmed)
    except FileProblem as exc:
        if not _records_pending(work, out):  # the working file is as it was: the archive is dropped
            with contextlib.suppress(OSError):
                os.unlink(pending)
            raise FileProblem(f"{exc}; nothing was archived") from None
        # The trimmed file is in place (the failure came after its replace): the archive must follow it.
    _step("working_replaced")
    try:
        _step("renaming")
        os.replace(pending, out)
    except OSError as exc:
        raise FileProblem(
            f"the archive is complete at {pending} but could not be renamed to {out} ({exc.strerror or exc}); "
            "`incident-console verify` finishes it"
        ) from None
    fsync_folder(os.path.dirname(out) or ".")
    _step("renamed")
