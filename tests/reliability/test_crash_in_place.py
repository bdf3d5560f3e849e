"""A change written in place, stopped at any step, leaves the file as it was or as it was meant to be, never torn.

A writer process is killed right after each step of the in-place commit (``journal.STEPS``); the
file is then opened by a reader that does not hold the lock, which must give the file before or
after the change and put back a change that was cut off. A failure while writing puts the file back
at once, and a reader that reads while another process changes the file in place never gets a
mix of two versions.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from incident_console.desk import Desk
from incident_console.domain.errors import FileProblem
from incident_console.store import journal, vouched
from incident_console.store.blocks import NotInLayout, stamp_at
from incident_console.store.layout import find_layout
from incident_console.store.repository import Repository
from tests.benchmarks.history_file import build_file
from tests.reliability.harness import ROOT, file_ids

ENTRIES = 1000
CRASH_STATUS = 9
# A writer that logs one note and stops with os._exit right after the step named on its command line.
WRITER = """
import os, sys
from incident_console.desk import Desk
from incident_console.store import journal
from incident_console.store.repository import Repository

def stop(name):
    if name == sys.argv[2]:
        os._exit(9)

journal.after_step = stop
Desk(Repository(sys.argv[1]), author="crasher").log("crash after " + sys.argv[2])
sys.exit("the write finished without reaching the step")
"""
APPENDER = """
import sys
from incident_console.desk import Desk
from incident_console.store.repository import Repository
desk = Desk(Repository(sys.argv[1]), author="appender")
for number in range(int(sys.argv[2])):
    desk.log(f"note {number}")
"""


def _child(code: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, env=env, text=True, stderr=subprocess.PIPE)


def _grown(path: Path, before: bytes) -> bool:
    """True when the new lines are all in the file (its closing written again at its new end)."""
    return os.path.getsize(path) > len(before) and path.read_bytes().endswith(b"\n}}\n")


def _long_file(path: Path) -> bytes:
    build_file(path, ENTRIES)
    os.chmod(path, 0o600)
    vouched.vouch(str(path), stamp_at(str(path)))
    return path.read_bytes()


@pytest.mark.parametrize("step", journal.STEPS)
def test_a_crash_at_any_step_of_a_change_in_place_leaves_the_file_before_or_after(tmp_path: Path, step: str) -> None:
    path = tmp_path / "incidents.json"
    before = _long_file(path)
    inode = os.stat(path).st_ino

    crashed = _child(WRITER, str(path), step)
    _, err = crashed.communicate(timeout=60)
    assert crashed.returncode == CRASH_STATUS, err
    assert os.stat(path).st_ino == inode, "the change was made in place, not as a new file"
    assert journal.pending(str(path)) is (step != "journal_removed")
    # Every new byte written (the last patch, the fsync): the change is kept; else it is undone.
    landed = step in ("file_synced", "journal_removed") or (step == "patched_1" and _grown(path, before))

    # A reader, without the lock, is the first to open the file after the crash.
    snapshot = Repository(path).snapshot()
    expected = list(range(1, ENTRIES + 2 if landed else ENTRIES + 1))
    assert [entry.id for entry in snapshot.log] == expected
    assert not journal.pending(str(path)), "the reader put the file back and removed the journal"
    if not landed:
        assert path.read_bytes() == before
    else:
        assert snapshot.log[-1].text == f"crash after {step}"
    assert file_ids(path) == expected
    assert Repository(path).verify() is None

    after = Desk(Repository(path), author="parent").log("after the crash")
    assert after.id == expected[-1] + 1
    assert Repository(path).verify() is None


def test_a_writer_finds_and_puts_back_a_change_cut_off_before_it_writes(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    before = _long_file(path)
    crashed = _child(WRITER, str(path), "patched_0")  # the first line new, the closing still the old one
    crashed.communicate(timeout=60)
    assert journal.pending(str(path))
    with pytest.raises(NotInLayout):
        find_layout(str(path))  # the first line's head hash is not the last line's: not taken as good

    entry = Desk(Repository(path), author="parent").log("the next change")
    assert entry.id == ENTRIES + 1
    lines = before.index(b"\n") + 1
    assert path.read_bytes()[lines : len(before) - 4] == before[lines:-4], "the old lines are as they were"
    assert Repository(path).snapshot().log[-1].text == "the next change"
    assert Repository(path).verify() is None


def test_a_journal_cut_short_is_removed_and_the_file_left_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    before = _long_file(path)
    Path(journal.journal_path(str(path))).write_bytes(b"incident-console journal 1\n\x00\x00")
    assert [entry.id for entry in Repository(path).snapshot().log][-1] == ENTRIES
    assert not journal.pending(str(path))
    assert path.read_bytes() == before


def test_a_failed_write_in_place_puts_the_file_back_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "incidents.json"
    before = _long_file(path)

    def full(name: str) -> None:
        if name == "patched_0":
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(journal, "after_step", full)
    with pytest.raises(FileProblem, match="No space left on device; the previous file is intact"):
        Desk(Repository(path), author="hook").log("does not fit")
    assert path.read_bytes() == before
    assert not journal.pending(str(path))
    monkeypatch.setattr(journal, "after_step", None)
    assert Desk(Repository(path), author="hook").log("fits now").id == ENTRIES + 1


def test_a_reader_never_gets_a_mix_of_two_versions_while_another_process_changes_the_file(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    _long_file(path)
    writer = _child(APPENDER, str(path), "40")
    reads = 0
    while writer.poll() is None or reads == 0:
        repository = Repository(path)
        assert repository.verify() is None  # its head and entry count match its last line
        ids = [entry.id for entry in repository.snapshot().log]
        assert ids == list(range(1, len(ids) + 1))
        reads += 1
    _, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err
    assert file_ids(path)[-1] == ENTRIES + 40
    assert reads > 1
