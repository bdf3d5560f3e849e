"""Changing a file in place so that a crash leaves it as it was or as it is meant to be: a rollback journal beside it.

``write_in_place(path, fd, patches)`` writes each patch (an offset and the bytes to put there; a
patch may run past the file's end, which makes it longer) into the open file, in this order:

1. ``<file>.journal`` is written: the file's inode, its size before and after, the old bytes of
   every range about to be overwritten and a SHA-256 of the new ones, then a SHA-256 of all that.
   It is fsynced, and so is the folder.
2. The patches are written, and the file is fsynced: the change is durable from here on.
3. The journal is removed.

Guarantees: a crash at any point leaves either a journal that is not whole (the file was not yet
touched) or a whole one. ``recover(path)``, called under the file's lock before it is read or
written, removes a journal that is not whole, or that names another file (one put in the file's
place since), without touching the file; given a whole one, it keeps the file when it already holds
every new byte at its size after (the change was complete: a removal of the journal that a crash
undid), and otherwise plays the journal back (each old range written again, the file cut to its
old size, fsynced); then it removes the journal. A failure while writing the patches plays the
journal back at once; only when that fails too is the journal left for the next ``recover``. The
journal is created 0600, exclusively, never through a link. Something else at the journal's name
(a link, a folder, a FIFO, a file of a user who is neither this one nor the file's owner) is never
opened for its content or played back: ``recover`` raises ``NotAJournal`` and leaves it, and the
file, as they are.
"""

from __future__ import annotations

import contextlib
import os
import stat
import struct
from collections.abc import Callable, Sequence

from ..domain.ledger import sha256
from .atomic import fsync_folder, pread
from .lock import NOT_MEANT, kind_of, user_name

SUFFIX = ".journal"
_MAGIC = b"incident-console journal 2\n"
_HEAD = struct.Struct(">QQQI")  # inode, size before, size after, number of ranges
_RANGE = struct.Struct(">QQQ")  # offset, length of the old bytes that follow, length of the new ones
_DIGEST = 32
# Test hook: called with the name of each step of a write in place, so a test can stop the process there.
after_step: Callable[[str], None] | None = None
STEPS = ("journal_written", "patched_0", "patched_1", "file_synced", "journal_removed")

Patch = tuple[int, bytes]
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


class NotAJournal(Exception):
    """Something at the journal's name that is not a journal this store wrote; the message says what."""


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
    _write_journal(path, st.st_ino, size, old, patches)
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
    # Not fsynced: a journal a crash brings back finds the change complete, and is removed then.
    _remove(path)
    _step("journal_removed")


def recover(path: str) -> bool:
    """Put back the file a crashed change in place left (see the module's guarantees); True when
    the file was played back. To be called under the file's lock. NotAJournal when something else
    lies at the journal's name."""
    name = journal_path(path)
    try:
        before = os.lstat(name)
    except FileNotFoundError:
        return False
    _check_journal(path, before)  # before opening: opening a FIFO would wait for a writer
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(name, flags)
    except FileNotFoundError:
        return False
    try:
        st = os.fstat(fd)
        if (st.st_dev, st.st_ino) != (before.st_dev, before.st_ino):
            raise NotAJournal(f"{name} changed while it was being read ({NOT_MEANT})")
        raw = _read_all(fd)
    finally:
        os.close(fd)
    parsed = _parse(raw)
    played = False
    if parsed is not None:
        try:
            target = os.open(path, os.O_RDWR | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
        except FileNotFoundError:
            target = None
        if target is not None:
            try:
                st = os.fstat(target)
                if st.st_ino == parsed.inode and not _complete(target, st.st_size, parsed):
                    _play_back(target, parsed.size, parsed.old)
                    played = True
            finally:
                os.close(target)
    _remove(path)
    fsync_folder(os.path.dirname(path) or ".")
    return played


def _check_journal(path: str, st: os.stat_result) -> None:
    name = journal_path(path)
    if not stat.S_ISREG(st.st_mode):
        raise NotAJournal(f"{name} is a {kind_of(st.st_mode)}, not a journal this program wrote ({NOT_MEANT})")
    if st.st_uid == os.geteuid():
        return
    try:
        if st.st_uid == os.stat(path).st_uid:
            return
    except OSError:
        pass
    raise NotAJournal(
        f"{name} belongs to user {user_name(st.st_uid)}, neither you nor the owner of the file ({NOT_MEANT})"
    )


def _digest_of(pieces: Sequence[Patch]) -> bytes:
    digest = sha256()
    for offset, data in pieces:
        digest.update(struct.pack(">QQ", offset, len(data)))
        digest.update(data)
    return digest.digest()


def _complete(fd: int, size: int, journaled: _Journal) -> bool:
    """True when the file holds every new byte of the change, at its size after it."""
    if size != journaled.size_after:
        return False
    found = [(offset, pread(fd, length, offset)) for offset, length in journaled.new_ranges]
    return _digest_of(found) == journaled.new_digest


def _write_journal(path: str, inode: int, size: int, old: list[Patch], patches: Sequence[Patch]) -> None:
    size_after = max([size, *(offset + len(data) for offset, data in patches)])
    body = [_MAGIC, _HEAD.pack(inode, size, size_after, len(old))]
    for (offset, data), (_, new) in zip(old, patches, strict=True):
        body += [_RANGE.pack(offset, len(data), len(new)), data]
    body.append(_digest_of(patches))
    content = b"".join(body)
    content += sha256(content).digest()
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


class _Journal:
    """A whole journal, as read (a plain class: a NamedTuple costs an alert hook's command its import time)."""

    __slots__ = ("inode", "new_digest", "new_ranges", "old", "size", "size_after")

    def __init__(
        self,
        inode: int,
        size: int,
        size_after: int,
        old: list[Patch],
        new_ranges: list[tuple[int, int]],
        new_digest: bytes,
    ) -> None:
        self.inode, self.size, self.size_after = inode, size, size_after
        self.old, self.new_ranges, self.new_digest = old, new_ranges, new_digest


def _parse(raw: bytes) -> _Journal | None:
    """The journal's content; None when it is not whole."""
    if len(raw) < len(_MAGIC) + _HEAD.size + 2 * _DIGEST or not raw.startswith(_MAGIC):
        return None
    content, digest = raw[:-_DIGEST], raw[-_DIGEST:]
    if sha256(content).digest() != digest:
        return None
    content, new_digest = content[:-_DIGEST], content[-_DIGEST:]
    position = len(_MAGIC)
    inode, size, size_after, count = _HEAD.unpack_from(content, position)
    position += _HEAD.size
    old: list[Patch] = []
    new_ranges: list[tuple[int, int]] = []
    for _ in range(count):
        if position + _RANGE.size > len(content):
            return None
        offset, length, new_length = _RANGE.unpack_from(content, position)
        position += _RANGE.size
        old.append((offset, content[position : position + length]))
        new_ranges.append((offset, new_length))
        position += length
    if position != len(content):
        return None
    return _Journal(inode, size, size_after, old, new_ranges, new_digest)


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
