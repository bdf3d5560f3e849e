"""The SLA countdowns: every runbook timer, recomputed from the clock each second."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content

from ...domain.sla import SlaTimer, TimerState, format_duration
from ...domain.times import clock_text
from .live_text import LiveText


def timer_line(timer: SlaTimer, *, local: bool = False) -> Content:
    """``Acknowledge   3m 12s left  due 03:05:00``, coloured by where the timer stands."""
    title = f"{timer.title:<13}"
    if timer.state is TimerState.NOT_APPLICABLE or timer.due_at is None:
        return Content.assemble((title, "dim"), ("—", "dim"))
    due = f"due {clock_text(timer.due_at, local=local)}"
    remaining = timer.remaining or 0.0
    if timer.state is TimerState.MET:
        met = clock_text(timer.met_at or timer.due_at, local=local)
        return Content.assemble((title, "green"), (f"✔ met {met}", "bold green"), (f"  {due}", "dim"))
    if timer.met_at is not None:
        late = format_duration(remaining)
        return Content.assemble((title, "red"), (f"✖ {late} late", "bold red"), (f"  {due}", "dim"))
    if timer.state is TimerState.BREACHED:
        return Content.assemble(
            (title, "bold red"), (f"OVERDUE {format_duration(remaining)}", "bold white on red"), (f"  {due}", "red")
        )
    style = "bold yellow" if timer.due_soon else "bold green"
    soon = " soon" if timer.due_soon else ""
    return Content.assemble((title, style), (f"{format_duration(remaining):>7} left{soon}", style), (f"  {due}", "dim"))


class SlaBoard(LiveText):
    """Timers for the incident on screen, plus a line about other open incidents needing attention."""

    def show(self, timers: Sequence[SlaTimer], others: Sequence[str] = (), *, local: bool = False) -> None:
        lines = [Content.assemble(("SLA timers", "bold"), ("  (times UTC)" if not local else "  (local time)", "dim"))]
        if not timers:
            lines.append(Content.styled("No incident: no timers.", "dim"))
        lines.extend(timer_line(t, local=local) for t in timers)
        for other in others:
            lines.append(Content.styled(other, "bold yellow"))
        self.set_content(Content("\n").join(lines))
