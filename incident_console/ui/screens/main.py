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
from textual.widgets import Footer

from ...clipboard import CopyOutcome
from ...domain import limits, sla
from ...domain.errors import InputError
from ...domain.model import Incident, Severity, Status
from ...domain.text import visible
from ...domain.times import parse_when
from ...domain.triage import answers_from_text
from .. import forms
from ..commands import bindings
from ..forms import Values
from ..widgets.action_log import ActionLog
from ..widgets.composer import Composer
from ..widgets.incident_pane import IncidentPane
from ..widgets.live_text import LiveText
from ..widgets.log_view import LogRow, LogView
from ..widgets.sla_board import SlaBoard

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

    @property
    def console(self) -> IncidentConsole:
        return cast("IncidentConsole", self.app)

    def compose(self) -> ComposeResult:
        yield LiveText(id="topbar")
        yield LiveText(id="banner")
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
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.refresh_state()

    # what is on screen

    @property
    def incident(self) -> Incident | None:
        snapshot = self.console.snapshot
        chosen = snapshot.incident(self.console.incident_id) if self.console.incident_id else None
        return chosen or snapshot.current()

    def refresh_state(self) -> None:
        """Redraw from the app's snapshot and the save queue."""
        incident = self.incident
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
        with self.app.batch_update():
            log.show_entries(entries, pending, whole=snapshot.whole)
            self.query_one(Composer).show(incident, self.console.desk.policy, now)
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
        self.query_one(IncidentPane).show(incident, now, self.console.desk.repository.saved_at(), problem)
        timers = self.console.desk.timers(incident, self.console.snapshot, now) if incident else []
        others = self._other_incidents(incident, now)
        self.query_one(SlaBoard).show(timers, others, local=self.query_one(ActionLog).view.local_time)
        if incident is not None:
            self._watch_breaches(incident, timers)

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
            )
        )
        warnings = []
        if self.console.chain_problem:
            warnings.append(
                f"⚠ The log's hash chain is broken: {self.console.chain_problem}. "
                "Entries may have been edited outside the console."
            )
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

    # keys

    async def run_binding_on_arrival(self, key: str) -> bool:
        """Run this screen's action for ``key`` as the key arrives; False to let it take its usual way.

        Keys that arrive together (a fast typist, or keystrokes batched over a slow SSH link) are
        each sent to whatever has the focus when they arrive, before any of them is handled. Run the
        usual way, the ``l`` of "lrestarted pods" would open the entry line only after "restarted
        pods" had been taken as commands. Run here, the line has the focus before the next key is
        sent. Only when nothing that takes typing has the focus: its keys go to it, as always.
        """
        focused = self.focused
        if focused is not None and not (isinstance(focused, LogView) or focused is self._tabs):
            return False
        active = self.active_bindings.get(key)
        if active is None or active.binding.priority or not active.enabled or active.node not in (self, self.app):
            return False  # the focused widget's own keys (scrolling, tabs) are left to it
        return await self.app.run_action(active.binding.action, active.node)

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

    async def _form(self, title: str, fields: list[forms.Field], then: Any, **kwargs: Any) -> None:
        from .form import FormScreen  # like the other modal screens, imported when first opened

        form = FormScreen(title, fields, drafts=self.console.drafts, draft_key=title, **kwargs)
        await self.app.push_screen(form, lambda values: then(values) if values is not None else None)
        form.focus_first_field()  # now, so keys typed right after the form's key go into it

    async def action_declare(self) -> None:
        desk = self.console.desk

        def done(values: Values) -> None:
            try:
                started = parse_when(values["started"], self.console.clock()) if values["started"].strip() else None
            except InputError as exc:
                self.notify(str(exc), severity="error", markup=False)
                self.console.drafts["Declare an incident"] = values
                return
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

        await self._form("Declare an incident", forms.declare_fields(), done)

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

        await self._form(f"Triage {incident.id}", forms.triage_fields(incident), done, hint=forms.triage_hint)

    async def action_log_entry(self) -> None:
        if self._need_incident() is not None:
            self._select_pane(3)
            await self.query_one(ActionLog).open_entry()

    @on(ActionLog.Submitted)
    def _log_submitted(self, event: ActionLog.Submitted) -> None:
        incident = self.incident
        if incident is None:
            return
        at = self.console.clock()
        run = partial(self.console.desk.log, event.text, at=at, incident_id=incident.id)
        self.console.submit("log entry", run, preview=(incident.id, "note", event.text, at))

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
        )

    async def action_compose(self) -> None:
        await self.action_pane(4)

    def action_copy_update(self) -> None:
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
        template = composer.template_key

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
            composer.sent()

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

        fields = [forms.Field("to", "Hand over to", required=True, placeholder="who takes over", limit=limits.NAME)]
        await self._form(
            f"Hand off {incident.id}",
            fields,
            lambda v: self.console.submit(
                "handoff", partial(self.console.desk.handoff, v["to"], incident.id), on_done=briefed
            ),
            save_label="Brief",
        )

    def action_review(self) -> None:
        if (incident := self._need_incident()) is None:
            return
        from ...domain.reports import review_markdown
        from .document import DocumentScreen

        snapshot = self.console.snapshot
        entries = self.console.desk.since_last_handoff(incident, snapshot)
        handed = any(e.kind == "handoff" for e in snapshot.log_for(incident.id))
        markdown = review_markdown(incident, entries, since_handoff=handed)
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
