"""The help screen: every key grouped by runbook step (from the same table as the footer and the palette),
and the Runbook view: the step the incident on screen is in and what the runbook says to do next."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import HorizontalGroup, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static, TabbedContent, TabPane

from ...domain import runbook
from ...domain.model import Incident
from ..commands import ACTIONS, OTHER_KEYS, by_step, key_label, offered
from ..widgets.runbook_view import RunbookView

NOTES = (
    "Timers tick from the clock, not a counter: after a laptop sleeps they show the truth. "
    "Every change is saved off-screen; a change that cannot be saved is kept, shown and retried."
)
KEYS, RUNBOOK = "help-keys-tab", "help-runbook-tab"


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("question_mark", "dismiss", "Close", show=False),
        Binding("q", "dismiss", "Close", show=False),
        Binding("k", "show_tab('keys')", "Keys", show=False),
        Binding("r", "show_tab('runbook')", "Runbook", show=False),
    ]
    # The keys' list takes the focus, so the arrow and page keys scroll it at once.
    AUTO_FOCUS = "#help-keys"

    def __init__(
        self, incident: Incident | None = None, position: runbook.Position | None = None, *, show: str = "keys"
    ) -> None:
        super().__init__()
        self.incident = incident
        self.position = position or runbook.position(incident, ())
        self._initial = RUNBOOK if show == "runbook" else KEYS

    def compose(self) -> ComposeResult:
        with Vertical(id="help"), TabbedContent(initial=self._initial):
            with TabPane("Keys (k)", id=KEYS):
                yield from self._keys()
            with TabPane("Runbook (r)", id=RUNBOOK):
                yield RunbookView(self.incident, self.position, id="help-runbook")

    def _keys(self) -> ComposeResult:
        # One line per key (a long description wraps beside its key), so a screen of 24 rows shows a
        # step or two at a time rather than a handful of table rows.
        with VerticalScroll(id="help-keys"):
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

    def on_mount(self) -> None:
        if self._initial == RUNBOOK:
            self.set_focus(self.query_one(RunbookView))

    def action_show_tab(self, name: str) -> None:
        tab = RUNBOOK if name == "runbook" else KEYS
        self.query_one(TabbedContent).active = tab
        self.set_focus(self.query_one(RunbookView) if tab == RUNBOOK else self.query_one("#help-keys"))
