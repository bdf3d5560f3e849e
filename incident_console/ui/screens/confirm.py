"""Asks before an update that still holds a template placeholder is copied and logged as sent."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from ...domain.text import visible


class ConfirmSend(ModalScreen[bool]):
    """True to send the update as it is (a second y), False to go back to the draft."""

    BINDINGS = [
        Binding("y", "send", "Send as it is"),
        Binding("escape", "back", "Back to the draft"),
        Binding("n", "back", "Back", show=False),
    ]

    def __init__(self, placeholders: Sequence[str]) -> None:
        super().__init__()
        self.placeholders = tuple(placeholders)

    def compose(self) -> ComposeResult:
        # The placeholders may come from what a person wrote: shown as text, never as markup.
        named = Content(", ").join(Content.styled(visible(p), "bold") for p in self.placeholders)
        text = Content.assemble(
            "This update still says ",
            named,
            ", which is a template placeholder.\n\n",
            ("y", "bold reverse"),
            " again copies it and logs it as sent as it is; ",
            ("Escape", "bold reverse"),
            " goes back to the draft to fill it in.",
        )
        with Vertical(id="confirm"):
            yield Static(Content.styled("Send the update with a placeholder?", "bold"))
            yield Static(text, id="confirm-text")
        yield Footer()

    def action_send(self) -> None:
        self.dismiss(True)

    def action_back(self) -> None:
        self.dismiss(False)
