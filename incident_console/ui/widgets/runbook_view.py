"""The help screen's Runbook view: the step the incident is in, why, and what the runbook says to do next."""

from __future__ import annotations

from collections.abc import Iterator

from textual.containers import VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from ...domain.model import Incident
from ...domain.runbook import STEPS, Position
from ...domain.text import visible
from ..commands import ACTIONS, key_label

SOURCE = "The advice is the runbook's own words (docs/runbook.md); the keys are the console's for this step."


class RunbookView(VerticalScroll):
    """Scrolls; every line is plain content (an incident's title is shown literally, never as markup)."""

    def __init__(self, incident: Incident | None, position: Position, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.incident = incident
        self.position = position

    def compose(self) -> Iterator[Widget]:
        incident, position = self.incident, self.position
        if incident is None:
            heading = Content.styled("Runbook — no incident yet", "bold")
        else:
            heading = Content.assemble(
                ("Runbook — ", "bold"),
                (f"{incident.id} {incident.severity.value} {incident.status.value}: ", "bold"),
                visible(incident.title),
            )
        yield Static(heading, classes="help-title")
        yield Static(self._steps(), id="runbook-steps", classes="help-step")
        step = position.step
        done = " (complete)" if position.complete else ""
        yield Static(
            Content.styled(f"Step {step.number} of {len(STEPS)}: {step.title}{done}", "bold $accent"),
            id="runbook-step",
            classes="help-step",
        )
        yield Static(Content(visible(position.why)), id="runbook-why")
        if position.next:
            yield Static(Content.styled("What the runbook says to do next", "bold"), classes="help-step")
            for advice in position.next:
                yield Static(Content(f"• {advice.line()}"), classes="runbook-advice")
        keys = [a for a in ACTIONS if a.step == step.key]
        if keys and not position.complete:
            yield Static(Content.styled("Keys for this step", "bold"), classes="help-step")
            for action in keys:
                yield Static(
                    Content.assemble((f"{key_label(action):<8}", "bold"), f"{action.title} — {action.help}"),
                    classes="runbook-key",
                )
        yield Static(Content.styled(SOURCE, "dim"), classes="help-notes")

    def _steps(self) -> Content:
        """``1 Detect ✓  2 Triage ✓  ▶ 3 Communicate  4 Respond …``: the current step stands out."""
        current = self.position.step.number
        parts: list[str | tuple[str, str]] = []
        for step in STEPS:
            if parts:
                parts.append("  ")
            if step.number < current or (step.number == current and self.position.complete):
                parts.append((f"{step.number} {step.title} ✓", "dim"))
            elif step.number == current:
                parts.append((f"▶ {step.number} {step.title}", "bold reverse"))
            else:
                parts.append(f"{step.number} {step.title}")
        return Content.assemble(*parts)
