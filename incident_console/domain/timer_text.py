"""How a timer reads, in words: one wording for the SLA pane, ``show`` and the handoff briefing.

Each interface styles the parts its own way (colours and marks in the console, plain text on the
command line, Markdown in the briefing); what a timer says is decided here only.
"""

# No "from __future__ import annotations": see model.py (named tuples are made faster without it).

import enum
from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple

from .sla import SlaTimer, TimerState, format_duration
from .times import day_clock_text

Moment = Callable[[datetime], str]


class Tone(enum.StrEnum):
    """Where a timer stands, as a person should read it at a glance."""

    NONE = "none"  # not applicable
    MET = "met"  # met in time (or the update cadence kept until resolution)
    LATE = "late"  # met, after its deadline
    LEFT = "left"  # counting down
    SOON = "soon"  # counting down, in the last part of its window
    OVERDUE = "overdue"  # counting, past its deadline
    OVERRIDE = "override"  # cut short or done by an override
    UNMET = "unmet"  # resolution came first; its deadline had not come
    MISSED = "missed"  # resolution came first; its deadline had already passed


class TimerText(NamedTuple):
    """A timer in words: ``state`` (``4m 12s left``) and ``due`` (``due 03:05:00``, or empty)."""

    title: str
    tone: Tone
    state: str
    due: str

    def line(self) -> str:
        """The plain one-line form: ``Acknowledge   4m 12s left  due 03:05:00``."""
        text = f"{self.title:<13} {self.state or '-'}"
        return f"{text}  {self.due}" if self.due else text


def overdue(timer: SlaTimer) -> bool:
    """Past its deadline and not met: what the console announces, logs as a breach and lists as overdue."""
    return timer.state is TimerState.BREACHED and timer.met_at is None


def moment_on(now: datetime, *, local: bool = False) -> Moment:
    """Times as the console and ``show`` print them: ``HH:MM:SS`` today, with the date on another day."""
    return lambda moment: day_clock_text(moment, now, local=local)


def timer_text(timer: SlaTimer, moment: Moment) -> TimerText:
    """What ``timer`` says, its times written by ``moment`` (see ``moment_on``)."""
    title = timer.title
    if timer.due_at is None or (timer.state is TimerState.NOT_APPLICABLE and not timer.ended_by):
        return TimerText(title, Tone.NONE, "", "")
    due = f"due {moment(timer.due_at)}"
    remaining = timer.remaining or 0.0
    if timer.ended_by == "override":
        if timer.met_at is None:
            return TimerText(title, Tone.OVERRIDE, f"skipped (override), {format_duration(remaining)} short", due)
        late = f", {format_duration(remaining)} late" if timer.state is TimerState.BREACHED else ""
        return TimerText(title, Tone.OVERRIDE, f"marked complete (override) {moment(timer.met_at)}{late}", due)
    if timer.ended_by == "resolution":
        if timer.state is TimerState.MET:
            return TimerText(title, Tone.MET, f"kept until resolution {moment(timer.met_at or timer.due_at)}", "")
        tone = Tone.MISSED if timer.state is TimerState.BREACHED else Tone.UNMET
        return TimerText(title, tone, "not met before resolution", due)
    if timer.state is TimerState.MET:
        return TimerText(title, Tone.MET, f"met {moment(timer.met_at or timer.due_at)}", due)
    if timer.met_at is not None:
        return TimerText(title, Tone.LATE, f"met {format_duration(remaining)} late", due)
    if overdue(timer):
        return TimerText(title, Tone.OVERDUE, f"OVERDUE {format_duration(remaining)}", due)
    if timer.due_soon:
        return TimerText(title, Tone.SOON, f"{format_duration(remaining)} left (soon)", due)
    return TimerText(title, Tone.LEFT, f"{format_duration(remaining)} left", due)
