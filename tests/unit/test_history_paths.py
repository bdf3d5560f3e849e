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
from incident_console.store import blocks, held_logs, incident_log, vouched
from incident_console.store.blocks import NotInLayout
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


@SETTINGS
@given(incidents=FILES, mentions=st.lists(st.tuples(st.integers(0, 15), st.integers(0, 15)), max_size=6))
def test_an_incidents_entries_searched_from_the_end_are_those_of_a_whole_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, incidents: list[int], mentions: list[tuple[int, int]]
) -> None:
    path = _file(tmp_path, incidents)
    vouched.vouch(path, blocks.stamp_at(path))  # as a save of this store leaves the file it wrote
    ids = [i.id for i in Repository(path).snapshot().incidents]
    desk = Desk(Repository(path), author="bob")
    for on, to in mentions:  # entries that name another incident as a JSON string, in their details
        desk.escalate(ids[to % len(ids)], "it spreads", incident_id=ids[on % len(ids)])
    whole = Repository(path).snapshot()
    state = Repository(path)._storage.load()
    assert state is not None
    reads: list[tuple[int, int]] = []
    real = blocks._pread

    def counted(fd: int, size: int, offset: int) -> bytes:
        reads.append((offset, offset + size))
        return real(fd, size, offset)

    monkeypatch.setattr(blocks, "_pread", counted)
    for incident_id in ids:
        reads.clear()
        try:
            found = incident_log.entries_of(path, state, incident_id)
        except NotInLayout:  # a log of a block or two is read whole
            start, end = find_layout(path).body
            assert end - start <= 2 * BLOCK
            continue
        assert found == whole.log_for(incident_id)
        # each block read once, and none before the block that holds the declaration
        assert len(set(reads)) == len(reads) and all(a[0] >= b[1] for a, b in zip(reads, reads[1:], strict=False))
        declaration = Path(path).read_bytes().index(f'"id":{found[0].id},'.encode())
        assert min(start for start, _ in reads) > declaration - 2 * BLOCK


def test_a_file_with_entries_before_their_declaration_is_never_searched_from_the_end(tmp_path: Path) -> None:
    path = _file(tmp_path, [n % 5 for n in range(40)] + [5] * 300)  # INC-6 is declared after the others
    raw = Path(path).read_bytes()
    early = b'"3":{"id":3,"incident_id":"INC-3"'
    assert early in raw
    Path(path).write_bytes(raw.replace(early, b'"3":{"id":3,"incident_id":"INC-6"'))  # edited by hand
    whole = Repository(path).snapshot().log_for("INC-6")
    assert whole[0].id == 3 and len(whole) == 301
    Desk(Repository(path), author="bob").log("note", incident_id="INC-6")  # read whole and saved
    assert not vouched.is_vouched(path, blocks.stamp_at(path))  # its order is not the one searched by
    view = Repository(path).incident_view()
    assert view.log_for("INC-6") == Repository(path).snapshot().log_for("INC-6")
    assert len(view.log_for("INC-6")) == 302


def test_a_save_that_declares_keeps_the_file_checked(tmp_path: Path) -> None:
    path = _file(tmp_path, [n % 7 for n in range(600)])
    Desk(Repository(path), author="bob").log("first note")  # read whole and saved: checked
    from incident_console.domain.model import Severity

    declared = Desk(Repository(path), author="bob").declare("Payments down", Severity.P1)  # read in part
    assert vouched.is_vouched(path, blocks.stamp_at(path))
    Desk(Repository(path), author="bob").log("on the new one", incident_id=declared.id)
    view = Repository(path).incident_view()
    assert [e.kind for e in view.log_for(declared.id)] == ["declare", "note"]
    assert view.log_for(declared.id) == Repository(path).snapshot().log_for(declared.id)


def test_a_head_edited_after_the_file_was_checked_gets_every_strict_check(tmp_path: Path) -> None:
    path = _file(tmp_path, [n % 7 for n in range(600)])
    Desk(Repository(path), author="bob").log("first note")  # the saved file is recorded as checked
    raw = Path(path).read_bytes()
    edited = raw.replace(b'{"meta":{"1":{', b'{"meta":{"1":{"app":"x",', 1)  # a key repeated in the tables
    Path(path).write_bytes(edited)
    with pytest.raises(Exception, match="repeats the key"):
        Desk(Repository(path), author="bob").log("note")
    assert Path(path).read_bytes() == edited


@SETTINGS
@given(incidents=FILES, pick=st.integers(0, 15), looks=st.lists(st.integers(0, 15), max_size=8))
def test_the_view_a_console_holds_gives_each_incidents_log_as_a_whole_read_does(
    tmp_path: Path, incidents: list[int], pick: int, looks: list[int]
) -> None:
    path = _file(tmp_path, incidents)
    vouched.vouch(path, blocks.stamp_at(path))
    whole = Repository(path).snapshot()
    ids = [i.id for i in whole.incidents]
    repository = Repository(path)
    held = repository.held(ids[pick % len(ids)])
    if not held.log_in_part:  # a log of a block or two is held whole
        start, end = find_layout(path).body
        assert end - start <= 2 * BLOCK
        return
    assert held.incidents == whole.incidents and held.log[-1] == whole.log[-1]
    logs = held.log_by_incident
    assert isinstance(logs, held_logs.HeldLogs)
    assert set(logs.held) == {i.id for i in whole.incidents if i.is_open} | {ids[pick % len(ids)]}
    for look in [*looks, *range(len(ids))]:
        incident_id = ids[look % len(ids)]
        assert held.log_for(incident_id) == whole.log_for(incident_id)
    assert len(logs.looked()) <= held_logs.LOOKED
    # a change made on the view, then the view after it, without reading the whole log
    desk = Desk(repository, author="bob")
    entry = desk.log("on the view", incident_id=ids[-1])
    after = repository.held()
    assert after.log[-1] == entry and after.log_for(ids[-1]) == (*whole.log_for(ids[-1]), entry)
    assert repository._generation == -1  # the whole log was never read here
    assert Repository(path).snapshot().log_for(ids[-1]) == after.log_for(ids[-1])


def test_a_look_at_one_incident_names_every_incident_when_the_one_asked_for_is_not_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from incident_console.cli import main

    path = _file(tmp_path, [n % 7 for n in range(600)])
    Desk(Repository(path), author="bob").log("first note")  # the file is checked
    view = Repository(path).incident_view()
    whole = Repository(path).snapshot()
    assert view.current() == whole.current()
    assert {i.id for i in view.incidents} == {i.id for i in whole.incidents if i.is_open}  # no resolved one made
    assert main(["--file", path, "show", "--incident", "INC-99"]) != 0
    said = capsys.readouterr().err
    assert "INC-99" in said and all(i.id in said for i in whole.incidents)
