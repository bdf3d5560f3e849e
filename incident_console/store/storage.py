"""The TinyDB storage of the state file: the file's state held between reads, reread only when the file changed.

Guarantees: ``load`` returns the state held while the file on disk is the one last read or
written here (same inode, size and times), else reads it again: in the line layout when it is in
it (``layout``, ``state``), else whole (``strict_json.parse``), and every read problem is one
sentence (FileProblem). A read never gives a file a change in place left half-written
(``journal``): a journal beside the file is played back or waited for under the file's lock first,
and a read that a change in place overlapped (the file's stamp moved, or a journal appeared) is read
again under the lock. A version of the file this store wrote and vouched for (``vouched``) has its
first line parsed without the checks meant for files edited by hand. ``save`` writes atomically
(``saving``) and, when that fails, drops the held state, which was changed in memory.
``generation`` changes whenever the held state is replaced.

TinyDB's own ``read``/``write`` see the whole file as one dict, for ``TinyDB(path, storage=...)``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

from tinydb.storages import Storage

from ..domain.errors import FileProblem
from . import journal, saving, vouched
from .atomic import TEMP_MARK, temp_prefix, write_atomically
from .blocks import NotInLayout, Stamp, stamp_at, stamp_of
from .layout import find_layout
from .lock import FileLock
from .state import StateFile
from .strict_json import MAX_NESTING, parse

# What this module is asked for by name, though it lives in the modules beside it.
__all__ = ["MAX_NESTING", "TEMP_MARK", "AtomicJSONStorage", "StateFile", "temp_prefix", "write_atomically"]

T = TypeVar("T")


class AtomicJSONStorage(Storage):
    """TinyDB's JSON layout, read through a cache and written atomically."""

    def __init__(self, path: str | os.PathLike[str], **_: Any) -> None:
        self.path = os.fspath(path)
        self._state: StateFile | None = None
        self._stamp: Stamp | None = None
        # Bumped whenever the state is replaced, so readers can tell it changed.
        self.generation = 0
        # The file's lock (the repository's), taken to read a file a change in place is under way on.
        self.lock = FileLock(self.path)

    def stamp(self) -> Stamp | None:
        return stamp_at(self.path)

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
        self._state = self.read_state(whole=whole, checked=True)
        self._stamp = self._state.stamp
        self.generation += 1
        return self._state

    def read_state(self, *, whole: bool = False, checked: bool = False) -> StateFile:
        """Read the file now, past the held state (which is left as it is).

        ``checked``: a file this store recorded as checked (``vouched``) has its tables parsed the
        cheaper way (``layout.find_layout``); ``verify`` reads them with every check.
        """
        return self._settled(lambda: self._read_state(whole, checked))

    def _read_state(self, whole: bool, checked: bool) -> StateFile:
        if not whole:
            try:
                return StateFile.from_layout(self.path, find_layout(self.path, self._trusted if checked else None))
            except NotInLayout:
                pass
            except OSError as exc:
                raise FileProblem(f"cannot read {self.path}: {exc.strerror}") from None
        raw, stamp = self._read_bytes()
        return StateFile.from_data(parse(self.path, raw), stamp)

    def _trusted(self, stamp: Stamp) -> bool:
        return vouched.is_vouched(self.path, stamp)

    def settle(self) -> None:
        """Under the file's lock: put back the file a crashed change in place left, if any."""
        if journal.pending(self.path):
            try:
                journal.recover(self.path)
            except journal.NotAJournal as exc:
                raise FileProblem(f"cannot use {self.path}: {exc}") from None
            except OSError as exc:
                raise FileProblem(
                    f"cannot put back {self.path} after a change to it was cut off: {exc.strerror or exc}"
                ) from None

    def _settled(self, read: Callable[[], T]) -> T:
        """``read()`` of a file no change in place is half-way through (see the module)."""
        if self.lock.held:
            self.settle()
            return read()
        if not journal.pending(self.path):
            before = self.stamp()
            try:
                result = read()
            except FileProblem:
                if self.stamp() == before and not journal.pending(self.path):
                    raise
            else:
                if self.stamp() == before and not journal.pending(self.path):
                    return result
        try:
            self.lock.__enter__()
        except FileProblem as exc:
            raise FileProblem(f"cannot read {self.path} while another process changes it in place: {exc}") from None
        try:
            self.settle()
            return read()
        finally:
            self.lock.__exit__()

    def _read_bytes(self) -> tuple[bytes, Stamp]:
        """The file's bytes and the stamp of the very file they were read from."""
        try:
            with open(self.path, "rb") as handle:
                return handle.read(), stamp_of(os.fstat(handle.fileno()))
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
        try:
            # The writer named here, so that replacing ``storage.write_atomically`` (a full disk, in
            # the tests and the reliability scenarios) reaches every save.
            body = saving.write_state(self.path, state, write_atomically)
        except FileProblem:
            self.forget()
            raise
        self._stamp = self.stamp()
        state.saved(self.path, self._stamp, body)
        self._state = state
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
        return self._settled(lambda: parse(self.path, self._read_bytes()[0]))

    def write(self, data: dict[str, Any]) -> None:
        self.save(StateFile.from_data(data))

    def close(self) -> None:
        pass
