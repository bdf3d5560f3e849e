"""What a console knows of the team on its file: who is typing here, who else is here, and whether this
is a read-only view; it draws that into the header and keeps this console's presence fresh."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from textual.app import App

from ..desk import Desk
from ..desk.presence import REFRESH_SECONDS, Presence
from ..domain.text import visible

READ_ONLY_VIEW = "read-only view"
# How often a served tab looks at the file for the others' changes (a stat; the clock still ticks each
# second): a team's entries reach every tab well within two seconds, even while ten of them type.
SERVED_CHANGE_CHECK = 0.5


class Team:
    """The person at this console, the others at theirs, and this console's presence record."""

    def __init__(
        self,
        app: App[Any],
        desk: Desk,
        *,
        redraw: Callable[[], object],
        on_named: Callable[[], object],
        changed: Callable[[], bool],
        reload: Callable[[], object],
        served: bool = False,
        ask_name: bool = False,
    ) -> None:
        self.app = app
        self.desk = desk
        self._redraw = redraw
        self._on_named = on_named
        self._changed = changed
        self._reload = reload
        self.served = served
        self.ask_name = ask_name
        self.presence = Presence(str(desk.path), desk.author, desk.read_only)
        self.others: list[str] = []
        # A served tab's console is the server's child: when the server is gone (killed), so is the tab.
        self._server = os.getppid()

    def start(self) -> None:
        """On mount: ask who this is (a served tab opened without a name), and start the presence beat."""
        if self.ask_name:
            from .screens.identity import IdentityScreen

            self.app.push_screen(IdentityScreen(), self.named)
        else:
            self.app.set_timer(0.3, self._beat)  # after the first frame: the screen first, then the others
        self.app.set_interval(REFRESH_SECONDS, self._beat, name="presence")
        if self.served:
            self.app.set_interval(SERVED_CHANGE_CHECK, self._look_for_changes, name="changes")

    def _look_for_changes(self) -> None:
        from textual.worker import WorkerState

        app = self.app
        if not app.is_running or any(
            w.group == "reload" and w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in app.workers
        ):
            return
        if self._changed():
            self._reload()

    def named(self, name: str | None) -> None:
        if not name:
            return
        self.desk.author = name
        self.presence.name = name
        self.ask_name = False
        self._beat()
        self._on_named()

    def _beat(self) -> None:
        if self.served and os.getppid() != self._server:
            self.app.exit()  # the changes still queued are saved before the process ends (see cli)
            return
        if self.ask_name:
            return  # not here yet, as far as the others are concerned: no name to show
        self.app.run_worker(self._refresh, thread=True, group="presence", exclusive=True, exit_on_error=False)

    def _refresh(self) -> None:
        self.presence.refresh()
        others = self.presence.others()
        if others != self.others:
            self.app.call_from_thread(self._show, others)

    def _show(self, others: list[str]) -> None:
        self.others = others
        if self.app.is_running:
            self._redraw()

    def header(self) -> tuple[tuple[str, str], ...]:
        """The header's parts about the team: a read-only view says so; then who else is here."""
        parts: list[tuple[str, str]] = []
        if self.desk.read_only:
            parts.append((f"  {READ_ONLY_VIEW}", "bold reverse"))
        if self.others:
            parts.append((f"  also here: {visible(', '.join(self.others))}", "bold"))
        return tuple(parts)

    def follow(self, desk: Desk) -> None:
        """The console now shows another file (an archive, read-only): leave this one, be present there."""
        self.presence.leave()
        self.desk = desk
        self.others = []
        self.presence = Presence(str(desk.path), desk.author, desk.read_only)

    def leave(self) -> None:
        self.presence.leave()
