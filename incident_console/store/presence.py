"""Who has a state file open right now: one small file per open console in a folder beside it.

``<state file>.presence/`` holds ``<tab id>.json`` for each console that has the file open, with the
person's name. Each console rewrites its own every couple of seconds; a file older than ``STALE``
seconds is a console that closed without saying so (killed, or its machine asleep) and is ignored,
then swept. Presence is a courtesy, not a record: it is never fsynced, and a folder that cannot be
written only means the others do not see this console.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

REFRESH = 2.0  # seconds between a console's rewrites of its own file
STALE = 6.0  # seconds after which a file that was not rewritten no longer counts
_LARGEST = 4096  # bytes: a presence file is a name and a flag, anything bigger is not one
_SUFFIX = ".json"


@dataclass(frozen=True)
class Here:
    """One console that has the file open: whose it is, and whether it is a read-only view."""

    tab: str
    name: str
    read_only: bool = False


def folder_of(state_file: str | os.PathLike[str]) -> Path:
    path = Path(state_file)
    return path.with_name(path.name + ".presence")


def announce(state_file: str | os.PathLike[str], here: Here) -> None:
    """Write (or refresh) this console's presence file."""
    folder = folder_of(state_file)
    folder.mkdir(mode=0o700, exist_ok=True)
    target = folder / f"{here.tab}{_SUFFIX}"
    temporary = folder / f".{here.tab}.tmp"
    payload = json.dumps({"name": here.name, "read_only": here.read_only}).encode("utf-8")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(temporary, flags, 0o600)
    try:
        os.write(fd, payload)
    finally:
        os.close(fd)
    os.replace(temporary, target)


def withdraw(state_file: str | os.PathLike[str], tab: str) -> None:
    """Remove this console's presence file (it is closing)."""
    with contextlib.suppress(OSError):
        (folder_of(state_file) / f"{tab}{_SUFFIX}").unlink()


def present(state_file: str | os.PathLike[str], *, now: float | None = None) -> list[Here]:
    """Every console whose presence file is fresh, oldest tab first; stale files are swept."""
    folder = folder_of(state_file)
    moment = time.time() if now is None else now
    found: list[tuple[float, Here]] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for entry in entries:
        if not entry.name.endswith(_SUFFIX) or entry.name.startswith("."):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if moment - info.st_mtime > STALE:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
            continue
        here = _read(entry.path, entry.name.removesuffix(_SUFFIX), info.st_size)
        if here is not None:
            found.append((info.st_mtime, here))
    return [here for _, here in sorted(found, key=lambda pair: (pair[0], pair[1].tab))]


def _read(path: str, tab: str, size: int) -> Here | None:
    if size > _LARGEST:
        return None
    try:
        with open(path, "rb") as handle:
            data = json.loads(handle.read(_LARGEST))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        return None
    return Here(tab, data["name"], bool(data.get("read_only", False)))
