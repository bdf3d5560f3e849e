"""Archive scenarios: an archive stopped at each step of its writes, and a failure injected at each of them.

The two files must then hold either what they held before, or the archive complete and the working
file trimmed (once ``verify`` or the next ``archive`` has finished a rename the record proves due).
An entry is never in neither file, nor, after that, in both; ``verify --with-archive`` passes.

The child: ``python -m tests.reliability.scenarios.archive WORK OUT STEP`` archives every finished
incident of WORK into OUT and stops with ``os._exit`` at the STEP-th step event (each step of each
atomic write, and each of the archive's own steps).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from incident_console.desk import Desk
from incident_console.domain.errors import FileProblem
from incident_console.domain.model import Severity
from incident_console.store import archive, atomic
from incident_console.store.repository import Repository
from tests.archive_files import FINISHED, OPEN, RESOLVED, build, cut
from tests.reliability.harness import CHILD_TIMEOUT, ROOT, Result, Tally, new_seed

CRASH_STATUS = 9
_WRITE = ("written", "fsynced", "replaced", "folder_fsynced")
# Every step event of an archive in order: write_atomically's steps for the pending archive, then for
# the working file, with the archive's own steps between them.
EVENTS = (*_WRITE, "archive_written", *_WRITE, "working_replaced", "renaming", "renamed")
# Where a failure can happen (a write step, the rename): the events the failure scenario injects at.
FAILURES = (*_WRITE, *_WRITE, "renaming")


def _trimmed_from(events: tuple[str, ...]) -> int:
    """The first event (counting from 1) after which the working file is the trimmed one: its replace."""
    return [index for index, name in enumerate(events, 1) if name == "replaced"][1]


def _ids(path: Path) -> set[int]:
    if not path.exists():
        return set()
    return {int(key) for key in json.loads(path.read_text())["log"]}


def _stop_at(event: int, stop: Callable[[], None], counted: tuple[str, ...] = EVENTS) -> None:
    """Call ``stop`` at the ``event``-th step event of the archive (counting from 1) among ``counted``."""
    seen = [0]

    def step(name: str) -> None:
        if name not in counted:
            return
        seen[0] += 1
        if seen[0] == event:
            stop()

    atomic.after_step = step
    archive.after_step = step


def _files(workdir: Path, rng: random.Random, name: str, *, earlier: bool) -> tuple[Path, Path, Desk]:
    """A working file with interleaved incidents; with ``earlier``, already archived into OUT once."""
    work, out = workdir / name / "incidents.json", workdir / name / "archive.json"
    fates = [rng.choice((OPEN, RESOLVED, FINISHED)) for _ in range(rng.randint(3, 7))]
    fates[0] = FINISHED
    if earlier:
        fates.insert(0, FINISHED)
    desk = build(work, fates, notes=rng.randint(0, 3), seed=rng.randrange(1 << 30), items=rng.random() < 0.7)
    if earlier:  # an archive made before: the archive run then adds to it
        desk.archive(str(out), _first_resolved(desk))
    return work, out, desk


def _first_resolved(desk: Desk) -> datetime:
    first = next(i for i in desk.snapshot().incidents if i.resolved_at is not None and i.postmortem_done_at)
    assert first.resolved_at is not None
    return first.resolved_at + timedelta(microseconds=1)


def _check_outcome(work: Path, out: Path, before: tuple[bytes, bytes | None], ids: set[int], trimmed: bool) -> None:
    """The two files after a stopped or failed archive, then after recovery."""
    pending = Path(archive.pending_path(str(out)))
    assert Repository(work).verify() is None, Repository(work).verify()
    if not trimmed:
        assert work.read_bytes() == before[0], "the working file changed though the archive did not land"
        assert (out.read_bytes() if out.exists() else None) == before[1], "the archive changed"
    else:
        # Not yet renamed, perhaps: every entry is in the working file or in the pending (or final) archive.
        archived = _ids(out) | (_ids(pending) if pending.exists() else set())
        assert _ids(work) | archived == ids, "an entry is in neither file"
    desk = Desk(Repository(work), author="after")
    desk.finish_archiving()
    assert not pending.exists(), "recovery left the pending archive"
    if trimmed:
        assert _ids(work) | _ids(out) == ids and not _ids(work) & _ids(out), "entries lost or in both"
        verdict = desk.check_with_archive(str(out))
        assert verdict.problem is None, verdict.problem
        assert not any(i.postmortem_done_at is None for i in Repository(out).snapshot().incidents)
    else:
        assert work.read_bytes() == before[0]
        desk.archive(str(out), cut())  # the archive can be run again, and lands
        assert desk.check_with_archive(str(out)).problem is None
    desk.declare("after the crash", Severity.P3)  # the next save, which also sweeps a crashed writer's temporary file
    assert desk.check_with_archive(str(out)).problem is None
    assert not [p for p in os.listdir(out.parent) if ".tmp-" in p], "a temporary file was left"


def _child(work: Path, out: Path, event: int) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "INCIDENT_CONSOLE_USER": "crasher"}
    argv = [sys.executable, "-m", "tests.reliability.scenarios.archive", str(work), str(out), str(event)]
    return subprocess.run(argv, cwd=ROOT, env=env, text=True, capture_output=True, timeout=CHILD_TIMEOUT)


def archive_crash_at_each_step(
    workdir: Path, trials: int = 1, *, seed: int | None = None, strict: bool = False
) -> Result:
    """``trials`` rounds; each round stops a child archive once at each step event (a new file each time,
    every other round adding to an existing archive), then checks the files and the recovery."""
    seed = new_seed(seed)
    rng = random.Random(seed)
    tally = Tally(strict)
    for round_number in range(trials):
        for event in range(1, len(EVENTS) + 1):
            with tally.trial(f"round {round_number} crash at {EVENTS[event - 1]} (step event {event})"):
                work, out, desk = _files(workdir, rng, f"crash-{round_number}-{event}", earlier=round_number % 2 == 1)
                before = (work.read_bytes(), out.read_bytes() if out.exists() else None)
                ids = _ids(work) | _ids(out)
                done = _child(work, out, event)
                assert done.returncode == CRASH_STATUS, f"exit {done.returncode}: {done.stderr[-400:]}"
                _check_outcome(work, out, before, ids, trimmed=event >= _trimmed_from(EVENTS))
    return tally.result()


def archive_failure_at_each_step(
    workdir: Path, trials: int = 1, *, seed: int | None = None, strict: bool = False
) -> Result:
    """In this process: an OSError raised at each step event of an archive; the archive says so in one
    sentence (FileProblem) and the files are in one of the two states."""
    seed = new_seed(seed)
    rng = random.Random(seed)
    tally = Tally(strict)
    for round_number in range(trials):
        for event in range(1, len(FAILURES) + 1):
            with tally.trial(f"round {round_number} failure at {FAILURES[event - 1]} (step event {event})"):
                work, out, desk = _files(workdir, rng, f"fail-{round_number}-{event}", earlier=round_number % 2 == 1)
                before = (work.read_bytes(), out.read_bytes() if out.exists() else None)
                ids = _ids(work) | _ids(out)

                def fail() -> None:
                    raise OSError(5, "injected failure")

                _stop_at(event, fail, FAILURES)
                try:
                    desk.archive(str(out), cut())
                    raised = None
                except FileProblem as exc:
                    raised = str(exc)
                finally:
                    atomic.after_step = archive.after_step = None
                landed = event >= _trimmed_from(FAILURES)
                if not landed:
                    assert raised is not None and "nothing was archived" in raised, f"said: {raised!r}"
                assert raised is None or "\n" not in raised
                _check_outcome(work, out, before, ids, trimmed=landed)
    return tally.result()


def _main(argv: list[str]) -> int:
    work, out, event = argv[0], argv[1], int(argv[2])
    _stop_at(event, lambda: os._exit(CRASH_STATUS))
    Desk(Repository(work), author="crasher").archive(out, cut())
    print("the archive finished without reaching the step", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
