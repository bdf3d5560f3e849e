"""The post-mortem screen: the runbook's layout prefilled from the file; e edits a section, m marks it complete."""

from __future__ import annotations

from functools import partial

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Select, Static, TextArea

from ...domain import limits
from ...domain.model import POSTMORTEM_FIELDS, POSTMORTEM_SECTIONS
from ..console_protocol import Console, console_of
from ..widgets.literal_text_area import LiteralTextArea
from .document import DocumentScreen


class SectionEditor(ModalScreen[tuple[str, str] | None]):
    """Write one free-text section; ctrl+s saves, Escape keeps the text for next time."""

    BINDINGS = [Binding("ctrl+s", "save", "Save", priority=True), Binding("escape", "cancel", "Cancel", priority=True)]
    AUTO_FOCUS = "#section-text"  # typing goes into the section, not the section chooser

    def __init__(self, sections: dict[str, str], drafts: dict[str, str]) -> None:
        super().__init__()
        self.sections = sections
        self.drafts = drafts
        self.key = POSTMORTEM_SECTIONS[0][0]

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Static(Content.styled("Write a post-mortem section (Markdown)", "bold"))
            yield Select(
                [(title, key) for key, title in POSTMORTEM_FIELDS], value=self.key, allow_blank=False, id="section"
            )
            yield LiteralTextArea(self._text(self.key), id="section-text", soft_wrap=True)
            with Horizontal(id="form-buttons"):
                yield Button("Save (ctrl+s)", variant="primary", id="save")
                yield Button("Cancel (esc)", id="cancel")

    def _text(self, key: str) -> str:
        return self.drafts.get(key, self.sections.get(key, ""))

    def on_select_changed(self, event: Select.Changed) -> None:
        area = self.query_one("#section-text", TextArea)
        self.drafts[self.key] = area.text
        self.key = str(event.value)
        area.load_text(self._text(self.key))
        area.focus()

    def on_key(self, event: events.Key) -> None:
        """Text typed while a button has the focus goes into the section, not nowhere."""
        if isinstance(self.focused, Button) and event.is_printable and event.character:
            event.stop()
            event.prevent_default()
            area = self.query_one("#section-text", TextArea)
            self.set_focus(area)
            area.insert(event.character)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_save() if event.button.id == "save" else self.action_cancel()

    def action_save(self) -> None:
        text = self.query_one("#section-text", TextArea).text
        title = dict(POSTMORTEM_SECTIONS)[self.key]
        refused = limits.problem(f"the post-mortem's {title} section", text.strip(), limits.SECTION)
        if refused:  # the editor stays open with the text
            self.notify(refused, severity="error", markup=False)
            return
        self.drafts.pop(self.key, None)
        self.dismiss((self.key, text))

    def action_cancel(self) -> None:
        self.drafts[self.key] = self.query_one("#section-text", TextArea).text
        self.dismiss(None)


class PostmortemScreen(DocumentScreen):
    BINDINGS = [
        Binding("e", "edit", "Edit section"),
        Binding("m", "complete", "Mark complete"),
    ]

    def __init__(self, incident_id: str) -> None:
        self.incident_id = incident_id
        super().__init__(f"Post-mortem {incident_id}", "")

    @property
    def console(self) -> Console:
        return console_of(self)

    async def on_mount(self) -> None:
        await self.reload()

    async def reload(self) -> None:
        await self.set_markdown(self.console.desk.postmortem(self.incident_id, self.console.snapshot))

    def action_edit(self) -> None:
        incident = self.console.desk.incident(self.incident_id, self.console.snapshot)
        drafts = self.console.drafts.setdefault(f"postmortem-{self.incident_id}", {})

        def saved(result: tuple[str, str] | None) -> None:
            if result is None:
                return
            key, text = result
            run = partial(self.console.desk.write_postmortem_section, key, text, self.incident_id)
            self.console.submit("post-mortem section", run, on_done=lambda _: self.run_worker(self.reload()))

        self.app.push_screen(SectionEditor(dict(incident.postmortem), drafts), saved)

    def action_complete(self) -> None:
        desk = self.console.desk
        missing = desk.incident(self.incident_id, self.console.snapshot).postmortem_todo

        def completed(_: object) -> None:
            self.notify("Post-mortem marked complete" + (" (override)." if missing else "."))
            self.run_worker(self.reload())

        def complete(reason: str) -> None:
            run = partial(desk.complete_postmortem, self.incident_id, reason=reason)
            self.console.submit("post-mortem complete", run, on_done=completed)

        if not missing:
            complete("")
            return
        # Like an early resolve: sections still TODO need a reason, logged as an override.
        from .form import Field, FormScreen

        fields = [Field("reason", "Reason to mark it complete anyway (logged as an override)", required=True)]
        title = "Complete with sections still TODO: " + ", ".join(missing)
        self.app.push_screen(
            FormScreen(
                title,
                fields,
                drafts=self.console.drafts,
                draft_key=f"postmortem-complete-{self.incident_id}",
                save_label="Mark complete",
            ),
            lambda values: complete(values["reason"]) if values else None,
        )
