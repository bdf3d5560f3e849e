"""The first screen of a served console opened without ``?as=NAME``: "Who are you?".

Every tab runs as the server's login, so the entries' author has to come from the person. The
name is what they type (non-empty, one line), stored as written and always shown literally.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from ...domain import names
from ...domain.limits import NAME
from ...domain.text import visible
from ..widgets.literal_input import LiteralInput

PROMPT = (
    "Everyone here works on the same incident file. Your name goes on every entry you write, "
    "and the others see it beside theirs."
)


class IdentityScreen(ModalScreen[str]):
    """Asks for the person's name; dismissed with it (there is no way past it without one)."""

    DEFAULT_CSS = """
    IdentityScreen { align: center middle; }
    #identity { width: 64; max-width: 100%; height: auto; border: thick $accent; background: $surface; padding: 0 1; }
    #identity-problem { color: $error; height: auto; }
    """

    def compose(self) -> ComposeResult:
        with Vertical(id="identity"):
            yield Static(Content.styled("Who are you?", "bold"))
            yield Static(Content(PROMPT))
            yield LiteralInput(placeholder="your name", max_length=NAME, id="identity-name")
            yield Static("", id="identity-problem")

    def on_mount(self) -> None:
        self.query_one("#identity-name", LiteralInput).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        refused = names.problem(event.value, "your name")
        if refused:
            self.query_one("#identity-problem", Static).update(Content(visible(refused) + "."))
            return
        self.dismiss(names.person(event.value))
