"""A change written in place gives the very file a full rewrite gives, and the file stays one every JSON reader reads.

Each test runs the same changes on two copies of a long file: one saved the usual way (in place
where it can be), one always written anew. Their content, parsed, must be the same after every
change, including when the tables outgrow the first line's slack.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tinydb import TinyDB

from incident_console.desk import Desk
from incident_console.domain.errors import InputError
from incident_console.domain.model import Severity
from incident_console.store import blocks, journal, layout, saving, vouched
from incident_console.store.blocks import stamp_at
from incident_console.store.repository import Repository
from tests.benchmarks.history_file import START, build_file

BLOCK = 2048
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=300)
CHANGES = st.lists(
    st.one_of(
        st.tuples(st.just("log"), TEXT),
        st.tuples(st.just("ack"), st.just("")),
        st.tuples(
            st.just("impact"),
            st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=900),
        ),
        st.tuples(st.just("declare"), TEXT.map(lambda text: text[:150])),
        st.tuples(st.just("item"), TEXT),
    ),
    min_size=1,
    max_size=12,
)
SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(autouse=True)
def small_file(monkeypatch: pytest.MonkeyPatch) -> None:
    # Small blocks make a file of 60 entries a long log, and a small slack is soon outgrown.
    monkeypatch.setattr(blocks, "BLOCK_BYTES", BLOCK)
    monkeypatch.setattr(layout, "MIN_SLACK", 200)


@pytest.fixture
def in_place(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """Counts the saves written in place; a file named ``anew-*`` is always written anew."""
    counts = {"in place": 0}
    original = saving._write_in_place

    def spy(path: str, state: Any) -> tuple[int, int] | None:
        if os.path.basename(path).startswith("anew-"):
            return None
        body = original(path, state)
        counts["in place"] += body is not None
        return body

    monkeypatch.setattr(saving, "_write_in_place", spy)
    yield counts


def _vouched_copy(source: Path, target: Path) -> Path:
    shutil.copyfile(source, target)
    os.chmod(target, 0o600)
    vouched.vouch(str(target), stamp_at(str(target)))
    return target


def _apply(desk: Desk, change: tuple[str, str]) -> None:
    kind, text = change
    try:
        if kind == "log":
            desk.log(text)
        elif kind == "ack":
            desk.acknowledge()
        elif kind == "impact":
            desk.set_impact(text)
        elif kind == "declare":
            desk.declare(text, Severity.P2)
        else:
            desk.add_action_item(text)
    except InputError:
        pass  # refused the same way on both copies (an incident acknowledged twice, a blank text)


def _content(path: Path) -> Any:
    return json.loads(path.read_bytes())


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@SETTINGS
@given(changes=CHANGES)
def test_changes_in_place_give_the_content_a_full_rewrite_gives(
    tmp_path: Path, in_place: dict[str, int], changes: list[tuple[str, str]]
) -> None:
    source = tmp_path / "source.json"
    if not source.exists():
        build_file(source, 60)
    name = os.urandom(4).hex()
    fast, slow = _vouched_copy(source, tmp_path / f"{name}.json"), _vouched_copy(source, tmp_path / f"anew-{name}.json")
    clock = Clock()
    before = in_place["in place"]
    for number, change in enumerate([("log", "first"), *changes]):
        clock.now = START + timedelta(days=400, seconds=number)
        # A new Repository for each change, as each command of an alert hook is a process of its own.
        for path in (fast, slow):
            _apply(Desk(Repository(path), author="hook", clock=clock), change)
        assert _content(fast) == _content(slow)
        assert not journal.pending(str(fast))
    assert in_place["in place"] > before, "the first change, a note, fits in place"
    assert Repository(fast).verify() is None
    assert stat.S_IMODE(os.stat(fast).st_mode) == 0o600


def test_a_head_that_outgrows_its_slack_is_written_anew_with_fresh_slack(
    tmp_path: Path, in_place: dict[str, int]
) -> None:
    path = tmp_path / "incidents.json"
    build_file(path, 60)
    vouched.vouch(str(path), stamp_at(str(path)))
    desk = Desk(Repository(path), author="hook")
    desk.log("fits")
    assert in_place["in place"] == 1
    inode = os.stat(path).st_ino
    desk.set_impact("x" * 900)  # more than the slack left
    assert in_place["in place"] == 1
    assert os.stat(path).st_ino != inode, "written anew"
    first_line = path.read_bytes().split(b"\n", 1)[0]
    slack = len(first_line) - len(first_line.rstrip(b" ").removesuffix(b'"log":{').rstrip(b" ")) - len(b'"log":{')
    assert slack >= 200
    Desk(Repository(path), author="hook").log("fits again")
    assert in_place["in place"] == 2
    assert Repository(path).verify() is None


def test_a_file_changed_in_place_reads_in_tinydb_json_tool_and_jq(tmp_path: Path, in_place: dict[str, int]) -> None:
    path = tmp_path / "incidents.json"
    build_file(path, 60)
    vouched.vouch(str(path), stamp_at(str(path)))
    Desk(Repository(path), author="hook").acknowledge()
    Desk(Repository(path), author="hook").log("after the ack")
    assert in_place["in place"] == 2
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    db = TinyDB(path)
    assert len(db.table("log")) == 62
    assert db.table("meta").get(doc_id=1)["entries"] == 62
    db.close()
    tool = subprocess.run([sys.executable, "-m", "json.tool", str(path)], capture_output=True, check=False)
    assert tool.returncode == 0, tool.stderr
    if shutil.which("jq"):
        jq = subprocess.run(["jq", "-r", '.log["62"].text', str(path)], capture_output=True, text=True, check=False)
        assert jq.stdout.strip() == "after the ack"


def test_a_file_changed_by_another_program_since_it_was_read_is_not_written_over(
    tmp_path: Path, in_place: dict[str, int]
) -> None:
    path = tmp_path / "incidents.json"
    build_file(path, 60)
    vouched.vouch(str(path), stamp_at(str(path)))
    repository = Repository(path)
    desk = Desk(repository, author="hook")
    desk.log("read and written")
    with open(path, "r+b") as handle:  # another program appends a space at the end
        handle.seek(0, os.SEEK_END)
        handle.write(b" ")
    desk.log("after the other program")
    assert in_place["in place"] == 1, "the second save wrote the file anew from a fresh read"
    assert Repository(path).verify() is None
    assert [entry.text for entry in Repository(path).snapshot().log[-2:]] == [
        "read and written",
        "after the other program",
    ]
