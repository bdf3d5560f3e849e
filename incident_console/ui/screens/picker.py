"""The incident picker: the incidents to switch to, and a key to open another file (an archive) read-only."""

from __future__ import annotations

from textual.binding import Binding

from .form import FormScreen

# What the picker returns when the person asked to open another file instead of picking an incident.
OPEN_FILE = "__open_file__"


class IncidentPicker(FormScreen):
    """The form of ``i``: one incident to pick, or ctrl+o to open a file read-only."""

    BINDINGS = [
        *FormScreen.BINDINGS,
        Binding("ctrl+o", "open_file", "Open a file", tooltip="Open another state file (an archive) read-only"),
    ]

    def action_open_file(self) -> None:
        self.dismiss({OPEN_FILE: "yes"})
