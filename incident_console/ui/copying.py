"""Copying text out of the console: the system clipboard (checked, off the UI thread) and OSC 52 to the terminal.

Screens are given a ``Copier`` (through the console protocol) rather than reaching into the app.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import App

from ..clipboard import CopyOutcome, SystemClipboard


class Copier:
    """Puts text on the system clipboard and sends it to the terminal, then says which worked."""

    def __init__(self, app: App[Any], clipboard: SystemClipboard) -> None:
        self._app = app
        self.clipboard = clipboard

    def copy(self, text: str, on_copied: Callable[[CopyOutcome], None]) -> None:
        """Put ``text`` on the system clipboard (checked) and send it to the terminal with OSC 52;
        ``on_copied`` is called on the UI thread with what the system clipboard did."""
        app = self._app

        def work() -> None:
            outcome = self.clipboard.copy(text)
            app.call_from_thread(finish, outcome)

        def finish(outcome: CopyOutcome) -> None:
            app.copy_to_clipboard(text)
            on_copied(outcome)

        app.run_worker(work, thread=True, group="clipboard", exit_on_error=False)
