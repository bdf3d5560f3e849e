"""One line that narrow terminals show whatever the tab: severity, id, status and the most urgent timer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from textual.content import Content

from ...domain.model import Incident
from ...domain.sla import SlaTimer, most_urgent
from .incident_pane import SEVERITY_STYLE, STATUS_STYLE
from .live_text import LiveText
from .sla_board import timer_line


class IncidentStrip(LiveText):
    def show(
        self, incident: Incident | None, timers: Sequence[SlaTimer], *, now: datetime, local: bool = False
    ) -> None:
        if incident is None:
            self.set_content(Content.styled("No active incident: d declares one.", "dim"))
            return
        severity = incident.severity
        urgent = most_urgent(incident, timers)
        due = Content.styled("no deadline running", "dim") if urgent is None else timer_line(urgent, now, local=local)
        self.set_content(
            Content.assemble(
                (f" {severity.value} ", SEVERITY_STYLE[severity]),
                " ",
                (incident.id, "bold"),
                " ",
                (incident.status.title, STATUS_STYLE[incident.status.value]),
                "  ",
                # The SLA pane's own line for the timer, so both say the same thing the same way.
                due,
            )
        )
