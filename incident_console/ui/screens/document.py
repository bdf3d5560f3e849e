"""A Markdown document (a briefing, a review, the post-mortem) rendered to read; y copies its source, Escape closes."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from ...clipboard import CopyOutcome
from ..console_protocol import console_of
from ..widgets.document_view import DocumentView


class DocumentScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "dismiss", "Close", priority=True),
        Binding("y", "copy", "Copy", tooltip="Copy the Markdown to the clipboard"),
    ]

    def __init__(self, title: str, markdown: str) -> None:
        super().__init__()
        self.doc_title = title
        self.markdown = markdown

    def compose(self) -> ComposeResult:
        with Vertical(id="document"):
            yield Static(Content.styled(self.doc_title, "bold"), id="document-title")
            yield DocumentView(self.markdown, id="document-text")
        yield Footer()

    async def on_mount(self) -> None:
        self.query_one(DocumentView).focus()  # the arrow and page keys scroll the document at once

    async def set_markdown(self, markdown: str) -> None:
        self.markdown = markdown
        await self.query_one(DocumentView).show(markdown)

    def action_copy(self) -> None:
        def copied(outcome: CopyOutcome) -> None:
            if outcome.copied:
                self.notify(f"{self.doc_title}: copied to the clipboard.", markup=False)
            else:
                self.notify(
                    f"{self.doc_title}: sent to the terminal clipboard (OSC 52) — paste to check. "
                    f"System clipboard not used: {outcome.detail}.",
                    severity="warning",
                    markup=False,
                )

        console_of(self).copier.copy(self.markdown, copied)
