"""A small modal form: text fields and choices, Enter or ctrl+s to save, Escape keeps the draft."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static

from ...domain import limits
from ...domain.text import clean_input, visible
from ..forms import Field, Values
from ..widgets.literal_input import LiteralInput


class FormScreen(ModalScreen[Values | None]):
    """Returns the values on save, None on Escape. What was typed survives an Escape."""

    # Typing goes straight into the first field (not the scrolling container around the fields).
    AUTO_FOCUS = "Input, RadioSet"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", tooltip="Close; what you typed is kept for next time"),
        Binding("ctrl+s", "save", "Save"),
    ]

    def __init__(
        self,
        title: str,
        fields: Sequence[Field],
        *,
        drafts: dict[str, Values] | None = None,
        draft_key: str = "",
        hint: Callable[[Values], Content | str] | None = None,
        save_label: str = "Save",
    ) -> None:
        super().__init__()
        self.form_title = title
        self.fields = tuple(fields)
        self._drafts = drafts if drafts is not None else {}
        self._draft_key = draft_key or title
        self._hint = hint
        self._save_label = save_label

    def compose(self) -> ComposeResult:
        draft = self._drafts.get(self._draft_key, {})
        with VerticalScroll(id="form"):
            yield Static(Content.styled(self.form_title, "bold"), id="form-title")
            for field in self.fields:
                value = draft.get(field.name, field.value)
                yield Label(Content(field.label + (" *" if field.required else "")), classes="field-label")
                if field.choices:
                    with RadioSet(id=f"field-{field.name}", compact=True):
                        for choice, label in field.choices:
                            yield RadioButton(Content(visible(label)), value=choice == value, name=choice)
                else:
                    # No select-on-focus: a kept draft would be selected, and the next key would replace it.
                    yield LiteralInput(
                        value=value,
                        placeholder=field.placeholder,
                        id=f"field-{field.name}",
                        compact=True,
                        select_on_focus=False,
                    )
            yield Static(id="form-hint")
            yield Static(id="form-error")
            with Horizontal(id="form-buttons"):
                yield Button(f"{self._save_label} (ctrl+s)", variant="primary", id="save")
                yield Button("Cancel (esc)", id="cancel")

    def focus_first_field(self) -> None:
        if self.fields and self.focused is None:
            self.set_focus(self.query_one(f"#field-{self.fields[0].name}"))

    def on_mount(self) -> None:
        self._refresh_hint()
        self.call_after_refresh(self._highlight_chosen)

    def _highlight_chosen(self) -> None:
        """Start each choice's keyboard highlight on the value already chosen, not the first one.

        Otherwise tabbing to Severity (P2 chosen) and pressing Enter would pick P1.
        """
        for radios in self.query(RadioSet):
            buttons = list(radios.query(RadioButton))
            pressed = radios.pressed_button
            if pressed is not None and pressed in buttons:
                radios._selected = buttons.index(pressed)

    def values(self) -> Values:
        result: Values = {}
        for field in self.fields:
            widget = self.query_one(f"#field-{field.name}")
            if isinstance(widget, RadioSet):
                pressed = widget.pressed_button
                result[field.name] = (pressed.name or "") if pressed is not None else ""
            elif isinstance(widget, Input):
                result[field.name] = widget.value
        return result

    def _refresh_hint(self) -> None:
        if self._hint is not None:
            hint = self._hint(self.values())
            self.query_one("#form-hint", Static).update(hint if isinstance(hint, Content) else Content(hint))

    @on(Input.Changed)
    @on(RadioSet.Changed)
    def _changed(self) -> None:
        self.query_one("#form-error", Static).update("")
        self._refresh_hint()

    @on(Input.Submitted)
    def _enter(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def action_save(self) -> None:
        values = self.values()
        for field in self.fields:
            value = values.get(field.name, "")
            refused = f"{field.label} is required." if field.required and not value.strip() else ""
            refused = refused or (limits.problem(field.label, clean_input(value), field.limit) if field.limit else "")
            if refused:
                self.query_one("#form-error", Static).update(Content.styled(visible(refused), "bold red"))
                self.query_one(f"#field-{field.name}").focus()
                return
        self._drafts.pop(self._draft_key, None)
        self.dismiss(values)

    def action_cancel(self) -> None:
        values = self.values()
        if any(values[field.name].strip() for field in self.fields if not field.choices):
            self._drafts[self._draft_key] = values
        self.dismiss(None)
