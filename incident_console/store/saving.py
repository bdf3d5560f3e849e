"""Saving a state file: changed in place where it can be, else the new file written atomically.

Appending to a long log writes only the new entries. When the file read is the one on disk, every
line of it was checked (``vouched``) and the new tables fit in its first line, the first line and
the new lines are written over the file with a rollback journal (``journal``, ``StateFile.in_place``);
otherwise a new file is written, the lines already in the file copied from the one being replaced
(``state.StateFile.pieces``), which is first checked to be the very file that was read.
Guarantees of ``write_state``: a crash or a failure at any point leaves the old file or the new one
(``journal``, ``atomic.write_atomically``); a new file is created 0600, an existing one keeps its
mode; a file changed since it was read is never written over; a failure is one sentence
(FileProblem) that says what was left.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from ..domain.errors import FileProblem
from . import journal, vouched
from .atomic import Piece, pread, write_atomically
from .blocks import Stamp, stamp_at, stamp_of
from .state import StateFile

Writer = Callable[[str, Sequence[Piece]], None]


def write_state(path: str, state: StateFile, write: Writer = write_atomically) -> tuple[int, int]:
    """Write ``state`` as the file at ``path`` with ``write`` (an atomic write); returns where its
    log's lines are in the new file."""
    body = _write_in_place(path, state)
    if body is not None:
        return body
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


def _write_in_place(path: str, state: StateFile) -> tuple[int, int] | None:
    """Change the file in place (see the module); where its log's lines now are, or None when it
    is to be written anew."""
    if not state.needs_source or not vouched.is_vouched(path, state.stamp):
        return None
    try:
        fd = os.open(path, os.O_RDWR | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None  # written anew, which names what is wrong (a read-only file, a link)
    try:
        if stamp_of(os.fstat(fd)) != state.stamp:
            raise FileProblem(f"{path} was changed by another program while saving; nothing was saved")
        try:
            plan = state.in_place(pread(fd, state.body[0], 0))
        except (TypeError, ValueError) as exc:
            raise FileProblem(f"cannot save {path}: {exc}") from None
        if plan is None:
            return None
        patches, closing, body = plan
        if pread(fd, len(closing), patches[-1][0]) != closing:
            return None
        try:
            journal.write_in_place(path, fd, patches)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            left = "the previous file is intact"
            if journal.pending(path):
                left = "the previous file is put back when it is next opened"
            raise FileProblem(f"could not save {path}: {reason}; {left}") from None
    finally:
        os.close(fd)
    return body


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
