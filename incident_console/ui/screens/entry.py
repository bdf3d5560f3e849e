"""One log entry in full: its text with its line breaks, who, both times, details, hash, corrections; c corrects it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import partial

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from ...domain.model import LogEntry
from ...domain.text import visible
from ...domain.times import to_text
from ..console_protocol import Console, console_of
from ..forms import Field, Values


def _summary(entry: LogEntry) -> str:
    first = next((line for line in entry.text.splitlines() if line.strip()), "")
    return f"#{entry.id} {entry.kind} by {entry.author} at {to_text(entry.at)}: {first}"


def entry_content(entry: LogEntry, log: Sequence[LogEntry]) -> Content:
    """What the screen shows of ``entry``: every part literal (people and alerts wrote it)."""
    written = to_text(entry.recorded_at) + ("  (backfilled: written after it happened)" if entry.backfilled else "")
    rows: list[tuple[str, str]] = [
        ("Kind", entry.kind),
        ("Author", entry.author),
        ("Happened", to_text(entry.at)),
        ("Written", written),
    ]
    if entry.corrects is not None:
        corrected = next((e for e in log if e.id == entry.corrects), None)
        rows.append(("Corrects", _summary(corrected) if corrected else f"#{entry.corrects}"))
    rows += [("Corrected by", _summary(e)) for e in log if e.corrects == entry.id]
    if entry.details:
        rows.append(("Details", ""))
        for key, value in entry.details.items():
            rows.append((f"  {key}", value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)))
    rows.append(("Hash", entry.hash or "-"))
    lines = [Content.assemble((f"{name:<14}", "bold"), visible(value)) for name, value in rows]
    text = visible(entry.text.replace("\r\n", "\n"), multiline=True)
    return Content("\n").join([*lines, Content(""), Content(text)])


class EntryScreen(ModalScreen[None]):
    """A log entry in full; ``c`` writes a correction to it (the log is append-only: nothing is edited)."""

    DEFAULT_CSS = """
    EntryScreen { align: center middle; }
    #entry { width: 110; max-width: 100%; height: 90%; border: thick $accent; background: $surface; padding: 0 1; }
    #entry-title { height: 1; margin-bottom: 1; }
    #entry-body { height: 1fr; }
    """

    BINDINGS = [
        Binding("escape", "dismiss", "Close", priority=True),
        Binding("c", "correct", "Correct", tooltip="Write a correction to this entry (a new entry pointing at it)"),
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action == "correct" and self.console.desk.read_only)  # a read-only view corrects nothing

    def __init__(self, incident_id: str, entry_id: int) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.entry_id = entry_id

    @property
    def console(self) -> Console:
        return console_of(self)

    def compose(self) -> ComposeResult:
        with Vertical(id="entry"):
            yield Static(id="entry-title")
            with VerticalScroll(id="entry-body"):
                yield Static(id="entry-text")
        yield Footer()

    def on_mount(self) -> None:
        self.reload()
        self.query_one("#entry-body").focus()  # the arrows scroll a long entry

    def _entry(self) -> tuple[LogEntry | None, tuple[LogEntry, ...]]:
        log = self.console.snapshot.log_for(self.incident_id)
        return next((e for e in log if e.id == self.entry_id), None), log

    def reload(self) -> None:
        entry, log = self._entry()
        title = f"Log entry #{self.entry_id} — {self.incident_id}"
        self.query_one("#entry-title", Static).update(Content.styled(title, "bold"))
        shown = entry_content(entry, log) if entry else Content(f"Entry #{self.entry_id} is not in the log.")
        self.query_one("#entry-text", Static).update(shown)

    async def action_correct(self) -> None:
        from .form import FormScreen

        entry, _ = self._entry()
        if entry is None:
            return
        key = f"correct-{self.incident_id}-{entry.id}"
        field = Field("text", f"Correction to #{entry.id} ({entry.kind} by {entry.author})", required=True)
        form = FormScreen(
            f"Correct entry #{entry.id}",
            [field],
            drafts=self.console.drafts,
            draft_key=key,
            save_label="Log correction",
        )

        def done(values: Values | None) -> None:
            if values is None:
                return
            desk = self.console.desk
            run = partial(
                desk.log,
                values["text"],
                kind="correction",
                corrects=entry.id,
                incident_id=self.incident_id,
            )
            self.console.submit(
                "correction",
                run,
                entry=desk.pending_entry(self.incident_id, "correction", values["text"], self.console.clock()),
                on_done=lambda _: self._corrected(),
            )

        await self.app.push_screen(form, done)
        form.focus_first_field()  # now, so keys typed right after c go into the field

    def _corrected(self) -> None:
        if self.is_attached:  # the screen may have been closed while the correction was saved
            self.reload()
        self.notify(f"Correction to entry #{self.entry_id} logged.", markup=False)
