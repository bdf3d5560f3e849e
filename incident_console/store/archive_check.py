"""Checking a working file together with one of its archives: one hash chain across both files.

``check_with_archive`` finds the archive record that names the file given, compares the archive's
head and entry count with it (a wrong file, an edited or a truncated archive fails here), checks
each file on its own, then walks the two logs merged by id as one chain to the working file's
head, with the tables of both against it. Every problem is one sentence in the Verdict.
"""

from __future__ import annotations

import os

from . import verification
from .archive import finish_pending, pending_beside, read_whole, record_path, storage_of
from .archive_record import (
    ARCHIVE_OF,
    ARCHIVES,
    LINKS,
    RecordProblem,
    archive_tables,
    links_of,
    links_table,
    records_of,
)
from .layout import meta_record
from .lock import FileLock
from .snapshots import incidents_of, items_of
from .state import StateFile
from .state_check import check_state, entry_reader
from .storage import AtomicJSONStorage
from .verification import Verdict


def finish_archiving(work: str, lock: FileLock) -> list[str]:
    """Finish a rename a crashed archive left due (see ``archive.finish_pending``); what was done."""
    if not os.path.exists(work):
        return []
    try:
        # The tables only (a file in the line layout is not read past them): cheap enough for every open.
        records = records_of(AtomicJSONStorage(work).read_state().tables)
    except RecordProblem:
        return []
    if not pending_beside(work, records):
        return []  # the usual case: nothing to do, and no lock taken
    with lock:
        return finish_pending(work, storage_of(work, lock).read_state().tables)


def check_with_archive(
    work: str, archive: str, chain_key: bytes | None = None, expected_head: str | None = None
) -> Verdict:
    """The working file and ``archive`` checked as one chain; the archive must be one the working file records."""
    state = read_whole(work)
    try:
        records = records_of(state.tables)
    except RecordProblem as exc:
        return Verdict(f"{exc}")
    if not records:
        return Verdict(f"{work} records no archive, so {archive} is not one of its archives")
    named = [r for r in records if os.path.realpath(record_path(work, r.file)) == os.path.realpath(archive)]
    archive_state = read_whole(archive)
    meta = meta_record(archive_state.tables)
    if not named and archive_state.tables.get(ARCHIVE_OF):
        # Moved or renamed since: known by its head, else the wrong file.
        named = [r for r in records if r.head == meta.get("head")]
    if not named:
        names = ", ".join(r.file for r in records)
        return Verdict(f"{archive} is not an archive {work} records (it records {names}): the wrong file")
    record = named[0]
    if meta.get("head") != record.head or meta.get("entries") != record.entries:
        return Verdict(
            f"archive {archive} does not match the record of {record.file} in {work}: it holds "
            f"{meta.get('entries')} entries with head {meta.get('head')}, the record says {record.entries} "
            f"with head {record.head} (edited, truncated, or another file)"
        )
    alone = check_state(work, state, chain_key)
    if alone.problem is not None:
        return alone
    archived = check_state(archive, archive_state)
    if archived.problem is not None:
        return Verdict(f"archive {archive}: {archived.problem}")
    work_log, archive_log = list(state.log_records()), list(archive_state.log_records())
    ids = {int(doc["id"]) for _, doc in work_log}
    both = next((int(doc["id"]) for _, doc in archive_log if int(doc["id"]) in ids), None)
    if both is not None:
        return Verdict(f"entry {both} is in both {work} and {archive}")
    tables = dict(state.tables)
    tables[ARCHIVES] = archive_tables(r for r in records if r is not record)
    try:
        tables[LINKS] = links_table({**links_of(archive_state.tables), **links_of(state.tables)})
    except RecordProblem as exc:
        return Verdict(f"{exc}")
    for name in ("incidents", "action_items"):
        tables[name] = {**(archive_state.tables.get(name) or {}), **(state.tables.get(name) or {})}
    merged = StateFile(tables, records=sorted(work_log + archive_log, key=lambda record: int(record[1]["id"])))
    incidents = incidents_of(work, state.tables) + incidents_of(archive, archive_state.tables)
    items = items_of(work, state.tables) + items_of(archive, archive_state.tables)
    return verification.check(merged, incidents, items, entry_reader(work), expected_head, chain_key)
