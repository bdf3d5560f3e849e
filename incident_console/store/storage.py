"""A TinyDB storage that never leaves a torn file, and reuses the parsed file until it changes.

A write goes: serialise, write a temporary file beside the target, flush, fsync, ``os.replace``
over the target, fsync the folder. A crash at any point leaves either the old file or the new
one. New files are created 0600; an existing file keeps its mode.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from tinydb.storages import Storage

from ..domain.errors import FileProblem

TEMP_MARK = ".tmp-"
# Test hook: called with the name of each step of a write, so a test can stop the process there.
after_step: Callable[[str], None] | None = None


def _step(name: str) -> None:
    if after_step is not None:
        after_step(name)


def temp_prefix(path: Path) -> str:
    return f".{path.name}{TEMP_MARK}"


class AtomicJSONStorage(Storage):
    """TinyDB's JSON layout, read through a cache and written atomically with orjson."""

    def __init__(self, path: str | os.PathLike[str], **_: Any) -> None:
        self.path = Path(path)
        self._data: dict[str, Any] | None = None
        self._stamp: tuple[int, int, int, int] | None = None
        # Bumped whenever the parsed data is replaced, so readers can tell it changed.
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
        return self.stamp() != self._stamp or (self._data is None and self._stamp is not None)

    def read(self) -> dict[str, Any] | None:
        stamp = self.stamp()
        if stamp is None:
            self._data, self._stamp = None, None
            return None
        if stamp == self._stamp and self._data is not None:
            return self._data
        try:
            raw = self.path.read_bytes()
        except OSError as exc:
            raise FileProblem(f"cannot read {self.path}: {exc.strerror}") from None
        self._data = parse(self.path, raw)
        # Stat again after reading: if a writer replaced the file meanwhile, the next read sees it.
        self._stamp = stamp
        self.generation += 1
        return self._data

    def write(self, data: dict[str, Any]) -> None:
        try:
            payload = orjson.dumps(data)
        except (TypeError, orjson.JSONEncodeError) as exc:
            self.forget()
            raise FileProblem(f"cannot save {self.path}: {exc}") from None
        try:
            write_atomically(self.path, payload)
        except OSError as exc:
            self.forget()
            reason = exc.strerror or str(exc)
            raise FileProblem(f"could not save {self.path}: {reason}; the previous file is intact") from None
        self._data = data
        self._stamp = self.stamp()
        self.generation += 1

    def forget(self) -> None:
        """Drop the parsed copy, e.g. after it was changed in memory by a write that failed."""
        self._data = None
        self._stamp = None
        self.generation += 1

    def close(self) -> None:
        pass


def parse(path: Path, raw: bytes) -> dict[str, Any]:
    """Parse the file's bytes, or raise one sentence that names the file and the problem."""
    if not raw.strip():
        raise FileProblem(f"{path} is empty; it is not an incident-console file (left unchanged)")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        reason = "is not valid UTF-8" if "utf-8" in str(exc).lower() else "is not valid JSON"
        raise FileProblem(f"{path} {reason} ({exc}); it was left unchanged") from None
    if not isinstance(data, dict) or not all(isinstance(table, dict) for table in data.values()):
        raise FileProblem(f"{path} is JSON but not a TinyDB file of tables; it was left unchanged")
    if _LONG_DIGITS.search(raw) and _rounded_integer(data):
        raise FileProblem(f"{path} holds an integer too large to keep exactly (over 64 bits); it was left unchanged")
    return data


# orjson reads an integer beyond 64 bits as a float, so the next save would round it. Such a number
# has at least 19 digits: only a file with a number that long (or text that looks like one) is searched.
_LONG_DIGITS = re.compile(rb"[:,\[]\s*-?\d{19}")


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


def write_atomically(path: Path, payload: bytes, mode: int | None = None) -> None:
    """Write ``payload`` to ``path`` so that a crash leaves the old file or the new one.

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
    temp = folder / f"{temp_prefix(path)}{os.getpid()}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        try:
            view = memoryview(payload)
            while view:
                written = os.write(fd, view)
                view = view[written:]
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
