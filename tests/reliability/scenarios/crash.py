"""Crash scenarios: a writer stopped after each step of a save, and a writer killed with SIGKILL at random."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from incident_console.desk import Desk
from incident_console.domain.model import Severity
from incident_console.store.repository import Repository
from tests.reliability import children
from tests.reliability.harness import (
    CHILD_TIMEOUT,
    ROOT,
    Result,
    Tally,
    file_ids,
    new_seed,
    temps_beside,
)


def child_process(mode: str, path: Path, *args: str, **popen: Any) -> subprocess.Popen[str]:
    """A writer of ``children.py`` (``crash``, ``loop`` or ``append``) on ``path``, started in text mode."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-m", "tests.reliability.children", mode, str(path), *args]
    return subprocess.Popen(argv, cwd=ROOT, env=env, text=True, **popen)


def declare_with_notes(path: Path, notes: int = 0) -> list[int]:
    """Declare an incident (and log ``notes`` notes) in this process; the ids of the entries written."""
    desk = Desk(Repository(path), author="parent")
    desk.declare("Checkout down", Severity.P1)
    return [1, *(desk.log(f"before {number}").id for number in range(notes))]


def crash_at_each_step(workdir: Path, trials: int = 1, *, seed: int | None = None, strict: bool = False) -> Result:
    """A writer stopped (``os._exit``) after each step of a write: the file is the old one or the new one.

    ``trials`` rounds; each round crashes once at each of the four steps.
    """
    tally = Tally(strict)
    for round_number in range(trials):
        for step in children.STEPS:
            with tally.trial(f"round {round_number} step {step}"):
                path = workdir / f"crash-{round_number}-{step}" / "incidents.json"
                acknowledged = declare_with_notes(path, notes=3)
                crashed = child_process("crash", path, step, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                _, err = crashed.communicate(timeout=CHILD_TIMEOUT)
                assert crashed.returncode == children.CRASH_STATUS, f"exit {crashed.returncode}: {err[-300:]}"
                landed = step in ("replaced", "folder_fsynced")
                expected = [*acknowledged, acknowledged[-1] + 1] if landed else acknowledged
                assert file_ids(path) == expected, f"ids {file_ids(path)}, expected {expected}"
                assert Repository(path).verify() is None
                after = Desk(Repository(path), author="parent").log("after the crash")
                assert after.id == expected[-1] + 1
                assert temps_beside(path) == [], "the next save did not remove the crashed writer's temporary file"
                assert Repository(path).verify() is None
    return tally.result()


def sigkill(workdir: Path, trials: int = 30, *, seed: int | None = None, strict: bool = False) -> Result:
    """A writer appending in a loop is killed with SIGKILL at a random moment, ``trials`` times, on one file.

    After each kill: every entry the writer had printed (acknowledged) is in the file, the ids are
    contiguous, the file parses and its hash chain verifies.
    """
    seed = new_seed(seed)
    rng = random.Random(seed)
    tally = Tally(strict)
    path = workdir / "sigkill" / "incidents.json"
    acknowledged = set(declare_with_notes(path))
    for trial in range(trials):
        with tally.trial(f"kill {trial}"):
            writer = child_process("loop", path, f"trial-{trial}", stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
            assert writer.stdout is not None
            try:
                assert writer.stdout.readline() == "ready\n", "the writer did not start"
                # A random moment to kill at (this sleep is the experiment, not a timing assertion).
                time.sleep(rng.uniform(0.05, 0.4))
                writer.send_signal(signal.SIGKILL)
                output = writer.stdout.read()
            finally:
                writer.kill()
                writer.wait(timeout=CHILD_TIMEOUT)
                writer.stdout.close()
            assert writer.returncode == -signal.SIGKILL, f"exit {writer.returncode}"
            acknowledged.update(int(line) for line in output.split("\n")[:-1])
            in_file = file_ids(path)
            missing = acknowledged - set(in_file)
            assert not missing, f"acknowledged entries missing from the file: {sorted(missing)[:5]}"
            assert in_file == list(range(1, len(in_file) + 1)), "ids not contiguous"
            assert Repository(path).verify() is None
    with tally.trial("after the kills"):
        Desk(Repository(path), author="parent").log("after the kills")
        assert temps_beside(path) == []
        assert Repository(path).verify() is None
    return tally.result(f"seed {seed}")
