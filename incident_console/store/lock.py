"""The inter-process lock beside the state file (``<file>.lock``): never followed, checked, never waited on forever.

The lock file is opened without following a link, and used only when it is a regular file owned
by this user or by the state file's owner: a lock planted by someone else (a link into another
folder, a FIFO, another user's file in a shared folder) is refused with a sentence that says what
it is. The lock is never written, so whatever file it is cannot be changed through it.

A lock held by another process is waited for a bounded time (``[store] lock_timeout_seconds``,
10 s unless configured); then the writer gives up with a sentence naming the file and, where the
system tells (Linux's /proc/locks), the process that holds it.
"""

from __future__ import annotations

import _thread
import errno
import os
import stat
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..domain.errors import FileProblem

if TYPE_CHECKING:
    import threading

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

DEFAULT_TIMEOUT = 10.0
# A wait shorter than this (another writer finishing its save) is not worth telling anyone about.
NOTICE_AFTER = 0.25
NOT_MEANT = "remove it if it is not meant to be there"
_KINDS = (
    (stat.S_ISLNK, "symbolic link"),
    (stat.S_ISDIR, "folder"),
    (stat.S_ISFIFO, "FIFO"),
    (stat.S_ISSOCK, "socket"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
)


def kind_of(mode: int) -> str:
    """What a file that is not a regular one is, in words: "folder", "FIFO", "symbolic link", ..."""
    return next((name for test, name in _KINDS if test(mode)), "special file")


def user_name(uid: int) -> str:
    try:
        import pwd

        return f"{pwd.getpwuid(uid).pw_name} (uid {uid})"
    except (ImportError, KeyError):
        return f"uid {uid}"


def holder_of(st: os.stat_result) -> str:
    """Who holds the lock on the file ``st`` describes: "process PID (NAME)", or "another process"."""
    try:
        with open("/proc/locks", encoding="ascii", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return "another process"
    exact: list[str] = []
    same_inode: list[str] = []
    for line in lines:
        fields = line.split()
        if len(fields) < 6 or fields[1] == "->":  # "->": a process waiting for the lock, not holding it
            continue
        pid, where = fields[4], fields[5].split(":")
        if len(where) != 3 or not pid.isdigit() or where[2] != str(st.st_ino):
            continue
        same_inode.append(pid)
        try:
            if (int(where[0], 16), int(where[1], 16)) == (os.major(st.st_dev), os.minor(st.st_dev)):
                exact.append(pid)
        except ValueError:
            continue
    found = exact or (same_inode if len(set(same_inode)) == 1 else [])
    if not found or found[0] == "0":  # 0: a process outside this one's view (another pid namespace)
        return "another process"
    pid = found[0]
    try:
        with open(f"/proc/{pid}/comm", encoding="utf-8", errors="replace") as handle:
            name = handle.read().strip()
    except OSError:
        name = ""
    if int(pid) == os.getpid():
        name = "this process"
    return f"process {pid} ({name})" if name else f"process {pid}"


class FileLock:
    """An exclusive lock on ``<file>.lock``, for writers of ``file``; usable as a context manager.

    ``on_wait`` is called once (from the waiting thread) with who holds the lock, when it has been
    busy for ``NOTICE_AFTER`` seconds.
    ``stop_waiting`` set by another thread makes a waiting writer give up at once.
    """

    def __init__(self, file: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.file = file
        self.path = file + ".lock"
        self.timeout = timeout
        self.on_wait: Callable[[str], None] | None = None
        self._making = _thread.allocate_lock()
        self._stop: threading.Event | None = None
        self._fd: int | None = None
        self._fallback: Any = None

    @property
    def stop_waiting(self) -> threading.Event:
        """Set from another thread to make a waiting writer give up at once. Made when first asked
        for, so a command that never waits does not import threading."""
        with self._making:
            if self._stop is None:
                import threading

                self._stop = threading.Event()
            return self._stop

    def __enter__(self) -> None:
        if fcntl is None:  # pragma: no cover - Windows
            self._enter_fallback()
            return
        fd = self._open()
        try:
            self._take(fd)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self._fd is not None or self._fallback is not None

    def __exit__(self, *_: object) -> None:
        if self._fallback is not None:  # pragma: no cover - Windows
            self._fallback.release()
            self._fallback = None
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def _refuse(self, what: str) -> FileProblem:
        return FileProblem(f"cannot write {self.file}: its lock {self.path} {what}")

    def _open(self) -> int:
        try:
            before = os.lstat(self.path)
        except FileNotFoundError:
            before = None
        except OSError as exc:
            raise self._refuse(f"cannot be read ({exc.strerror})") from None
        if before is not None:
            self._check_kind(before)  # before opening: opening a FIFO or a device may have effects of its own
        flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(self.path, flags, 0o600)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise self._refuse(f"is a symbolic link, which is not followed ({NOT_MEANT})") from None
            if exc.errno == errno.EISDIR:
                raise self._refuse(f"is a folder, not a regular file ({NOT_MEANT})") from None
            raise FileProblem(f"cannot write {self.file}: cannot lock it ({exc.strerror})") from None
        try:
            st = os.fstat(fd)
            self._check_kind(st)
            self._check_owner(st)
        except BaseException:
            os.close(fd)
            raise
        return fd

    def _check_kind(self, st: os.stat_result) -> None:
        if stat.S_ISLNK(st.st_mode):
            raise self._refuse(f"is a symbolic link, which is not followed ({NOT_MEANT})")
        if not stat.S_ISREG(st.st_mode):
            raise self._refuse(f"is a {kind_of(st.st_mode)}, not a regular file ({NOT_MEANT})")

    def _check_owner(self, st: os.stat_result) -> None:
        if st.st_uid == os.geteuid():
            return
        try:
            if st.st_uid == os.stat(self.file).st_uid:
                return
        except OSError:
            pass
        raise self._refuse(
            f"belongs to user {user_name(st.st_uid)}, neither you nor the owner of the file ({NOT_MEANT})"
        )

    def _take(self, fd: int) -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        except OSError as exc:
            raise FileProblem(f"cannot write {self.file}: cannot lock it ({exc.strerror})") from None
        started = time.monotonic()
        deadline = started + self.timeout
        pause = 0.001
        told = False
        while True:
            now = time.monotonic()
            if not told and (now - started >= NOTICE_AFTER or now >= deadline) and self.on_wait is not None:
                told = True
                self.on_wait(holder_of(os.fstat(fd)))
            left = deadline - now
            if left <= 0:
                break
            if self.stop_waiting.wait(min(pause, left)):
                holder = holder_of(os.fstat(fd))
                raise FileProblem(f"cannot write {self.file}: stopped waiting for its lock, held by {holder}")
            pause = min(pause * 2, 0.01)  # short: a waiter should not keep losing the lock to newcomers
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                continue
        holder = holder_of(os.fstat(fd))  # may have changed hands while waiting
        raise FileProblem(
            f"cannot write {self.file}: its lock {self.path} is held by {holder}; "
            f"gave up after waiting {self.timeout:g} s, nothing was saved"
        )

    def _enter_fallback(self) -> None:  # pragma: no cover - Windows
        import filelock

        self._fallback = filelock.FileLock(self.path, mode=0o600, timeout=self.timeout)
        try:
            self._fallback.acquire()
        except filelock.Timeout:
            self._fallback = None
            raise FileProblem(
                f"cannot write {self.file}: its lock {self.path} is held by another process; "
                f"gave up after waiting {self.timeout:g} s, nothing was saved"
            ) from None
        except OSError as exc:
            self._fallback = None
            raise FileProblem(f"cannot write {self.file}: cannot lock it ({exc.strerror})") from None
