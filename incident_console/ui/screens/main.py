"""The main screen: incident, SLA timers, action log and composer together, every action on a key."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Grid
from textual.content import Content
from textual.geometry import Size
from textual.screen import Screen

from ...clipboard import CopyOutcome
from ...domain import limits, sla
from ...domain.alert_plan import alerts_of, recurred_at
from ...domain.errors import InputError
from ...domain.model import Incident, LogEntry, Severity, Status
from ...domain.templates import unfilled
from ...domain.text import visible
from ...domain.times import parse_when
from ...domain.triage import answers_from_text
from .. import forms
from ..commands import bindings
from ..forms import Values
from ..widgets.action_log import ActionLog
from ..widgets.composer import Composer
from ..widgets.console_footer import ConsoleFooter
from ..widgets.incident_pane import IncidentPane, web_link
from ..widgets.incident_strip import IncidentStrip
from ..widgets.live_text import LiveText
from ..widgets.log_view import LogRow, LogView
from ..widgets.sla_board import SlaBoard

_STILL_SHOWING = "Still showing the incident you are on: press i to pick, n for the next open one."

if TYPE_CHECKING:
    from textual.widgets import Tabs

    from ..app import IncidentConsole

PANES = ("incident-pane", "sla-board", "action-log", "composer")
PANE_TITLES = ("1 Incident", "2 Timers", "3 Log", "4 Compose")
NARROW_WIDTH, NARROW_HEIGHT = 100, 28


def is_narrow(size: Size) -> bool:
    return size.width < NARROW_WIDTH or size.height < NARROW_HEIGHT


class MainScreen(Screen[None]):
    BINDINGS = bindings()
    # Only the tab bar takes the focus on its own: with "*", a pane's widget would, and its border would light up.
    AUTO_FOCUS = "#pane-tabs"

    def __init__(self) -> None:
        super().__init__()
        self._breaches_seen: set[tuple[str, str, str]] = set()
        self._first_tick = True
        self._pane = "action-log"
        # Only narrow layouts show the tab bar: it is made the first time the layout is narrow.
        self._tabs: Tabs | None = None
        # Incidents already on file when seen last; one that appears later was declared elsewhere
        # (an alert hook, a colleague) and is announced, never shown in place of the one on screen.
        self._known: set[str] | None = None
        self._unseen: list[str] = []
        self._alerts_for: tuple[tuple[LogEntry, ...], list[dict[str, Any]], datetime | None] | None = None

    @property
    def console(self) -> IncidentConsole:
        return cast("IncidentConsole", self.app)

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
        pending = [
            LogRow(
                at=c.preview[3],
                author=self.console.desk.author,
                kind=c.preview[1],
                text=c.preview[2],
                pending=True,
                failed=bool(self.console.saver.problem),
            )
            for c in self.console.saver.pending()
            if c.preview is not None and incident is not None and c.preview[0] == incident.id
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
            self.query_one(ActionLog).update_title()
        self._first_tick = False

    def _draw_clocked(self, incident: Incident | None, now: datetime) -> None:
        saver = self.console.saver
        problem = saver.problem if saver.pending() else ""
        alerts = self._alerts(incident)
        recurred = self._alerts_for[2] if self._alerts_for else None
        self.query_one(IncidentPane).show(
            incident, now, self.console.desk.repository.saved_at(), problem, alerts, recurred
        )
        timers = self.console.desk.timers(incident, self.console.snapshot, now) if incident else []
        others = self._other_incidents(incident, now)
        local = self.query_one(ActionLog).view.local_time
        self.query_one(SlaBoard).show(timers, others, now=now, local=local)
        self.query_one(IncidentStrip).show(incident, timers, now=now, local=local)
        if incident is not None:
            self._watch_breaches(incident, timers)

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
            breached = [t.title for t in timers if t.state is sla.TimerState.BREACHED and t.met_at is None]
            soon = [t.title for t in timers if t.due_soon]
            if breached:
                lines.append(f"⚠ {other.id} {other.severity.value}: {', '.join(breached)} overdue (n to switch)")
            elif soon:
                lines.append(f"⚠ {other.id} {other.severity.value}: {', '.join(soon)} due soon (n to switch)")
        return lines

    def _watch_breaches(self, incident: Incident, timers: list[sla.SlaTimer]) -> None:
        """A timer that breaches while the console is open rings once, tells, and is logged once."""
        for timer in timers:
            if timer.state is not sla.TimerState.BREACHED or timer.met_at is not None or timer.due_at is None:
                continue
            if not incident.is_open and timer.name != "postmortem":
                continue  # resolution ends these timers; an early resolve is logged as an override instead
            key = (incident.id, timer.name, timer.due_at.isoformat())
            if key in self._breaches_seen:
                continue
            self._breaches_seen.add(key)
            if self._first_tick:
                continue  # already overdue when the console opened: shown, not announced
            self.app.bell()
            self.notify(f"{incident.id}: {timer.title} deadline breached.", severity="error", markup=False)
            desk = self.console.desk
            self.console.submit(f"log the {timer.title} breach", partial(desk.record_breach, timer, incident.id))

    def _draw_bars(self, incident: Incident | None) -> None:
        snapshot = self.console.snapshot
        path = visible(str(self.console.desk.repository.path))
        open_count = len(snapshot.open_incidents)
        self.query_one("#topbar", LiveText).set_content(
            Content.assemble(
                ("incident-console", "bold"),
                f"  {path}",
                (f"  {open_count} open incident{'s' if open_count != 1 else ''}", "dim"),
                (f"  you: {visible(self.console.desk.author)}", "dim"),
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

    # actions

    def _need_incident(self) -> Incident | None:
        incident = self.incident
        if incident is None:
            self.notify("There is no incident yet: press d to declare one.", severity="warning")
        return incident

    async def _form(
        self, title: str, fields: list[forms.Field], then: Any, *, incident: Incident | None = None, **kwargs: Any
    ) -> None:
        """Open a form; its draft belongs to ``incident`` (what is typed for one incident never
        reappears in the form for another)."""
        from .form import FormScreen  # like the other modal screens, imported when first opened

        draft_key = f"{incident.id}: {title}" if incident is not None else title
        form = FormScreen(title, fields, drafts=self.console.drafts, draft_key=draft_key, **kwargs)
        await self.app.push_screen(form, lambda values: then(values) if values is not None else None)
        form.focus_first_field()  # now, so keys typed right after the form's key go into it

    async def action_declare(self) -> None:
        desk = self.console.desk

        def started_at(values: Values) -> datetime | None:
            return parse_when(values["started"], self.console.clock()) if values["started"].strip() else None

        def check(values: Values) -> dict[str, str]:
            try:
                started_at(values)
            except InputError as exc:
                return {"started": str(exc)}
            return {}

        def done(values: Values) -> None:
            started = started_at(values)
            services = [s for s in values["services"].split(",") if s.strip()]
            run = partial(
                desk.declare,
                values["title"],
                Severity(values["severity"]),
                impact=values["impact"],
                services=services,
                commander=values["commander"],
                started_at=started,
            )
            self.console.submit("declare", run, on_done=self._declared)

        await self._form("Declare an incident", forms.declare_fields(), done, validate=check)

    def _declared(self, incident: Incident) -> None:
        self.console.incident_id = incident.id
        self.notify(f"Declared {incident.id}.", markup=False)

    def action_acknowledge(self) -> None:
        if (incident := self._need_incident()) is not None:
            self.console.submit(
                "acknowledge",
                partial(self.console.desk.acknowledge, incident.id),
                on_done=lambda _: self.notify(f"{incident.id} acknowledged."),
            )

    async def action_triage(self) -> None:
        if (incident := self._need_incident()) is None:
            return

        def done(values: Values) -> None:
            answers = answers_from_text(
                values["users"], values["data_at_risk"], values["transactions_failing"], values["workaround"]
            )
            run = partial(
                self.console.desk.triage, answers, apply_severity=values["apply"] == "yes", incident_id=incident.id
            )
            self.console.submit(
                "triage",
                run,
                on_done=lambda r: self.notify(
                    f"Triage suggests {r.suggested.value}" + (" — applied." if r.applied else " — recorded.")
                ),
            )

        await self._form(
            f"Triage {incident.id}", forms.triage_fields(incident), done, incident=incident, hint=forms.triage_hint
        )

    async def action_log_entry(self) -> None:
        if (incident := self._need_incident()) is not None:
            self._select_pane(3)
            await self.query_one(ActionLog).open_entry(incident.id)

    @on(ActionLog.Submitted)
    def _log_submitted(self, event: ActionLog.Submitted) -> None:
        # The incident the line was opened on, whatever is on screen by the time Enter is handled.
        at = self.console.clock()
        run = partial(self.console.desk.log, event.text, at=at, incident_id=event.incident_id)
        self.console.submit("log entry", run, preview=(event.incident_id, "note", event.text, at))

    @on(LogView.Chosen)
    def _entry_chosen(self, event: LogView.Chosen) -> None:
        incident = self.incident
        if incident is None:
            return
        if event.row.entry_id is None:
            self.notify("That entry is not saved yet; it can be opened once it is.", severity="warning")
            return
        from .entry import EntryScreen

        self.app.push_screen(EntryScreen(incident.id, event.row.entry_id))

    async def action_respond(self) -> None:
        if (incident := self._need_incident()) is None:
            return
        await self._form(
            "Respond (runbook step 4)",
            forms.respond_fields(),
            lambda v: self.console.submit(
                v["action"],
                partial(self.console.desk.respond, v["action"], v["detail"], incident.id),
                preview=(incident.id, "action", f"{v['action']}: {v['detail']}", self.console.clock()),
            ),
            incident=incident,
        )

    async def action_escalate(self) -> None:
        if (incident := self._need_incident()) is None:
            return
        await self._form(
            "Escalate",
            forms.escalate_fields(),
            lambda v: self.console.submit(
                "escalate",
                partial(self.console.desk.escalate, v["to"], v["why"], incident.id),
                preview=(incident.id, "escalation", f"Escalated to {v['to']}: {v['why']}", self.console.clock()),
            ),
            incident=incident,
        )

    async def action_severity(self) -> None:
        if (incident := self._need_incident()) is None:
            return
        await self._form(
            f"Severity of {incident.id}",
            forms.severity_fields(incident),
            lambda v: self.console.submit(
                "severity change",
                partial(self.console.desk.set_severity, Severity(v["severity"]), v["reason"], incident.id),
                on_done=lambda i: self.notify(f"{i.id} is now {i.severity.value}."),
            ),
            incident=incident,
        )

    async def action_status(self) -> None:
        if (incident := self._need_incident()) is None:
            return
        await self._form(
            f"Status of {incident.id}",
            forms.status_fields(incident),
            lambda v: self.console.submit(
                "status change",
                partial(self.console.desk.set_status, Status(v["status"]), note=v["note"], incident_id=incident.id),
                on_done=lambda i: self.notify(f"{i.id} is now {i.status.value}."),
            ),
            incident=incident,
        )

    async def action_compose(self) -> None:
        await self.action_pane(4)

    async def action_copy_update(self) -> None:
        if (incident := self._need_incident()) is None:
            return
        composer = self.query_one(Composer)
        text = composer.draft.strip()
        if not text:
            self.notify("The draft is empty: nothing to copy.", severity="warning")
            return
        refused = limits.problem("the status update", text, limits.ENTRY)
        if refused:  # before it is copied: an update that cannot be logged is not sent
            self.notify(refused, severity="error", markup=False)
            return
        if placeholders := unfilled(text):
            from .confirm import ConfirmSend

            send = partial(self._copy_update, incident, text, composer.template_key)
            await self.app.push_screen(ConfirmSend(placeholders), lambda yes: send() if yes else None)
            return
        self._copy_update(incident, text, composer.template_key)

    def _copy_update(self, incident: Incident, text: str, template: str) -> None:
        composer = self.query_one(Composer)

        def copied(outcome: CopyOutcome) -> None:
            if outcome.copied:
                self.notify("Update copied to the clipboard and logged as sent.", markup=False)
            else:
                self.notify(
                    "Update sent to the terminal clipboard (OSC 52) — paste to check. "
                    f"System clipboard not used: {outcome.detail}.",
                    severity="warning",
                    markup=False,
                )
            self.console.submit(
                "status update",
                partial(self.console.desk.record_update, text, template=template, incident_id=incident.id),
                preview=(incident.id, "comms", text, self.console.clock()),
            )
            composer.sent(incident.id)

        self.console.copy_update(text, copied)

    def action_next_incident(self) -> None:
        candidates = self.console.snapshot.open_incidents or self.console.snapshot.incidents
        if not candidates:
            self.notify("There are no incidents.", severity="warning")
            return
        current = self.incident
        ids = [i.id for i in candidates]
        index = (ids.index(current.id) + 1) % len(ids) if current is not None and current.id in ids else 0
        self._switch_to(ids[index])

    async def action_pick_incident(self) -> None:
        snapshot = self.console.snapshot
        if not snapshot.incidents:
            self.notify("There are no incidents.", severity="warning")
            return
        choices = tuple(
            (i.id, f"{i.id} {i.severity.value} {i.status.value} — {i.title}") for i in reversed(snapshot.incidents)
        )
        current = self.incident
        fields = [forms.Field("incident", "Incident", choices, required=True, value=current.id if current else "")]
        await self._form("Switch incident", fields, lambda v: self._switch_to(v["incident"]), save_label="Switch")

    def _switch_to(self, incident_id: str) -> None:
        self.console.incident_id = incident_id
        self.refresh_state()
        self.notify(f"Now showing {incident_id}.", markup=False)

    async def action_filter_log(self) -> None:
        self._select_pane(3)
        await self.query_one(ActionLog).open_filter()

    def action_toggle_time(self) -> None:
        log = self.query_one(ActionLog)
        log.set_local_time(not log.view.local_time)
        self.notify("Times in local time." if log.view.local_time else "Times in UTC.")
        self.tick(self.console.clock())

    def action_resolve(self) -> None:
        if (incident := self._need_incident()) is not None:
            from .resolve import ResolveScreen

            self.app.push_screen(ResolveScreen(incident.id))

    async def action_handoff(self) -> None:
        if (incident := self._need_incident()) is None:
            return
        from .document import DocumentScreen

        def briefed(result: tuple[str, Incident]) -> None:
            briefing, changed = result
            self.app.push_screen(DocumentScreen(f"Handoff briefing — {changed.id} to {changed.commander}", briefing))

        fields = [
            forms.Field("to", "Hand over to", required=True, placeholder="who takes over", limit=limits.NAME),
            forms.Field(
                "notes",
                "What I would do next / open threads",
                placeholder="into the briefing and the log",
                limit=limits.REASON,
            ),
        ]
        await self._form(
            f"Hand off {incident.id}",
            fields,
            lambda v: self.console.submit(
                "handoff",
                partial(self.console.desk.handoff, v["to"], incident.id, notes=v["notes"]),
                on_done=briefed,
            ),
            incident=incident,
            save_label="Brief",
        )

    def action_review(self) -> None:
        if (incident := self._need_incident()) is None:
            return
        from .document import DocumentScreen

        markdown = self.console.desk.review(incident, self.console.snapshot)
        self.app.push_screen(DocumentScreen(f"Review {incident.id}", markdown))

    def action_postmortem(self) -> None:
        if (incident := self._need_incident()) is not None:
            from .postmortem import PostmortemScreen

            self.app.push_screen(PostmortemScreen(incident.id))

    def action_action_items(self) -> None:
        if (incident := self._need_incident()) is not None:
            from .action_items import ActionItemsScreen

            self.app.push_screen(ActionItemsScreen(incident.id))

    def review_if_handed_to_me(self) -> None:
        """Someone opening the file after a handoff to them starts with the review of what they missed."""
        incident = self.incident
        if incident is None:
            return
        log = self.console.snapshot.log_for(incident.id)
        last = next((e for e in reversed(log) if e.kind == "handoff"), None)
        me = self.console.desk.author
        if last is None or last.details.get("to") != me or last.author == me:
            return
        if all(entry.author != me for entry in log[log.index(last) + 1 :]):
            self.action_review()

    def action_help(self) -> None:
        from .help import HelpScreen  # Markdown is heavy to import; only the help screen needs it

        self.app.push_screen(HelpScreen())

    def action_quit(self) -> None:
        self.console.action_quit()
