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


ACTIONS: tuple[ConsoleAction, ...] = (
    ConsoleAction("d", "declare", "Declare", "Declare a new incident (title, severity, impact, services)."),
    ConsoleAction("a", "acknowledge", "Ack", "Acknowledge the incident: meets the 5-minute acknowledge timer."),
    ConsoleAction("t", "triage", "Triage", "Answer the four triage questions; see and apply the suggested severity."),
    ConsoleAction("l", "log_entry", "Log", "Add a line to the action log (Enter saves, Escape keeps the draft)."),
    ConsoleAction(
        "r", "respond", "Respond", "Record a runbook action: Rollback, Feature flag, Scale, Restart, Failover."
    ),
    ConsoleAction("e", "escalate", "Escalate", "Escalate: to whom, and why."),
    ConsoleAction("s", "severity", "Severity", "Change the severity (a reason is required)."),
    ConsoleAction("u", "status", "Status", "Change the status: investigating, identified, monitoring, resolved."),
    ConsoleAction("n", "next_incident", "Next incident", "Switch to the next open incident.", footer_label="Next"),
    ConsoleAction("y", "copy_update", "Copy update", "Copy the composed update to the clipboard and log it as sent."),
    ConsoleAction("x", "resolve", "Resolve", "The Resolve checklist: verify, monitor, resolve, notify."),
    ConsoleAction("question_mark", "help", "Help", "Show every key and what it does.", key_display="?"),
    ConsoleAction("q", "quit", "Quit", "Quit (unsaved changes are kept and retried until saved)."),
    ConsoleAction(
        "c", "compose", "Compose", "Go to the communications composer to pick a template and edit.", footer=False
    ),
    ConsoleAction(
        "h",
        "handoff",
        "Handoff",
        "Brief the next person (Markdown, copyable) and hand the incident over.",
        footer=False,
    ),
    ConsoleAction("w", "review", "Review", "Review the log since the previous handoff.", footer=False),
    ConsoleAction(
        "p", "postmortem", "Post-mortem", "The post-mortem in the runbook's layout: edit, complete, copy.", footer=False
    ),
    ConsoleAction("o", "action_items", "Action items", "Follow-ups with owner and deadline.", footer=False),
    ConsoleAction("i", "pick_incident", "Incidents", "Pick an incident from the list.", footer=False),
    ConsoleAction(
        "slash",
        "filter_log",
        "Filter",
        "Filter the log by text; 'kind:comms' filters by kind.",
        key_display="/",
        footer=False,
    ),
    ConsoleAction("z", "toggle_time", "UTC/local", "Show log times in UTC or local time.", footer=False),
    ConsoleAction("1", "pane(1)", "Incident pane", "Go to the incident pane.", footer=False),
    ConsoleAction("2", "pane(2)", "Timers pane", "Go to the SLA timers pane.", footer=False),
    ConsoleAction("3", "pane(3)", "Log pane", "Go to the action log.", footer=False),
    ConsoleAction("4", "pane(4)", "Composer pane", "Go to the communications composer.", footer=False),
)


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


def key_label(action: ConsoleAction) -> str:
    return action.key_display or action.key


class ConsoleCommands(Provider):
    """The command palette (ctrl+p): every action of the table above."""

    async def discover(self) -> Hits:
        for action in ACTIONS:
            yield DiscoveryHit(
                f"{action.title}  ({key_label(action)})",
                self._runner(action),
                help=action.help,
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for action in ACTIONS:
            text = f"{action.title}  ({key_label(action)})"
            score = matcher.match(f"{action.title} {action.help}")
            if score > 0:
                yield Hit(score, matcher.highlight(text), self._runner(action), help=action.help)

    def _runner(self, action: ConsoleAction) -> partial[Coroutine[Any, Any, bool]]:
        # The actions are the main screen's (the bottom of the stack), not the app's.
        return partial(self.app.run_action, action.action, self.app.screen_stack[0])
