"""What one action costs as the file ages: 1,000 entries beside 100,000 and 1,000,000.

``python -m tests.benchmarks.history_bench [ENTRIES ...]`` prints the tables; ``run()`` returns
their lines. Files are built by ``history_file.build_file`` (many incidents, mostly resolved, a
few open). Three tables:

* the wall time of ``incident-console log TEXT``, ``ack`` and ``show``, beside starting Python to
  ``import tinydb``, and each command's time beside its own at 1,000 entries;
* one durable append (``Desk.log`` on a long-lived Repository) beside TinyDB's default
  ``JSONStorage`` inserting a document of the same size;
* ``verify``: its wall time and the peak memory (RSS) of the process that ran it.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from incident_console.store import vouched
from incident_console.store.blocks import stamp_at

from .history_file import build_file
from .store_bench import ROOT, _p90, ours, tinydb_default

SIZES = (1_000, 100_000, 1_000_000)
# Runs of each command at each size, and timed appends (TinyDB's rewrite of a 1,000,000-entry file
# takes seconds, so fewer there).
CLI_RUNS = {1_000: 7, 100_000: 5, 1_000_000: 3}
APPENDS = {1_000: 20, 100_000: 10, 1_000_000: 3}


def _env(folder: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "INCIDENT_CONSOLE_CONFIG": str(folder / "absent.toml"),
        "INCIDENT_CONSOLE_USER": "bench",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("INCIDENT_CONSOLE_FILE", None)
    return env


def _once(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, check=False)
    elapsed = (time.perf_counter() - started) * 1000
    if result.returncode != 0:
        raise RuntimeError(f"{argv!r} failed: {result.stderr.decode(errors='replace').strip()}")
    return elapsed


def command_times(folder: Path, fixture: Path, runs: int) -> dict[str, list[float]]:
    """Wall times in ms of ``log``, ``ack`` and ``show`` on a copy of ``fixture``; ``ack`` on a fresh
    copy each time (an incident is acknowledged once), the copy made outside the timing, fsynced and
    recorded as checked (``store.vouched``), as the file a save of this store leaves is."""
    env = _env(folder)
    state = folder / "cli.json"
    cli = [sys.executable, "-m", "incident_console"]
    commands = {
        "import tinydb": [sys.executable, "-c", "import tinydb"],
        "log": [*cli, "log", "bench note", "--file", str(state)],
        "ack": [*cli, "ack", "--file", str(state)],
        "show": [*cli, "show", "--file", str(state)],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for round_number in range(runs + 1):  # the first round warms up
        for name, argv in commands.items():
            if name in ("log", "ack") or not state.exists():
                shutil.copyfile(fixture, state)
                # On disk and recorded as checked, as the file a save of this store leaves is: else the
                # command's own fsync would also write out the whole copy just made.
                _fsync(state)
                vouched.vouch(str(state), stamp_at(str(state)))
            elapsed = _once(argv, env)
            if round_number:
                times[name].append(elapsed)
    return times


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def verify_figures(fixture: Path, folder: Path) -> tuple[float, float]:
    """``verify``'s wall time in ms and the peak RSS in MiB of the process that ran it."""
    code = (
        "import sys\n"
        "from incident_console.store.repository import Repository\n"
        "problem = Repository(sys.argv[1]).verify()\n"
        "assert problem is None, problem\n"
        # The process's own peak (getrusage's keeps the peak of the process it was forked from).
        "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM:')))\n"
    )
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", code, str(fixture)], env=_env(folder), capture_output=True, check=True, text=True
    )
    elapsed = (time.perf_counter() - started) * 1000
    return elapsed, int(result.stdout.strip()) / 1024


def run(sizes: tuple[int, ...] = SIZES) -> list[str]:
    folder = Path(tempfile.mkdtemp(prefix="incident-console-history-"))
    try:
        cli_lines = [
            "Command wall time in ms, median of 7, 5 and 3 runs (taking turns); x = beside import tinydb",
            f"{'entries':>10} {'import tinydb':>14} {'log':>16} {'ack':>16} {'show':>16}",
        ]
        append_lines = [
            "Durable append in ms, median / p90",
            f"{'entries':>10} {'ours':>17} {'TinyDB JSONStorage':>19}  ours/TinyDB",
        ]
        verify_lines = ["verify", f"{'entries':>10} {'MB':>8} {'time ms':>9} {'peak RSS MiB':>13}"]
        first: dict[str, float] = {}
        for entries in sizes:
            fixture = folder / f"fixture-{entries}.json"
            build_file(fixture, entries)
            times = command_times(folder, fixture, CLI_RUNS.get(entries, 3))
            medians = {name: statistics.median(values) for name, values in times.items()}
            first = first or medians
            cells = [f"{medians['import tinydb']:14.1f}"]
            for name in ("log", "ack", "show"):
                own = medians[name] / first[name]
                cells.append(f"{medians[name]:7.1f} {medians[name] / medians['import tinydb']:3.1f}x {own:3.2f}x")
            cli_lines.append(f"{entries:>10,} " + " ".join(cells))
            mine_file, theirs_file = folder / "ours.json", folder / "tinydb.json"
            shutil.copyfile(fixture, mine_file)
            shutil.copyfile(fixture, theirs_file)
            mine = ours(mine_file, APPENDS.get(entries, 3))
            theirs = tinydb_default(theirs_file, APPENDS.get(entries, 3), entries + 1)
            ratio = statistics.median(mine) / statistics.median(theirs)
            append_lines.append(
                f"{entries:>10,} {statistics.median(mine):8.1f} /{_p90(mine):7.1f} "
                f"{statistics.median(theirs):9.1f} /{_p90(theirs):8.1f}  {ratio:10.3f}x"
            )
            elapsed, peak = verify_figures(fixture, folder)
            verify_lines.append(f"{entries:>10,} {fixture.stat().st_size / 1e6:8.1f} {elapsed:9.0f} {peak:13.1f}")
            for name in (fixture, mine_file, theirs_file, folder / "cli.json"):
                name.unlink(missing_ok=True)
        cli_lines.append("(each command's second figure: beside its own time at the first size)")
        return [*cli_lines, "", *append_lines, "", *verify_lines]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    chosen = tuple(int(arg) for arg in sys.argv[1:]) or SIZES
    print("\n".join(run(chosen)))
