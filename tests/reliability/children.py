"""Child processes for the reliability tests: ``python -m tests.reliability.children MODE PATH ...``.

Modes:

``crash PATH STEP``
    Append one entry and stop the process with ``os._exit(9)`` right after the write step
    ``STEP`` ("written", "fsynced", "replaced" or "folder_fsynced").
``loop PATH [LABEL]``
    Print ``ready``, then append entries forever, printing each entry's id as soon as its
    append returned (that is, once it is durable). Meant to be killed.
``append PATH COUNT [LABEL]``
    Print ``ready``, wait for a line on stdin, then append COUNT entries, printing each id.

Every mode acts on the most recently declared open incident, which the parent declares first.
"""

from __future__ import annotations

import os
import sys

from incident_console.desk import Desk
from incident_console.store import atomic
from incident_console.store.repository import Repository

CRASH_STATUS = 9
STEPS = ("written", "fsynced", "replaced", "folder_fsynced")


def _desk(path: str, label: str) -> Desk:
    return Desk(Repository(path), author=label)


def crash(path: str, step: str) -> int:
    if step not in STEPS:
        raise SystemExit(f"unknown step {step!r}; one of {', '.join(STEPS)}")
    desk = _desk(path, "crasher")

    def stop(name: str) -> None:
        if name == step:
            os._exit(CRASH_STATUS)

    atomic.after_step = stop
    desk.log(f"crash after {step}")
    print("the write finished without reaching the step", file=sys.stderr)
    return 1


def loop(path: str, label: str = "loop") -> int:
    desk = _desk(path, label)
    print("ready", flush=True)
    number = 0
    while True:
        number += 1
        entry = desk.log(f"{label} {number}")
        print(entry.id, flush=True)


def append(path: str, count: str, label: str = "append") -> int:
    desk = _desk(path, label)
    print("ready", flush=True)
    sys.stdin.readline()
    for number in range(1, int(count) + 1):
        entry = desk.log(f"{label} {number}")
        print(entry.id, flush=True)
    return 0


MODES = {"crash": crash, "loop": loop, "append": append}


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in MODES:
        print(__doc__, file=sys.stderr)
        return 2
    return MODES[argv[0]](*argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
