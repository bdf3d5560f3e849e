"""Presence at the Desk's level: this console says it is here, and asks who else is.

Names read from the presence folder were written by other processes: each is checked as a
person's name (``domain.names``) and one that is not is left out. A folder that cannot be read or
written costs nothing but the courtesy.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field

from ..domain import names
from ..store import presence as record


@dataclass
class Presence:
    """One console's presence on one state file."""

    state_file: str
    name: str
    read_only: bool = False
    tab: str = field(default_factory=lambda: os.urandom(8).hex())

    def refresh(self) -> None:
        """Say (again) that this console is here; called every ``record.REFRESH`` seconds."""
        with contextlib.suppress(OSError):
            record.announce(self.state_file, record.Here(self.tab, self.name, self.read_only))

    def others(self) -> list[str]:
        """The names of the other people with the file open now, each once, in the order they came."""
        seen: list[str] = []
        for here in record.present(self.state_file):
            if here.tab == self.tab or names.problem(here.name):
                continue
            shown = names.person(here.name) + (" (viewing)" if here.read_only else "")
            if shown not in seen:
                seen.append(shown)
        return seen

    def leave(self) -> None:
        record.withdraw(self.state_file, self.tab)


REFRESH_SECONDS = record.REFRESH
