"""The active incident: who, what, how bad, since when, and when the file last reached the disk."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from textual.content import Content

from ...domain.model import Incident, Severity
from ...domain.sla import format_duration
from ...domain.text import visible
from ...domain.times import to_text
from .live_text import LiveText

SEVERITY_STYLE = {
    Severity.P1: "bold white on #b00020",
    Severity.P2: "bold black on #ff8c00",
    Severity.P3: "bold black on #e6c619",
    Severity.P4: "bold white on #3b6ea8",
}
STATUS_STYLE = {
    "investigating": "bold red",
    "identified": "bold yellow",
    "monitoring": "bold cyan",
    "resolved": "bold green",
}


def _ago(moment: datetime, now: datetime) -> str:
    seconds = (now - moment).total_seconds()
    return f"{format_duration(seconds)} ago" if seconds >= 0 else f"in {format_duration(seconds)}"


def _clock(moment: datetime) -> str:
    return to_text(moment)[:19].replace("T", " ") + " UTC"


# Every field has one line; lines the pane has to spare go to the title first, then to the fields
# from the top (before the pane's height is known, the title has two). What still does not fit is cut with
# an ellipsis, so a 200-character title or a long list of services never pushes the status, the
# times or the triage out of sight.
TITLE, TITLE_LINES = 1, 2


def shares(lines: list[Content], width: int, height: int) -> list[int]:
    """How many lines of ``width`` cells each of ``lines`` gets in a pane ``height`` lines high."""
    wanted = [len(line.wrap(width)) if width > 0 else 1 for line in lines]
    given = [1] * len(lines)
    spare = height - len(lines) if height > 0 else TITLE_LINES - 1
    for index in [TITLE, *(i for i in range(len(lines)) if i != TITLE)][: len(lines)]:
        extra = min(wanted[index] - 1, spare)
        if extra > 0:
            given[index] += extra
            spare -= extra
    return given


def fit(content: Content, width: int, lines: int = 1) -> list[Content]:
    """``content`` in at most ``lines`` lines of ``width`` cells, the last one ending in … if it goes on."""
    if width <= 0:
        return [content]
    wrapped = content.wrap(width)
    if len(wrapped) <= lines:
        return wrapped
    kept = wrapped[:lines]
    kept[-1] = (kept[-1] + " " + wrapped[lines]).truncate(width, ellipsis=True)
    return kept


NEWEST_ALERTS = 3  # the pane is a summary on one line: the log holds every alert entry


def alert_lines(alerts: Sequence[Mapping[str, Any]], recurred: datetime | None = None) -> list[Content]:
    """How many alerts fire and how many resolved, and the names of the newest (shown literally:
    labels and annotations can hold anything). One line, so the pane still fits 35 rows."""
    if not alerts:
        return []
    firing = sum(a["status"] == "firing" for a in alerts)
    resolved = len(alerts) - firing
    names: list[str] = []
    for alert in reversed(alerts[-NEWEST_ALERTS:]):
        if str(alert["name"]) not in names:
            names.append(str(alert["name"]))
    return [
        Content.assemble(
            ("Alerts    ", "bold"),
            (f"{firing} firing", "bold red" if firing else "dim"),
            " · ",
            (f"{resolved} resolved", "green" if resolved else "dim"),
            # The runbook's "watch for recurrence": a resolved incident whose alerts fire again.
            (f" · RECURRED {_clock(recurred)[11:16]}" if recurred else "", "bold red"),
            " · newest: ",
            visible(", ".join(names)),
        )
    ]


def describe(
    incident: Incident,
    now: datetime,
    saved_at: datetime | None,
    save_problem: str,
    alerts: Sequence[Mapping[str, Any]] = (),
    recurred: datetime | None = None,
) -> list[Content]:
    """The pane's lines, each to be fitted to the pane's width (see ``fit``); everything a person
    wrote is shown literally."""
    sev = incident.severity
    lines: list[Content] = [
        Content.assemble(
            (f" {sev.value} {sev.label} ", SEVERITY_STYLE[sev]),
            " ",
            (incident.id, "bold"),
            "  ",
            (incident.status.title, STATUS_STYLE[incident.status.value]),
        ),
        Content.assemble((visible(incident.title), "bold")),
        Content.assemble((f"{sev.description} · respond within {_window(sev)}", "dim")),
        Content(""),
        Content.assemble(("Commander ", "bold"), visible(incident.commander or "-")),
        Content.assemble(("Impact    ", "bold"), visible(incident.impact or "-")),
        Content.assemble(("Services  ", "bold"), visible(", ".join(incident.services) or "-")),
        Content.assemble(
            ("Started   ", "bold"), _clock(incident.impact_start), (f"  ({_ago(incident.impact_start, now)})", "dim")
        ),
        Content.assemble(("Detected  ", "bold"), _clock(incident.detected_at)),
    ]
    if incident.resolved_at:
        lines.append(Content.assemble(("Resolved  ", "bold"), _clock(incident.resolved_at)))
    triage = incident.triage
    lines.append(
        Content.assemble(("Triage    ", "bold"), triage.describe() if triage else ("not done yet (t)", "yellow"))
    )
    lines.extend(alert_lines(alerts, recurred))
    if save_problem:
        lines.append(Content.assemble(("Not saved ", "bold red"), (visible(save_problem), "red")))
    elif saved_at is not None:
        lines.append(Content.assemble(("Saved     ", "dim"), (f"{_clock(saved_at)} ({_ago(saved_at, now)})", "dim")))
    return lines


def _window(severity: Severity) -> str:
    return format_duration(severity.response_time.total_seconds())


class IncidentPane(LiveText):
    """Shows one incident; re-rendered each second for the live 'ago' times."""

    _lines: list[Content] | None = None

    def show(
        self,
        incident: Incident | None,
        now: datetime,
        saved_at: datetime | None,
        save_problem: str,
        alerts: Sequence[Mapping[str, Any]] = (),
        recurred: datetime | None = None,
    ) -> None:
        if incident is None:
            self._lines = None
            self.set_content(
                Content.assemble(
                    ("No active incident", "bold"),
                    "\n\nPress ",
                    ("d", "bold reverse"),
                    " to declare one, or from a shell:\n",
                    ("incident-console new TITLE --severity P1", "italic"),
                )
            )
            return
        self._lines = describe(incident, now, saved_at, save_problem, alerts, recurred)
        self.set_content(Content("\n").join(self._lines))

    def render(self) -> Content:
        if self._lines is None:
            return super().render()
        width, height = self.content_size
        given = shares(self._lines, width, height)
        shown = [line for content, n in zip(self._lines, given, strict=True) for line in fit(content, width, n)]
        return Content("\n").join(shown)


# The link an alert is best seen by, in this order; only web addresses are opened (an alert's text is anyone's).
_LINK_ORDER = ("generatorURL", "dashboardURL", "panelURL", "html_url", "runbook_url", "silenceURL")


def web_link(links: Mapping[str, Any]) -> str:
    """The web address an alert is best seen by, or "" when it has none."""
    for name in (*_LINK_ORDER, *sorted(links)):
        url = str(links.get(name) or "")
        if url.lower().startswith(("https://", "http://")):
            return url
    return ""
