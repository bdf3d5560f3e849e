"""A door opens a Desk on a path: the config's settings, the file's status, and a read-only view that writes nothing."""

from __future__ import annotations

import os

import pytest

from incident_console.desk import READ_ONLY, Desk, ReadOnlyView
from incident_console.domain.errors import FileProblem
from incident_console.domain.model import Severity, Status


def test_open_uses_the_named_file_and_reports_its_status(tmp_path):
    path = tmp_path / "state.json"
    desk = Desk.open(str(path), author="alice")
    assert desk.path == str(path)
    assert desk.saved_at() is None and desk.writable()
    desk.declare("Checkout down", Severity.P1)
    assert desk.saved_at() is not None
    assert not desk.changed_on_disk()
    other = Desk.open(str(path), author="bob")
    other.log("seen")
    assert desk.changed_on_disk()
    assert desk.verify() is None
    assert desk.check().entries == 2


def test_a_read_only_desk_refuses_every_change_and_the_file_is_untouched(tmp_path):
    path = tmp_path / "state.json"
    Desk.open(str(path), author="alice").declare("Checkout down", Severity.P1)
    before = path.read_bytes()
    viewer = Desk.open(str(path), author="stakeholder", read_only=True)
    assert not viewer.writable()
    assert viewer.incident().title == "Checkout down"
    changes = [
        lambda: viewer.log("hello"),
        viewer.acknowledge,
        lambda: viewer.set_status(Status.IDENTIFIED, note="db"),
        lambda: viewer.declare("Another", Severity.P3),
        lambda: viewer.handoff("bob"),
        lambda: viewer.add_action_item("fix it"),
        lambda: viewer.escalate("dba", "slow"),
        lambda: viewer.write_postmortem_section("summary", "text"),
    ]
    for change in changes:
        with pytest.raises(ReadOnlyView) as refused:
            change()
        assert str(refused.value) == READ_ONLY
    assert path.read_bytes() == before


def test_check_file_refuses_a_missing_file_without_creating_it(tmp_path):
    desk = Desk.open(str(tmp_path / "state.json"))
    missing = tmp_path / "nope.json"
    with pytest.raises(FileProblem, match="does not exist"):
        desk.check_file(str(missing))
    assert not os.path.exists(missing)


def test_save_document_writes_the_text_atomically(tmp_path):
    desk = Desk.open(str(tmp_path / "state.json"))
    target = tmp_path / "pm.md"
    desk.save_document(str(target), "# Post-mortem\n")
    assert target.read_text() == "# Post-mortem\n"
