"""Action items: a list with owner and deadline; a adds, Enter marks the highlighted one done."""

from __future__ import annotations

from datetime import date
from functools import partial

from textual.binding import Binding
from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ...domain import limits
from ...domain.text import visible
from .form import Field, FormScreen, Values
from .incident_modal import IncidentModal


class ActionItemsScreen(IncidentModal):
    BINDINGS = [
        Binding("a", "add", "Add item"),
        Binding("x", "done", "Mark done", tooltip="Mark the highlighted item done (Enter works too)"),
    ]

    def heading(self) -> str:
        return f"Action items — {self.incident_id}"

    def body(self) -> OptionList:
        return OptionList(id="items")

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        items = self.console.snapshot.items_for(self.incident_id)
        options = self.query_one("#items", OptionList)
        options.clear_options()
        for item in items:
            mark = ("✔ ", "green") if item.done_at else ("☐ ", "yellow")
            due = item.due.isoformat() if item.due else "no deadline"
            label = Content.assemble(
                mark, f"#{item.id} ", visible(item.text), (f"  — {visible(item.owner) or 'unowned'}, {due}", "dim")
            )
            options.add_option(Option(label, id=str(item.id)))
        if not items:
            options.add_option(Option(Content.styled("No action items yet: press a to add one.", "dim"), disabled=True))
        options.focus()

    async def action_add(self) -> None:
        fields = [
            Field("text", "Action", required=True, limit=limits.ACTION_ITEM),
            Field("owner", "Owner", limit=limits.NAME),
            Field("due", "Deadline (YYYY-MM-DD)"),
        ]

        def due_date(values: Values) -> date | None:
            text = values["due"].strip()
            return date.fromisoformat(text) if text else None

        def check(values: Values) -> dict[str, str]:
            try:
                due_date(values)
            except ValueError:
                return {"due": f"Deadline {values['due']!r} is not a date like 2026-12-01."}
            return {}

        def added(values: Values | None) -> None:
            if values is None:
                return
            run = partial(
                self.console.desk.add_action_item,
                values["text"],
                owner=values["owner"],
                due=due_date(values),
                incident_id=self.incident_id,
            )
            self.console.submit("action item", run, on_done=lambda _: self.reload())

        form = FormScreen(
            "Add an action item",
            fields,
            drafts=self.console.drafts,
            draft_key=f"{self.incident_id}: Add an action item",
            validate=check,
        )
        await self.app.push_screen(form, added)
        form.focus_first_field()  # now, so keys typed right after a go into it

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_done()

    def action_done(self) -> None:
        options = self.query_one("#items", OptionList)
        if options.highlighted is None:
            return
        option = options.get_option_at_index(options.highlighted)
        if option.id is None:
            return
        run = partial(self.console.desk.complete_action_item, int(option.id))
        self.console.submit("action item done", run, on_done=lambda _: self.reload())
