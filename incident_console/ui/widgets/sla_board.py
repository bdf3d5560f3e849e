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


TITLE_WIDTH = 13


def timer_line(timer: SlaTimer, now: datetime, *, local: bool = False, width: int = 0) -> Content:
    """``Acknowledge   3m 12s left  due 03:05:00``, coloured by where the timer stands.

    Given the pane's ``width``, a line too long for it goes on under the state, not under the title.
    """
    text = timer_text(timer, moment_on(now, local=local))
    mark, style, due_style = _LOOK[text.tone]
    title_style = "bold red" if text.tone is Tone.OVERDUE else style
    state = Content.styled(f"{mark}{text.state or '—'}", style)
    due = Content.styled(text.due, due_style)
    title = Content.styled(f"{text.title:<{TITLE_WIDTH}}", title_style)
    room = width - TITLE_WIDTH
    gap = Content("  ")
    if width <= TITLE_WIDTH or state.cell_length + (len(gap) + due.cell_length if text.due else 0) <= room:
        return title + state + (gap + due if text.due else Content(""))
    lines = state.wrap(room)
    if text.due:
        # The due time is kept whole: on the state's last line if it fits there, else on its own.
        if lines[-1].cell_length + len(gap) + due.cell_length <= room:
            lines[-1] = lines[-1] + gap + due
        else:
            lines.append(due)
    indent = Content(" " * TITLE_WIDTH)
    return Content("\n").join([title + lines[0], *(indent + line for line in lines[1:])])


class SlaBoard(LiveText):
    """Timers for the incident on screen, plus a line about other open incidents needing attention."""

    _shown: tuple[Sequence[SlaTimer], Sequence[str], datetime, bool] | None = None

    def on_resize(self) -> None:
        # The lines wrap to the pane's width, which is known only once it is laid out.
        if self._shown is not None:
            timers, others, now, local = self._shown
            self.show(timers, others, now=now, local=local)

    def show(
        self, timers: Sequence[SlaTimer], others: Sequence[str] = (), *, now: datetime, local: bool = False
    ) -> None:
        self._shown = (timers, others, now, local)
        lines = [Content.assemble(("SLA timers", "bold"), ("  (times UTC)" if not local else "  (local time)", "dim"))]
        if not timers:
            lines.append(Content.styled("No incident: no timers.", "dim"))
        width = self.content_region.width
        lines.extend(timer_line(t, now, local=local, width=width) for t in timers)
        for other in others:
            lines.append(Content.styled(other, "bold yellow"))
        self.set_content(Content("\n").join(lines))
