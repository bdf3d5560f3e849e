"""The action log pane: the log view, a filter line and the one-line entry input."""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.css.query import NoMatches
from textual.message import Message
from textual.widgets import Input

from ...domain import limits
from ...domain.model import LogEntry
from ...domain.text import clean_input, visible
from .literal_input import LiteralInput
from .live_text import LiveText
from .log_view import LogRow, LogView


def _search_text(item: LogRow | LogEntry) -> str:
    return f"{item.author} {item.kind} {item.text}".lower()


def parse_filter(query: str) -> tuple[set[str], str]:
    """``kind:comms kind:action restart`` -> ({"comms", "action"}, "restart")."""
    kinds: set[str] = set()
    words: list[str] = []
    for word in query.split():
        if word.lower().startswith("kind:") and len(word) > 5:
            kinds.add(word[5:].lower())
        else:
            words.append(word.lower())
    return kinds, " ".join(words)


class ActionLog(Vertical):
    """Newest at the bottom; follows new entries unless the user scrolled up."""

    BINDINGS = [Binding("escape", "close_inputs", "Close", show=False)]

    class Submitted(Message):
        """The user pressed Enter in the entry line opened on ``incident_id``."""

        def __init__(self, text: str, incident_id: str) -> None:
            super().__init__()
            self.text = text
            self.incident_id = incident_id

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._entries: tuple[LogEntry, ...] = ()
        self._pending: tuple[LogRow, ...] = ()
        self._query = ""
        self._whole = True
        # The incident on screen; the entry line and the filter belong to it. What was typed in them
        # for another incident is kept for when that one is shown again.
        self._incident_id: str | None = None
        self._entry_for: str | None = None
        self._drafts: dict[str, str] = {}
        self._queries: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        # The filter and entry lines are made when first opened (see _line): hidden until then,
        # they would only slow the console's start.
        yield LiveText(id="log-title", classes="pane-title")
        yield LogView(id="log-view")

    async def _open_line(self, id: str) -> None:
        """Show and focus the filter line (above the view) or the entry line (below it), made the first
        time it is opened. The focus moves at once, not after a refresh: keys typed right after the
        one that opened the line (a fast typist, or keystrokes batched over SSH) go into it."""
        try:
            box = self.query_one(f"#{id}", Input)
        except NoMatches:
            if id == "log-filter":
                box = LiteralInput(placeholder="filter: text, or kind:comms kind:action …", id=id)
                await self.mount(box, before=self.view)
            else:
                # No select-on-focus: a kept draft would be selected, and the next key typed would replace it.
                box = LiteralInput(
                    placeholder="log entry — Enter saves and closes, Escape keeps the draft",
                    id=id,
                    select_on_focus=False,
                )
                await self.mount(box, after=self.view)
        box.remove_class("hidden")
        self.screen.set_focus(box)

    @property
    def view(self) -> LogView:
        return self.query_one(LogView)

    def show_entries(
        self,
        entries: tuple[LogEntry, ...],
        pending: Sequence[LogRow] = (),
        whole: bool = True,
        incident_id: str | None = None,
    ) -> None:
        """Show the incident's entries and the unsaved ones after them; ``whole`` is False when
        ``entries`` are only the newest (the rest of a long log is being read).

        When the entries only grew (the usual case: one more entry), only the tail of the view
        changes; anything else (another incident, a filter) rebuilds the rows.
        """
        pending = tuple(pending)
        self._whole = whole
        if incident_id != self._incident_id:
            self._change_incident(incident_id)
        old = self._entries
        grew = len(entries) >= len(old) and (not old or (entries[len(old) - 1].id == old[-1].id))
        same_incident = bool(old) and bool(entries) and entries[0].id == old[0].id
        self._entries, self._pending = entries, pending
        if self._query or not (grew and (same_incident or not old)):
            self.view.set_corrected({e.corrects for e in entries if e.corrects is not None})
            self._rebuild()
        else:
            added = {e.corrects for e in entries[len(old) :] if e.corrects is not None}
            if added:
                self.view.set_corrected(self.view.corrected | added)
            self.view.replace_tail(len(old), [*entries[len(old) :], *pending])
        self._update_title()

    def _rebuild(self) -> None:
        kinds, words = parse_filter(self._query)
        rows: list[LogRow | LogEntry] = [*self._entries, *self._pending]
        if kinds or words:
            rows = [r for r in rows if (not kinds or r.kind in kinds) and (not words or words in _search_text(r))]
        self.view.set_rows(rows)

    def _change_incident(self, incident_id: str | None) -> None:
        """Set the entry line and the filter aside for the incident that was shown, and bring back
        this one's."""
        entry, query = self._input("log-input"), self._input("log-filter")
        if self._incident_id is not None:
            if entry is not None and entry.value:
                self._drafts[self._incident_id] = entry.value
            self._queries[self._incident_id] = self._query
        self._incident_id = incident_id
        if entry is not None:
            entry.value = self._drafts.pop(incident_id, "") if incident_id else ""
            self._entry_for = incident_id if entry.has_focus else None
        self._query = self._queries.get(incident_id, "") if incident_id else ""
        if query is not None:
            with query.prevent(Input.Changed):
                query.value = self._query
            query.set_class(not self._query and not query.has_focus, "hidden")

    def _input(self, id: str) -> Input | None:
        try:
            return self.query_one(f"#{id}", Input)
        except NoMatches:
            return None

    def _update_title(self) -> None:
        shown = len(self.view.rows)
        total = len(self._entries) + len(self._pending)
        parts: list[str | tuple[str, str]] = [("Action log", "bold"), f"  {total} entries"]
        if not self._whole:
            parts = [("Action log", "bold"), f"  the newest {total} entries", ("  reading the rest of the log…", "dim")]
        if self._query:
            parts.append((f"  filter: {visible(self._query)} ({shown} shown)", "yellow"))
        if self._pending:
            parts.append((f"  {len(self._pending)} not saved yet", "bold red"))
        if self.view.max_scroll_y > 0 and not self.view.following:
            parts.append(("  (scrolled up: End to follow)", "dim"))
        self.query_one("#log-title", LiveText).set_content(Content.assemble(*parts))

    # entry line

    async def open_entry(self, incident_id: str) -> None:
        """Open the entry line for ``incident_id``: Enter logs what it holds on that incident."""
        await self._open_line("log-input")
        self._entry_for = incident_id

    @on(Input.Submitted, "#log-input")
    def _submit(self, event: Input.Submitted) -> None:
        event.stop()
        text = clean_input(event.value)
        if not text:
            self.notify("The log entry is empty; type what happened, then Enter.", severity="warning")
            return
        refused = limits.problem("the log entry", text, limits.ENTRY)
        if refused:  # said now, while the line still holds the text
            self.notify(visible(refused), severity="error", markup=False)
            return
        # The line closes once saved, so the next key is a command again: ``l`` opens a new line.
        # A line left open took the next ``l`` as the first letter of the next entry.
        incident_id = self._entry_for or self._incident_id
        if incident_id is None:
            return
        event.input.value = ""
        self.post_message(self.Submitted(text, incident_id))
        # Closed once the entry is drawn: moving the focus restyles the pane and the footer, which
        # would hold back the frame that shows the entry. Keys typed meanwhile wait (key_order).
        self.call_after_refresh(self._close_entry, event.input)

    def _close_entry(self, line: Input) -> None:
        line.add_class("hidden")
        if line.has_focus:
            self.view.focus()

    # filter line

    async def open_filter(self) -> None:
        await self._open_line("log-filter")

    @on(Input.Changed, "#log-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._query = event.value.strip()
        self._rebuild()
        self._update_title()

    @on(Input.Submitted, "#log-filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value.strip():
            event.input.add_class("hidden")
        self.view.focus()

    def action_close_inputs(self) -> None:
        """Escape hides the inputs; the entry draft is kept for next time, the filter too."""
        for box in self.query(Input):
            if box.has_focus and not (box.id == "log-filter" and box.value):
                box.add_class("hidden")
        self.view.focus()

    def set_local_time(self, local: bool) -> None:
        self.view.set_local_time(local)

    def on_mount(self) -> None:
        self._update_title()
        # The title says when the view is scrolled up from the newest entry: it follows the scrolling.
        self.watch(self.view, "scroll_y", self._update_title, init=False)
        self.watch(self.view, "virtual_size", self._update_title, init=False)
