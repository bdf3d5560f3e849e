"""A bare Textual app (Header, Static, Footer) for the serve benchmark, served the way a console tab is."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static


class Bare(App[None]):
    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("bare textual app")
        yield Footer()


if __name__ == "__main__":
    Bare().run()
