"""The console's save queue: changes are saved in order, off the UI thread, and never dropped.

A change that fails because of the file (disk full, read-only, lock) stays at the head of the
queue and is retried; the ones behind it wait, so the log keeps the order they were made in.
A change the Desk refuses (bad input) is dropped with its message: retrying cannot help it.

The queue never calls into the console: each outcome, with the state read just after it, goes
back as a ``Saver.Saved`` message, and a wait for the file's lock as ``Saver.Waiting``.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual.message import Message

from ..domain.errors import FileProblem, InputError
from ..domain.model import Snapshot
from ..domain.pending import PendingEntry

_ids = itertools.count(1)


class Change:
    """One thing the user asked for, waiting to be saved (each one itself: equal only to itself)."""

    __slots__ = ("description", "run", "entry", "on_done", "id")

    def __init__(
        self,
        description: str,
        run: Callable[[], Any],
        entry: PendingEntry | None = None,
        on_done: Callable[[Any], object] | None = None,
    ) -> None:
        self.description = description
        self.run = run
        # For a change that logs an entry: shown in the log as "not saved yet" until it is.
        self.entry = entry
        self.on_done = on_done
        self.id = next(_ids)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of ``change``: saved (``result``), refused, or failed and still queued."""

    change: Change
    result: Any = None
    refused: str = ""  # InputError message
    wants: str = ""  # what the refusal wants (InputError.wants)
    failed: str = ""  # FileProblem message: the change is still queued
    # The file's state just after, read on the save thread; None when it could not be read.
    snapshot: Snapshot | None = None


class Saver:
    """An ordered queue of changes drained by one background thread at a time."""

    class Saved(Message):
        """A change was saved, refused, or failed (and stays queued)."""

        def __init__(self, outcome: Outcome) -> None:
            super().__init__()
            self.outcome = outcome

    class Waiting(Message):
        """The change at the head of the queue waits for the file's lock (``Saver.problem`` says who holds it)."""

    def __init__(
        self,
        start_thread: Callable[[Callable[[], None]], None],
        post: Callable[[Message], object],
        read_state: Callable[[], Snapshot],
    ) -> None:
        self._start_thread = start_thread
        self._post = post
        self._read_state = read_state
        self._queue: deque[Change] = deque()
        self._lock = threading.Lock()
        self._draining = False
        self.problem = ""

    def submit(self, change: Change) -> None:
        with self._lock:
            self._queue.append(change)
        self.kick()

    def pending(self) -> list[Change]:
        with self._lock:
            return list(self._queue)

    def kick(self) -> None:
        """Start draining unless a drain is already running (also used to retry)."""
        with self._lock:
            if self._draining or not self._queue:
                return
            self._draining = True
        self._start_thread(self._drain)

    def waiting_for_lock(self, holder: str) -> None:
        """On the save thread, when the file's lock is busy: the change stays pending, and says why."""
        self.problem = f"waiting for the file lock (held by {holder})"
        self._send(self.Waiting())

    def _send(self, message: Message) -> None:
        with contextlib.suppress(RuntimeError):  # the console closed meanwhile (its loop is gone)
            self._post(message)

    def _report(self, change: Change, **what: Any) -> None:
        try:
            snapshot: Snapshot | None = self._read_state()
        except FileProblem:
            snapshot = None
        self._send(self.Saved(Outcome(change, snapshot=snapshot, **what)))

    def _drain(self) -> None:
        try:
            while True:
                with self._lock:
                    if not self._queue:
                        return
                    change = self._queue[0]
                try:
                    result = change.run()
                except FileProblem as exc:
                    self.problem = str(exc)
                    self._report(change, failed=str(exc))
                    return  # stays queued; retried on the next kick
                except InputError as exc:
                    with self._lock:
                        self._queue.popleft()
                    self._report(change, refused=str(exc), wants=exc.wants)
                    continue
                except Exception as exc:  # an unexpected failure keeps the change, like a file problem
                    self.problem = f"could not save: {type(exc).__name__}: {exc}"
                    self._report(change, failed=self.problem)
                    return
                with self._lock:
                    self._queue.popleft()
                self.problem = ""
                self._report(change, result=result)
        finally:
            with self._lock:
                self._draining = False
