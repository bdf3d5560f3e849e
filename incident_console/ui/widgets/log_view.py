"""The action log's scrolling view: draws only the rows on screen, so 50,000 entries cost nothing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...domain.model import LogEntry
from ...domain.text import visible
from ...domain.times import clock_text

KIND_STYLES: dict[str, Style] = {
    "declare": Style(color="bright_red", bold=True),
    "ack": Style(color="green"),
    "triage": Style(color="magenta"),
    "severity": Style(color="bright_red"),
    "status": Style(color="bright_blue"),
    "comms": Style(color="bright_cyan"),
    "action": Style(color="yellow"),
    "command": Style(color="yellow"),
    "escalation": Style(color="bright_magenta"),
    "breach": Style(color="red", bold=True),
    "handoff": Style(color="bright_green"),
    "correction": Style(color="bright_yellow"),
}
DIM = Style(dim=True)
AUTHOR = Style(color="cyan")
PENDING = Style(color="yellow", italic=True)
FAILED = Style(color="red", bold=True)
BACKFILL = Style(color="yellow")
CORRECTED = Style(color="bright_yellow", italic=True)
CURSOR = Style(reverse=True)


def one_line(text: str) -> str:
    """A multi-line entry (a status update) on one row: line breaks shown as ↵, nothing sent raw."""
    return visible(text.replace("\r\n", "\n").replace("\n", " ↵ "))


class LogRow(NamedTuple):
    """One row of the log as shown: a saved entry, or one typed and not saved yet."""

    at: datetime
    author: str
    kind: str
    text: str
    entry_id: int | None = None
    recorded_at: datetime | None = None
    backfilled: bool = False
    pending: bool = False
    failed: bool = False


def as_row(item: LogRow | LogEntry) -> LogRow:
    """A saved entry as a row (rows for unsaved entries are made by the caller)."""
    if isinstance(item, LogRow):
        return item
    return LogRow(
        at=item.at,
        author=item.author,
        kind=item.kind,
        text=item.text,
        entry_id=item.id,
        recorded_at=item.recorded_at,
        backfilled=item.backfilled,
    )


class LogView(ScrollView, can_focus=True):
    """Log entries and unsaved rows, newest at the bottom, following new rows unless scrolled up.

    Entries are turned into rows only when drawn, so a 50,000-entry log costs what is on screen.
    While the view has the focus, one row is highlighted (the newest until the arrows move it);
    Enter or a click on a row asks for that entry in full (the Chosen message).
    """

    DEFAULT_CSS = """
    LogView { background: $surface; }
    """

    BINDINGS = [
        # Not in the footer: the runbook's actions fill it at 120 columns (the help screen lists it).
        Binding("enter", "choose", "Open entry", show=False),
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "cursor_page(-1)", "Page up", show=False),
        Binding("pagedown", "cursor_page(1)", "Page down", show=False),
        Binding("home", "cursor_to(0)", "First", show=False),
        Binding("end", "cursor_to(-1)", "Newest", show=False),
    ]

    class Chosen(Message):
        """The user asked to see a row in full."""

        def __init__(self, row: LogRow) -> None:
            super().__init__()
            self.row = row

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[LogRow | LogEntry] = []
        self.local_time = False
        self.corrected: set[int] = set()  # ids of entries a later entry corrects
        self._cursor: int | None = None  # None: the newest row
        self._follow = True
        self._widest = 0
        self._strips: LRUCache[int, Strip] = LRUCache(1024)

    @property
    def cursor(self) -> int | None:
        """The index of the highlighted row (None when there are no rows)."""
        if not self.rows:
            return None
        return min(self._cursor, len(self.rows) - 1) if self._cursor is not None else len(self.rows) - 1

    def _top(self) -> int:
        """The index of the row drawn at the top of the view."""
        if self._follow:
            # Stuck to the newest row: drawn from the bottom at once, also in a frame drawn before
            # the scroll to the end has landed (the first frame, or the one a new row arrives in).
            return max(0, len(self.rows) - self.scrollable_content_region.height)
        return self.scroll_offset.y

    def action_cursor(self, step: int) -> None:
        cursor = self.cursor
        if cursor is not None:
            self._move_to(cursor + step)

    def action_cursor_page(self, pages: int) -> None:
        cursor = self.cursor
        if cursor is not None:
            self._move_to(cursor + pages * max(1, self.scrollable_content_region.height - 1))

    def action_cursor_to(self, index: int) -> None:
        if self.rows:
            self._move_to(index % len(self.rows))

    def _move_to(self, index: int) -> None:
        index = max(0, min(index, len(self.rows) - 1))
        newest = index == len(self.rows) - 1
        self._cursor = None if newest else index
        height = self.scrollable_content_region.height
        top = self._top()
        if newest:
            self._follow = True
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        elif index < top or index >= top + height:
            self._follow = False
            self.scroll_to(y=index if index < top else index - height + 1, animate=False, immediate=True)
        self.refresh()

    def action_choose(self) -> None:
        cursor = self.cursor
        if cursor is not None:
            self.post_message(self.Chosen(as_row(self.rows[cursor])))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = self._top() + offset.y
        if 0 <= index < len(self.rows):
            self.focus()
            self._cursor = None if index == len(self.rows) - 1 else index
            self.refresh()
            self.post_message(self.Chosen(as_row(self.rows[index])))

    def on_focus(self) -> None:
        self.refresh()  # the highlight shows only while the view has the focus

    def on_blur(self) -> None:
        self.refresh()

    def set_corrected(self, ids: set[int]) -> None:
        """Mark the rows of the entries ``ids`` as corrected (when the set changes)."""
        if ids != self.corrected:
            self.corrected = ids
            self._strips.clear()
            self.refresh()

    @property
    def following(self) -> bool:
        """True while the view sticks to the newest row (it stops when the user scrolls up)."""
        return self._follow

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if new_value < old_value:
            self._follow = new_value >= self.max_scroll_y
        elif new_value >= self.max_scroll_y:
            self._follow = True

    def on_resize(self) -> None:
        if self._follow:
            self.call_after_refresh(self.scroll_end, animate=False, immediate=True, x_axis=False)

    def set_rows(self, rows: Sequence[LogRow | LogEntry]) -> None:
        """Show ``rows`` instead of the current ones."""
        follow = self.following
        self.rows = list(rows)
        self._cursor = None  # other rows (another incident, a filter): the highlight starts on the newest
        # The rest widens the view as it is drawn (see _strip).
        self._widest = max((self._row_width(r) for r in self.rows[-200:]), default=0)
        self._strips.clear()
        self._resize(follow)

    def replace_tail(self, keep: int, rows: Sequence[LogRow | LogEntry]) -> None:
        """Keep the first ``keep`` rows and put ``rows`` after them; follows them if at the bottom.

        Appending an entry, or swapping an unsaved row for the saved entry, touches only the tail,
        so it costs the same with 50 rows or 50,000.
        """
        follow = self.following
        if keep < len(self.rows):
            del self.rows[keep:]
            self._strips.clear()  # only rows on screen are drawn again, so this stays cheap
        self.rows.extend(rows)
        if rows:
            self._widest = max(self._widest, *(self._row_width(r) for r in rows[-200:]))
        self._resize(follow)

    def set_local_time(self, local: bool) -> None:
        self.local_time = local
        self._strips.clear()
        self.refresh()

    def _resize(self, follow: bool) -> None:
        self.virtual_size = Size(self._widest, len(self.rows))
        self.refresh()
        if follow:
            self._follow = True
            self.call_after_refresh(self.scroll_end, animate=False, immediate=True, x_axis=False)

    def _row_width(self, row: LogRow | LogEntry) -> int:
        return 9 + 2 + 11 + 12 + cell_len(one_line(row.text)) + 40

    def _strip(self, index: int) -> Strip:
        strip = self._strips.get(index)
        if strip is None:
            strip = Strip(self._segments(as_row(self.rows[index])))
            self._strips[index] = strip
            if strip.cell_length > self._widest:
                self._widest = strip.cell_length
                self.call_later(self._widen)
        return strip

    def _widen(self) -> None:
        if self.virtual_size.width < self._widest:
            self.virtual_size = Size(self._widest, len(self.rows))

    def _segments(self, row: LogRow) -> list[Segment]:
        marker = Segment("↶ ", BACKFILL) if row.backfilled else Segment("  ")
        author = visible(row.author)[:10].ljust(10)
        kind = visible(row.kind)[:11].ljust(11)
        segments = [
            Segment(clock_text(row.at, local=self.local_time), DIM),
            Segment(" "),
            marker,
            Segment(author, AUTHOR),
            Segment(" "),
            Segment(kind, KIND_STYLES.get(row.kind, Style())),
            Segment(" "),
            Segment(one_line(row.text), PENDING if row.pending else None),
        ]
        if row.entry_id in self.corrected:
            segments.insert(-1, Segment("[corrected] ", CORRECTED))  # before the text, which a long row cuts
        if row.failed:
            segments.append(Segment("  [not saved - retrying]", FAILED))
        elif row.pending:
            segments.append(Segment("  [saving…]", PENDING))
        if row.backfilled and row.recorded_at is not None:
            written = clock_text(row.recorded_at, local=self.local_time)
            segments.append(Segment(f"  (backfilled; written {written})", BACKFILL))
        return segments

    def render_line(self, y: int) -> Strip:
        scroll_x = self.scroll_offset.x
        index = self._top() + y
        width = self.scrollable_content_region.width
        if index >= len(self.rows):
            return Strip.blank(width, self.rich_style)
        strip = self._strip(index).crop_extend(scroll_x, scroll_x + width, self.rich_style)
        if index == self.cursor and self.has_focus:
            strip = strip.apply_style(CURSOR)
        return strip
