"""Saving a state file: the new file written atomically, the log's lines copied from the old file.

Appending to a 50,000-entry log serialises only the new entries: the lines already in the file
are copied from the file being replaced (``state.StateFile.pieces``), which is first checked to be
the very file that was read. Guarantees of ``write_state``: a crash or a failure at any point
leaves the old file or the new one (``atomic.write_atomically``); a new file is created 0600, an
existing one keeps its mode; a failure is one sentence (FileProblem) that says what was left.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from ..domain.errors import FileProblem
from .atomic import Piece, write_atomically
from .blocks import Stamp, stamp_at, stamp_of
from .state import StateFile

Writer = Callable[[str, Sequence[Piece]], None]


def write_state(path: str, state: StateFile, write: Writer = write_atomically) -> tuple[int, int]:
    """Write ``state`` as the file at ``path`` with ``write`` (an atomic write); returns where its
    log's lines are in the new file."""
    source: int | None = None
    try:
        if state.needs_source:
            source = _open_source(path, state.stamp)
        try:
            pieces, body_start, body_end = state.pieces(source)
        except (TypeError, ValueError) as exc:
            raise FileProblem(f"cannot save {path}: {exc}") from None
        before = stamp_at(path)
        try:
            write(path, pieces)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise FileProblem(f"could not save {path}: {reason}; {_after_failure(path, before)}") from None
    finally:
        if source is not None:
            os.close(source)
    return body_start, body_end


def _after_failure(path: str, before: Stamp | None) -> str:
    """What a failed save left, as checked: the file as it was before the save, or not."""
    try:
        after = stamp_at(path)
    except FileProblem:
        after = None if before is None else (-1, -1, -1, -1)
    if after == before:
        return "the previous file is intact" if before is not None else "no file was created"
    return "the file changed while saving; check it with `incident-console verify`"


def _open_source(path: str, stamp: Stamp | None) -> int:
    """The file the state was read from, open, for its log lines to be copied into the new file."""
    try:
        source = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        reason = exc.strerror
        raise FileProblem(f"could not save {path}: cannot read it ({reason}); nothing was saved") from None
    if stamp_of(os.fstat(source)) != stamp:
        os.close(source)
        raise FileProblem(f"{path} was changed by another program while saving; nothing was saved")
    return source
