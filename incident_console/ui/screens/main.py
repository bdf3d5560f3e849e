"""The main screen: incident, SLA timers, action log and composer together, every action on a key."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from textual import on

from ...clipboard import CopyOutcome
from ...domain import limits
from ...domain.errors import FileProblem, InputError
from ...domain.model import Incident, Severity, Status
from ...domain.templates import unfilled
from ...domain.text import visible
from ...domain.times import parse_when
from ...domain.triage import answers_from_text
from .. import forms
from ..commands import allowed, bindings
from ..forms import Values
from ..widgets.action_log import ActionLog
from ..widgets.composer import Composer
from ..widgets.log_view import LogView
from .panes import PanesScreen


class MainScreen(PanesScreen):
    """The panes (see panes.py) and the runbook's actions, each on a key."""

    BINDINGS = bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # A read-only view: the keys that would change the file are not shown and do nothing.
        return allowed(action, self.console.desk.read_only)

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
        entry = self.console.desk.pending_entry(event.incident_id, "note", event.text, at)
        self.console.submit("log entry", run, entry=entry)

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
                entry=self.console.desk.pending_response(v["action"], v["detail"], incident.id, self.console.clock()),
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
                entry=self.console.desk.pending_escalation(v["to"], v["why"], incident.id, self.console.clock()),
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
                entry=self.console.desk.pending_entry(incident.id, "comms", text, self.console.clock()),
            )
            composer.sent(incident.id)

        self.console.copier.copy(text, copied)

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
        from .picker import OPEN_FILE, IncidentPicker

        snapshot = self.console.snapshot
        if not snapshot.incidents:
            self.notify("There are no incidents: open a file (an archive) instead.", severity="warning")
            await self._open_file()
            return
        choices = tuple(
            (i.id, f"{i.id} {i.severity.value} {i.status.value} — {i.title}") for i in reversed(snapshot.incidents)
        )
        current = self.incident
        fields = [forms.Field("incident", "Incident", choices, required=True, value=current.id if current else "")]

        async def picked(values: Values | None) -> None:
            if values is not None and OPEN_FILE in values:
                await self._open_file()
            elif values is not None:
                self._switch_to(values["incident"])

        picker = IncidentPicker("Switch incident (ctrl+o: open a file read-only)", fields, save_label="Switch")
        await self.app.push_screen(picker, picked)
        picker.focus_first_field()

    async def _open_file(self) -> None:
        fields = [forms.Field("path", "File (an archive, say)", required=True, placeholder="archive.json")]

        def opened(values: Values) -> None:
            problem = self.console.open_read_only(values["path"].strip())
            if problem:
                self.notify(problem, severity="error", markup=False)
            else:
                self.notify(f"Showing {values['path'].strip()} read-only.", markup=False)

        await self._form("Open a file read-only", fields, opened, save_label="Open")

    def _switch_to(self, incident_id: str) -> None:
        snapshot = self.console.snapshot
        if not self.console.desk.log_in_memory(snapshot, incident_id):
            # A resolved incident of a long log: its entries are read off the UI thread, then shown.
            self.notify(f"Reading {incident_id}'s log…", markup=False)
            self.run_worker(partial(self._read_then_switch, snapshot, incident_id), thread=True, group="switch",
                            exclusive=True, exit_on_error=False)  # fmt: skip
            return
        self.console.incident_id = incident_id
        self.refresh_state()
        self.notify(f"Now showing {incident_id}.", markup=False)

    def _read_then_switch(self, snapshot: Any, incident_id: str) -> None:
        try:
            snapshot.log_for(incident_id)  # kept by the snapshot once read
        except FileProblem as exc:
            self.app.call_from_thread(self.notify, visible(str(exc)), severity="error", markup=False)
            return
        self.app.call_from_thread(self._switch_to, incident_id)

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
        if self.console.desk.handed_to_me(incident, self.console.snapshot):
            self.action_review()

    def action_help(self) -> None:
        from ...domain.runbook import position
        from .help import HelpScreen  # imported when first opened, like the other modal screens

        incident = self.incident
        log = self.console.snapshot.log_for(incident.id) if incident else ()
        self.app.push_screen(HelpScreen(incident, position(incident, log)))

    def action_quit(self) -> None:
        self.console.action_quit()
