"""A one-line input that keeps every character typed or pasted, and draws control characters visibly.

Textual's Input drops a key whose character does not print (the zero-width joiner of 👩‍💻, a
no-break space), keeps only the first line of a paste, and draws an ESC it holds as ESC. This one
keeps the text as written (a paste's lines joined by spaces, as the Desk joins a one-line value) and
draws it through ``visible()``, which replaces each character by one, so the cursor stays in place.
"""

from __future__ import annotations

import re

from rich.cells import cell_len, get_character_cell_size
from rich.text import Text
from textual import events
from textual.widgets import Input

from ...domain.text import visible

_LINE_BREAK = re.compile("\r\n|\r|\n")


def typed_character(character: str | None) -> bool:
    """True for a key that types its character: anything but a control character. Control keys
    (Enter, Tab, Backspace, ctrl+...) are commands; a joiner or a no-break space is text."""
    if character is None or len(character) != 1:
        return False
    code = ord(character)
    return not (code < 0x20 or 0x7F <= code <= 0x9F)


class LiteralInput(Input):
    def check_consume_key(self, key: str, character: str | None) -> bool:
        return typed_character(character)

    async def _on_key(self, event: events.Key) -> None:
        # Printable keys are Input's own; this takes those it would drop.
        if not event.is_printable and typed_character(event.character):
            event.stop()
            event.prevent_default()
            self._type(event.character or "")

    def _on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()
        if event.text:
            self._type(" ".join(_LINE_BREAK.split(event.text)))

    def _type(self, text: str) -> None:
        selection = self.selection
        if selection.is_empty:
            self.insert_text_at_cursor(text)
        else:
            self.replace(text, *selection)

    @property
    def _value(self) -> Text:
        return Text(visible(self.value), no_wrap=True, overflow="ignore", end="")

    def _position_to_cell(self, position: int) -> int:
        return cell_len(visible(self.value[:position]))

    def _cell_offset_to_index(self, offset: int) -> int:
        cells = 0
        scroll_x, _ = self.scroll_offset
        offset += scroll_x
        shown = visible(self.value)
        for index, char in enumerate(shown):
            width = get_character_cell_size(char)
            if cells <= offset < cells + width:
                return index
            cells += width
        return max(0, min(offset, len(shown)))
