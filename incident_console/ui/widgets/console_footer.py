"""The main screen's footer: every runbook key in order, with help and quit kept in view on the right.

On a narrow terminal the keys that do not fit are cut off at the right; help (which lists them all)
and quit must never be among them.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import HorizontalGroup
from textual.widgets import Footer

KEPT_IN_VIEW = ("help", "quit")


class ConsoleFooter(Footer):
    def compose(self) -> ComposeResult:
        kept = []
        for widget in super().compose():
            if getattr(widget, "action", None) in KEPT_IN_VIEW:  # a key (Textual's FooterKey is private)
                kept.append(widget)
            else:
                yield widget
        if kept:
            yield HorizontalGroup(*kept, id="footer-kept")
