"""Every console action in one table: its key, the footer, the command palette and the help screen."""

from __future__ import annotations

from collections.abc import Coroutine
from functools import partial
from typing import Any, NamedTuple

from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider


class ConsoleAction(NamedTuple):
    key: str
    action: str
    title: str
    help: str
    footer: bool = True
    key_display: str | None = None
    # A shorter name for the footer, where every runbook action's key has to fit in 120 columns.
    footer_label: str | None = None
    # The runbook step it belongs to (a key of STEPS): help groups the keys by it, the palette orders by it.
    step: str = ""


STEPS: tuple[tuple[str, str], ...] = (
    ("detect", "Detect and declare"),
    ("triage", "Triage"),
    ("communicate", "Communicate"),
    ("respond", "Respond"),
    ("resolve", "Resolve"),
    ("postmortem", "Post-mortem"),
    ("move", "Moving around"),
)


ACTIONS: tuple[ConsoleAction, ...] = (
    ConsoleAction(
        "d", "declare", "Declare", "Declare a new incident (title, severity, impact, services).", step="detect"
    ),
    ConsoleAction(
        "a", "acknowledge", "Ack", "Acknowledge the incident: meets the 5-minute acknowledge timer.", step="detect"
    ),
    ConsoleAction(
        "g",
        "open_alert_link",
        "Alert link",
        "Open the newest alert's link (its graph, dashboard or PagerDuty page) in the browser.",
        footer=False,
        step="detect",
    ),
    ConsoleAction(
        "t",
        "triage",
        "Triage",
        "Answer the four triage questions; see and apply the suggested severity.",
        step="triage",
    ),
    ConsoleAction(
        "l", "log_entry", "Log", "Add a line to the action log (Enter saves, Escape keeps the draft).", step="respond"
    ),
    ConsoleAction(
        "r",
        "respond",
        "Respond",
        "Record a runbook action: Rollback, Feature flag, Scale, Restart, Failover.",
        step="respond",
    ),
    ConsoleAction("e", "escalate", "Escalate", "Escalate: to whom, and why.", step="respond"),
    ConsoleAction("s", "severity", "Severity", "Change the severity (a reason is required).", step="triage"),
    ConsoleAction(
        "u", "status", "Status", "Change the status: investigating, identified, monitoring, resolved.", step="respond"
    ),
    ConsoleAction(
        "n", "next_incident", "Next incident", "Switch to the next open incident.", footer_label="Next", step="move"
    ),
    ConsoleAction(
        "y",
        "copy_update",
        "Copy update",
        "Copy the composed update to the clipboard and log it as sent.",
        step="communicate",
    ),
    ConsoleAction(
        "x", "resolve", "Resolve", "The Resolve checklist: verify, monitor, resolve, notify.", step="resolve"
    ),
    ConsoleAction("question_mark", "help", "Help", "Show every key and what it does.", key_display="?", step="move"),
    ConsoleAction("q", "quit", "Quit", "Quit (unsaved changes are kept and retried until saved).", step="move"),
    ConsoleAction(
        "c",
        "compose",
        "Compose",
        "Go to the communications composer to pick a template and edit.",
        footer=False,
        step="communicate",
    ),
    ConsoleAction(
        "h",
        "handoff",
        "Handoff",
        "Brief the next person (Markdown, copyable) and hand the incident over.",
        footer=False,
        step="respond",
    ),
    ConsoleAction("w", "review", "Review", "Review the log since the previous handoff.", footer=False, step="respond"),
    ConsoleAction(
        "p",
        "postmortem",
        "Post-mortem",
        "The post-mortem in the runbook's layout: edit, complete, copy.",
        footer=False,
        step="postmortem",
    ),
    ConsoleAction(
        "o", "action_items", "Action items", "Follow-ups with owner and deadline.", footer=False, step="postmortem"
    ),
    ConsoleAction(
        "i",
        "pick_incident",
        "Incidents",
        "Pick an incident from the list (ctrl+o there opens an archive read-only).",
        footer=False,
        step="move",
    ),
    ConsoleAction(
        "slash",
        "filter_log",
        "Filter",
        "Filter the log by text; 'kind:comms' filters by kind.",
        key_display="/",
        footer=False,
        step="move",
    ),
    ConsoleAction("z", "toggle_time", "UTC/local", "Show log times in UTC or local time.", footer=False, step="move"),
    ConsoleAction("1", "pane(1)", "Incident pane", "Go to the incident pane.", footer=False, step="move"),
    ConsoleAction("2", "pane(2)", "Timers pane", "Go to the SLA timers pane.", footer=False, step="move"),
    ConsoleAction("3", "pane(3)", "Log pane", "Go to the action log.", footer=False, step="move"),
    ConsoleAction("4", "pane(4)", "Composer pane", "Go to the communications composer.", footer=False, step="move"),
)


# The actions that change the file (or only lead to a change): a read-only view has none of them, not
# in the footer, the palette or help, and their keys do nothing.
WRITES = frozenset(
    {
        "declare",
        "acknowledge",
        "triage",
        "log_entry",
        "respond",
        "escalate",
        "severity",
        "status",
        "copy_update",
        "resolve",
        "compose",
        "handoff",
        "postmortem",
        "action_items",
        "correct",
    }
)
_WRITING_KEYS = frozenset({"ctrl+r"})  # of help's other keys, the one that edits the draft


def allowed(action: str, read_only: bool) -> bool:
    """Whether ``action`` (a name, arguments and all) is offered: every one, or in a read-only view
    only those that change nothing."""
    return not read_only or action.split("(", 1)[0] not in WRITES


def offered(actions: tuple[ConsoleAction, ...], read_only: bool) -> tuple[ConsoleAction, ...]:
    """``actions`` as help and the palette list them for a console that is (or is not) read-only."""
    if not read_only:
        return actions
    return tuple(a for a in actions if allowed(a.action, True) and a.key not in _WRITING_KEYS)


def bindings() -> list[BindingType]:
    return [
        Binding(
            a.key,
            a.action,
            a.footer_label or a.title,
            show=a.footer,
            key_display=a.key_display,
            tooltip=a.help,
            id=a.action.replace("(", "-").replace(")", ""),
        )
        for a in ACTIONS
    ]


# Keys that are not the main screen's actions, listed on the help screen with them.
OTHER_KEYS: tuple[ConsoleAction, ...] = (
    ConsoleAction(
        "ctrl+r", "", "Reset draft", "In the composer: fill the draft from the template again.", step="communicate"
    ),
    ConsoleAction("ctrl+p", "", "Command palette", "Search every action by name.", step="move"),
    ConsoleAction(
        "enter",
        "",
        "Open entry",
        "In the log (up/down highlight a row, or click one): the entry in full; c there corrects it.",
        step="move",
    ),
    ConsoleAction("esc", "", "Back", "Close a form (what you typed is kept), leave an input.", step="move"),
)


def key_label(action: ConsoleAction) -> str:
    return action.key_display or action.key


def by_step(actions: tuple[ConsoleAction, ...] = ACTIONS) -> list[tuple[str, list[ConsoleAction]]]:
    """The runbook's steps in order (their titles), each with its actions in table order."""
    return [(title, [a for a in actions if a.step == step]) for step, title in STEPS]


def _rank(score: float) -> float:
    """A fuzzy match's score in [0, 1), in the same order (the matcher's own are not bounded)."""
    return score / (1.0 + score)


class ConsoleCommands(Provider):
    """The command palette (ctrl+p): the runbook's actions by step, then Textual's own commands.

    One provider for both: the palette runs its providers side by side and shows the hits in the order
    they arrive, sorted only by score, so two providers would come in either order.
    """

    def _steps(self) -> list[tuple[str, list[ConsoleAction]]]:
        return by_step(offered(ACTIONS, getattr(getattr(self.app, "desk", None), "read_only", False)))

    async def discover(self) -> Hits:
        for _, actions in self._steps():
            for action in actions:
                yield DiscoveryHit(f"{action.title}  ({key_label(action)})", self._runner(action), help=action.help)
        textual_commands = sorted(self.app.get_system_commands(self.screen), key=lambda command: command[0])
        for name, help_text, callback, discover in textual_commands:
            if discover:
                yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for _, actions in self._steps():
            for action in actions:
                text = f"{action.title}  ({key_label(action)})"
                score = matcher.match(f"{action.title} {action.help}")
                if score > 0:
                    # Lifted above every Textual command's score: the runbook's actions come first.
                    yield Hit(1.0 + _rank(score), matcher.highlight(text), self._runner(action), help=action.help)
        for name, help_text, callback, *_ in self.app.get_system_commands(self.screen):
            if (score := matcher.match(name)) > 0:
                yield Hit(_rank(score), matcher.highlight(name), callback, help=help_text)

    def _runner(self, action: ConsoleAction) -> partial[Coroutine[Any, Any, bool]]:
        # The actions are the main screen's (the bottom of the stack), not the app's.
        return partial(self.app.run_action, action.action, self.app.screen_stack[0])
