"""A text area that keeps every character typed or pasted, and draws control characters visibly.

Textual's TextArea drops a key whose character does not print (the zero-width joiner of 👩‍💻),
breaks lines at characters that are not line breaks (U+001C-U+001E, U+0085, U+2028: they vanish),
and draws an ESC it holds as ESC. Here the document keeps the text as written, breaking lines only
at newlines, and gives the text area its lines through ``visible()`` for drawing and moving the
cursor; ``text`` and every edit (undo, copy) use the text itself. ``visible()`` replaces each
character by one, so positions in the text and on screen are the same.
"""

from __future__ import annotations

import re
from typing import overload

from rich.cells import cell_len
from textual import events
from textual.geometry import Size
from textual.widgets import TextArea
from textual.widgets.text_area import Document, DocumentNavigator, EditResult, Location, WrappedDocument

from ...domain.text import visible
from .literal_input import typed_character

_LINE_BREAK = re.compile("\r\n|\r|\n")


class LiteralDocument(Document):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._lines = _LINE_BREAK.split(text)

    @property
    def lines(self) -> list[str]:
        return [visible(line, multiline=True) for line in self._lines]

    @overload
    def __getitem__(self, line_index: int) -> str: ...

    @overload
    def __getitem__(self, line_index: slice) -> list[str]: ...

    def __getitem__(self, line_index: int | slice) -> str | list[str]:
        if isinstance(line_index, slice):
            return [visible(line, multiline=True) for line in self._lines[line_index]]
        return visible(self._lines[line_index], multiline=True)

    def get_size(self, tab_width: int) -> Size:
        widths = [cell_len(visible(line, multiline=True).expandtabs(tab_width)) for line in self._lines]
        return Size(max(widths, default=0), len(self._lines))

    def replace_range(self, start: Location, end: Location, text: str) -> EditResult:
        # As Document.replace_range, but lines break only at line breaks.
        top, bottom = sorted((start, end))
        top_row, top_column = top
        bottom_row, bottom_column = bottom
        inserted = _LINE_BREAK.split(text)
        lines = self._lines
        replaced = self.get_text_range(top, bottom)
        after = lines[bottom_row][bottom_column:] if bottom_row < len(lines) else ""
        before = lines[top_row][:top_column] if top_row < len(lines) else ""
        inserted[0] = before + inserted[0]
        column = len(inserted[-1])
        inserted[-1] += after
        lines[top_row : bottom_row + 1] = inserted
        return EditResult((top_row + len(inserted) - 1, column), replaced)


class LiteralTextArea(TextArea):
    def _set_document(self, text: str, language: str | None) -> None:
        # Plain text only (the console's text areas have no language).
        self._highlight_query = None
        self.document = LiteralDocument(text)
        self.wrapped_document = WrappedDocument(self.document, tab_width=self.indent_width)
        self.navigator = DocumentNavigator(self.wrapped_document)
        self._build_highlight_map()
        self.move_cursor((0, 0))
        self._rewrap_and_refresh_virtual_size()

    def check_consume_key(self, key: str, character: str | None = None) -> bool:
        return super().check_consume_key(key, character) or (not self.read_only and typed_character(character))

    async def _on_key(self, event: events.Key) -> None:
        # Printable keys, Enter and Tab are TextArea's own; this takes those it would drop.
        if not self.read_only and not event.is_printable and typed_character(event.character):
            event.stop()
            event.prevent_default()
            self._replace_via_keyboard(event.character or "", *self.selection)
