"""Crashes and concurrent writers never lose an acknowledged entry nor leave a torn file.

The short versions run in ``make test``. ``INCIDENT_CONSOLE_KILL_TRIALS`` sets how many times
the SIGKILL test kills a writer (30 by default; a long run can use 200 or more), and
``INCIDENT_CONSOLE_KILL_SEED`` replays one run's random delays.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

from incident_console.desk import Desk
from incident_console.store.repository import Repository
from tests.reliability import children
from tests.reliability.harness import file_ids, temps_beside
from tests.reliability.scenarios.crash import child_process, declare_with_notes

KILL_TRIALS = int(os.environ.get("INCIDENT_CONSOLE_KILL_TRIALS", "30"))


@pytest.mark.parametrize("step", children.STEPS)
def test_a_crash_at_any_step_of_a_write_keeps_the_file_whole(tmp_path: Path, step: str) -> None:
    path = tmp_path / "incidents.json"
    acknowledged = declare_with_notes(path, notes=3)

    crashed = child_process("crash", path, step, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, err = crashed.communicate(timeout=60)
    assert crashed.returncode == children.CRASH_STATUS, err

    landed = step in ("replaced", "folder_fsynced")
    expected = [*acknowledged, acknowledged[-1] + 1] if landed else acknowledged
    assert file_ids(path) == expected
    snap = Repository(path).snapshot()
    assert [e.id for e in snap.log] == expected
    if landed:
        assert snap.log[-1].text == f"crash after {step}"
    else:
        assert len(temps_beside(path)) == 1, "the crash was meant to leave its temporary file behind"
    assert Repository(path).verify() is None

    after = Desk(Repository(path), author="parent").log("after the crash")
    assert after.id == expected[-1] + 1
    assert temps_beside(path) == []
    assert file_ids(path) == [*expected, after.id]
    assert Repository(path).verify() is None


def test_sigkill_at_random_moments_never_loses_an_acknowledged_entry(tmp_path: Path) -> None:
    seed = int(os.environ.get("INCIDENT_CONSOLE_KILL_SEED", time.time_ns() % 2**32))
    rng = random.Random(seed)
    path = tmp_path / "incidents.json"
    acknowledged = set(declare_with_notes(path))

    for trial in range(KILL_TRIALS):
        writer = child_process("loop", path, f"trial-{trial}", stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
        assert writer.stdout is not None
        assert writer.stdout.readline() == "ready\n", f"trial {trial}: the writer did not start"
        time.sleep(rng.uniform(0.05, 0.4))
        writer.send_signal(signal.SIGKILL)
        output = writer.stdout.read()
        writer.wait(timeout=30)
        writer.stdout.close()
        assert writer.returncode == -signal.SIGKILL

        # A line without its newline may be cut short by the kill; only whole lines count.
        printed = [int(line) for line in output.split("\n")[:-1]]
        acknowledged.update(printed)
        context = f"trial {trial} (INCIDENT_CONSOLE_KILL_SEED={seed})"
        in_file = file_ids(path)
        assert not acknowledged - set(in_file), f"{context}: acknowledged entries missing from the file"
        assert in_file == list(range(1, len(in_file) + 1)), f"{context}: ids not contiguous"
        assert Repository(path).verify() is None, context

    # The next writer sweeps whatever temporary file the last kill left behind.
    Desk(Repository(path), author="parent").log("after the kills")
    assert temps_beside(path) == []
    assert len(acknowledged) > KILL_TRIALS, "the writers were killed before they wrote anything"


def test_two_processes_appending_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    declare_with_notes(path)
    count = 200
    writers = [
        child_process(
            "append", path, str(count), label, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for label in ("left", "right")
    ]
    for writer in writers:
        assert writer.stdout is not None and writer.stdout.readline() == "ready\n"
    for writer in writers:  # both start appending at (nearly) the same moment
        assert writer.stdin is not None
        writer.stdin.write("go\n")
        writer.stdin.flush()

    printed: list[list[int]] = []
    for writer in writers:
        out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
        printed.append([int(line) for line in out.split()])

    left, right = printed
    assert len(left) == len(right) == count
    assert not set(left) & set(right), "two writers were given the same entry id"
    assert left == sorted(left) and right == sorted(right)

    in_file = file_ids(path)
    assert len(in_file) == 2 * count + 1  # plus the declare entry
    assert in_file == list(range(1, 2 * count + 2))
    assert set(left) | set(right) | {1} == set(in_file)
    repository = Repository(path)
    assert repository.verify() is None
    texts = {e.text for e in repository.snapshot().log}
    assert {f"left {n}" for n in range(1, count + 1)} <= texts
    assert {f"right {n}" for n in range(1, count + 1)} <= texts
    assert temps_beside(path) == []
