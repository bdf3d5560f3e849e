"""The fast paths on a long log give what a whole read gives: a change's view of each incident, the
newest part a console opens on, and the streaming verify, on random files with many incidents."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incident_console.desk import Desk
from incident_console.store import blocks, vouched
from incident_console.store.change_view import change_view
from incident_console.store.layout import find_layout
from incident_console.store.repository import Repository
from tests.benchmarks.history_file import build_file

# Small blocks, so a file of a few hundred entries is a long log of many blocks.
BLOCK = 2048
FILES = st.lists(st.integers(0, 15), min_size=1, max_size=400)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blocks, "BLOCK_BYTES", BLOCK)


def _file(folder: Path, incidents: list[int]) -> str:
    path = str(folder / f"incidents-{os.urandom(4).hex()}.json")
    build_file(path, len(incidents), incidents)
    return path


@SETTINGS
@given(incidents=FILES)
def test_a_change_sees_each_incidents_log_as_a_whole_read_does(tmp_path: Path, incidents: list[int]) -> None:
    path = _file(tmp_path, incidents)
    whole = Repository(path).snapshot()
    repository = Repository(path)
    view = change_view(path, repository._storage.load(), repository.snapshot)
    if view is None:  # a log of a block or two is always read whole
        start, end = find_layout(path).body
        assert end - start < 4 * BLOCK
        return
    assert view.last == whole.log[-1]
    for incident in whole.incidents:
        assert view.snapshot.log_for(incident.id) == whole.log_for(incident.id)
    assert view.snapshot.incidents == whole.incidents


@SETTINGS
@given(incidents=FILES, rows=st.integers(1, 40), pick=st.integers(0, 15))
def test_the_newest_part_is_the_end_of_each_incidents_log(
    tmp_path: Path, incidents: list[int], rows: int, pick: int
) -> None:
    path = _file(tmp_path, incidents)
    whole = Repository(path).snapshot()
    asked = whole.incidents[pick % len(whole.incidents)].id
    newest = Repository(path).newest(rows, asked)
    assert newest.incidents == whole.incidents
    wanted = {i.id for i in whole.incidents if i.is_open} | {asked, whole.current().id}  # type: ignore[union-attr]
    for incident in whole.incidents:
        part, full = newest.unbroken_log_for(incident.id), whole.log_for(incident.id)
        assert part == full[len(full) - len(part) :]
        if incident.id in wanted:
            assert len(part) >= min(rows, len(full))


@SETTINGS
@given(incidents=FILES, tamper=st.integers(0, 399))
def test_the_streaming_verify_agrees_with_a_whole_read(tmp_path: Path, incidents: list[int], tamper: int) -> None:
    path = _file(tmp_path, incidents)
    if tamper < len(incidents):  # edit one entry's text in place: the chain must break there
        raw = Path(path).read_bytes()
        marker = f'"id":{tamper + 1},'.encode()
        at = raw.index(b'"text":"', raw.index(marker)) + len(b'"text":"')
        Path(path).write_bytes(raw[:at] + (b"X" if raw[at : at + 1] != b"X" else b"Y") + raw[at + 1 :])
    repository = Repository(path)
    streamed = repository.check()
    whole = repository._check(repository._storage.read_state(whole=True), None)
    assert streamed == whole
    assert (streamed.problem is None) == (tamper >= len(incidents))


def test_a_change_on_a_checked_file_gives_the_file_a_whole_read_would(tmp_path: Path) -> None:
    path = _file(tmp_path, [n % 7 for n in range(600)])
    assert not vouched.is_vouched(path, blocks.stamp_at(path))  # written by another program
    Desk(Repository(path), author="bob").log("first note")  # read whole, then saved
    assert vouched.is_vouched(path, blocks.stamp_at(path))
    before = Repository(path).snapshot()
    resolved = next(i for i in before.incidents if not i.is_open)
    entry = Desk(Repository(path), author="bob").log("late note", incident_id=resolved.id)
    after = Repository(path).snapshot()
    assert after.log == (*before.log, entry)
    assert after.log_for(resolved.id)[-1].text == "late note"
    assert Repository(path).verify() is None
    assert vouched.is_vouched(path, blocks.stamp_at(path))  # the save leaves the new file checked


def test_a_file_changed_since_it_was_checked_is_read_whole_and_refused(tmp_path: Path) -> None:
    path = _file(tmp_path, [n % 7 for n in range(600)])
    Desk(Repository(path), author="bob").log("first note")  # the saved file is recorded as checked
    raw = Path(path).read_bytes()
    hostile = raw.replace(b'"details":{}', b'"details":{"x":' + b"[" * 100 + b"]" * 100 + b"}", 1)
    Path(path).write_bytes(hostile)
    with pytest.raises(Exception, match="deeper than 32 levels"):
        Desk(Repository(path), author="bob").log("note")
    assert Path(path).read_bytes() == hostile


def _without_now(shown: dict[str, Any]) -> dict[str, Any]:
    """``show --json`` without what moves with the clock between two runs (the seconds left)."""
    for timer in shown["timers"]:
        timer.pop("remaining_s")
    return shown


def test_show_on_a_checked_file_prints_what_a_whole_read_prints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from incident_console.cli import main

    path = _file(tmp_path, [n % 7 for n in range(600)])
    Desk(Repository(path), author="bob").log("first note")  # read whole and saved: the file is checked
    resolved = next(i for i in Repository(path).snapshot().incidents if not i.is_open)
    for incident_id in (None, resolved.id):
        shown: list[str] = []
        for checked in (True, False):
            if not checked:
                os.remove(vouched.record_path(path))
            argv = ["--file", path, "show", "--json"] + (["--incident", incident_id] if incident_id else [])
            assert main(argv) == 0
            shown.append(_without_now(json.loads(capsys.readouterr().out)))
        assert shown[0] == shown[1]
        assert shown[0]["log"] and shown[0]["head"]
        # the view read the incident's log in part only when the file was checked
        Desk(Repository(path), author="bob").log("again")
    whole = Repository(path).snapshot()
    view = Repository(path).incident_view()
    assert not view.whole and view.log == (whole.log[-1],)
    assert view.log_for(resolved.id) == whole.log_for(resolved.id)


def test_a_process_that_makes_many_changes_reads_the_log_whole_once_and_holds_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from incident_console.store import repository as repository_module

    path = _file(tmp_path, [n % 7 for n in range(600)])
    Desk(Repository(path), author="bob").log("first note")  # the file is now checked
    views: list[str] = []
    real = repository_module.change_view

    def counted(*args: object, **kwargs: object) -> object:
        views.append("view")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(repository_module, "change_view", counted)
    desk = Desk(Repository(path), author="alertmanager")  # a listener, say: one Desk for many changes
    desk.log("one")
    desk.log("two")
    desk.log("three")
    assert views == ["view"]  # only the first change read the log in part
    assert [e.text for e in Repository(path).snapshot().log[-3:]] == ["one", "two", "three"]
