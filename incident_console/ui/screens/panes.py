"""The main screen's panes: the layout, drawing them from the snapshot each second, and incidents declared
elsewhere announced (the keys' actions are in main.py)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual import events
from textual.app import ComposeResult
from textual.containers import Grid
from textual.content import Content
from textual.geometry import Size
from textual.screen import Screen

from ...domain.alert_plan import alerts_of, recurred_at
from ...domain.model import Incident, LogEntry, Status
from ...domain.text import visible
from ...domain.timer_text import overdue
from ..console_protocol import Console, console_of
from ..widgets.action_log import ActionLog
from ..widgets.composer import Composer
from ..widgets.console_footer import ConsoleFooter
from ..widgets.incident_pane import IncidentPane, web_link
from ..widgets.incident_strip import IncidentStrip
from ..widgets.live_text import LiveText
from ..widgets.log_view import LogRow
from ..widgets.sla_board import SlaBoard

_STILL_SHOWING = "Still showing the incident you are on: press i to pick, n for the next open one."

if TYPE_CHECKING:
    from textual.widgets import Tabs

PANES = ("incident-pane", "sla-board", "action-log", "composer")
PANE_TITLES = ("1 Incident", "2 Timers", "3 Log", "4 Compose")
NARROW_WIDTH, NARROW_HEIGHT = 100, 28


def is_narrow(size: Size) -> bool:
    return size.width < NARROW_WIDTH or size.height < NARROW_HEIGHT


class PanesScreen(Screen[None]):
    """The four panes and the bars above them, kept true to the snapshot, the save queue and the clock."""

    # Only the tab bar takes the focus on its own: with "*", a pane's widget would, and its border would light up.
    AUTO_FOCUS = "#pane-tabs"

    def __init__(self) -> None:
        super().__init__()
        self._pane = "action-log"
        # Only narrow layouts show the tab bar: it is made the first time the layout is narrow.
        self._tabs: Tabs | None = None
        # Incidents already on file when seen last; one that appears later was declared elsewhere
        # (an alert hook, a colleague) and is announced, never shown in place of the one on screen.
        self._known: set[str] | None = None
        self._unseen: list[str] = []
        self._alerts_for: tuple[tuple[LogEntry, ...], list[dict[str, Any]], datetime | None] | None = None

    @property
    def console(self) -> Console:
        return console_of(self)

    def compose(self) -> ComposeResult:
        yield LiveText(id="topbar")
        yield LiveText(id="banner")
        yield IncidentStrip(id="incident-strip")  # shown only when narrow: the panes say it all otherwise
        if is_narrow(self.app.size):
            yield self._make_tabs()
        # Classes are set here rather than on mount: each change of class restyles the subtree.
        with Grid(id="panes"):
            yield IncidentPane(id="incident-pane", classes="pane")
            yield SlaBoard(id="sla-board", classes="pane")
            yield ActionLog(id="action-log", classes="pane -active")
            yield Composer(id="composer", classes="pane")
        # Compact, and without the palette hint: the keys of the runbook's actions fit at 120 columns
        # (ctrl+p still opens the palette; the help screen lists it).
        yield ConsoleFooter(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.refresh_state()
        # Every new state read (a save, another process's write, the rest of a long log) redraws.
        self.watch(self.app, "snapshot", self.refresh_state, init=False)

    # what is on screen

    @property
    def incident(self) -> Incident | None:
        snapshot = self.console.snapshot
        chosen = snapshot.incident(self.console.incident_id) if self.console.incident_id else None
        return chosen or snapshot.current()

    def _pin_and_announce(self, incident: Incident | None) -> None:
        """Keep the incident on screen until the person switches; announce the ones declared elsewhere."""
        if incident is not None and self.console.incident_id != incident.id:
            self.console.incident_id = incident.id
        snapshot = self.console.snapshot
        ids = {i.id for i in snapshot.incidents}
        if self._known is None:
            self._known = ids
            return
        for new in sorted(ids - self._known, key=lambda i: (len(i), i)):
            declared = snapshot.incident(new)
            log = snapshot.log_for(new)
            # One that monitoring declared is announced even when it is the one now on screen: no one typed it.
            on_screen = incident is not None and new == incident.id
            if declared is None or (on_screen and not (log and "alert_key" in log[0].details)):
                continue
            by = f" by {log[0].author}" if log else ""
            if not on_screen:
                self._unseen.append(new)
            self.app.bell()
            self.notify(
                visible(
                    f"{new} {declared.severity.value} declared{by}: {declared.title}. "
                    + ("" if on_screen else _STILL_SHOWING)
                ),
                title="New incident",
                severity="warning",
                timeout=15,
                markup=False,
            )
        self._known |= ids
        if incident is not None and incident.id in self._unseen:
            self._unseen.remove(incident.id)

    def refresh_state(self) -> None:
        """Redraw from the app's snapshot and the save queue."""
        incident = self.incident
        self._pin_and_announce(incident)
        now = self.console.clock()
        log = self.query_one(ActionLog)
        snapshot = self.console.snapshot
        entries = snapshot.unbroken_log_for(incident.id) if incident else ()
        failed = bool(self.console.saver.problem)
        pending = [
            LogRow(at=e.at, author=e.author, kind=e.kind, text=e.text, pending=True, failed=failed)
            for e in (c.entry for c in self.console.saver.pending())
            if e is not None and incident is not None and e.incident_id == incident.id
        ]
        # Only an identified incident's update names the cause: no need to look for it otherwise.
        identified = incident is not None and incident.status is Status.IDENTIFIED
        cause = self.console.desk.stated_cause(incident, snapshot) if incident and identified else ""
        with self.app.batch_update():
            log.show_entries(entries, pending, whole=snapshot.whole, incident_id=incident.id if incident else None)
            self.query_one(Composer).show(incident, self.console.desk.policy, now, cause=cause)
            self._draw_clocked(incident, now)
            self._draw_bars(incident)

    def tick(self, now: datetime) -> None:
        incident = self.incident
        with self.app.batch_update():
            self._draw_clocked(incident, now)
            self.query_one(Composer).show(incident, self.console.desk.policy, now)

    def _draw_clocked(self, incident: Incident | None, now: datetime) -> None:
        saver = self.console.saver
        problem = saver.problem if saver.pending() else ""
        alerts = self._alerts(incident)
        recurred = self._alerts_for[2] if self._alerts_for else None
        self.query_one(IncidentPane).show(incident, now, self.console.desk.saved_at(), problem, alerts, recurred)
        timers = self.console.desk.timers(incident, self.console.snapshot, now) if incident else []
        others = self._other_incidents(incident, now)
        local = self.query_one(ActionLog).view.local_time
        self.query_one(SlaBoard).show(timers, others, now=now, local=local)
        self.query_one(IncidentStrip).show(incident, timers, now=now, local=local)

    def _alerts(self, incident: Incident | None) -> list[dict[str, Any]]:
        """The incident's alerts, found again only when its log changed (the pane is drawn every second)."""
        log = self.console.snapshot.log_for(incident.id) if incident else ()
        if self._alerts_for is None or self._alerts_for[0] is not log:
            self._alerts_for = (log, alerts_of(log), recurred_at(log))
        return self._alerts_for[1]

    def action_open_alert_link(self) -> None:
        """Open the newest alert's link (a firing one first): its graph, dashboard or PagerDuty page."""
        linked = [a for a in self._alerts(self.incident) if web_link(a["links"])]
        if not linked:
            self.notify("No alert of this incident has a web link.", title="Alert link", markup=False)
            return
        chosen = next((a for a in reversed(linked) if a["status"] == "firing"), linked[-1])
        url = web_link(chosen["links"])
        self.app.open_url(url)
        self.notify(visible(f"Opened {chosen['name']}: {url}"), title="Alert link", markup=False)

    def _other_incidents(self, current: Incident | None, now: datetime) -> list[str]:
        lines = []
        for other in self.console.snapshot.open_incidents:
            if current is not None and other.id == current.id:
                continue
            timers = self.console.desk.timers(other, self.console.snapshot, now)
            breached = [t.title for t in timers if overdue(t)]
            soon = [t.title for t in timers if t.due_soon]
            if breached:
                lines.append(f"⚠ {other.id} {other.severity.value}: {', '.join(breached)} overdue (n to switch)")
            elif soon:
                lines.append(f"⚠ {other.id} {other.severity.value}: {', '.join(soon)} due soon (n to switch)")
        return lines

    def _draw_bars(self, incident: Incident | None) -> None:
        snapshot = self.console.snapshot
        path = visible(str(self.console.desk.path))
        open_count = len(snapshot.open_incidents)
        self.query_one("#topbar", LiveText).set_content(
            Content.assemble(
                ("incident-console", "bold"),
                f"  {path}",
                (f"  {open_count} open incident{'s' if open_count != 1 else ''}", "dim"),
                (f"  you: {visible(self.console.desk.author)}", "dim"),
                *self.console.team.header(),
                (f"  ● new: {', '.join(self._unseen)} (i to pick)" if self._unseen else "", "bold yellow"),
            )
        )
        warnings = []
        if self.console.chain_problem:
            warnings.append(
                f"⚠ This file does not verify: {self.console.chain_problem}. "
                "It may have been edited outside the console."
            )
        skewed = self.console.desk.clock_problems(incident, snapshot) if incident else {}
        for problem in list(skewed.values())[:2]:
            warnings.append(f"⚠ Clock problem: {problem}; it meets no timer.")
        if incident and len(skewed) > 2:
            warnings.append(f"⚠ {len(skewed) - 2} more entries of {incident.id} have a clock problem (see verify).")
        if self.console.read_only:
            warnings.append("⚠ This file is read-only: you can read it, but changes cannot be saved.")
        pending = self.console.saver.pending()
        if pending and self.console.saver.problem:
            warnings.append(
                f"⚠ {len(pending)} change(s) NOT SAVED: {self.console.saver.problem}. Kept on screen and retried."
            )
        banner = self.query_one("#banner", LiveText)
        banner.set_content(Content("\n".join(visible(w) for w in warnings)))
        if banner.display != bool(warnings):
            banner.display = bool(warnings)

    async def make_editor(self) -> None:
        await self.query_one(Composer).make_editor()

    # layout

    def _make_tabs(self) -> Tabs:
        from textual.widgets import Tab, Tabs

        self._tabs = Tabs(
            *(Tab(title, id=f"tab-{pane}") for title, pane in zip(PANE_TITLES, PANES, strict=True)),
            id="pane-tabs",
            active=f"tab-{self._pane}",
        )
        return self._tabs

    async def on_resize(self, event: events.Resize) -> None:
        narrow = is_narrow(event.size)
        if narrow and self._tabs is None:
            tabs = self._make_tabs()
            await self.mount(tabs, before="#panes")
            if self.focused is None:
                self.set_focus(tabs)  # as AUTO_FOCUS would have, had the bar been there from the start
        self.set_class(narrow, "-narrow")

    def _select_pane(self, number: int) -> None:
        pane = PANES[number - 1]
        for index, name in enumerate(PANES):
            self.query_one(f"#{name}").set_class(index == number - 1, "-active")
        self._pane = pane
        if self._tabs is not None and self._tabs.active != f"tab-{pane}":
            self._tabs.active = f"tab-{pane}"

    # A handler by name, not @on(Tabs.TabActivated): Tabs is imported only when the bar is made.
    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        # A message for a tab that is no longer the active one is stale: following it would set the
        # tabs back, post another message, and the two would chase each other for ever.
        if event.tabs.id == "pane-tabs" and event.tab.id and event.tab.id == event.tabs.active:
            number = PANES.index(event.tab.id.removeprefix("tab-")) + 1
            self._select_pane(number)

    async def action_pane(self, number: int) -> None:
        self._select_pane(number)
        widget = self.query_one(f"#{PANES[number - 1]}")
        if isinstance(widget, ActionLog):
            widget.view.focus()
        elif isinstance(widget, Composer):
            await widget.focus_editor()
