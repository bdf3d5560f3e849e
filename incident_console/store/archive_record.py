"""What a state file records about entries kept in other files: its archives and the chain's links across them.

Two tables, both plain TinyDB tables (``TinyDB(path).table("archives")`` reads them):

- ``archives``, in a working file: one record per archive file entries were moved into, with its
  name (relative to the working file's folder), the archive's head hash and entry count, and the
  highest incident number and action item id moved (so ids are never given out twice).
- ``links``, in a working file or an archive: for each entry whose predecessor in the hash chain
  is in another file, that predecessor's hash, keyed by the entry's id. The key one past the
  meta record's entry count carries the head when the chain's newest entry was moved out.
- ``archive_of``, in an archive: the name of the working file it was made from.

Guarantees: the readers take the tables as stored and refuse a malformed record with one sentence
(``RecordProblem``); nothing here does any I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

ARCHIVES, LINKS, ARCHIVE_OF = "archives", "links", "archive_of"
_HASH = re.compile(r"[0-9a-f]{64}")


class RecordProblem(ValueError):
    """A malformed archive record or link, in one sentence."""


class ArchiveRecord(NamedTuple):
    """One archive a working file moved entries into."""

    file: str  # relative to the working file's folder, or absolute
    head: str
    entries: int
    incidents: int = 0  # how many incidents the archive holds
    last_incident: int = 0  # the highest incident number moved
    last_item: int = 0  # the highest action item id moved
    archived_at: str = ""

    def to_doc(self) -> dict[str, Any]:
        return dict(self._asdict())


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def records_of(tables: Mapping[str, Any]) -> tuple[ArchiveRecord, ...]:
    """The working file's archive records, in the order they were first made."""
    table = tables.get(ARCHIVES) or {}
    if not isinstance(table, dict):
        raise RecordProblem("the archives table is not a table")
    found = []
    for key in sorted(table, key=lambda k: int(k) if str(k).isdigit() else 0):
        doc = table[key]
        ok = (
            isinstance(doc, dict)
            and isinstance(doc.get("file"), str)
            and doc["file"]
            and isinstance(doc.get("head"), str)
            and _HASH.fullmatch(doc["head"])
            and all(_count(doc.get(name, 0)) for name in ("entries", "incidents", "last_incident", "last_item"))
        )
        if not ok:
            raise RecordProblem(f"archive record {key} is malformed (it needs a file name, a head hash and counts)")
        found.append(
            ArchiveRecord(
                doc["file"],
                doc["head"],
                doc.get("entries", 0),
                doc.get("incidents", 0),
                doc.get("last_incident", 0),
                doc.get("last_item", 0),
                str(doc.get("archived_at") or ""),
            )
        )
    return tuple(found)


def links_of(tables: Mapping[str, Any]) -> dict[int, str]:
    """Entry id -> the hash of its predecessor in the chain, for the entries whose predecessor is elsewhere."""
    table = tables.get(LINKS) or {}
    if not isinstance(table, dict):
        raise RecordProblem("the links table is not a table")
    links: dict[int, str] = {}
    for key, doc in table.items():
        ident = doc.get("id") if isinstance(doc, dict) else None
        previous = doc.get("previous") if isinstance(doc, dict) else None
        if not isinstance(ident, int) or not _count(ident) or str(ident) != str(key):
            raise RecordProblem(f"link {key} is malformed (it needs the entry's id and its predecessor's hash)")
        if not isinstance(previous, str) or not _HASH.fullmatch(previous):
            raise RecordProblem(f"link {key} is malformed (it needs the entry's id and its predecessor's hash)")
        links[ident] = previous
    return links


def links_table(links: Mapping[int, str]) -> dict[str, Any]:
    """The links as a table to store."""
    return {str(ident): {"id": ident, "previous": links[ident]} for ident in sorted(links)}


def archive_tables(records: Iterable[ArchiveRecord]) -> dict[str, Any]:
    """The archive records as a table to store, keyed 1, 2, ... in order."""
    return {str(index): record.to_doc() for index, record in enumerate(records, 1)}


def floors(tables: Mapping[str, Any]) -> tuple[int, int]:
    """The highest incident number and action item id moved into any archive (0, 0 when none were):
    new ones are numbered above them."""
    try:
        records = records_of(tables)
    except RecordProblem:
        return 0, 0
    return max((r.last_incident for r in records), default=0), max((r.last_item for r in records), default=0)


def needed_links(ids: Iterable[int], head_id: int | None, head: str | None) -> set[int]:
    """The ids of a file's entries (``ids``) whose predecessor is not among them, and, when the chain's
    newest entry ``head_id`` is not among them, the id after it (which ``head`` links)."""
    present = set(ids)
    wanted = {ident for ident in present if ident > 1 and ident - 1 not in present}
    if head_id is not None and head is not None and head_id not in present and head_id > 0:
        wanted.add(head_id + 1)
    return wanted
