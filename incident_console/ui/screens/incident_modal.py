"""A modal screen about one incident: a framed title and body, the footer, Escape closes."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Footer, Static

from ..console_protocol import Console, console_of


class IncidentModal(ModalScreen[None]):
    BINDINGS = [Binding("escape", "dismiss", "Close")]

    def __init__(self, incident_id: str) -> None:
        super().__init__()
        self.incident_id = incident_id

    @property
    def console(self) -> Console:
        return console_of(self)

    def heading(self) -> str:
        return self.incident_id

    def body(self) -> Widget:
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        with Vertical(id="document"):
            yield Static(Content.styled(self.heading(), "bold"))
            yield self.body()
        yield Footer()
