"""A Markdown document as a reader sees it: prose drawn by Textual's Markdown widget, tables as aligned rows.

Textual's Markdown makes a widget for every table cell, which takes seconds for the log table of a
long review; the tables here are drawn as one block of text instead. Every table the console makes
holds only literal text (escaped by domain/reports.py), so a cell shows its text with the escapes
removed and nothing else.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from rich.cells import cell_len
from textual.containers import VerticalScroll
from textual.content import Content
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Markdown

from ...domain.text import visible

_SEPARATOR = re.compile(r"^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_PUNCTUATION = set(string.punctuation)


def _keep_line_breaks(state: StateCore) -> None:
    # A line break stays where it was written (the post-mortem's "**Date:**", "**Duration:**" lines,
    # a section a person wrote): Markdown would join the lines of a paragraph.
    for token in state.tokens:
        for child in token.children or ():
            if child.type == "softbreak":
                child.type = "hardbreak"


def _parser() -> MarkdownIt:
    # CommonMark without raw HTML (shown as text) and without turning bare addresses into links.
    parser = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    parser.core.ruler.push("keep_line_breaks", _keep_line_breaks)
    return parser


def table_cells(line: str) -> list[str]:
    """The cells of a Markdown table row, each as the text it shows (``\\|`` is a pipe in a cell)."""
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    cells: list[str] = []
    cell: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body) and body[i + 1] in _PUNCTUATION:
            cell.append(body[i + 1])
            i += 2
            continue
        if ch == "|":
            cells.append("".join(cell).strip())
            cell = []
        else:
            cell.append(ch)
        i += 1
    if "".join(cell).strip():
        cells.append("".join(cell).strip())
    return cells


def split_tables(markdown: str) -> Iterator[tuple[str, list[str]]]:
    """The document in order as ("prose", lines) and ("table", lines) parts."""
    prose: list[str] = []
    lines = markdown.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith("|") and i + 1 < len(lines) and _SEPARATOR.match(lines[i + 1].strip()):
            end = i + 2
            while end < len(lines) and lines[end].lstrip().startswith("|"):
                end += 1
            if prose:
                yield "prose", prose
                prose = []
            yield "table", [line, *lines[i + 2 : end]]
            i = end
            continue
        prose.append(line)
        i += 1
    if any(line.strip() for line in prose):
        yield "prose", prose


class DocumentTable(Widget):
    """A Markdown table drawn as text: a bold header, then one line per row with the columns aligned;
    a long last cell (the text) wraps under itself."""

    DEFAULT_CSS = """
    DocumentTable { height: auto; margin: 0 2 1 2; }
    """

    def __init__(self, header: list[str], rows: list[list[str]]) -> None:
        super().__init__()
        self.header = header
        self.rows = rows
        columns = len(header)
        self._cells = [[visible(c) for c in (row + [""] * columns)[:columns]] for row in [header, *rows]]
        # The columns before the last are as wide as their widest cell.
        self._widths = [max(cell_len(r[i]) for r in self._cells) for i in range(columns - 1)]
        self._drawn: tuple[int, list[Content]] | None = None

    def _lines(self, width: int) -> list[Content]:
        if self._drawn is not None and self._drawn[0] == width:
            return self._drawn[1]
        indent = sum(w + 2 for w in self._widths)
        if width - indent < 20:
            indent = 0  # wide leading columns on a narrow screen: the rows wrap from the left edge
        room = max(1, width - indent)
        lines: list[Content] = []
        for number, cells in enumerate(self._cells):
            lead = "".join(c + " " * (self._widths[i] - cell_len(c) + 2) for i, c in enumerate(cells[:-1]))
            text = Content(cells[-1]) if cells else Content("")
            if not indent:
                text, lead = Content(lead) + text, ""
            parts = text.wrap(room) if text.cell_length > room else [text]
            for index, part in enumerate(parts or [Content("")]):
                line = Content.assemble(lead if index == 0 else " " * indent, part)
                lines.append(line.stylize("bold underline") if number == 0 else line)
        self._drawn = (width, lines)
        return lines

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines(width))

    def render(self) -> Content:
        return Content("\n").join(self._lines(self.content_region.width))


class DocumentView(VerticalScroll, can_focus=True):
    """Scrolls the rendered document; ``show`` replaces it."""

    DEFAULT_CSS = """
    DocumentView { height: 1fr; }
    DocumentView Markdown { margin: 0; }
    """

    def __init__(self, markdown: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.markdown = markdown

    def compose(self) -> Iterator[Widget]:
        yield from self._parts(self.markdown)

    def _parts(self, markdown: str) -> Iterator[Widget]:
        for kind, lines in split_tables(markdown):
            if kind == "table":
                header, *rows = (table_cells(line) for line in lines)
                yield DocumentTable(header, rows)
            else:
                # Links in a post-mortem section a person wrote are shown, not followed.
                yield Markdown("\n".join(lines), parser_factory=_parser, open_links=False)

    async def show(self, markdown: str) -> None:
        self.markdown = markdown
        async with self.batch():
            await self.remove_children()
            await self.mount_all(list(self._parts(markdown)))
