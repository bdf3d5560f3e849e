"""The command line each browser tab runs: the console, on the server's state file, as the tab's person.

textual-serve starts it with a shell, so every word is quoted: a name from ``?as=`` is one
argument, whatever it holds.
"""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass


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
