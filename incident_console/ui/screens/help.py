"""The help screen: every key, generated from the same table as the footer and the palette."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from ..commands import ACTIONS, key_label


def help_markdown() -> str:
    rows = "\n".join(f"| `{key_label(a)}` | {a.title} | {a.help} |" for a in ACTIONS)
    return f"""# incident-console — keys

| Key | Action | What it does |
|-----|--------|--------------|
{rows}
| `ctrl+p` | Command palette | Search every action by name. |
| `ctrl+r` | Reset draft | In the composer: fill the draft from the template again. |
| `enter` | Open entry | In the log (`↑`/`↓` highlight a row, or click one): the entry in full; `c` there corrects it. |
| `esc` | Back | Close a form (what you typed is kept), leave an input. |

Timers tick from the clock, not a counter: after a laptop sleeps they show the truth.
Every change is saved off-screen; a change that cannot be saved is kept, shown and retried.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("question_mark", "dismiss", "Close", show=False),
        Binding("q", "dismiss", "Close", show=False),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Markdown(help_markdown())
