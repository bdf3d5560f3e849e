"""Changing a file in place so that a crash leaves it as it was or as it is meant to be: a rollback journal beside it.

``write_in_place(path, fd, patches)`` writes each patch (an offset and the bytes to put there; a
patch may run past the file's end, which makes it longer) into the open file, in this order:

1. ``<file>.journal`` is written: the file's inode and size, and the old bytes of every range about
   to be overwritten, then a SHA-256 of all that. It is fsynced, and so is the folder.
2. The patches are written, and the file is fsynced.
3. The journal is removed, and the folder fsynced.

Guarantees: a crash at any point leaves either a journal that is not whole (the file was not yet
touched) or a whole one (the file may be part-written, and the journal holds all it takes to put it
back). ``recover(path)``, called under the file's lock before it is read or written, plays a whole
journal back (each old range written again, the file cut to its old size, fsynced) and then
removes it; it removes a journal that is not whole, or that names another file (one put in the
file's place since), without touching the file. A failure while writing the patches plays the
journal back at once; only when that fails too is the journal left for the next ``recover``. The
journal is created 0600, exclusively, never through a link.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import struct
from collections.abc import Callable, Sequence

from .atomic import fsync_folder, pread

SUFFIX = ".journal"
_MAGIC = b"incident-console journal 1\n"
_HEAD = struct.Struct(">QQI")  # inode, old size, number of ranges
_RANGE = struct.Struct(">QQ")  # offset, length of the old bytes that follow
_DIGEST = 32
# Test hook: called with the name of each step of a write in place, so a test can stop the process there.
after_step: Callable[[str], None] | None = None
STEPS = ("journal_written", "patched_0", "patched_1", "file_synced", "journal_removed")

Patch = tuple[int, bytes]
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def journal_path(path: str) -> str:
    return path + SUFFIX


def pending(path: str) -> bool:
    """True when a journal lies beside the file: a change in place is under way, or one crashed."""
    return os.path.lexists(journal_path(path))


def _step(name: str) -> None:
    if after_step is not None:
        after_step(name)


def write_in_place(path: str, fd: int, patches: Sequence[Patch]) -> None:
    """Write ``patches`` into ``fd`` (the file at ``path``, open for reading and writing) as the
    module describes; OSError when it could not, the file then as it was (or its journal left)."""
    st = os.fstat(fd)
    size = st.st_size
    folder = os.path.dirname(path) or "."
    old = [(offset, pread(fd, max(0, min(len(data), size - offset)), offset)) for offset, data in patches]
    _write_journal(path, st.st_ino, size, old)
    fsync_folder(folder)
    _step("journal_written")
    try:
        for index, (offset, data) in enumerate(patches):
            _pwrite_all(fd, data, offset)
            _step(f"patched_{index}")
        os.fsync(fd)
    except OSError:
        try:
            _play_back(fd, size, old)
        except OSError:
            pass  # the journal stays: the next open puts the file back
        else:
            _remove(path)
        raise
    _step("file_synced")
    _remove(path)
    _step("journal_removed")
    fsync_folder(folder)


def recover(path: str) -> bool:
    """Put back the file a crashed change in place left (see the module's guarantees); True when
    the file was played back. To be called under the file's lock."""
    name = journal_path(path)
    try:
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return False
    except OSError:
        _remove(path)  # a link or something else planted there: not a journal of this store
        return False
    try:
        raw = _read_all(fd)
    finally:
        os.close(fd)
    parsed = _parse(raw)
    played = False
    if parsed is not None:
        inode, size, old = parsed
        try:
            target = os.open(path, os.O_RDWR | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
        except FileNotFoundError:
            target = None
        if target is not None:
            try:
                if os.fstat(target).st_ino == inode:
                    _play_back(target, size, old)
                    played = True
            finally:
                os.close(target)
    _remove(path)
    fsync_folder(os.path.dirname(path) or ".")
    return played


def _write_journal(path: str, inode: int, size: int, old: list[Patch]) -> None:
    body = [_MAGIC, _HEAD.pack(inode, size, len(old))]
    for offset, data in old:
        body += [_RANGE.pack(offset, len(data)), data]
    content = b"".join(body)
    content += hashlib.sha256(content).digest()
    name = journal_path(path)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(name)  # one a crash left that ``recover`` did not see: the file is as it was
    fd = os.open(name, _CREATE, 0o600)
    try:
        _pwrite_all(fd, content, 0)
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        _remove(path)
        raise
    os.close(fd)


def _parse(raw: bytes) -> tuple[int, int, list[Patch]] | None:
    """The journal's file inode, old size and old ranges; None when it is not whole."""
    if len(raw) < len(_MAGIC) + _HEAD.size + _DIGEST or not raw.startswith(_MAGIC):
        return None
    content, digest = raw[:-_DIGEST], raw[-_DIGEST:]
    if hashlib.sha256(content).digest() != digest:
        return None
    position = len(_MAGIC)
    inode, size, count = _HEAD.unpack_from(content, position)
    position += _HEAD.size
    old: list[Patch] = []
    for _ in range(count):
        if position + _RANGE.size > len(content):
            return None
        offset, length = _RANGE.unpack_from(content, position)
        position += _RANGE.size
        old.append((offset, content[position : position + length]))
        position += length
    return (inode, size, old) if position == len(content) else None


def _play_back(fd: int, size: int, old: Sequence[Patch]) -> None:
    for offset, data in old:
        _pwrite_all(fd, data, offset)
    os.ftruncate(fd, size)
    os.fsync(fd)


def _pwrite_all(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        done = os.pwrite(fd, view, offset)
        view, offset = view[done:], offset + done


def _read_all(fd: int) -> bytes:
    pieces: list[bytes] = []
    while True:
        piece = os.read(fd, 1 << 20)
        if not piece:
            return b"".join(pieces)
        pieces.append(piece)


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(journal_path(path))
