"""The long reliability run (``make reliability``): every scenario with many more trials, then a table.

    python -m tests.reliability.long                    # everything (about twelve minutes)
    python -m tests.reliability.long --only sigkill     # one scenario (repeatable option)
    python -m tests.reliability.long --only text-console --trials 5 --seed 123

The table has one row per scenario: how many trials ran, how many failed, and the command that runs
that scenario again with the same trial count and seed. The exit status is 1 when any trial failed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.reliability import bursts, locks, planted, scenarios, tamper
from tests.reliability.harness import Result, Unavailable, new_seed


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    run: Callable[..., Result]
    trials: int  # the scenario's ``trials`` argument in the long run
    options: dict[str, Any] = field(default_factory=dict)


SCENARIOS = (
    Scenario("crash-steps", "Crash after each write step (4 steps a round)", scenarios.crash_at_each_step, 25),
    Scenario("sigkill", "SIGKILL a writer at random moments", scenarios.sigkill, 250),
    Scenario(
        "archive-crash",
        "Archive stopped after each step (12 steps a round, two files)",
        scenarios.archive_crash_at_each_step,
        10,
    ),
    Scenario(
        "archive-failure",
        "Archive failing at each write and the rename (9 a round)",
        scenarios.archive_failure_at_each_step,
        20,
    ),
    Scenario("disk-cli", "Full disk: CLI `log` under RLIMIT_FSIZE", scenarios.disk_full_cli, 60),
    Scenario("disk-console", "Full disk: console keeps and retries", scenarios.disk_full_console, 10),
    Scenario(
        "concurrency",
        "2 consoles + 2 CLI streams, 200 entries each",
        scenarios.concurrent_writers,
        2,
        {"entries": 200},
    ),
    Scenario("hostile-files", "Broken and odd files (fixture set)", scenarios.hostile_files, 3),
    Scenario("hostile-generated", "Generated file contents (hypothesis)", scenarios.hostile_generated, 4000),
    Scenario("text-markdown", "Untrusted text: Markdown outputs", scenarios.untrusted_text_markdown, 600),
    Scenario("text-console", "Untrusted text: every pane and screen", scenarios.untrusted_text_console, 50),
    Scenario("terminal", "Untrusted text: real pseudo-terminal", scenarios.terminal_output, 8),
    Scenario(
        "clipboard",
        "Clipboard failures (no display, failing tools, raising pyperclip)",
        scenarios.clipboard_failures,
        10,
    ),  # fmt: skip
    Scenario("clipboard-console", "Clipboard: console says OSC 52", scenarios.clipboard_console, 5),
    Scenario("clipboard-xvfb", "Clipboard: real X server (Xvfb + xclip)", scenarios.clipboard_xvfb, 20),
    Scenario("bursts", "Every text field typed in one burst, tmux, every core busy", bursts.typed_bursts, 5),
    Scenario("clock-jump", "Clock jumps 3 h while the console is open", scenarios.clock_jump, 8),
    Scenario("clock-dst", "Deadlines across a DST change", scenarios.clock_dst, 5),
    Scenario("locale", "C locale and other time zones", scenarios.locale_roundtrip, 5),
    Scenario("permissions", "Read-only file, unprivileged user", scenarios.read_only_file, 6),
    Scenario("planted-export", "Link at the export copy's temp name, or at the copy", planted.planted_temp_export, 20),
    Scenario("planted-log", "Link planted again and again at log's temporary name", planted.planted_temp_log, 20),
    Scenario("planted-race", "60 racing log calls, links to the file at their temp names", planted.racing_logs, 3),
    Scenario("planted-lock", "Lock file planted: link, link to a file, FIFO, folder", locks.planted_lock, 5),
    Scenario("foreign-lock", "Lock file owned by another user", locks.foreign_lock, 5),
    Scenario("held-lock", "Lock held by another process: bounded wait, holder named", locks.lock_held, 3),
    Scenario("linked-file", "State file is a link: written through, one lock", locks.linked_state, 5),
    Scenario("shared-folder", "Second user's links in a shared sticky folder", locks.shared_folder, 3),
    Scenario("tamper", "Hand edits, re-chained or not, named by verify", tamper.tamper, 20),
    Scenario("hostile-json", "Deep nesting and repeated keys, every reader", tamper.hostile_json, 3),
    Scenario("clock-skew", "A writer's clock ahead (faketime): flagged, meets no timer", tamper.clock_skew, 20),
)


@dataclass
class Row:
    scenario: Scenario
    trials: int
    result: Result | None
    seconds: float
    note: str

    @property
    def failures(self) -> str:
        return "-" if self.result is None else str(self.result.failures)

    @property
    def ran(self) -> str:
        return "skipped" if self.result is None else str(self.result.trials)


def command(scenario: Scenario, trials: int, seed: int) -> str:
    return f".venv/bin/python -m tests.reliability.long --only {scenario.key} --trials {trials} --seed {seed}"


def run_one(scenario: Scenario, trials: int, seed: int, base: Path) -> Row:
    workdir = base / scenario.key
    workdir.mkdir()
    started = time.monotonic()
    try:
        result: Result | None = scenario.run(workdir, trials, seed=seed, **scenario.options)
        note = result.notes if result else ""
    except Unavailable as exc:
        result, note = None, f"skipped: {exc}"
    except Exception as exc:  # the harness itself broke: one failure, with what happened
        result, note = Result(0, 1, ""), f"{type(exc).__name__}: {exc}"
    return Row(scenario, trials, result, time.monotonic() - started, note)


def table(rows: list[Row], seed: int) -> str:
    lines = [
        "| Scenario | Trials | Failures | Command to reproduce |",
        "|---|---:|---:|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row.scenario.title} | {row.ran} | {row.failures} | `{command(row.scenario, row.trials, seed)}` |"
        )
    lines.append("")
    lines.append(f"Seed {seed}. Time per scenario and notes:")
    for row in rows:
        note = f" — {row.note}" if row.note else ""
        lines.append(f"- {row.scenario.key}: {row.seconds:.0f} s{note}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.reliability.long", description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", metavar="KEY", choices=[s.key for s in SCENARIOS])
    parser.add_argument("--trials", type=int, help="trials for each chosen scenario (default: its long count)")
    parser.add_argument("--seed", type=int, help="seed for random choices and generated examples")
    args = parser.parse_args(argv)
    seed = new_seed(args.seed)
    chosen = [s for s in SCENARIOS if not args.only or s.key in args.only]
    rows = []
    with tempfile.TemporaryDirectory(prefix="incident-console-long-") as base:
        for scenario in chosen:
            trials = args.trials or scenario.trials
            print(f"running {scenario.key} ({trials} trials)...", file=sys.stderr, flush=True)
            row = run_one(scenario, trials, seed, Path(base))
            print(f"  {row.ran} trials, {row.failures} failures, {row.seconds:.0f} s", file=sys.stderr, flush=True)
            rows.append(row)
    print(table(rows, seed))
    return 1 if any(row.result is not None and row.result.failures for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
