"""A state file as read: every table but the log parsed, and where the log's lines are.

Guarantees: the log's lines are never all in memory. They are read and parsed a block at a time
while ``log_records`` walks them, read from the end by ``newest_log_records``, and a save copies
them from the file being replaced into the new one (``pieces``, in the kernel where it can) before
the lines added since, or, when the tables still fit in the first line, ``in_place`` gives the
bytes to write over the file as it is (``journal``). Every read checks that the file is still the
one read (``NotInLayout`` otherwise). A file that was not in the line layout is read whole and keeps its parsed records
until it is saved in the line layout.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Sequence
from typing import Any

from . import blocks
from .atomic import FileRange, Piece
from .blocks import SEPARATOR, NotInLayout, Stamp, blocks_of_lines, opened
from .journal import Patch
from .layout import CLOSE, LOG, LOG_OPENS, Edit, Layout, assemble, opening, padded, spliced
from .lines import AscendingKeys, joined_lines, parse_block
from .tail import newest_records, records_back_with, records_with


class StateFile:
    """The file's tables, and its log: as lines in the file read (``body``) plus lines added since,
    or as parsed records for a file read whole."""

    def __init__(
        self,
        tables: dict[str, Any],
        *,
        path: str | None = None,
        body: tuple[int, int] = (0, 0),
        stamp: Stamp | None = None,
        records: list[tuple[str, Any]] | None = None,
    ) -> None:
        self.tables = tables
        self._path = path
        self._body = body  # where the log's lines are in the file: [start, end)
        self._stamp = stamp  # which file that is
        self._added: list[bytes] = []  # lines added since, each run joined by ",\n"
        self._records = records
        self._edits: list[Edit] = []  # the records put since it was read, for ``in_place``

    @classmethod
    def from_data(cls, data: dict[str, Any], stamp: Stamp | None = None) -> StateFile:
        """A file read whole (or TinyDB's dict of tables): its log as parsed records."""
        tables = {name: table for name, table in data.items() if name != LOG}
        return cls(tables, stamp=stamp, records=list((data.get(LOG) or {}).items()))

    @classmethod
    def from_layout(cls, path: str, layout: Layout) -> StateFile:
        """A file in the line layout, as ``layout.find_layout`` found it."""
        return cls(layout.tables, path=path, body=layout.body, stamp=layout.stamp)

    @property
    def read_whole(self) -> bool:
        """True when the file was not in the line layout (its log records were parsed all at once)."""
        return self._records is not None

    @property
    def can_read_newest(self) -> bool:
        """True when the log can be read from its end (``newest_log_records``): a file in the line
        layout, read as it is, whose log is more than a couple of blocks long (else it is read whole)."""
        start, end = self._body
        return self._records is None and not self._added and end - start > 2 * blocks.BLOCK_BYTES

    @property
    def has_log(self) -> bool:
        if self._records is not None:
            return bool(self._records)
        return self._body[1] > self._body[0] or bool(self._added)

    @property
    def body(self) -> tuple[int, int]:
        """Where the log's lines are in the file read: [start, end)."""
        return self._body

    @property
    def stamp(self) -> Stamp | None:
        return self._stamp

    def log_records(self) -> Iterator[tuple[str, Any]]:
        """Each log record as (key, parsed value), in file order.

        Only one block of lines is read and parsed at a time. Raises NotInLayout where
        ``lines.parse_block`` does, or when the file is no longer the one read; the caller then
        reads it whole.
        """
        if self._records is not None:
            yield from self._records
            return
        keys = AscendingKeys()
        start, end = self._body
        if end > start:
            with opened(self._file, self._stamp) as fd:
                for block in blocks_of_lines(fd, start, end):
                    yield from parse_block(block, keys)
        for run in self._added:
            yield from parse_block(run, keys)

    def newest_log_records(self) -> Generator[tuple[int, list[tuple[str, Any]]], None, None]:
        """The log's records a block of lines at a time from the last line back: where the block
        begins in the file, and its records in file order (``tail.newest_records``).

        For a file in the line layout with nothing added since it was read; NotInLayout otherwise
        and wherever ``log_records`` would raise it.
        """
        if self._records is not None or self._added:
            raise NotInLayout
        start, end = self._body
        with opened(self._file, self._stamp) as fd:
            yield from newest_records(fd, start, end)

    @property
    def log_end(self) -> int:
        """The ``before`` of ``log_records_with`` that takes in every line of the log read."""
        return self._body[1] + len(SEPARATOR)

    def log_records_with(self, marker: bytes, before: int) -> Iterator[tuple[str, Any]]:
        """The records of the log's lines that begin before offset ``before`` and contain ``marker``
        (``tail.records_with``). ``before`` is where a block from ``newest_log_records`` begins."""
        if self._records is not None or self._added:
            raise NotInLayout
        start = self._body[0]
        if before - len(SEPARATOR) <= start:
            return
        with opened(self._file, self._stamp) as fd:
            yield from records_with(fd, start, before, marker)

    def log_records_back_with(self, *markers: bytes) -> Generator[tuple[str, Any], None, None]:
        """The records of the log's lines that contain any of ``markers``, the last line first, each
        block read once (``tail.records_back_with``): a caller that stops early reads only the end."""
        if self._records is not None or self._added:
            raise NotInLayout
        start, end = self._body
        if end <= start:
            return
        with opened(self._file, self._stamp) as fd:
            yield from records_back_with(fd, start, end, markers)

    def as_read(self) -> StateFile:
        """A copy that reads the very lines this state was read from, and no others: changes made to
        this state (lines added, a save) leave it as it is, and once the file is another one its
        reads raise NotInLayout. For a file in the line layout with nothing added since it was read."""
        if self._records is not None or self._added:
            raise NotInLayout
        return StateFile(self.tables, path=self._path, body=self._body, stamp=self._stamp)

    @property
    def _file(self) -> str:
        assert self._path is not None  # a state with lines in a file was read from one
        return self._path

    def put(self, table: str, key: str | None, value: Any) -> None:
        """Set the record ``key`` of ``table`` (with ``key`` None, the whole table) to ``value``."""
        if key is None:
            old = self.tables.get(table)
            self.tables[table] = value
        else:
            records = self.tables.setdefault(table, {})
            old = records.get(key)
            records[key] = value
        self._edits.append((table, key, old, value))

    def add_log(self, records: Sequence[tuple[str, Any]]) -> None:
        """Put ``records`` after the log's last line."""
        if not records:
            return
        if self._records is not None:
            self._records.extend(records)
            return
        self._added.append(joined_lines(records))

    @property
    def needs_source(self) -> bool:
        """True when a save has to copy the log's lines from the file as read (see ``pieces``)."""
        return self._records is None and self._body[1] > self._body[0]

    def pieces(self, source: int | None) -> tuple[list[Piece], int, int]:
        """The whole file in pieces to write one after the other, and where its log's lines will be.

        ``source`` is the file as read, open, when ``needs_source``.
        """
        if self._records is not None:
            lines = joined_lines(self._records)
            runs: list[Piece] = [lines] if lines else []
        else:
            runs = [run for run in self._added if run]
            start, end = self._body
            if end > start:
                assert source is not None
                runs.insert(0, FileRange(source, start, end - start))
        return assemble(self.tables, runs)

    def in_place(self, first_line: bytes) -> tuple[list[Patch], bytes, tuple[int, int]] | None:
        """How to turn the file as read (whose first line is ``first_line``) into the one this
        state makes without writing it anew: the patches (the first line, then the lines added
        written over the closing), the closing bytes they overwrite, and where the log's lines will
        then be.

        The new first line is the old one with the records put since spliced in (``layout.spliced``),
        or the tables written whole when that cannot be done. None when the file has to be written
        anew: read whole, nothing added to the log (a file that does not grow could not be told from
        the one before by a reader), trailing bytes after the closing, or tables that outgrow the
        first line's slack.
        """
        if self._records is not None or not self._added or self._stamp is None:
            return None
        start, end = self._body
        closing = CLOSE if end > start else CLOSE[1:]
        at = end if end > start else start
        if at + len(closing) != self._stamp[1] or len(first_line) != start or not first_line.endswith(LOG_OPENS):
            return None
        tables_part = spliced(first_line[: -len(LOG_OPENS)].rstrip(b" "), self._edits)
        head = opening(self.tables, start) if tables_part is None else padded(tables_part, start)
        if head is None:
            return None
        lines = SEPARATOR.join(run for run in self._added if run)
        tail = (SEPARATOR if end > start else b"") + lines + CLOSE
        return [*_changed_pages(first_line, head), (at, tail)], closing, (start, at + len(tail) - len(CLOSE))

    def saved(self, path: str, stamp: Stamp | None, body: tuple[int, int]) -> None:
        """The state was written as a new file: from now on its lines are those in that file."""
        self._records, self._added, self._edits = None, [], []
        self._path, self._body, self._stamp = path, body, stamp


# A change rewrites only the pages of the first line that differ: its meta record, and the records
# changed and the bytes after them up to the slack, which takes up a change in length.
_PAGE = 4096


def _changed_pages(old: bytes, new: bytes) -> list[Patch]:
    """The runs of ``_PAGE``-byte pages where ``new`` differs from ``old`` (of the same length), as patches."""
    before, after = old, new  # slices of bytes compare by memcmp (a memoryview compares item by item)
    patches: list[Patch] = []
    run: int | None = None
    for offset in range(0, len(new), _PAGE):
        differs = before[offset : offset + _PAGE] != after[offset : offset + _PAGE]
        if differs and run is None:
            run = offset
        elif not differs and run is not None:
            patches.append((run, new[run:offset]))
            run = None
    if run is not None:
        patches.append((run, new[run:]))
    return patches
