"""A block of styled text that redraws only when its content changes, and never asks for a new layout.

Static.update() re-lays out the whole screen; panes that change every second (the countdowns,
the "how long ago" times) live in fixed-size cells, so a repaint of the widget is enough.
"""

from __future__ import annotations

from textual.content import Content
from textual.widget import Widget


class LiveText(Widget):
    DEFAULT_CSS = """
    LiveText { height: auto; }
    """

    def __init__(self, content: Content | None = None, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._content = content or Content("")

    @property
    def content(self) -> Content:
        return self._content

    def set_content(self, content: Content) -> None:
        """Show ``content``; a no-op when it is what is already shown."""
        if content == self._content:
            return
        lines_changed = content.plain.count("\n") != self._content.plain.count("\n")
        self._content = content
        # A different number of lines can change an auto height; otherwise a repaint is enough.
        self.refresh(layout=lines_changed and self.styles.height is not None and self.styles.height.is_auto)

    def render(self) -> Content:
        return self._content
