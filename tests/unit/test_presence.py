"""Who else has the file open: fresh presence files count, stale ones are swept, hostile ones are left out."""

from __future__ import annotations

import os
import time
from pathlib import Path

from incident_console.desk.presence import Presence
from incident_console.store import presence as record


def test_each_console_sees_the_others_by_name_and_not_itself(tmp_path: Path):
    state = str(tmp_path / "incidents.json")
    alice, bob, carol = Presence(state, "alice"), Presence(state, "bob"), Presence(state, "carol", read_only=True)
    for here in (alice, bob, carol):
        here.refresh()
    assert alice.others() == ["bob", "carol (viewing)"]
    bob.leave()
    assert alice.others() == ["carol (viewing)"]


def test_a_console_that_stopped_refreshing_is_gone_within_the_stale_time(tmp_path: Path):
    state = str(tmp_path / "incidents.json")
    alice, bob = Presence(state, "alice"), Presence(state, "bob")
    alice.refresh()
    bob.refresh()
    old = time.time() - record.STALE - 1
    os.utime(record.folder_of(state) / f"{bob.tab}.json", (old, old))
    assert alice.others() == []
    assert not (record.folder_of(state) / f"{bob.tab}.json").exists()  # swept


def test_files_that_are_not_presence_records_are_left_out(tmp_path: Path):
    state = str(tmp_path / "incidents.json")
    folder = record.folder_of(state)
    alice = Presence(state, "alice")
    alice.refresh()
    (folder / "junk.json").write_text("not json")
    (folder / "big.json").write_text('{"name": "' + "x" * 5000 + '"}')
    (folder / "empty.json").write_text('{"name": "   "}')
    (folder / "number.json").write_text('{"name": 7}')
    assert Presence(state, "bob").others() == ["alice"]


def test_a_folder_that_cannot_be_written_costs_only_the_courtesy(tmp_path: Path):
    state = tmp_path / "incidents.json"
    record.folder_of(state).write_text("a file where the folder would be")
    here = Presence(str(state), "alice")
    here.refresh()  # no exception
    assert here.others() == []
