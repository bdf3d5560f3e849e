"""How long a durable append takes, beside TinyDB's own storage and the file system's floor.

``python -m tests.benchmarks.store_bench`` prints the tables; ``run()`` returns their lines.

Three appends are compared at each file size:

* ours: ``Desk.log`` on a long-lived ``Repository`` (lock, check the file, write a temporary file:
  the small tables, the old file's log lines copied across, the new line; fsync, rename, fsync
  the folder);
* TinyDB: ``TinyDB(path).table("log").insert(doc)`` with its default ``JSONStorage`` (read and
  parse the whole file, serialise it with json, rewrite it in place, fsync), with a document of
  the same fields and size;
* the floor: append one line of that size to a file and fsync it.

Then the wall time of one ``incident-console log`` command on a file of 1,000 entries, beside
starting Python to ``import tinydb``.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tinydb import TinyDB

from incident_console.desk import Desk
from incident_console.domain import ledger
from incident_console.domain.model import LogEntry
from incident_console.store.repository import Repository, entry_to_doc

from .history_file import build_file

ROOT = Path(__file__).resolve().parents[2]
# File size (entries already in it) -> number of timed appends.
SIZES = {100: 30, 1_000: 30, 10_000: 30, 50_000: 10}
CLI_ENTRIES = 1_000
CLI_RUNS = 15
START = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
TEXT = "Restarted the checkout pods in eu-west-1; error rate back under 0.1% (watching) #{n}"


def _entry(number: int) -> LogEntry:
    at = START + timedelta(seconds=number)
    kind = "declare" if number == 1 else "note"
    return LogEntry(number, "INC-1", kind, TEXT.format(n=number), "alice", at, at, {}, None, "")


def _sample_doc(number: int) -> dict:
    """A document with the same fields and about the same size as one of ours, for TinyDB."""
    doc = entry_to_doc(_entry(number))
    doc["hash"] = ledger.chain_hash(ledger.GENESIS, doc)
    return doc


def _timed(action: Callable[[int], object], count: int) -> list[float]:
    """Run ``action`` once untimed (warm-up), then ``count`` times; the durations in ms."""
    action(0)
    durations = []
    for number in range(1, count + 1):
        started = time.perf_counter()
        action(number)
        durations.append((time.perf_counter() - started) * 1000)
    return durations


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


def _cell(values: list[float]) -> str:
    return f"{statistics.median(values):8.2f} /{_p90(values):8.2f}"


def ours(path: Path, count: int) -> list[float]:
    desk = Desk(Repository(path), author="bench")
    desk.snapshot()  # a long-lived process has the file parsed already
    return _timed(lambda n: desk.log(TEXT.format(n=n)), count)


def tinydb_default(path: Path, count: int, first_id: int) -> list[float]:
    db = TinyDB(path)
    table = db.table("log")
    try:
        return _timed(lambda n: table.insert(_sample_doc(first_id + n)), count)
    finally:
        db.close()


def fsync_floor(path: Path, count: int) -> list[float]:
    line = json.dumps(_sample_doc(1), separators=(",", ":")).encode() + b"\n"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:

        def append(_: int) -> None:
            os.write(fd, line)
            os.fsync(fd)

        return _timed(append, count)
    finally:
        os.close(fd)


def append_table(folder: Path) -> list[str]:
    lines = [
        "Durable append latency in ms, median / p90",
        f"{'entries':>8} {'appends':>8}   {'ours':^17}   {'TinyDB JSONStorage':^17}   {'append+fsync':^17}"
        "  ours/TinyDB",
    ]
    for entries, count in SIZES.items():
        fixture = folder / f"fixture-{entries}.json"
        build_file(fixture, entries)
        our_file = folder / f"ours-{entries}.json"
        their_file = folder / f"tinydb-{entries}.json"
        shutil.copyfile(fixture, our_file)
        shutil.copyfile(fixture, their_file)
        mine = ours(our_file, count)
        theirs = tinydb_default(their_file, count, entries + 1)
        floor = fsync_floor(folder / f"floor-{entries}.log", count)
        ratio = statistics.median(mine) / statistics.median(theirs)
        lines.append(f"{entries:>8,} {count:>8}   {_cell(mine)}   {_cell(theirs)}   {_cell(floor)}  {ratio:10.2f}x")
        size_mb = fixture.stat().st_size / 1e6
        lines[-1] += f"   ({size_mb:.1f} MB file)"
        for name in (fixture, our_file, their_file, folder / f"floor-{entries}.log"):
            name.unlink(missing_ok=True)
    return lines


def _wall(commands: list[list[str]], env: dict[str, str], runs: int) -> list[list[float]]:
    """Each command's wall times in ms, the commands taking turns (a warm-up round first), so a
    machine that slows down or speeds up meanwhile weighs on all of them alike."""

    def once(argv: list[str]) -> float:
        started = time.perf_counter()
        result = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, check=False)
        elapsed = (time.perf_counter() - started) * 1000
        if result.returncode != 0:
            raise RuntimeError(f"{argv!r} failed: {result.stderr.decode(errors='replace').strip()}")
        return elapsed

    for argv in commands:
        once(argv)
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for index, argv in enumerate(commands):
            times[index].append(once(argv))
    return times


def cli_table(folder: Path) -> list[str]:
    state = folder / "cli.json"
    build_file(state, CLI_ENTRIES)
    env = {
        **os.environ,
        "INCIDENT_CONSOLE_CONFIG": str(folder / "absent.toml"),
        "INCIDENT_CONSOLE_USER": "bench",
    }
    env.pop("INCIDENT_CONSOLE_FILE", None)
    script = Path(sys.executable).parent / "incident-console"
    commands: list[tuple[str, list[str]]] = [
        ("python -c 'import tinydb'", [sys.executable, "-c", "import tinydb"]),
        (
            "python -m incident_console log TEXT",
            [sys.executable, "-m", "incident_console", "log", "bench note", "--file", str(state)],
        ),
    ]
    if script.exists():
        commands.append(("incident-console log TEXT", [str(script), "log", "bench note", "--file", str(state)]))
    lines = [
        f"Command wall time in ms on a file of {CLI_ENTRIES:,} entries, median of {CLI_RUNS} runs (taking turns)",
        f"{'command':<38} {'median':>8} {'p90':>8}  vs import tinydb",
    ]
    baseline: float | None = None
    for (title, _), times in zip(commands, _wall([argv for _, argv in commands], env, CLI_RUNS), strict=True):
        median = statistics.median(times)
        baseline = baseline or median
        lines.append(f"{title:<38} {median:8.1f} {_p90(times):8.1f}  {median / baseline:8.2f}x")
    if not script.exists():
        lines.append(f"(no installed script at {script}; install the package to time it)")
    return lines


def run() -> list[str]:
    folder = Path(tempfile.mkdtemp(prefix="incident-console-bench-"))
    try:
        started = time.perf_counter()
        lines = [f"Files in {folder} (temporary); Python {sys.version.split()[0]}", ""]
        lines += append_table(folder)
        lines.append("")
        lines += cli_table(folder)
        lines.append("")
        lines.append(f"(store benchmark took {time.perf_counter() - started:.0f} s)")
        return lines
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    print("\n".join(run()))
