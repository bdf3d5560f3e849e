"""A TinyDB storage that never leaves a torn file, keeps one log entry per line, and rereads only on change.

The file is TinyDB's JSON layout (``TinyDB(path)`` and ``python -m json.tool`` read it), written so
that the log table comes last with one entry per line::

    {"meta":{...},"incidents":{...},"action_items":{...},"log":{
    "1":{"id":1,...},
    "2":{"id":2,...}
    }}

Because of that layout a long log is read one line at a time, never held as parsed documents all
at once, and a save writes the log's lines back as the very bytes that were read, with new lines
after them: appending to a 50,000-entry log serialises only the new entry. A file in any other
JSON layout (edited by hand, pretty-printed) is read whole instead and written back in this one.

A write goes: write a temporary file beside the target, flush, fsync, ``os.replace`` over the
target, fsync the folder. A crash at any point leaves either the old file or the new one. New
files are created 0600; an existing file keeps its mode.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson
from tinydb.storages import Storage

from ..domain.errors import FileProblem

LOG = "log"
TEMP_MARK = ".tmp-"
_LOG_OPENS = b'"log":{\n'
_SEPARATOR = b",\n"
_CLOSE = b"\n}}\n"
# About a thousand entries: the documents of one block are all that is parsed at any moment.
_BLOCK_BYTES = 1 << 18
# Test hook: called with the name of each step of a write, so a test can stop the process there.
after_step: Callable[[str], None] | None = None

Chunk = bytes | bytearray | memoryview


def _step(name: str) -> None:
    if after_step is not None:
        after_step(name)


def temp_prefix(path: Path) -> str:
    return f".{path.name}{TEMP_MARK}"


class NotInLayout(Exception):
    """The file is not in the one-entry-per-line layout here; it has to be read whole."""


class StateFile:
    """A state file as read: every table but the log parsed, and the log's records.

    The log is kept as the lines read from the file (plus lines added since), parsed only while
    ``log_records`` walks them; a file read whole keeps its parsed log records instead.
    """

    def __init__(
        self, tables: dict[str, Any], runs: list[tuple[bytes, int, int]], records: list[tuple[str, Any]] | None
    ) -> None:
        self.tables = tables
        # Each run is (bytes, start, end): whole lines joined by ",\n", the first one read from the file.
        self._runs = runs
        self._records = records

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> StateFile:
        tables = {name: table for name, table in data.items() if name != LOG}
        return cls(tables, [], list((data.get(LOG) or {}).items()))

    @property
    def read_whole(self) -> bool:
        """True when the file was not in the line layout (its log records were parsed all at once)."""
        return self._records is not None

    @property
    def has_log(self) -> bool:
        return bool(self._records) if self._records is not None else any(end > start for _, start, end in self._runs)

    def log_records(self) -> Iterator[tuple[str, Any]]:
        """Each log record as (key, parsed value), in file order.

        The lines are parsed a block of lines at a time, so only one block's documents are held at
        once. Raises NotInLayout when a block is not JSON object members, or the keys are not
        ascending numbers; the caller then reads the file whole.
        """
        if self._records is not None:
            yield from self._records
            return
        previous = -1
        for data, start, end in self._runs:
            position = start
            while position < end:
                split = data.find(_SEPARATOR, min(position + _BLOCK_BYTES, end), end)
                stop = end if split < 0 else split
                if stop == position:
                    raise NotInLayout  # an empty member between two separators
                try:
                    block = loads(b"{" + data[position:stop] + b"}")
                except orjson.JSONDecodeError:
                    raise NotInLayout from None
                for key in block:
                    if not key.isdigit() or not key.isascii() or int(key) <= previous:
                        raise NotInLayout
                    previous = int(key)
                yield from block.items()
                position = stop + len(_SEPARATOR)

    def add_log(self, records: Sequence[tuple[str, Any]]) -> None:
        """Put ``records`` after the log's last line."""
        if not records:
            return
        if self._records is not None:
            self._records.extend(records)
            return
        run = _SEPARATOR.join(_line(key, value) for key, value in records)
        self._runs.append((run, 0, len(run)))
        if len(self._runs) > 256:  # a console open for days: keep the list of pieces short
            joined = _SEPARATOR.join(data[start:end] for data, start, end in self._runs if end > start)
            self._runs = [(joined, 0, len(joined))]

    def chunks(self) -> list[Chunk]:
        """The whole file, in pieces to write one after the other."""
        if self._records is not None:
            # Written once in the line layout; from then on the lines are kept as bytes.
            lines = _SEPARATOR.join(_line(key, value) for key, value in self._records)
            self._runs, self._records = [(lines, 0, len(lines))], None
        head = dumps(self.tables)
        pieces: list[Chunk] = [head[:-1] + (b"," if len(head) > 2 else b"") + _LOG_OPENS]
        views = [memoryview(data)[start:end] for data, start, end in self._runs if end > start]
        for index, view in enumerate(views):
            if index:
                pieces.append(_SEPARATOR)
            pieces.append(view)
        pieces.append(_CLOSE if views else _CLOSE[1:])
        return pieces


def _line(key: str, value: Any) -> bytes:
    return dumps(str(key)) + b":" + dumps(value)


def loads(raw: Chunk) -> Any:
    return orjson.loads(raw)


def dumps(value: Any) -> bytes:
    return orjson.dumps(value)


def split_lines(path: Path, raw: bytes) -> StateFile:
    """Read a file in the line layout without parsing its log; NotInLayout for any other layout."""
    first = raw.find(b"\n")
    head_end = first - len(_LOG_OPENS) + 1
    if head_end < 1 or raw[head_end : first + 1] != _LOG_OPENS or raw[head_end - 1 : head_end] not in (b"{", b","):
        raise NotInLayout
    if _may_hold_long_integer(raw):
        raise NotInLayout  # read whole, where a too-large integer is told apart from a long digit string
    tables: dict[str, Any] = {}
    if head_end > 1:
        try:
            tables = loads(raw[: head_end - 1] + b"}")
        except orjson.JSONDecodeError:
            raise NotInLayout from None
        if LOG in tables or not all(isinstance(table, dict) for table in tables.values()):
            raise NotInLayout
    body = first + 1
    tail = len(raw.rstrip())
    if raw[tail - 2 : tail] != b"}}" or tail - 2 < body:
        raise NotInLayout
    if tail - 2 == body:
        return StateFile(tables, [], None)
    if raw[tail - 3 : tail - 2] != b"\n" or tail - 3 == body:
        raise NotInLayout
    return StateFile(tables, [(raw, body, tail - 3)], None)


class AtomicJSONStorage(Storage):
    """TinyDB's JSON layout, read through a cache and written atomically with orjson."""

    def __init__(self, path: str | os.PathLike[str], **_: Any) -> None:
        self.path = Path(path)
        self._state: StateFile | None = None
        self._stamp: tuple[int, int, int, int] | None = None
        # Bumped whenever the state is replaced, so readers can tell it changed.
        self.generation = 0

    def stamp(self) -> tuple[int, int, int, int] | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise FileProblem(f"cannot read {self.path}: {exc.strerror}") from None
        return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)

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
        raw = self._read_bytes()
        state: StateFile | None = None
        if not whole:
            with contextlib.suppress(NotInLayout):
                state = split_lines(self.path, raw)
        self._state = state or StateFile.from_data(parse(self.path, raw))
        # The stamp from before reading: if a writer replaced the file meanwhile, the next load sees it.
        self._stamp = stamp
        self.generation += 1
        return self._state

    def _read_bytes(self) -> bytes:
        try:
            return self.path.read_bytes()
        except OSError as exc:
            raise FileProblem(f"cannot read {self.path}: {exc.strerror}") from None

    def save(self, state: StateFile) -> None:
        """Write ``state`` atomically; on failure the held state is dropped (it was changed in memory)."""
        try:
            pieces = state.chunks()
        except (TypeError, orjson.JSONEncodeError) as exc:
            self.forget()
            raise FileProblem(f"cannot save {self.path}: {exc}") from None
        try:
            write_atomically(self.path, pieces)
        except OSError as exc:
            self.forget()
            reason = exc.strerror or str(exc)
            raise FileProblem(f"could not save {self.path}: {reason}; the previous file is intact") from None
        self._state = state
        self._stamp = self.stamp()
        self.generation += 1

    def forget(self) -> None:
        """Drop the held state, e.g. after it was changed in memory by a write that failed."""
        self._state = None
        self._stamp = None
        self.generation += 1

    # TinyDB's Storage interface: the whole file as one dict.

    def read(self) -> dict[str, Any] | None:
        if self.stamp() is None:
            return None
        return parse(self.path, self._read_bytes())

    def write(self, data: dict[str, Any]) -> None:
        self.save(StateFile.from_data(data))

    def close(self) -> None:
        pass


def parse(path: Path, raw: bytes) -> dict[str, Any]:
    """Parse the file's bytes, or raise one sentence that names the file and the problem."""
    if not raw.strip():
        raise FileProblem(f"{path} is empty; it is not an incident-console file (left unchanged)")
    try:
        data = loads(raw)
    except orjson.JSONDecodeError as exc:
        reason = "is not valid UTF-8" if "utf-8" in str(exc).lower() else "is not valid JSON"
        raise FileProblem(f"{path} {reason} ({exc}); it was left unchanged") from None
    if not isinstance(data, dict) or not all(isinstance(table, dict) for table in data.values()):
        raise FileProblem(f"{path} is JSON but not a TinyDB file of tables; it was left unchanged")
    if _may_hold_long_integer(raw) and _rounded_integer(data):
        raise FileProblem(f"{path} holds an integer too large to keep exactly (over 64 bits); it was left unchanged")
    return data


# orjson reads an integer beyond 64 bits as a float, so the next save would round it. Such a number
# has at least 19 digits: only a file with a number that long (or text that looks like one) is searched.
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


def _rounded_integer(data: Any) -> bool:
    pending = [data]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, float) and value.is_integer() and abs(value) >= 2**63:
            return True
    return False


def write_atomically(path: Path, payload: Chunk | Sequence[Chunk], mode: int | None = None) -> None:
    """Write ``payload`` (bytes, or pieces written one after the other) so that a crash leaves the old
    file or the new one.

    The file keeps its mode; a new one gets ``mode`` (0600 unless given).
    """
    folder = path.parent
    existing: int | None = None
    try:
        existing = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        pass
    else:
        # os.replace needs only the folder's write permission: honour a read-only file explicitly.
        if not os.access(path, os.W_OK):
            raise PermissionError(errno.EACCES, "the file is read-only")
    if mode is None:
        mode = existing if existing is not None else 0o600
    pieces = [payload] if isinstance(payload, bytes | bytearray | memoryview) else list(payload)
    temp = folder / f"{temp_prefix(path)}{os.getpid()}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        try:
            _write_all(fd, pieces)
            _step("written")
            os.fsync(fd)
            _step("fsynced")
            if mode != 0o600:
                os.fchmod(fd, mode)
        finally:
            os.close(fd)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _step("replaced")
    fsync_folder(folder)
    _step("folder_fsynced")


def _write_all(fd: int, pieces: list[Chunk]) -> None:
    """Write every piece, without first joining them into one copy of the file."""
    views = [memoryview(piece).cast("B") for piece in pieces if len(piece)]
    writev = getattr(os, "writev", None)
    while views:
        # Windows has no writev: one piece at a time there.
        written = os.write(fd, views[0]) if writev is None else writev(fd, views[:1024])
        while views and written >= len(views[0]):
            written -= len(views[0])
            views.pop(0)
        if written:
            views[0] = views[0][written:]


def fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on a folder; the replace itself is still atomic
    finally:
        os.close(fd)


def remove_stale_temps(path: Path) -> int:
    """Remove temporary files a crashed writer left beside ``path``; call only under the lock."""
    removed = 0
    prefix = temp_prefix(path)
    try:
        names = os.listdir(path.parent)
    except OSError:
        return 0
    for name in names:
        if name.startswith(prefix):
            with contextlib.suppress(OSError):
                os.unlink(path.parent / name)
                removed += 1
    return removed
