"""The console's save queue: changes are saved in order, off the UI thread, and never dropped.

A change that fails because of the file (disk full, read-only, lock) stays at the head of the
queue and is retried; the ones behind it wait, so the log keeps the order they were made in.
A change the Desk refuses (bad input) is dropped with its message: retrying cannot help it.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

from ..domain.errors import FileProblem, InputError

_ids = itertools.count(1)


class Change:
    """One thing the user asked for, waiting to be saved (each one itself: equal only to itself)."""

    __slots__ = ("description", "run", "preview", "on_done", "id")

    def __init__(
        self,
        description: str,
        run: Callable[[], Any],
        preview: tuple[str, str, str, datetime] | None = None,
        on_done: Callable[[Any], None] | None = None,
    ) -> None:
        self.description = description
        self.run = run
        # For a typed log entry: shown in the log as "not saved yet" until it is.
        self.preview = preview  # (incident id, kind, text, at)
        self.on_done = on_done
        self.id = next(_ids)


class Outcome(NamedTuple):
    change: Change
    result: Any = None
    refused: str = ""  # InputError message
    wants: str = ""  # what the refusal wants (InputError.wants)
    failed: str = ""  # FileProblem message: the change is still queued


class Saver:
    """An ordered queue of changes drained by one background thread at a time."""

    def __init__(self, start_thread: Callable[[Callable[[], None]], None], report: Callable[[Outcome], None]) -> None:
        self._start_thread = start_thread
        self._report = report
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
                    self._report(Outcome(change, failed=str(exc)))
                    return  # stays queued; retried on the next kick
                except InputError as exc:
                    with self._lock:
                        self._queue.popleft()
                    self._report(Outcome(change, refused=str(exc), wants=exc.wants))
                    continue
                except Exception as exc:  # an unexpected failure keeps the change, like a file problem
                    self.problem = f"could not save: {type(exc).__name__}: {exc}"
                    self._report(Outcome(change, failed=self.problem))
                    return
                with self._lock:
                    self._queue.popleft()
                self.problem = ""
                self._report(Outcome(change, result=result))
        finally:
            with self._lock:
                self._draining = False
