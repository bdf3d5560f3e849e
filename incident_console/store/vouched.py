"""Which version of a state file has had every line checked: ``<file>.checked`` beside it, derived and disposable.

A change made on part of the log (``change_view``) copies the other lines unread; it must only do
so for a file this store saved from lines it had parsed and checked (a whole read), or from such
a file's lines unread, and its own new lines, and only when each incident's entries begin with its
one declaration (the order ``incident_log`` searches by). ``<file>.checked`` holds the stamp
(inode, size, modification and change times) of that version; only a save writes it, never a read. Any other
write to the file changes its stamp, so a stale record, a missing one or one that cannot be read
only means the whole log is read again: it never vouches for a file it did not see. The record is
never followed through a link, and writing it is best effort: a folder that refuses it costs a whole
read next time, never a failed save.
"""

from __future__ import annotations

import contextlib
import json
import os

from .atomic import remove_stale_temps, write_atomically
from .blocks import Stamp

SUFFIX = ".checked"
_LIMIT = 4096


def record_path(path: str) -> str:
    return path + SUFFIX


def is_vouched(path: str, stamp: Stamp | None) -> bool:
    """True when ``<path>.checked`` names the very version of the file whose stamp is ``stamp``."""
    if stamp is None:
        return False
    try:
        fd = os.open(record_path(path), os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        raw = os.read(fd, _LIMIT)
    except OSError:
        return False
    finally:
        os.close(fd)
    try:
        recorded = json.loads(raw)
    except ValueError:
        return False
    return isinstance(recorded, dict) and recorded.get("stamp") == list(stamp)


def vouch(path: str, stamp: Stamp | None) -> None:
    """Record that the version of the file with ``stamp`` has had every line checked (best effort)."""
    if stamp is None:
        return
    content = json.dumps({"stamp": list(stamp)}).encode()
    with contextlib.suppress(OSError):
        remove_stale_temps(record_path(path), locked=False)  # of writers of the record that crashed
        # Not fsynced: a record a crash loses or leaves empty only costs a whole read.
        write_atomically(record_path(path), content, mode=0o600, durable=False)
