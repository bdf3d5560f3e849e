"""A TinyDB storage that never leaves a torn file, keeps one log entry per line, and rereads only on change.

The file is TinyDB's JSON layout (``TinyDB(path)`` and ``python -m json.tool`` read it), written so
that the log table comes last with one entry per line::

    {"meta":{...},"incidents":{...},"action_items":{...},"log":{
    "1":{"id":1,...},
    "2":{"id":2,...}
    }}

Because of that layout a long log is read a block of lines at a time, never held in memory as
text or parsed documents all at once, and a save copies the log's lines from the old file into the
new one, with the new lines after them: appending to a 50,000-entry log serialises only the new
entry. A file in any other JSON layout (edited by hand, pretty-printed) is read whole instead and
written back in this one.

A write is ``atomic.write_atomically``: a crash at any point leaves either the old file or the new
one. New files are created 0600; an existing file keeps its mode.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from itertools import repeat
from typing import Any

from tinydb.storages import Storage

from ..domain.errors import FileProblem
from ..domain.text import escape_json
from .atomic import TEMP_MARK, Chunk, FileRange, Piece, remove_stale_temps, temp_prefix, write_atomically
from .atomic import pread as _pread

# What this module is asked for by name, though it lives in ``atomic``.
__all__ = [
    "TEMP_MARK",
    "AtomicJSONStorage",
    "Chunk",
    "FileRange",
    "Piece",
    "StateFile",
    "remove_stale_temps",
    "temp_prefix",
    "write_atomically",
]

LOG = "log"
_LOG_OPENS = b'"log":{\n'
_SEPARATOR = b",\n"
_CLOSE = b"\n}}\n"
# About two hundred entries: the documents of one block are all that is parsed at any moment.
_BLOCK_BYTES = 1 << 16

# Which file on disk: inode, size, modification and change times (nanoseconds).
Stamp = tuple[int, int, int, int]


def _stamp_of(st: os.stat_result) -> Stamp:
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


class NotInLayout(Exception):
    """The file is not in the one-entry-per-line layout here; it has to be read whole."""


class StateFile:
    """A state file as read: every table but the log parsed, and where the log's lines are.

    The log's lines are never all in memory: they are read and parsed a block at a time while
    ``log_records`` walks them, and a save copies them from the file being replaced into the new
    one (in the kernel where it can) before the lines added since. A file that was not in the line
    layout is read whole and keeps its parsed log records until it is saved in the line layout.
    """

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

    @classmethod
    def from_data(cls, data: dict[str, Any], stamp: Stamp | None = None) -> StateFile:
        tables = {name: table for name, table in data.items() if name != LOG}
        return cls(tables, stamp=stamp, records=list((data.get(LOG) or {}).items()))

    @property
    def read_whole(self) -> bool:
        """True when the file was not in the line layout (its log records were parsed all at once)."""
        return self._records is not None

    @property
    def can_read_newest(self) -> bool:
        """True when the log can be read from its end (``newest_log_records``): a file in the line
        layout, read as it is, whose log is more than a couple of blocks long (else it is read whole)."""
        start, end = self._body
        return self._records is None and not self._added and end - start > 2 * _BLOCK_BYTES

    @property
    def has_log(self) -> bool:
        if self._records is not None:
            return bool(self._records)
        return self._body[1] > self._body[0] or bool(self._added)

    @property
    def stamp(self) -> Stamp | None:
        return self._stamp

    def log_records(self) -> Iterator[tuple[str, Any]]:
        """Each log record as (key, parsed value), in file order.

        Only one block of lines is read and parsed at a time. Raises NotInLayout when a block is
        not JSON object members, the keys are not ascending numbers, a number is too long to be
        read exactly here, or the file is no longer the one read; the caller then reads it whole.
        """
        if self._records is not None:
            yield from self._records
            return
        keys = _AscendingKeys()
        start, end = self._body
        if end > start:
            with self._opened() as fd:
                for block in _blocks_of_lines(fd, start, end):
                    yield from _parse_block(block, keys)
        for run in self._added:
            yield from _parse_block(run, keys)

    def newest_log_records(self) -> Generator[tuple[int, list[tuple[str, Any]]], None, None]:
        """The log's records a block of lines at a time from the last line back: where the block
        begins in the file, and its records in file order.

        For a file in the line layout with nothing added since it was read; NotInLayout otherwise
        and wherever ``log_records`` would raise it.
        """
        if self._records is not None or self._added:
            raise NotInLayout
        start, end = self._body
        with self._opened() as fd:
            following: int | None = None
            for offset, block in _blocks_from_end(fd, start, end):
                keys = _AscendingKeys()
                records = list(_parse_block(block, keys))
                if following is not None and keys.previous >= following:
                    raise NotInLayout
                following = int(records[0][0])
                yield offset, records

    def log_records_with(self, marker: bytes, before: int) -> Iterator[tuple[str, Any]]:
        """The records of the log's lines that begin before offset ``before`` and contain ``marker``.

        Only those lines are parsed; the others are searched as bytes. ``before`` is where a block
        from ``newest_log_records`` begins.
        """
        if self._records is not None or self._added:
            raise NotInLayout
        start = self._body[0]
        if before - len(_SEPARATOR) <= start:
            return
        with self._opened() as fd:
            for block in _blocks_of_lines(fd, start, before - len(_SEPARATOR)):
                found = block.find(marker)
                while found >= 0:
                    line_start = block.rfind(b"\n", 0, found) + 1
                    line_end = block.find(_SEPARATOR, found)
                    if line_end < 0:
                        line_end = len(block)
                    yield from _parse_block(block[line_start:line_end], _AscendingKeys())
                    found = block.find(marker, line_end)

    @contextlib.contextmanager
    def _opened(self) -> Iterator[int]:
        """The file as read, open; NotInLayout when it is gone or another file is there now."""
        assert self._path is not None
        try:
            fd = os.open(self._path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except OSError:
            raise NotInLayout from None
        try:
            if _stamp_of(os.fstat(fd)) != self._stamp:
                raise NotInLayout
            yield fd
        finally:
            os.close(fd)

    def add_log(self, records: Sequence[tuple[str, Any]]) -> None:
        """Put ``records`` after the log's last line."""
        if not records:
            return
        if self._records is not None:
            self._records.extend(records)
            return
        self._added.append(_SEPARATOR.join(_line(key, value) for key, value in records))

    @property
    def needs_source(self) -> bool:
        """True when a save has to copy the log's lines from the file as read (see ``pieces``)."""
        return self._records is None and self._body[1] > self._body[0]

    def pieces(self, source: int | None) -> tuple[list[Piece], int, int]:
        """The whole file in pieces to write one after the other, and where its log's lines will be.

        ``source`` is the file as read, open, when ``needs_source``.
        """
        if self._records is not None:
            lines = _SEPARATOR.join(_line(key, value) for key, value in self._records)
            runs: list[Piece] = [lines] if lines else []
        else:
            runs = [run for run in self._added if run]
            start, end = self._body
            if end > start:
                assert source is not None
                runs.insert(0, FileRange(source, start, end - start))
        head = dumps(self.tables)
        opening = head[:-1] + (b"," if len(head) > 2 else b"") + _LOG_OPENS
        pieces: list[Piece] = [opening]
        length = 0
        for index, run in enumerate(runs):
            if index:
                pieces.append(_SEPARATOR)
                length += len(_SEPARATOR)
            pieces.append(run)
            length += run.length if isinstance(run, FileRange) else len(run)
        pieces.append(_CLOSE if runs else _CLOSE[1:])
        return pieces, len(opening), len(opening) + length

    def saved(self, path: str, stamp: Stamp | None, body: tuple[int, int]) -> None:
        """The state was written as a new file: from now on its lines are those in that file."""
        self._records, self._added = None, []
        self._path, self._body, self._stamp = path, body, stamp


class _AscendingKeys:
    """Checks that the log's keys are numbers, each above the one before (so none repeats)."""

    def __init__(self) -> None:
        self.previous = -1

    def check_all(self, keys: Iterable[str]) -> None:
        previous = self.previous
        for key in keys:
            if not (key.isascii() and key.isdigit()):
                raise NotInLayout
            number = int(key)
            if number <= previous:
                raise NotInLayout
            previous = number
        self.previous = previous


def _blocks_of_lines(fd: int, start: int, end: int) -> Iterator[bytes]:
    """The bytes in [start, end) of the file, in blocks of whole lines (the separator between blocks dropped).

    A line longer than a block is gathered as a list of reads and joined once, so reading it takes
    time in proportion to its length (re-joining what was read so far at every read would not).
    """
    position, pending = start, [b""]  # the reads since the last separator, the first one's tail first
    while position < end:
        read = _pread(fd, min(_BLOCK_BYTES, end - position), position)
        if not read:
            raise NotInLayout  # the file is shorter than it was
        position += len(read)
        if position >= end:
            pending.append(read)
            yield _join(pending)
            return
        cut = read.rfind(_SEPARATOR)
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
            pending = [read[cut + len(_SEPARATOR) :]]
    if len(pending) > 1 or pending[0]:
        yield _join(pending)


def _blocks_from_end(fd: int, start: int, end: int) -> Iterator[tuple[int, bytes]]:
    """The bytes in [start, end) of the file in blocks of whole lines, the last block first, each with
    the offset where it begins (the separators between blocks dropped). A line longer than a block
    is gathered read by read and joined once, as in ``_blocks_of_lines``."""
    position, pending = end, [b""]  # the reads after the last separator found, in reverse order
    while position > start:
        size = min(_BLOCK_BYTES, position - start)
        read = _pread(fd, size, position - size)
        if len(read) != size:
            raise NotInLayout  # the file is shorter than it was
        position -= size
        if position <= start:
            pending.append(read)
            yield start, _join(pending[::-1])
            return
        cut = read.find(_SEPARATOR)
        if cut < 0 and read[-1:] == b"," and pending[-1][:1] == b"\n":
            # The separator is split between two reads: the line began with the later read.
            pending[-1] = pending[-1][1:]
            yield position + size + 1, _join(pending[::-1])
            pending = [read[:-1]]
        elif cut < 0:
            pending.append(read)  # one line longer than a block: read on
        else:
            pending.append(read[cut + len(_SEPARATOR) :])
            yield position + cut + len(_SEPARATOR), _join(pending[::-1])
            pending = [read[:cut]]


def _join(pieces: list[bytes]) -> bytes:
    return pieces[0] if len(pieces) == 1 else b"".join(pieces)


def _parse_block(block: bytes, keys: _AscendingKeys) -> Iterator[tuple[str, Any]]:
    if not block or _may_hold_long_integer(block):
        raise NotInLayout  # an empty member between two separators, or a number to check when read whole
    if b"\\u" in block and _LONE_SURROGATE_ESCAPE.search(block):
        raise NotInLayout  # checked when read whole
    member_text = b"{" + block + b"}"
    try:
        members = _decode(member_text, None)
    except (ValueError, RecursionError):
        raise NotInLayout from None
    if not _as_written(block, members):
        try:
            members = loads(member_text, inside=1)  # looked at key by key; refused (when read whole) if it is hostile
        except ValueError:
            raise NotInLayout from None
    keys.check_all(members)
    yield from members.items()


def _as_written(block: bytes, members: dict[str, Any]) -> bool:
    """True when the block's lines hold no repeated key and no list or object deeper than an entry's
    details' values (the shape the store writes), as told by counting. False: the block is to be
    parsed again key by key.

    Each key ends with a quote and a colon (a space between them is not counted here), and each
    list or object begins with a bracket; a text can only add to those counts. So when the counts
    equal the keys and the lists and objects of the parsed records, no key was repeated and
    nothing else is nested. Counting costs a seventh of the parse; parsing with a hook on every
    object would cost a half.
    """
    if _SPACED_COLON.search(block):
        return False
    docs = list(members.values())
    if set(map(type, docs)) != {dict}:
        return False
    details: list[Any] = list(map(dict.get, docs, repeat("details", len(docs))))
    keys = len(docs) + sum(map(len, docs))
    openers = block.count(b"{") + block.count(b"[")
    if openers == 2 * len(docs) and set(map(type, details)) == {dict}:
        # The common block: each entry has its details and none holds a list or an object.
        return block.count(b'":') == keys + sum(map(len, details))
    containers = len(docs)
    for value in details:
        if type(value) is dict:
            containers += 1
            keys += len(value)
            for item in value.values():
                kind = type(item)
                if kind is list:
                    containers += 1
                elif kind is dict:
                    containers += 1
                    keys += len(item)
    return containers == openers and keys == block.count(b'":')


_SPACED_COLON = re.compile(rb'"\s+:')


def _line(key: str, value: Any) -> bytes:
    return dumps(str(key)) + b":" + dumps(value)


# Lists and objects nested deeper than this are refused: the store writes five levels (the file, the
# log, an entry, its details, a detail's list), and the parser would run out of stack at some depth.
MAX_NESTING = 32


class Refused(ValueError):
    """Well-formed JSON that the store refuses (repeated keys, nesting deeper than MAX_NESTING)."""


def loads(raw: Chunk, *, inside: int = 0) -> Any:
    """Parse strict JSON in UTF-8: no NaN or Infinity, no byte order mark, no invalid UTF-8, no key
    repeated in an object (readers differ on which one they keep), no nesting deeper than MAX_NESTING.

    ``inside`` is how many levels the file holds around ``raw`` (1 for the log's lines).

    The standard library's parser: it is only ever given the file as it is read (a save writes
    just the new lines), and for that it is as fast as orjson once orjson's own import is counted.
    """
    try:
        value = _decode(raw, _unique_keys)
    except RecursionError:
        raise Refused(f"it nests lists and objects deeper than {MAX_NESTING} levels") from None
    if _deeper_than(value, MAX_NESTING - inside):
        raise Refused(f"it nests lists and objects deeper than {MAX_NESTING} levels")
    return value


def _decode(raw: Chunk, hook: Callable[[list[tuple[str, Any]]], Any] | None) -> Any:
    # Decoded first: json's own decoding of bytes lets encoded surrogates through, and is slower.
    # (json refuses a leading byte order mark in the decoded text itself.)
    text = bytes(raw).decode("utf-8")
    return json.loads(text, parse_constant=_not_json, parse_float=_finite, object_pairs_hook=hook)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                what = f"it repeats the key {key[:40]!r} in one object (other readers would take another value)"
                raise Refused(what)
            seen.add(key)
    return value


def _deeper_than(data: Any, limit: int) -> bool:
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            value = value.values()
        elif not isinstance(value, list):
            continue
        if depth > limit:
            return True
        pending.extend((item, depth + 1) for item in value if isinstance(item, dict | list))
    return False


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _finite(text: str) -> float:
    number = float(text)
    if number in (math.inf, -math.inf):
        raise ValueError(f"number {text[:20]} is infinity when parsed as double")
    return number


def dumps(value: Any) -> bytes:
    """Compact JSON in UTF-8; raises ValueError for what cannot be written (NaN, lone surrogates).

    Characters that could drive a terminal or disguise text (C1 and bidi controls; JSON escapes C0
    itself) are written as ``\\u`` escapes, so ``cat`` or ``less`` of the file shows them harmlessly.
    """
    return escape_json(json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)).encode("utf-8")


def read_layout(path: str) -> StateFile:
    """Read the head of a file in the line layout and find its lines; NotInLayout for any other layout.

    Only the tables before the log and the file's last bytes are read here.
    """
    with open(path, "rb") as handle:
        stamp = _stamp_of(os.fstat(handle.fileno()))
        pieces: list[bytes] = []
        while True:
            piece = handle.read(_BLOCK_BYTES)
            if not piece:
                raise NotInLayout
            pieces.append(piece)
            if b"\n" in piece:
                break
        head = b"".join(pieces)
        size = stamp[1]
        tail = _pread(handle.fileno(), 64, max(0, size - 64))
    first = head.find(b"\n")
    head_end = first - len(_LOG_OPENS) + 1
    if head_end < 1 or head[head_end : first + 1] != _LOG_OPENS or head[head_end - 1 : head_end] not in (b"{", b","):
        raise NotInLayout
    if _may_hold_long_integer(head[:first]):
        raise NotInLayout  # read whole, where a too-large integer is told apart from a long digit string
    tables: dict[str, Any] = {}
    if head_end > 1:
        if _LONE_SURROGATE_ESCAPE.search(head, 0, head_end):
            raise NotInLayout
        try:
            tables = loads(head[: head_end - 1] + b"}")
        except ValueError:
            raise NotInLayout from None
        if LOG in tables or not all(isinstance(table, dict) for table in tables.values()):
            raise NotInLayout
    body = first + 1
    stripped = tail.rstrip()
    content_end = size - (len(tail) - len(stripped))  # the file's end before trailing white space
    if not stripped.endswith(b"}}") or content_end - 2 < body:
        raise NotInLayout
    if content_end - 2 == body:
        return StateFile(tables, path=path, stamp=stamp)
    if not stripped.endswith(b"\n}}") or content_end - 3 == body:
        raise NotInLayout
    return StateFile(tables, path=path, body=(body, content_end - 3), stamp=stamp)


class AtomicJSONStorage(Storage):
    """TinyDB's JSON layout, read through a cache and written atomically."""

    def __init__(self, path: str | os.PathLike[str], **_: Any) -> None:
        self.path = os.fspath(path)
        self._state: StateFile | None = None
        self._stamp: Stamp | None = None
        # Bumped whenever the state is replaced, so readers can tell it changed.
        self.generation = 0

    def stamp(self) -> Stamp | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise FileProblem(f"cannot read {self.path}: {exc.strerror}") from None
        return _stamp_of(st)

    def changed(self) -> bool:
        """True when the file on disk is not the one last read or written here."""
        return self.stamp() != self._stamp or (self._state is None and self._stamp is not None)

    def load(self, *, whole: bool = False) -> StateFile | None:
        """The file's state: the one held if the file did not change, else read again.

        ``whole`` reads every table at once, for a file that turned out not to be in the line layout.
        """
        stamp = self.stamp()
        if stamp is None:
            self._state, self._stamp = None, None
            return None
        if stamp == self._stamp and self._state is not None and (self._state.read_whole or not whole):
            return self._state
        self._state = self.read_state(whole=whole)
        self._stamp = self._state.stamp
        self.generation += 1
        return self._state

    def read_state(self, *, whole: bool = False) -> StateFile:
        """Read the file now, past the held state (which is left as it is)."""
        if not whole:
            try:
                return read_layout(self.path)
            except NotInLayout:
                pass
            except OSError as exc:
                raise FileProblem(f"cannot read {self.path}: {exc.strerror}") from None
        raw, stamp = self._read_bytes()
        return StateFile.from_data(parse(self.path, raw), stamp)

    def _read_bytes(self) -> tuple[bytes, Stamp]:
        """The file's bytes and the stamp of the very file they were read from."""
        try:
            with open(self.path, "rb") as handle:
                return handle.read(), _stamp_of(os.fstat(handle.fileno()))
        except OSError as exc:
            raise FileProblem(f"cannot read {self.path}: {exc.strerror}") from None

    def read_exactly(self) -> bytes:
        """The file's bytes, from the very file last read here (FileProblem if another one is there now)."""
        raw, stamp = self._read_bytes()
        if stamp != self._stamp:
            raise FileProblem(f"{self.path} was changed by another program while it was read; nothing was written")
        return raw

    def save(self, state: StateFile) -> None:
        """Write ``state`` atomically; on failure the held state is dropped (it was changed in memory)."""
        source: int | None = None
        try:
            if state.needs_source:
                source = self._open_source(state)
            try:
                pieces, body_start, body_end = state.pieces(source)
            except (TypeError, ValueError) as exc:
                self.forget()
                raise FileProblem(f"cannot save {self.path}: {exc}") from None
            before = self.stamp()
            try:
                write_atomically(self.path, pieces)
            except OSError as exc:
                self.forget()
                reason = exc.strerror or str(exc)
                raise FileProblem(f"could not save {self.path}: {reason}; {self._after_failure(before)}") from None
        finally:
            if source is not None:
                os.close(source)
        self._stamp = self.stamp()
        state.saved(self.path, self._stamp, (body_start, body_end))
        self._state = state
        self.generation += 1

    def _after_failure(self, before: Stamp | None) -> str:
        """What a failed save left, as checked: the file as it was before the save, or not."""
        try:
            after = self.stamp()
        except FileProblem:
            after = None if before is None else (-1, -1, -1, -1)
        if after == before:
            return "the previous file is intact" if before is not None else "no file was created"
        return "the file changed while saving; check it with `incident-console verify`"

    def _open_source(self, state: StateFile) -> int:
        """The file the state was read from, open, for its log lines to be copied into the new file."""
        try:
            source = os.open(self.path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except OSError as exc:
            self.forget()
            reason = exc.strerror
            raise FileProblem(f"could not save {self.path}: cannot read it ({reason}); nothing was saved") from None
        if _stamp_of(os.fstat(source)) != state.stamp:
            os.close(source)
            self.forget()
            raise FileProblem(f"{self.path} was changed by another program while saving; nothing was saved")
        return source

    def forget(self) -> None:
        """Drop the held state, e.g. after it was changed in memory by a write that failed."""
        self._state = None
        self._stamp = None
        self.generation += 1

    # TinyDB's Storage interface: the whole file as one dict.

    def read(self) -> dict[str, Any] | None:
        if self.stamp() is None:
            return None
        return parse(self.path, self._read_bytes()[0])

    def write(self, data: dict[str, Any]) -> None:
        self.save(StateFile.from_data(data))

    def close(self) -> None:
        pass


def parse(path: str, raw: bytes) -> dict[str, Any]:
    """Parse the file's bytes, or raise one sentence that names the file and the problem."""
    if not raw.strip():
        raise FileProblem(f"{path} is empty; it is not an incident-console file (left unchanged)")
    try:
        data = loads(raw)
    except UnicodeDecodeError as exc:
        where = f"{exc.reason} at byte {exc.start}"
        raise FileProblem(f"{path} is not valid UTF-8 ({where}); it was left unchanged") from None
    except Refused as exc:
        raise FileProblem(f"{path} is refused: {exc}; it was left unchanged") from None
    except ValueError as exc:
        raise FileProblem(f"{path} is not valid JSON ({exc}); it was left unchanged") from None
    if _LONE_SURROGATE_ESCAPE.search(raw) and _lone_surrogate(data):
        what = "it escapes a lone surrogate, not a character"
        raise FileProblem(f"{path} is not valid JSON ({what}); it was left unchanged")
    if not isinstance(data, dict) or not all(isinstance(table, dict) for table in data.values()):
        raise FileProblem(f"{path} is JSON but not a TinyDB file of tables; it was left unchanged")
    if _may_hold_long_integer(raw) and _long_integer(data):
        what = "an integer too large for other JSON readers to keep exactly (over 64 bits)"
        raise FileProblem(f"{path} holds {what}; it was left unchanged")
    return data


# An integer beyond 64 bits is refused: many JSON readers (jq, JavaScript, other languages' parsers)
# would round it, so the file would not read the same everywhere it is handed to. Such a number has at
# least 19 digits: only a file with a number that long (or text that looks like one) is searched.
# A number of 19 digits or more that follows neither a letter, a digit nor a quote (those are inside a
# text or a hash, and a long log has many such runs in its hashes). Looked for in one pass over the
# bytes with each byte turned into its class: 1 a digit, 2 a hex letter or a quote, 0 anything else.
_BYTE_CLASS = bytes(
    ord("1") if chr(b) in "0123456789" else ord("2") if chr(b) in 'abcdefABCDEF"' else ord("0") for b in range(256)
)
_NUMBER_OF_19_DIGITS = b"0" + b"1" * 19


def _may_hold_long_integer(raw: bytes) -> bool:
    """A quick look for an integer of 19 digits or more; may answer yes for a long number in a text."""
    return _NUMBER_OF_19_DIGITS in raw.translate(_BYTE_CLASS)


def _scalars(data: Any) -> Iterator[Any]:
    """Every number, text and constant in parsed JSON, the tables' keys included."""
    pending = [data]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        else:
            yield value


def _beyond_64_bits(value: Any) -> bool:
    return isinstance(value, int) and not -(2**63) <= value < 2**64


def _long_integer(data: Any) -> bool:
    return any(_beyond_64_bits(value) for value in _scalars(data))


# A \u escape of a surrogate: a pair is one character, but a lone one is not text and cannot be saved.
_LONE_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _lone_surrogate(data: Any) -> bool:
    return any(isinstance(value, str) and any(0xD800 <= ord(ch) <= 0xDFFF for ch in value) for value in _scalars(data))
