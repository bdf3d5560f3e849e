"""Reading the log's lines as bytes: which file is open, and its lines a block at a time, forwards or from the end.

Guarantees:

- A block is whole lines (``SEPARATOR``, ``",\\n"``, between them; the separators between blocks
  are dropped), at most about ``BLOCK_BYTES`` long unless one line is longer.
- A line longer than a block is gathered read by read and joined once, so reading it costs time
  in proportion to its length.
- Only the bytes in the range asked for are read; a file shorter than the range raises
  ``NotInLayout``, and so does opening a path where another file is now (``opened``).

Nothing here parses JSON or knows which table is where: that is ``lines`` and ``layout``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from ..domain.errors import FileProblem
from .atomic import pread as _pread

SEPARATOR = b",\n"
# About two hundred entries: the documents of one block are all that is parsed at any moment.
BLOCK_BYTES = 1 << 16

# Which file on disk: inode, size, modification and change times (nanoseconds).
Stamp = tuple[int, int, int, int]


class NotInLayout(Exception):
    """The file is not in the one-entry-per-line layout here; it has to be read whole."""


def stamp_of(st: os.stat_result) -> Stamp:
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def stamp_at(path: str) -> Stamp | None:
    """The stamp of the file at ``path``, None when there is none; FileProblem when it cannot be looked at."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise FileProblem(f"cannot read {path}: {exc.strerror}") from None
    return stamp_of(st)


@contextlib.contextmanager
def opened(path: str, stamp: Stamp | None) -> Iterator[int]:
    """The file at ``path``, open for reading, if it is still the one stamped ``stamp``; NotInLayout
    when it is gone or another file is there now."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        raise NotInLayout from None
    try:
        if stamp_of(os.fstat(fd)) != stamp:
            raise NotInLayout
        yield fd
    finally:
        os.close(fd)


def blocks_of_lines(fd: int, start: int, end: int) -> Iterator[bytes]:
    """The bytes in [start, end) of the file, in blocks of whole lines, the first block first."""
    position, pending = start, [b""]  # the reads since the last separator, the first one's tail first
    while position < end:
        read = _pread(fd, min(BLOCK_BYTES, end - position), position)
        if not read:
            raise NotInLayout  # the file is shorter than it was
        position += len(read)
        if position >= end:
            pending.append(read)
            yield _join(pending)
            return
        cut = read.rfind(SEPARATOR)
        if cut < 0 and read[:1] == b"\n" and pending[-1][-1:] == b",":
            # The separator is split between two reads: the line ended with the previous read.
            pending[-1] = pending[-1][:-1]
            yield _join(pending)
            pending = [read[1:]]
        elif cut < 0:
            pending.append(read)  # one line longer than a block: read on
        else:
            pending.append(read[:cut])
            yield _join(pending)
            pending = [read[cut + len(SEPARATOR) :]]
    if len(pending) > 1 or pending[0]:
        yield _join(pending)


def blocks_from_end(fd: int, start: int, end: int) -> Iterator[tuple[int, bytes]]:
    """The bytes in [start, end) of the file in blocks of whole lines, the last block first, each with
    the offset where it begins."""
    position, pending = end, [b""]  # the reads after the last separator found, in reverse order
    while position > start:
        size = min(BLOCK_BYTES, position - start)
        read = _pread(fd, size, position - size)
        if len(read) != size:
            raise NotInLayout  # the file is shorter than it was
        position -= size
        if position <= start:
            pending.append(read)
            yield start, _join(pending[::-1])
            return
        cut = read.find(SEPARATOR)
        if cut < 0 and read[-1:] == b"," and pending[-1][:1] == b"\n":
            # The separator is split between two reads: the line began with the later read.
            pending[-1] = pending[-1][1:]
            yield position + size + 1, _join(pending[::-1])
            pending = [read[:-1]]
        elif cut < 0:
            pending.append(read)  # one line longer than a block: read on
        else:
            pending.append(read[cut + len(SEPARATOR) :])
            yield position + cut + len(SEPARATOR), _join(pending[::-1])
            pending = [read[:cut]]


def _join(pieces: list[bytes]) -> bytes:
    return pieces[0] if len(pieces) == 1 else b"".join(pieces)
