"""The communications composer: pick a runbook template, edit the draft, copy it with y."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.css.query import NoMatches
from textual.widgets import Input, Static

from ...domain import templates
from ...domain.model import Incident
from ...domain.policy import Policy
from ...domain.text import clean_input, visible
from .literal_input import LiteralInput
from .live_text import LiveText

if TYPE_CHECKING:
    from textual.widgets import Select, TextArea


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
        # Per incident: the status its template was last chosen for (a change of status offers the
        # status's template, unless the draft is edited), the template it was left on, the cause
        # typed for it and the cause its change to identified gave.
        self._followed: dict[str, str] = {}
        self._left_on: dict[str, str] = {}
        self._typed_cause: dict[str, str] = {}
        self._stated_cause: dict[str, str] = {}
        # The template chooser and the editor are made just after the console's first frame (see
        # make_editor): they are the slowest widgets to build. Until then the template's title and the
        # draft are shown as text in their places, and the draft is kept here.
        self._select: Select[str] | None = None
        self._making = asyncio.Lock()
        self._area: TextArea | None = None
        self._text = ""
        self._disabled = True

    def compose(self) -> ComposeResult:
        yield Static(Content.styled("Communications", "bold"), classes="pane-title")
        with Horizontal(id="template-preview"):  # drawn as the chooser draws its current value
            yield Static(templates.template(self._key).title, id="template-title")
            yield Static("▼", classes="arrow")
        # The cause line (#cause) goes here, made when a template first needs one (see _switch).
        yield Static(id="draft-preview", classes="-disabled")
        yield LiveText(id="composer-status")

    async def make_editor(self) -> None:
        """Put the template chooser and the editor in place of the text shown for them (the console
        calls this once it is drawn)."""
        async with self._making:  # called again meanwhile (a key that focuses the draft): made once
            if self._area is None and self.is_attached and self.app.is_running:
                await self._make_editor()

    async def _make_editor(self) -> None:
        from textual.widgets import Select

        from .literal_text_area import LiteralTextArea

        choices = [(t.title, t.key) for t in templates.TEMPLATES]
        select: Select[str] = Select(choices, value=self._key, allow_blank=False, id="template")
        area = LiteralTextArea(self._text, id="draft", soft_wrap=True, show_line_numbers=False, disabled=self._disabled)
        title, preview = self.query_one("#template-preview"), self.query_one("#draft-preview", Static)
        await self.mount(select, after=title)
        await self.mount(area, after=preview)
        # The incident may have changed the draft or the template while they were mounted.
        if area.text != self._text:
            area.load_text(self._text)
        area.disabled = self._disabled
        if select.value != self._key:
            with self.prevent(Select.Changed):
                select.value = self._key
        self._select, self._area = select, area
        await title.remove()
        await preview.remove()

    def _editor(self) -> Static | TextArea:
        return self._area if self._area is not None else self.query_one("#draft-preview", Static)

    def _load(self, text: str) -> None:
        if self._area is not None:
            self._area.load_text(text)
        else:
            self._text = text
            # Shown as the editor shows it: text from the file never reaches the terminal as control codes.
            # Tabs as the editor draws them (to the next of every 4 columns).
            self.query_one("#draft-preview", Static).update(Content(visible(text, multiline=True).expandtabs(4)))

    def _set_disabled(self, disabled: bool) -> None:
        self._disabled = disabled
        if self._area is not None:
            self._area.disabled = disabled
        else:
            self.query_one("#draft-preview", Static).set_class(disabled, "-disabled")

    @property
    def template_key(self) -> str:
        return self._key

    @property
    def draft(self) -> str:
        return self._area.text if self._area is not None else self._text

    @property
    def edited(self) -> bool:
        return self.draft != self._generated

    def show(self, incident: Incident | None, policy: Policy, now: datetime, *, cause: str | None = None) -> None:
        """Follow the incident: the template fits its status, unless the draft is edited.

        ``cause`` is what the incident's change to identified gave as the cause (None: unchanged).
        """
        self._policy, self._now = policy, now
        previous = self._incident
        if incident is not None and cause is not None and self._stated_cause.get(incident.id) != cause:
            # A cause stated in a status change is newer than one typed before it.
            self._stated_cause[incident.id] = cause
            self._typed_cause.pop(incident.id, None)
        if incident is None or previous is None or previous.id != incident.id:
            if previous is not None:
                self._remember_edit()  # under the incident it was written for
                self._left_on[previous.id] = self._key
            self._incident = incident
            if incident is not None:
                self._come_back_to(incident)
                return
            self._fill()
            return
        self._incident = incident
        self._follow()

    def _come_back_to(self, incident: Incident) -> None:
        """A different incident on screen: its own edited draft if it has one, else its status's template."""
        left_on = self._left_on.get(incident.id)
        if left_on is not None and (incident.id, left_on) in self._edited:
            self._switch(left_on, remember=False)
        else:
            self._followed[incident.id] = incident.status.value
            self._switch(templates.suggested_template(incident), remember=False)

    def _follow(self) -> None:
        incident = self._incident
        assert incident is not None
        if self._followed.get(incident.id) != incident.status.value and not self.edited:
            self._followed[incident.id] = incident.status.value
            self._switch(templates.suggested_template(incident))
            return
        self._show_cause()
        self._fill()

    def _switch(self, key: str, *, remember: bool = True) -> None:
        if remember:
            self._remember_edit()
        self._key = key
        select = self._select
        if select is None:
            self.query_one("#template-title", Static).update(templates.template(key).title)
        elif select.value != key:
            with self.prevent(type(select).Changed):
                select.value = key
        needs_cause = templates.template(key).needs_cause
        cause = self._cause()
        if cause is None and needs_cause:
            placeholder = "cause (for Identified): what the issue is"
            cause = LiteralInput(self._cause_for_incident(), placeholder=placeholder, id="cause")
            self.mount(cause, before=self._editor())
        if cause is not None:
            cause.set_class(not needs_cause, "hidden")
        self._show_cause()
        self._fill(restore=True)

    def _cause_for_incident(self) -> str:
        incident = self._incident
        if incident is None:
            return ""
        return self._typed_cause.get(incident.id, self._stated_cause.get(incident.id, ""))

    def _show_cause(self) -> None:
        """The cause line shows this incident's cause: the one typed for it, else the one its status change gave."""
        cause = self._cause()
        wanted = self._cause_for_incident()
        if cause is not None and cause.value != wanted:
            with self.prevent(Input.Changed):
                cause.value = wanted

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
        incident = self._incident
        if incident is None or self._now is None:
            self._generated = ""
            if self.draft:
                self._load("")
            self._set_disabled(True)
            self._status("No incident to write about.")
            return
        self._set_disabled(False)
        cause_line = self._cause()
        cause = clean_input(cause_line.value) if cause_line is not None else ""
        text = templates.render(self._key, incident, self._policy, self._now, cause)
        saved = self._edited.get((incident.id, self._key)) if restore else None
        was_edited = self.edited and not restore
        self._generated = text
        if saved is not None:
            self._load(saved)
        elif not was_edited and self.draft != text:
            self._load(text)
        self._status("edited — ctrl+r resets" if self.edited else "from the template — edit freely; y copies")

    def _status(self, text: str) -> None:
        self.query_one("#composer-status", LiveText).set_content(Content.styled(text, "dim"))

    # By name, not @on(Select.Changed): Select is imported only when the chooser is made.
    def on_select_changed(self, event: Select.Changed) -> None:
        # What the chooser shows now: a message from before the template was set here is stale.
        value = event.select.value
        if event.select is self._select and isinstance(value, str) and value != self._key:
            if self._incident is not None:  # chosen by hand: kept until the status changes again
                self._followed[self._incident.id] = self._incident.status.value
            self._switch(value)

    @on(Input.Changed, "#cause")
    def _cause_changed(self, event: Input.Changed) -> None:
        if self._incident is not None:
            self._typed_cause[self._incident.id] = event.value
        if not self.edited:
            self._fill()

    # By name, not @on(TextArea.Changed): TextArea is imported only when the editor is made.
    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if event.text_area is self._area:
            self._status("edited — ctrl+r resets" if self.edited else "from the template — edit freely; y copies")

    def action_regenerate(self) -> None:
        self._load(self._generated)
        if self._incident is None:
            self._fill()
            return
        self._edited.pop((self._incident.id, self._key), None)
        self._follow()  # the status may have moved on while the draft was edited

    def action_leave(self) -> None:
        """Escape leaves the editor (the draft stays), so the console's keys work again."""
        self.screen.set_focus(None)

    async def focus_editor(self) -> None:
        await self.make_editor()
        cause = self._cause()
        if templates.template(self._key).needs_cause and cause is not None and not cause.value:
            cause.focus()
        elif self._area is not None:
            # Typing goes into the draft; the template chooser is one shift+tab away.
            self._area.focus()

    def sent(self, incident_id: str) -> None:
        """After a copy for ``incident_id``: its next draft starts from the template its status calls for."""
        self._edited.pop((incident_id, self._left_on.get(incident_id, "")), None)
        if self._incident is None or self._incident.id != incident_id:
            return
        self._edited.pop((incident_id, self._key), None)
        self._load(self._generated)
        self._follow()
