"""The Resolve checklist (runbook step 5): Verify, Monitor, Update status, Notify."""

from __future__ import annotations

from functools import partial

from textual.binding import Binding
from textual.content import Content
from textual.widgets import Static

from ...domain import checklist
from ...domain.model import Status
from .form import Field, FormScreen
from .incident_modal import IncidentModal

# How the console takes a step the checklist calls for.
CONSOLE_WAY = {
    checklist.NOT_CONFIRMED: "press v to confirm",
    checklist.NOT_MONITORING: "not in monitoring yet (u → monitoring)",
    checklist.NOT_SENT: "copy the Resolved template (y)",
}


class ResolveScreen(IncidentModal):
    BINDINGS = [
        Binding("v", "verify", "Verified metrics"),
        Binding("r", "resolve", "Resolve"),
    ]

    def heading(self) -> str:
        return f"Resolve {self.incident_id} — runbook step 5"

    def body(self) -> Static:
        return Static(id="checks")

    def on_mount(self) -> None:
        self.refresh_checks()
        self.set_interval(1.0, self.refresh_checks)

    def refresh_checks(self) -> None:
        desk = self.console.desk
        incident = desk.incident(self.incident_id, self.console.snapshot)
        lines = []
        for number, check in enumerate(desk.resolve_checks(incident, self.console.snapshot), start=1):
            mark = ("✔", "bold green") if check.done else ("☐", "bold yellow")
            detail = CONSOLE_WAY.get(check.detail, check.detail) + (f"; {check.evidence}" if check.evidence else "")
            lines.append(Content.assemble(mark, f" {number}. {check.title}  ", (detail, "dim")))
        lines.append(Content(""))
        lines.append(
            Content.styled(
                "v: metrics verified · r: resolve · then y on the main screen sends the Resolved update (Notify)", "dim"
            )
        )
        self.query_one("#checks", Static).update(Content("\n").join(lines))

    def action_verify(self) -> None:
        run = partial(self.console.desk.verify_metrics, "", self.incident_id)
        self.console.submit("verify metrics", run, on_done=lambda _: self.refresh_checks())

    def action_resolve(self) -> None:
        desk = self.console.desk
        snapshot = self.console.snapshot
        incident = desk.incident(self.incident_id, snapshot)
        if incident.status is Status.RESOLVED:
            self.notify(f"{incident.id} is already resolved.", severity="warning")
            return
        log = snapshot.log_for(incident.id)
        problems = checklist.early_resolve_problems(incident, log, desk.timers(incident, snapshot))

        def resolved(_: object) -> None:
            self.notify(f"{incident.id} resolved. Send the Resolved update (y) to notify stakeholders.")
            self.refresh_checks()

        def resolve(note: str) -> None:
            run = partial(desk.set_status, Status.RESOLVED, note=note, incident_id=incident.id)
            self.console.submit(
                "resolve",
                run,
                on_done=resolved,
            )

        if not problems:
            resolve("")
            return
        fields = [Field("note", "Reason to resolve anyway (logged as an override)", required=True)]
        title = "Resolve early: " + "; ".join(problems)
        self.app.push_screen(
            FormScreen(title, fields, drafts=self.console.drafts, draft_key="resolve-early", save_label="Resolve"),
            lambda values: resolve(values["note"]) if values else None,
        )
