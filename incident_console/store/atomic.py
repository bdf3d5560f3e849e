"""Writing a file so that a crash leaves the old one or the new one, and no name beside it can be turned against it.

A write goes: create a temporary file beside the target, exclusively and under a name no one can
guess, with its final mode from the start; write; fsync; ``os.replace`` over the target; fsync the
folder. Temporary files a crashed writer left are swept by the next writer.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Callable, Sequence
from typing import NamedTuple

TEMP_MARK = ".tmp-"
# Test hook: called with the name of each step of a write, so a test can stop the process there.
after_step: Callable[[str], None] | None = None

Chunk = bytes | bytearray | memoryview


def _step(name: str) -> None:
    if after_step is not None:
        after_step(name)


def temp_prefix(path: str | os.PathLike[str]) -> str:
    return f".{os.path.basename(path)}{TEMP_MARK}"


class FileRange(NamedTuple):
    """Bytes to copy from an open file (the one being replaced) into the one being written."""

    fd: int
    offset: int
    length: int


Piece = Chunk | FileRange


def write_atomically(
    path: str | os.PathLike[str], payload: Chunk | Sequence[Piece], mode: int | None = None, *, durable: bool = True
) -> None:
    """Write ``payload`` (bytes, or pieces written one after the other) so that a crash leaves the old
    file or the new one.

    The new file starts as a temporary file beside ``path``, created exclusively under a name no
    one can guess (a link or file planted at any name is never opened), with its mode set before
    its first byte: the old file's mode, else ``mode`` (0600 unless given). ``path`` itself is
    replaced, never followed: a link there is refused. ``durable`` False skips the fsyncs, for a
    file that may be lost in a crash (a derived record): the old or the new one is still all a
    reader can see.
    """
    path = os.fspath(path)
    folder = os.path.dirname(path) or "."
    existing: int | None = None
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        pass
    else:
        if stat.S_ISLNK(st.st_mode):
            raise OSError(errno.ELOOP, "it is a symbolic link, which is not followed (name the file itself)")
        existing = stat.S_IMODE(st.st_mode)
        # os.replace needs only the folder's write permission: honour a read-only file explicitly.
        if not os.access(path, os.W_OK):
            raise PermissionError(errno.EACCES, "the file is read-only")
    if mode is None:
        mode = existing if existing is not None else 0o600
    pieces: list[Piece] = [payload] if isinstance(payload, bytes | bytearray | memoryview) else list(payload)
    fd, temp = _create_temp(path, mode)
    try:
        try:
            _check_not_a_source(fd, pieces)
            _write_all(fd, pieces)
            _step("written")
            if durable:
                os.fsync(fd)
            _step("fsynced")
        finally:
            os.close(fd)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _step("replaced")
    if durable:
        fsync_folder(folder)
    _step("folder_fsynced")


_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def _create_temp(path: str, mode: int) -> tuple[int, str]:
    """A new, empty temporary file beside ``path`` with ``mode``: (descriptor, name).

    The name holds this process's id (so a sweep can tell a live writer's temporary file) and
    random bytes (so no one can plant anything at it beforehand); O_EXCL and O_NOFOLLOW make the
    open fail rather than reach a file that is already there.
    """
    folder = os.path.dirname(path) or "."
    prefix = f"{temp_prefix(path)}{os.getpid()}-"
    for _ in range(100):
        temp = os.path.join(folder, prefix + os.urandom(8).hex())
        try:
            fd = os.open(temp, _CREATE, mode)
        except FileExistsError:
            continue
        try:
            # The umask may have taken bits off: set them before any byte is written, so the mode is
            # part of what the fsync makes durable.
            if stat.S_IMODE(os.fstat(fd).st_mode) != mode:
                os.fchmod(fd, mode)
        except BaseException:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        return fd, temp
    raise OSError(errno.EEXIST, "no free name for a temporary file")


def _check_not_a_source(fd: int, pieces: Sequence[Piece]) -> None:
    """The file being written must not be one being copied from (writing it would truncate the source)."""
    sources = [piece.fd for piece in pieces if isinstance(piece, FileRange)]
    if not sources:
        return
    written = os.fstat(fd)
    for source in sources:
        st = os.fstat(source)
        if (st.st_dev, st.st_ino) == (written.st_dev, written.st_ino):
            raise OSError(errno.EIO, "the temporary file is the file being copied")


def _write_all(fd: int, pieces: list[Piece]) -> None:
    """Write every piece in order, without first joining them into one copy of the file."""
    views: list[memoryview] = []
    for piece in pieces:
        if isinstance(piece, FileRange):
            _write_views(fd, views)
            views = []
            _copy_range(piece, fd)
        elif len(piece):
            views.append(memoryview(piece).cast("B"))
    _write_views(fd, views)


def _write_views(fd: int, views: list[memoryview]) -> None:
    writev = getattr(os, "writev", None)
    while views:
        # Windows has no writev: one piece at a time there.
        written = os.write(fd, views[0]) if writev is None else writev(fd, views[:1024])
        while views and written >= len(views[0]):
            written -= len(views[0])
            views.pop(0)
        if written:
            views[0] = views[0][written:]


def _copy_range(piece: FileRange, fd: int) -> None:
    """Copy bytes between files in the kernel where it can (copy_file_range, sendfile), else by reading."""
    offset, left = piece.offset, piece.length
    for name in ("copy_file_range", "sendfile"):
        copy = getattr(os, name, None)
        if copy is None:
            continue
        try:
            while left:
                if name == "sendfile":
                    done = os.sendfile(fd, piece.fd, offset, left)
                else:
                    done = os.copy_file_range(piece.fd, fd, left, offset)
                if done <= 0:
                    raise OSError(errno.EIO, "the file being copied is shorter than it was")
                offset, left = offset + done, left - done
            return
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
                raise
    while left:
        block = pread(piece.fd, min(left, 1 << 20), offset)
        if not block:
            raise OSError(errno.EIO, "the file being copied is shorter than it was")
        _write_views(fd, [memoryview(block)])
        offset, left = offset + len(block), left - len(block)


def pread(fd: int, size: int, offset: int) -> bytes:
    if hasattr(os, "pread"):
        return os.pread(fd, size, offset)
    os.lseek(fd, offset, os.SEEK_SET)  # pragma: no cover - Windows has no pread
    return os.read(fd, size)  # pragma: no cover


def fsync_folder(folder: str) -> None:
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


def remove_stale_temps(path: str, *, locked: bool = True) -> int:
    """Remove temporary files that writers of ``path`` left behind (a crash, a kill).

    Under ``path``'s lock (``locked``) every one is stale: no other writer of the file can be
    writing. Without it (an export's target) only those of processes that are no longer running.
    Links and files planted at such names are removed too, where the folder allows.
    """
    removed = 0
    prefix = temp_prefix(path)
    folder = os.path.dirname(path) or "."
    try:
        entries = [entry for entry in os.scandir(folder) if entry.name.startswith(prefix)]
    except OSError:
        return 0
    for entry in entries:
        if not locked and _writer_running(entry.name[len(prefix) :]):
            continue
        with contextlib.suppress(OSError):
            if entry.is_dir(follow_symlinks=False):
                continue
            os.unlink(entry.path)
            removed += 1
    return removed


def _writer_running(rest: str) -> bool:
    """Whether the process named in a temporary file's name (after the prefix) may still be writing it."""
    pid = rest.split("-", 1)[0]
    if not pid.isdigit():
        return True  # not a name this module makes: left alone
    if int(pid) == os.getpid() or os.name == "nt":  # on Windows, signal 0 is CTRL_C_EVENT: never sent
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # running, as another user
    return True
