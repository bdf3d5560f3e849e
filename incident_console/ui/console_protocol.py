"""What the screens may ask of the console app, as a Protocol: screens are typed against this, never the app.

The app (``ui/app.py``) imports the screens; were the screens to import the app back, ``ui/`` would
be a circle. ``IncidentConsole`` satisfies this protocol (checked by mypy where the app hands itself
out, in ``app.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol, cast

from textual.dom import DOMNode

from ..desk import Desk
from ..domain.model import Snapshot
from ..domain.pending import PendingEntry
from .copying import Copier
from .saver import Saver
from .team import Team


class Console(Protocol):
    """The console as a screen sees it: the Desk, the state on screen, the save queue, copying."""

    desk: Desk
    clock: Callable[[], datetime]
    incident_id: str | None
    drafts: dict[str, dict[str, str]]
    chain_problem: str | None
    read_only: bool
    saver: Saver
    copier: Copier
    team: Team

    @property
    def snapshot(self) -> Snapshot:
        """The file's state as last read (the screens redraw when it changes)."""
        ...

    def submit(
        self,
        description: str,
        run: Callable[[], Any],
        *,
        entry: PendingEntry | None = None,
        on_done: Callable[[Any], object] | None = None,
    ) -> None:
        """Queue a change for the Desk; ``entry`` is shown in the log until it is saved."""
        ...

    def open_read_only(self, path: str) -> str | None:
        """Show another state file (an archive) read-only from now on; None, or why it was not opened."""
        ...

    def action_quit(self) -> None:
        """Quit, or warn first when changes are not saved yet."""
        ...


def console_of(node: DOMNode) -> Console:
    """The console app ``node`` runs in."""
    return cast("Console", node.app)
