"""The help screen: every key, grouped by runbook step, from the same table as the footer and the palette."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import HorizontalGroup, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from ..commands import ACTIONS, OTHER_KEYS, by_step, key_label, offered

NOTES = (
    "Timers tick from the clock, not a counter: after a laptop sleeps they show the truth. "
    "Every change is saved off-screen; a change that cannot be saved is kept, shown and retried."
)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("question_mark", "dismiss", "Close", show=False),
        Binding("q", "dismiss", "Close", show=False),
    ]

    def compose(self) -> ComposeResult:
        # One line per key (a long description wraps beside its key), so a screen of 24 rows shows a
        # step or two at a time rather than a handful of table rows.
        with VerticalScroll(id="help"):
            yield Static(Content.styled("incident-console — keys, by runbook step", "bold"), classes="help-title")
            read_only = getattr(getattr(self.app, "desk", None), "read_only", False)
            for title, actions in by_step(offered((*ACTIONS, *OTHER_KEYS), read_only)):
                if not actions:
                    continue
                yield Static(Content.styled(title, "bold $accent"), classes="help-step")
                for action in actions:
                    with HorizontalGroup(classes="help-row"):
                        yield Static(Content.styled(key_label(action), "bold"), classes="help-key")
                        yield Static(Content(action.title), classes="help-name")
                        yield Static(Content(action.help), classes="help-text")
            yield Static(Content.styled(NOTES, "dim"), classes="help-notes")
