"""A browser tab's console: the command line it runs (the console, on the server's state file, as the
tab's person), and what it does when its tab closes.

textual-serve starts it with a shell, so every word is quoted: a name from ``?as=`` is one
argument, whatever it holds.
"""

from __future__ import annotations

import shlex
import sys
import time
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TabSettings:
    """What every tab of one server shares."""

    state_file: str
    config: str | None = None
    incident: str | None = None
    python: str = sys.executable


def tab_command(settings: TabSettings, *, name: str | None, read_only: bool) -> str:
    """The shell command for one tab: ``--served`` (copy by OSC 52, ask who it is when no name),
    ``--as NAME`` when the address named the person, ``--read-only`` for a viewer."""
    words = [settings.python, "-m", "incident_console", "--file", settings.state_file, "--served"]
    if settings.config:
        words += ["--config", settings.config]
    if settings.incident:
        words += ["--incident", settings.incident]
    if name:
        words += ["--as", name]
    if read_only:
        words.append("--read-only")
    # exec: the shell becomes the console, so ending the tab's process ends the console itself.
    return "exec " + " ".join(shlex.quote(word) for word in words)


def finish_saves(saver: Any, timeout: float = 10.0) -> list[Any]:
    """After a served console closed: let a save under way end, then save what is still queued, in
    order, here; what cannot be saved is returned (and printed to the server's output)."""
    deadline = time.monotonic() + timeout
    while saver._draining and time.monotonic() < deadline:
        time.sleep(0.02)
    left = saver.pending()
    for index, change in enumerate(left):
        try:
            change.run()
        except Exception:  # a refusal or a file problem: this one and those behind it are printed
            return left[index:]
    return []
