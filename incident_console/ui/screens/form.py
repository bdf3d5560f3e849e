"""A small modal form: text fields and choices, Enter or ctrl+s to save, Escape keeps the draft.

A value the form's ``validate`` refuses keeps the form open, the sentence shown under its field.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual import events, on
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
        validate: Callable[[Values], dict[str, str]] | None = None,
    ) -> None:
        super().__init__()
        self.form_title = title
        self.fields = tuple(fields)
        self._drafts = drafts if drafts is not None else {}
        self._draft_key = draft_key or title
        self._hint = hint
        self._save_label = save_label
        self._validate = validate
        self._last_field: Input | None = None

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
                yield Static(id=f"error-{field.name}", classes="field-error hidden")
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
    def _changed(self, event: Input.Changed | RadioSet.Changed) -> None:
        self.query_one("#form-error", Static).update("")
        name = (event.control.id or "").removeprefix("field-")
        if any(f.name == name for f in self.fields):
            self._show_error(name, "")
        self._refresh_hint()

    def _show_error(self, name: str, error: str) -> None:
        box = self.query_one(f"#error-{name}", Static)
        box.update(Content.styled(visible(error), "bold red"))
        box.set_class(not error, "hidden")

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if isinstance(event.widget, Input):
            self._last_field = event.widget

    def on_key(self, event: events.Key) -> None:
        """Text typed while a button has the focus goes into the field it was meant for, not nowhere."""
        if isinstance(self.focused, Button) and event.is_printable and event.character:
            target = self._last_field or next(iter(self.query(Input)), None)
            if target is not None:
                event.stop()
                event.prevent_default()
                self.set_focus(target)
                target.insert_text_at_cursor(event.character)

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
        errors = {f.name: f"{f.label} is required." for f in self.fields if f.required and not values[f.name].strip()}
        for field in self.fields:  # the Desk's length limits, checked before the form closes
            too_long = limits.problem(field.label, clean_input(values[field.name]), field.limit) if field.limit else ""
            if too_long and field.name not in errors:
                errors[field.name] = too_long
        if not errors and self._validate is not None:
            errors = {name: error for name, error in self._validate(values).items() if error}
        for field in self.fields:
            self._show_error(field.name, errors.get(field.name, ""))
        if errors:
            # A sentence about no one field (or the form as a whole) goes under the fields.
            unplaced = [error for name, error in errors.items() if all(f.name != name for f in self.fields)]
            summary = " ".join(unplaced) or "Not saved: correct the field marked above."
            self.query_one("#form-error", Static).update(Content.styled(visible(summary), "bold red"))
            first = next((f for f in self.fields if f.name in errors), None)
            if first is not None:
                self.query_one(f"#field-{first.name}").focus()
            return
        self._drafts.pop(self._draft_key, None)
        self.dismiss(values)

    def action_cancel(self) -> None:
        values = self.values()
        if any(values[field.name].strip() for field in self.fields if not field.choices):
            self._drafts[self._draft_key] = values
        self.dismiss(None)
