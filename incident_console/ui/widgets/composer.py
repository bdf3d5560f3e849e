"""The communications composer: pick a runbook template, edit the draft, copy it with y."""

from __future__ import annotations

from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.css.query import NoMatches
from textual.widgets import Input, Select, Static, TextArea

from ...domain import templates
from ...domain.model import Incident
from ...domain.policy import Policy
from ...domain.text import clean_input
from .live_text import LiveText


class Composer(Vertical):
    """Drafts follow the incident until the user edits them; an edited draft is never overwritten."""

    BINDINGS = [
        Binding("ctrl+r", "regenerate", "Reset draft", tooltip="Fill the draft from the template again"),
        Binding("escape", "leave", "Leave the draft", priority=True, show=False),
    ]

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._incident: Incident | None = None
        self._policy = Policy()
        self._now: datetime | None = None
        self._generated = ""
        self._edited: dict[tuple[str, str], str] = {}
        self._key = "initial"
        self._chosen_for: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(Content.styled("Communications", "bold"), classes="pane-title")
        yield Select([(t.title, t.key) for t in templates.TEMPLATES], value="initial", allow_blank=False, id="template")
        # The cause line (#cause) goes here, made when a template first needs one (see _switch).
        yield TextArea(id="draft", soft_wrap=True, show_line_numbers=False)
        yield LiveText(id="composer-status")

    @property
    def template_key(self) -> str:
        return self._key

    @property
    def draft(self) -> str:
        return self.query_one("#draft", TextArea).text

    @property
    def edited(self) -> bool:
        return self.draft != self._generated

    def show(self, incident: Incident | None, policy: Policy, now: datetime) -> None:
        """Follow the incident; picks the fitting template when a different incident comes on screen."""
        self._incident, self._policy, self._now = incident, policy, now
        if incident is not None and self._chosen_for != incident.id:
            self._chosen_for = incident.id
            self._switch(templates.suggested_template(incident))
            return
        self._fill()

    def _switch(self, key: str) -> None:
        self._remember_edit()
        self._key = key
        select = self.query_one("#template", Select)
        if select.value != key:
            with self.prevent(Select.Changed):
                select.value = key
        needs_cause = templates.template(key).needs_cause
        cause = self._cause()
        if cause is None and needs_cause:
            cause = Input(placeholder="cause (for Identified): what the issue is", id="cause")
            self.mount(cause, before="#draft")
        if cause is not None:
            cause.set_class(not needs_cause, "hidden")
        self._fill(restore=True)

    def _cause(self) -> Input | None:
        """The cause line; None until a template first needs one."""
        try:
            return self.query_one("#cause", Input)
        except NoMatches:
            return None

    def _remember_edit(self) -> None:
        if self._incident is not None and self.edited:
            self._edited[(self._incident.id, self._key)] = self.draft

    def _fill(self, *, restore: bool = False) -> None:
        area = self.query_one("#draft", TextArea)
        incident = self._incident
        if incident is None or self._now is None:
            self._generated = ""
            if area.text:
                area.load_text("")
            area.disabled = True
            self._status("No incident to write about.")
            return
        area.disabled = False
        cause_line = self._cause()
        cause = clean_input(cause_line.value) if cause_line is not None else ""
        text = templates.render(self._key, incident, self._policy, self._now, cause)
        saved = self._edited.get((incident.id, self._key)) if restore else None
        was_edited = self.edited and not restore
        self._generated = text
        if saved is not None:
            area.load_text(saved)
        elif not was_edited and area.text != text:
            area.load_text(text)
        self._status("edited — ctrl+r resets" if self.edited else "from the template — edit freely; y copies")

    def _status(self, text: str) -> None:
        self.query_one("#composer-status", LiveText).set_content(Content.styled(text, "dim"))

    @on(Select.Changed, "#template")
    def _template_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and event.value != self._key:
            self._switch(event.value)

    @on(Input.Changed, "#cause")
    def _cause_changed(self) -> None:
        if not self.edited:
            self._fill()

    @on(TextArea.Changed, "#draft")
    def _draft_changed(self) -> None:
        self._status("edited — ctrl+r resets" if self.edited else "from the template — edit freely; y copies")

    def action_regenerate(self) -> None:
        if self._incident is not None:
            self._edited.pop((self._incident.id, self._key), None)
        self.query_one("#draft", TextArea).load_text(self._generated)
        self._fill()

    def action_leave(self) -> None:
        """Escape leaves the editor (the draft stays), so the console's keys work again."""
        self.screen.set_focus(None)

    def focus_editor(self) -> None:
        cause = self._cause()
        if templates.template(self._key).needs_cause and cause is not None and not cause.value:
            cause.focus()
        else:
            self.query_one("#template", Select).focus()

    def sent(self) -> None:
        """After a copy: the next draft starts from the template again."""
        if self._incident is not None:
            self._edited.pop((self._incident.id, self._key), None)
        self.query_one("#draft", TextArea).load_text(self._generated)
