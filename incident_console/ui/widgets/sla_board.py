"""The SLA countdowns: every runbook timer, recomputed from the clock each second."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from textual.content import Content

from ...domain.sla import SlaTimer
from ...domain.timer_text import Tone, moment_on, timer_text
from .live_text import LiveText

# (mark, style of the title and state, style of the due time) for each tone.
_LOOK: dict[Tone, tuple[str, str, str]] = {
    Tone.NONE: ("", "dim", "dim"),
    Tone.MET: ("✔ ", "bold green", "dim"),
    Tone.LATE: ("✖ ", "bold red", "dim"),
    Tone.LEFT: ("", "bold green", "dim"),
    Tone.SOON: ("", "bold yellow", "dim"),
    Tone.OVERDUE: ("", "bold white on red", "red"),
    Tone.OVERRIDE: ("⚠ ", "bold yellow", "dim"),
    Tone.UNMET: ("", "dim", "dim"),
    Tone.MISSED: ("✖ ", "bold red", "dim"),
}


def timer_line(timer: SlaTimer, now: datetime, *, local: bool = False) -> Content:
    """``Acknowledge   3m 12s left  due 03:05:00``, coloured by where the timer stands."""
    text = timer_text(timer, moment_on(now, local=local))
    mark, style, due_style = _LOOK[text.tone]
    title_style = "bold red" if text.tone is Tone.OVERDUE else style
    parts: list[tuple[str, str]] = [(f"{text.title:<13}", title_style), (f"{mark}{text.state or '—'}", style)]
    if text.due:
        parts.append((f"  {text.due}", due_style))
    return Content.assemble(*parts)


class SlaBoard(LiveText):
    """Timers for the incident on screen, plus a line about other open incidents needing attention."""

    def show(
        self, timers: Sequence[SlaTimer], others: Sequence[str] = (), *, now: datetime, local: bool = False
    ) -> None:
        lines = [Content.assemble(("SLA timers", "bold"), ("  (times UTC)" if not local else "  (local time)", "dim"))]
        if not timers:
            lines.append(Content.styled("No incident: no timers.", "dim"))
        lines.extend(timer_line(t, now, local=local) for t in timers)
        for other in others:
            lines.append(Content.styled(other, "bold yellow"))
        self.set_content(Content("\n").join(lines))
