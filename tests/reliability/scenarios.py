"""The reliability scenarios, as plain functions both the pytest tests and ``long.py`` call.

Every scenario has the signature ``scenario(workdir, trials, *, seed=None, strict=False) -> Result``
(some take one more keyword, e.g. ``entries``). ``trials`` is how many independent trials to run;
``seed`` replays a run's random choices (and its hypothesis examples); ``strict`` raises the first
failure instead of counting it. A scenario the machine cannot run raises ``Unavailable``.
"""

from __future__ import annotations

import asyncio
import copy
import errno
import inspect
import json
import os
import random
import re
import resource
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from incident_console.desk import Desk
from incident_console.domain import limits, reports, sla
from incident_console.domain.model import NewEntry, Severity, Status
from incident_console.domain.text import escape_json, visible
from incident_console.store import storage
from incident_console.store.repository import Repository
from tests.reliability import children
from tests.reliability.harness import (
    CHILD_TIMEOUT,
    ROOT,
    Result,
    StepClock,
    Tally,
    Unavailable,
    build_rich_file,
    child_env,
    control_chars,
    file_ids,
    in_process,
    log_docs,
    new_seed,
    one_line_error,
    rendered_controls,
    run_cli,
    screen_lines,
    temps_beside,
    wait_until,
    worker,
)

SIZE = (120, 35)
START = datetime(2026, 11, 28, 3, 0, 0, tzinfo=UTC)


def _hypothesis(examples: int, seed: int, *, strict: bool, shrink: bool = True) -> Callable[[Any], Any]:
    """Settings for a scenario's generated examples: no database, no deadline, seeded.

    Shrinking only helps when the first failure is raised (``strict``); where each example runs the
    console (seconds), it is left out: shrinking would take many minutes.
    """
    phases = [Phase.explicit, Phase.generate] + ([Phase.shrink] if strict and shrink else [])

    def apply(test: Any) -> Any:
        configured = settings(
            max_examples=examples,
            deadline=None,
            database=None,
            phases=phases,
            suppress_health_check=list(HealthCheck),
            print_blob=False,
        )(test)
        return hypothesis_seed(seed)(configured)

    return apply


# --- crashes (the scenarios of test_crash.py, counted per trial) ---------------------------


def _children(mode: str, path: Path, *args: str, **popen: Any) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-m", "tests.reliability.children", mode, str(path), *args]
    return subprocess.Popen(argv, cwd=ROOT, env=env, text=True, **popen)


def _declare(path: Path, notes: int = 0) -> list[int]:
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
                acknowledged = _declare(path, notes=3)
                crashed = _children("crash", path, step, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
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
    acknowledged = set(_declare(path))
    for trial in range(trials):
        with tally.trial(f"kill {trial}"):
            writer = _children("loop", path, f"trial-{trial}", stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
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


# --- 1. full disk --------------------------------------------------------------------------


def _limit_file_size(limit: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def disk_full_cli(workdir: Path, trials: int = 1, *, seed: int | None = None, strict: bool = False) -> Result:
    """``log`` when the next save cannot fit (RLIMIT_FSIZE just above the file's size): exit 1, one line,
    the file byte-for-byte intact, no temporary file; then, without the limit, the same command works.

    Each trial puts the limit at a different point of the new file, so the write is cut at different places.
    """
    seed = new_seed(seed)
    rng = random.Random(seed)
    tally = Tally(strict)
    for trial in range(trials):
        with tally.trial(f"trial {trial}"):
            folder = workdir / f"disk-{trial}"
            folder.mkdir(parents=True)
            path = folder / "incidents.json"
            build_rich_file(path)
            before = path.read_bytes()
            text = f"entry that does not fit {uuid.uuid4().hex}"
            # The new file is at least the old one plus this entry's text: cut it anywhere before that.
            limit = len(before) + (0 if trial == 0 else rng.randrange(0, len(text) + 200))
            env = child_env(folder)
            full = run_cli(path, "log", text, workdir=folder, env=env, preexec_fn=_limit_file_size(limit))
            one_line_error(full.stderr, status=full.returncode, mentions=str(path))
            assert full.returncode == 1, f"exit {full.returncode}"
            assert full.stdout == b"", f"stdout: {full.stdout[:200]!r}"
            assert path.read_bytes() == before, "the file changed although the save failed"
            assert temps_beside(path) == [], f"temporary file left: {temps_beside(path)}"

            done = run_cli(path, "log", text, workdir=folder, env=env)
            assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
            texts = [doc["text"] for doc in log_docs(path).values()]
            assert texts.count(text) == 1, f"the entry is in the file {texts.count(text)} times"
            assert Repository(path).verify() is None
            assert temps_beside(path) == []
    return tally.result(f"seed {seed}")


def _record_notices(app: Any) -> list[tuple[str, str]]:
    notices: list[tuple[str, str]] = []
    show = app.notify

    def notify(message: str, *, title: str = "", **kwargs: Any) -> None:
        notices.append((str(title), str(message)))
        show(message, title=title, **kwargs)

    app.notify = notify
    return notices


class _FailingClipboard:
    def __init__(self, detail: str = "no display for a system clipboard") -> None:
        self.detail = detail
        self.texts: list[str] = []

    def copy(self, text: str) -> Any:
        from incident_console.clipboard import CopyOutcome

        self.texts.append(text)
        return CopyOutcome(False, self.detail)


def _console(desk: Desk, **kwargs: Any) -> Any:
    from incident_console.ui.app import IncidentConsole

    kwargs.setdefault("clipboard", _FailingClipboard())
    kwargs.setdefault("verify_on_open", False)
    kwargs.setdefault("poll_seconds", 0.2)
    return IncidentConsole(desk, **kwargs)


async def _until(pilot: Any, condition: Callable[[], Any], what: str, limit: float = 60.0) -> None:
    """Let the app run until ``condition`` holds (the limit only stops a hang)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + limit
    while not condition():
        if loop.time() > end:
            raise AssertionError(f"never happened: {what}")
        await pilot.pause(0.05)


def _text_of(app: Any, selector: str) -> str:
    """The text a widget of the main screen shows (a Static, or any widget that renders text)."""
    return str(app.screen_stack[0].query_one(selector).render())


def _on_disk(path: Path) -> Any:
    return Repository(path).snapshot()


async def _disk_full_console_once(path: Path) -> None:
    from incident_console.ui import app as app_module
    from incident_console.ui.widgets.log_view import LogView

    clock = StepClock(START)
    desk = Desk(Repository(path), author="alice", clock=clock)
    desk.declare("Checkout returns 500", Severity.P1)
    app = _console(desk)
    notices = _record_notices(app)
    text = "api rolled back"  # short: the row's "not saved" mark follows the text
    attempts: list[int] = []

    def disk_full(*args: Any, **kwargs: Any) -> None:
        attempts.append(1)
        raise OSError(errno.ENOSPC, "No space left on device")

    with mock.patch.object(app_module, "RETRY_SECONDS", 0.4):
        async with app.run_test(size=SIZE) as pilot:
            full = mock.patch.object(storage, "write_atomically", disk_full)
            full.start()
            try:
                await pilot.press("l", *text, "enter")
                await _until(pilot, lambda: any(t == "Not saved" for t, _ in notices), "the failure was reported")
                await pilot.pause()
                row = app.main.query_one(LogView).rows[-1]
                assert (row.text, row.pending, row.failed) == (text, True, True), f"last row: {row!r}"
                shown = [line for line in screen_lines(app) if text in line]
                assert shown and "not saved" in shown[0], f"the entry is not shown marked not saved: {shown}"
                title = _text_of(app, "#log-title")
                assert "1 not saved yet" in title, f"the log's title: {title!r}"
                banner = _text_of(app, "#banner")
                assert "NOT SAVED" in banner and "No space left on device" in banner, f"banner: {banner!r}"
                assert app.main.query_one("#banner").display, "the banner is hidden"
                assert text not in [e.text for e in _on_disk(path).log]
                tried = len(attempts)
                await _until(pilot, lambda: len(attempts) > tried, "the save was retried")
            finally:
                full.stop()
            await _until(pilot, lambda: not app.saver.pending(), "the entry was saved after the disk had room")
            await pilot.pause(1.0)  # a few more ticks and retry periods: nothing may be saved twice
            saved = [e.text for e in _on_disk(path).log].count(text)
            assert saved == 1, f"the entry was saved {saved} times"
            row = app.main.query_one(LogView).rows[-1]
            assert not getattr(row, "pending", False), "the saved entry is still shown as pending"
            assert not app.main.query_one("#banner").display, "the not-saved banner stayed"
    assert Repository(path).verify() is None


def disk_full_console(workdir: Path, trials: int = 1, *, seed: int | None = None, strict: bool = False) -> Result:
    """The console on a full disk: a typed entry stays on screen marked not saved, the banner says so;
    once the disk has room the retry saves it, exactly once."""
    tally = Tally(strict)
    for trial in range(trials):
        with tally.trial(f"trial {trial}"):
            folder = workdir / f"console-disk-{trial}"
            folder.mkdir(parents=True)
            asyncio.run(_disk_full_console_once(folder / "incidents.json"))
    return tally.result()


# --- 2. concurrent writers -----------------------------------------------------------------


def concurrent_writers(
    workdir: Path, trials: int = 1, *, entries: int = 20, seed: int | None = None, strict: bool = False
) -> Result:
    """Two headless consoles and two streams of ``incident-console log`` processes append to one file at once.

    At the end every entry is there exactly once, the ids are unique and consecutive, the chain verifies.
    """
    tally = Tally(strict)
    switches: list[int] = []
    for trial in range(trials):
        with tally.trial(f"trial {trial}"):
            folder = workdir / f"concurrent-{trial}"
            folder.mkdir(parents=True)
            path = folder / "incidents.json"
            Desk(Repository(path), author="parent").declare("Checkout down", Severity.P1)
            token = uuid.uuid4().hex[:6]
            env = child_env(folder)
            consoles = {
                label: worker(
                    "console-append",
                    str(path),
                    str(entries),
                    label,
                    "0.12",  # spread over about as long as the CLI streams take, so the writers overlap
                    env=env,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                )
                for label in (f"console-a-{token}", f"console-b-{token}")
            }
            try:
                for label, process in consoles.items():
                    assert process.stdout is not None
                    line = process.stdout.readline()
                    assert line == b"ready\n", f"{label} did not start: {line!r} {process.stderr.read()[-500:]!r}"

                def cli_stream(label: str, path: Path = path, folder: Path = folder, env: Any = env) -> list[str]:
                    problems = []
                    for number in range(1, entries + 1):
                        done = run_cli(path, "log", f"{label} {number}", workdir=folder, env=env)
                        if done.returncode != 0:
                            problems.append(f"{label} {number}: exit {done.returncode} {done.stderr[-200:]!r}")
                    return problems

                for process in consoles.values():
                    assert process.stdin is not None
                    process.stdin.write(b"go\n")
                    process.stdin.flush()
                with ThreadPoolExecutor(2) as pool:
                    streams = [pool.submit(cli_stream, f"cli-{side}-{token}") for side in ("a", "b")]
                    problems = [p for stream in streams for p in stream.result(timeout=CHILD_TIMEOUT * 4)]
                assert not problems, f"CLI writers failed: {problems[:3]}"
                for label, process in consoles.items():
                    out, err = process.communicate(timeout=CHILD_TIMEOUT)
                    assert process.returncode == 0, f"{label} exited {process.returncode}: {err[-500:]!r} {out!r}"
                    assert out.splitlines()[-1] == f"done {entries}".encode(), f"{label}: {out!r}"
            finally:
                for process in consoles.values():
                    if process.poll() is None:
                        process.kill()
                        process.wait()

            labels = [*consoles, f"cli-a-{token}", f"cli-b-{token}"]
            texts = [doc["text"] for doc in log_docs(path).values()]
            for label in labels:
                for number in range(1, entries + 1):
                    count = texts.count(f"{label} {number}")
                    assert count == 1, f"{label} {number!r} is in the file {count} times"
            ids = file_ids(path)
            assert ids == list(range(1, 4 * entries + 2)), f"ids not unique and consecutive: {ids[:10]}..."
            problem = Repository(path).verify()
            assert problem is None, problem
            assert temps_beside(path) == []
            writers = [
                doc["text"].rsplit(" ", 1)[0] for _, doc in sorted(log_docs(path).items(), key=lambda d: int(d[0]))
            ]
            switches.append(sum(1 for a, b in zip(writers, writers[1:], strict=False) if a != b))
    return tally.result(f"writer changes in id order: {switches}" if switches else "")


# --- 3. corrupt and hostile files ----------------------------------------------------------


def _valid_file(folder: Path) -> bytes:
    path = folder / "valid.json"
    if not path.exists():
        build_rich_file(path)
    return path.read_bytes()


def _changed(data: dict[str, Any], change: Callable[[dict[str, Any]], Any]) -> bytes:
    copied = copy.deepcopy(data)
    change(copied)
    return json.dumps(copied).encode("utf-8")


def hostile_fixtures(valid: bytes) -> dict[str, bytes]:
    """Files that must be refused: each is broken in one way a real file can be."""
    data = json.loads(valid)
    return {
        "empty": b"",
        "whitespace only": b" \n\t\n",
        "truncated": valid[: len(valid) // 2],
        "NUL-filled (a crash on some file systems)": b"\0" * len(valid),
        "NUL-padded": valid + b"\0" * 512,
        "trailing data": valid + b'\n{"log": {}}\n',
        "JSON list": b"[1, 2, 3]",
        "JSON string": b'"incidents"',
        "dict of non-dicts": b'{"meta": 1, "incidents": [], "log": "x"}',
        "other app's TinyDB file": b'{"_default": {"1": {"name": "dinner", "when": "19:00"}}}',
        "schema 99": _changed(data, lambda d: d["meta"]["1"].update(schema=99)),
        "invalid UTF-8": valid.replace(b"Checkout returns 500", b"Checkout \xff\xfe returns 500"),
        "log entry with a missing field": _changed(data, lambda d: d["log"]["2"].pop("at")),
        "log entry whose at is not a date": _changed(data, lambda d: d["log"]["2"].update(at="yesterday")),
        "incident with an unknown severity": _changed(data, lambda d: d["incidents"]["1"].update(severity="P9")),
        "meta record that is not an object": _changed(data, lambda d: d["meta"].update({"1": "incident-console"})),
        "meta entry count that is not a number": _changed(data, lambda d: d["meta"]["1"].update(entries="many")),
        "a time past the year 9999 (deadlines overflow)": _changed(
            data, lambda d: d["incidents"]["1"].update(resolved_at="9999-12-31T23:59:59Z")
        ),
    }


def _relabel_log_key(data: dict[str, Any]) -> None:
    """Move the last log entry under the key the next entry will get (a hand-edited file)."""
    log = data["log"]
    last = max(log, key=int)
    log[str(int(last) + 1)] = log.pop(last)


def readable_fixtures(valid: bytes) -> dict[str, bytes]:
    """Odd files that can be read: a save must not lose what is in them."""
    data = json.loads(valid)
    return {
        "log keys that do not match the entry ids": _changed(data, _relabel_log_key),
        "entry without a hash": _changed(data, lambda d: d["log"]["3"].pop("hash")),
        "no meta head": _changed(data, lambda d: d["meta"]["1"].pop("head")),
    }


Runner = Callable[[Path, tuple[str, ...]], tuple[int, str, str]]
COMMANDS: tuple[tuple[str, ...], ...] = (("show",), ("show", "--json"), ("verify",), ("log", "x"))


def _subprocess_runner(folder: Path) -> Runner:
    env = child_env(folder)

    def run(path: Path, args: tuple[str, ...]) -> tuple[int, str, str]:
        done = run_cli(path, *args, workdir=folder, env=env)
        return done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")

    return run


def _in_process_runner(folder: Path) -> Runner:
    config = folder / "config.toml"
    config.write_text("")

    def run(path: Path, args: tuple[str, ...]) -> tuple[int, str, str]:
        return in_process("--file", str(path), "--config", str(config), *args)

    return run


def _tables(raw: bytes) -> dict[str, Any]:
    data = json.loads(raw)
    return {name: table for name, table in data.items() if name != "meta" and isinstance(table, dict)}


def check_commands(path: Path, run: Runner) -> dict[str, int]:
    """``show``, ``show --json``, ``verify``, ``log x`` on the file at ``path``.

    Each exits 0, 1 or 2; a refusal is one line on stderr without a traceback and leaves the file's
    bytes as they were; ``show`` and ``verify`` never write; a ``log`` that succeeds keeps every
    record that was in the file.
    """
    statuses = {}
    for args in COMMANDS:
        before = path.read_bytes()
        status, _, err = run(path, args)
        name = " ".join(args)
        statuses[name] = status
        if status != 0:
            one_line_error(err, status=status)
            assert path.read_bytes() == before, f"`{name}` exited {status} but changed the file"
        elif args[0] == "log":
            after = _tables(path.read_bytes())
            for table, docs in _tables(before).items():
                for key, doc in docs.items():
                    assert after.get(table, {}).get(key) == doc, f"`log x` lost or changed {table}[{key!r}]"
        else:
            assert path.read_bytes() == before, f"`{name}` changed the file"
            assert err == "" or args[0] == "verify", f"`{name}` succeeded but wrote to stderr: {err!r}"
    return statuses


def check_console_refuses(path: Path, folder: Path) -> None:
    """Opening the console (``incident-console`` with no command) refuses before any screen, with
    the same line as ``show``; a file ``show`` reads opens."""
    from incident_console.ui.app import IncidentConsole

    config = folder / "config.toml"
    config.write_text("")
    before = path.read_bytes()
    shown, _, show_err = in_process("--file", str(path), "--config", str(config), "show")
    opened: list[bool] = []
    with mock.patch.object(IncidentConsole, "run", lambda self, *a, **k: opened.append(True)):
        status, _, err = in_process("--file", str(path), "--config", str(config))
    if shown == 1:
        assert not opened, "the console opened on a file that show refuses"
        assert status == 1 and err == show_err, f"console: exit {status} {err!r}; show: {show_err!r}"
        one_line_error(err, status=status)
    else:
        assert status == 0 and opened, f"the console did not open a file show reads: {status} {err!r}"
    assert path.read_bytes() == before, "opening the console changed the file"


def hostile_files(workdir: Path, trials: int = 1, *, seed: int | None = None, strict: bool = False) -> Result:
    """The fixture set through real ``python -m incident_console`` processes, and the console's refusal.

    ``trials`` rounds over all fixtures; one trial is one fixture.
    """
    tally = Tally(strict)
    folder = workdir / "hostile"
    folder.mkdir(parents=True, exist_ok=True)
    valid = _valid_file(folder)
    subprocess_run = _subprocess_runner(folder)
    for round_number in range(trials):
        cases = [(n, b, True) for n, b in hostile_fixtures(valid).items()]
        cases += [(n, b, False) for n, b in readable_fixtures(valid).items()]

        def one(case: tuple[str, bytes, bool], number: int, round_number: int = round_number) -> dict[str, int]:
            name, raw, broken = case
            path = folder / f"case-{round_number}-{number}" / "incidents.json"
            path.parent.mkdir(parents=True)
            path.write_bytes(raw)
            statuses = check_commands(path, subprocess_run)
            if broken:
                assert set(statuses.values()) == {1}, f"not refused by every command: {statuses}"
            else:
                assert statuses["show"] == 0, f"a readable file was refused: {statuses}"
            return statuses

        with ThreadPoolExecutor(2) as pool:
            futures = [(case, pool.submit(one, case, number)) for number, case in enumerate(cases)]
        for (name, raw, _), future in futures:
            with tally.trial(f"round {round_number} {name}"):
                future.result()
                path = folder / f"console-{round_number}" / "incidents.json"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(raw)
                check_console_refuses(path, folder)
    return tally.result()


# hypothesis strategies for file contents

_TRICKY: list[Any] = [
    "",
    "P9",
    "p1",
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:59:59+14:00",
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+14:00",
    "2026-11-27T09:00:00",
    "2026-13-01T00:00:00Z",
    "yesterday",
    "INC-",
    "incident-console",
    "\x1b[31m",
    -1,
    0,
    1,
    99,
    2**63,
    10**30,
    1.5,
    -0.0,
    True,
    False,
    None,
    [],
    {},
    [["app", "incident-console"]],
]
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(_TRICKY)
)
JSON_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
_TABLE_NAMES = st.sampled_from(["meta", "incidents", "log", "action_items", "_default"]) | st.text(max_size=6)
_DOC_KEYS = st.sampled_from(["1", "2", "3"]) | st.text(max_size=4)
TABLE_FILES = st.dictionaries(_TABLE_NAMES, st.dictionaries(_DOC_KEYS, JSON_VALUES, max_size=3), max_size=5).map(
    lambda d: json.dumps(d).encode()
)
OURS_SHAPED = st.builds(
    lambda tables, schema: json.dumps(
        {**tables, "meta": {"1": {"app": "incident-console", "schema": schema}}}
    ).encode(),
    st.dictionaries(st.sampled_from(["incidents", "log", "action_items"]), st.dictionaries(_DOC_KEYS, JSON_VALUES)),
    st.sampled_from([1, 1, 1, 0, 2, "1", None]),
)


@st.composite
def mutated_file(draw: Any, valid: bytes) -> bytes:
    """The valid file with one to three changes: a key dropped or renamed, a value of another type."""
    data = json.loads(valid)
    for _ in range(draw(st.integers(1, 3))):
        node: Any = data
        while True:
            keys = list(node) if isinstance(node, dict) else list(range(len(node)))
            if not keys:
                break
            key = draw(st.sampled_from(keys))
            child = node[key]
            if isinstance(child, dict | list) and child and draw(st.integers(0, 3)) > 0:
                node = child
                continue
            break
        if not keys:
            continue
        action = draw(st.sampled_from(["drop", "retype", "retype", "retype", "rename"]))
        if action == "drop":
            del node[key]
        elif action == "rename" and isinstance(node, dict):
            node[draw(_DOC_KEYS)] = node.pop(key)
        else:
            node[key] = draw(JSON_VALUES)
    return json.dumps(data).encode("utf-8")


@st.composite
def damaged_bytes(draw: Any, valid: bytes) -> bytes:
    """Arbitrary bytes, or the valid file cut short or with a few bytes overwritten."""
    kind = draw(st.sampled_from(["any", "cut", "flip"]))
    if kind == "any":
        return bytes(draw(st.binary(max_size=300)))
    if kind == "cut":
        return valid[: draw(st.integers(0, len(valid)))]
    at = draw(st.integers(0, len(valid) - 1))
    patch = draw(st.binary(min_size=1, max_size=4))
    return valid[:at] + patch + valid[at + len(patch) :]


def hostile_generated(workdir: Path, trials: int = 40, *, seed: int | None = None, strict: bool = False) -> Result:
    """Generated file contents (arbitrary bytes, arbitrary JSON, mutations of a valid file) through the
    CLI's ``main`` in this process: every command keeps its promise (see ``check_commands``), and the
    console refuses what ``show`` refuses. ``trials`` examples in all."""
    seed = new_seed(seed)
    tally = Tally(strict)
    folder = workdir / "generated"
    folder.mkdir(parents=True, exist_ok=True)
    valid = _valid_file(folder)
    run = _in_process_runner(folder)
    path = folder / "case" / "incidents.json"
    path.parent.mkdir()
    strategies = {
        "bytes": damaged_bytes(valid),
        "JSON tables": TABLE_FILES,
        "JSON shaped like ours": OURS_SHAPED,
        "mutation": mutated_file(valid),
    }
    per_kind = max(1, trials // 4)
    mutations = max(1, trials - per_kind * 3)

    def run_kind(kind: str, strategy: Any, examples: int) -> None:
        @_hypothesis(examples, seed, strict=strict)
        @given(raw=strategy)
        def check(raw: bytes) -> None:
            with tally.trial(f"{kind} {raw[:160]!r} (seed {seed})"):
                for leftover in path.parent.iterdir():
                    leftover.unlink()
                path.write_bytes(raw)
                check_commands(path, run)
                path.write_bytes(raw)
                check_console_refuses(path, folder)

        check()

    for kind, strategy in strategies.items():
        run_kind(kind, strategy, mutations if kind == "mutation" else per_kind)
    return tally.result(f"seed {seed}")


# --- 4. untrusted text ---------------------------------------------------------------------

PIECES = [
    "[bold]",
    "[/]",
    "[/0",
    "[@click=app.quit]x[/]",
    "[link=https://x]l[/]",
    "[red on black]",
    "$var",
    "${HOME}",
    "{braces}",
    "{issue}",
    "{",
    "}",
    "%s",
    "%(x)s",
    "\x1b[31m",
    "\x1b[2J",
    "\x1b]0;title\x07",
    "\x1b]52;c;aGVsbG8=\x07",
    "\x1b]8;;https://x\x1b\\link\x1b]8;;\x1b\\",
    "\x1bP+q\x1b\\",
    "\x9b31m",
    "\x9d0;t\x9c",
    "\x85",
    "\x00",
    "\x07",
    "\x08",
    "\x7f",
    "\t",
    "\r",
    "\n",
    "\r\n",
    "\u202e",
    "\u200f",
    "\u2066",
    "שלום",
    "مرحبا",
    "🔥",
    "👩‍💻",
    "e\u0301",
    "\ufeff",
    "\u2028",
    "`code`",
    "**bold**",
    "| cell |",
    "# heading",
    "<script>",
    "\\",
]
_PIECE_TEXT = st.lists(st.sampled_from(PIECES) | st.text(max_size=6), min_size=1, max_size=8).map("".join)
UNTRUSTED = st.one_of(
    _PIECE_TEXT,
    _PIECE_TEXT,
    _PIECE_TEXT.map(lambda s: (s * (4000 // max(len(s), 1) + 1))[:4000]),
)
FIELDS = ("title", "impact", "service", "commander", "note", "to", "why", "item", "owner", "section", "update", "raw")
UNTRUSTED_FIELDS = st.fixed_dictionaries({name: UNTRUSTED for name in FIELDS})


# What the Desk takes in each field (the raw entry is written past the Desk).
FIELD_LIMITS = {
    "title": limits.TITLE,
    "impact": limits.IMPACT,
    "service": limits.SERVICE,
    "commander": limits.NAME,
    "note": limits.ENTRY,
    "to": limits.NAME,
    "why": limits.REASON,
    "item": limits.ACTION_ITEM,
    "owner": limits.NAME,
    "section": limits.SECTION,
    "update": limits.ENTRY,
}


def _filled(text: str) -> str:
    """The text, or with a letter before it when it is only whitespace (a required field)."""
    return text if text.strip() else "x" + text


def store_untrusted(path: Path, values: dict[str, str], clock: StepClock) -> tuple[Desk, str]:
    """Store every value through the Desk in every place a person can write text; returns the
    Desk and the handoff briefing. One log entry is written raw (not cleaned), as another tool might."""
    v = {name: _filled(text[: FIELD_LIMITS.get(name)])[: FIELD_LIMITS.get(name)] for name, text in values.items()}
    desk = Desk(Repository(path), author="alice", clock=clock)
    incident = desk.declare(
        v["title"], Severity.P1, impact=v["impact"], services=[v["service"]], commander=v["commander"]
    )
    clock.advance(minutes=1)
    desk.log(v["note"])
    desk.escalate(v["to"], v["why"])
    desk.add_action_item(v["item"], owner=v["owner"])
    desk.record_update(v["update"], template="update")
    desk.write_postmortem_section("summary", v["section"])
    desk.write_postmortem_section("root_cause", v["section"] + "\n" + v["note"])
    with desk.repository.transaction(clock()) as tx:
        tx.append(NewEntry(incident.id, "note", v["raw"], "other-tool", clock(), {}, None))
    clock.advance(minutes=1)
    briefing, _ = desk.handoff(v["to"])
    return desk, briefing


_MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")  # CommonMark: a backslash escapes any ASCII punctuation


def _unescaped(markdown: str) -> str:
    return _MARKDOWN_ESCAPE.sub(r"\1", markdown)


def check_markdown(desk: Desk, briefing: str) -> None:
    """Every Markdown output: no control character but newline (and a tab a person typed in a
    multi-line section), and what people wrote present literally (Markdown escapes allowed)."""
    snapshot = desk.snapshot()
    incident = snapshot.current()
    assert incident is not None
    log = snapshot.log_for(incident.id)
    items = snapshot.items_for(incident.id)
    timers = desk.timers(incident, snapshot)
    outputs = {
        "handoff (Desk)": briefing,
        "handoff": reports.handoff_markdown(
            incident, log, timers, items, from_name="alice", to_name=incident.commander, now=desk.clock()
        ),
        "review": reports.review_markdown(incident, log),
        "post-mortem": reports.postmortem_markdown(incident, log, items, desk.clock()),
        "post-mortem (Desk)": desk.postmortem(incident.id),
    }
    note = next(e for e in log if e.kind == "note" and e.author == "alice")
    raw = next(e for e in log if e.author == "other-tool")
    for name, markdown in outputs.items():
        # A tab a person typed in a multi-line post-mortem section is kept (it indents Markdown).
        bad = control_chars(markdown, allow="\n\t" if name.startswith("post-mortem") else "\n")
        assert not bad, f"{name}: control characters {bad}"
        literal = _unescaped(markdown)
        assert visible(incident.title) in literal, f"{name}: the title is not there literally"
        if name in ("handoff (Desk)", "review"):  # after the handoff, the next briefing's log starts empty
            assert visible(note.text) in literal, f"{name}: the log entry is not there literally"
            assert visible(raw.text) in literal, f"{name}: the raw log entry is not shown literally"
        if name.startswith("post-mortem"):
            assert visible(items[0].text) in literal, f"{name}: the action item is not there literally"


def untrusted_text_markdown(
    workdir: Path, trials: int = 60, *, seed: int | None = None, strict: bool = False
) -> Result:
    """Untrusted text stored through the Desk everywhere, then every Markdown output checked."""
    seed = new_seed(seed)
    tally = Tally(strict)
    counter = iter(range(10**9))

    @_hypothesis(trials, seed, strict=strict)
    @given(values=UNTRUSTED_FIELDS)
    def check(values: dict[str, str]) -> None:
        with tally.trial(f"{values!r:.300} (seed {seed})"):
            path = workdir / "markdown" / f"{next(counter)}" / "incidents.json"
            desk, briefing = store_untrusted(path, values, StepClock(START))
            check_markdown(desk, briefing)

    check()
    return tally.result(f"seed {seed}")


async def _settle(pilot: Any) -> None:
    """Let the app handle what is queued and lay the screen out (without waiting for the CPU to idle)."""
    await pilot.pause(0)
    await pilot.pause(0)


async def _render_everywhere(desk: Desk, briefing: str) -> None:
    from incident_console.domain.reports import review_markdown
    from incident_console.ui.screens.document import DocumentScreen

    app = _console(desk, poll_seconds=1.0)
    snapshot = desk.snapshot()
    incident = snapshot.current()
    assert incident is not None

    async def clean(where: str, shows: str) -> None:
        await _until(pilot, lambda: shows in "\n".join(screen_lines(app)), f"{where} shows {shows!r}")
        problems = rendered_controls(app)
        assert not problems, f"{where}: {problems[:3]}"

    async with app.run_test(size=SIZE) as pilot:
        await clean("main screen", "Action log")
        # The pane's text before it is fitted to the pane (a long title is cut to its lines there).
        pane = app.main.query_one("#incident-pane").content.plain
        assert visible(incident.title) in pane, "the title is not shown literally"
        review = review_markdown(incident, snapshot.log_for(incident.id))
        screens: list[tuple[str, str, Callable[[], Any]]] = [
            ("help", "keys", app.main.action_help),
            ("handoff", "Handoff briefing", lambda: app.push_screen(DocumentScreen("Handoff briefing", briefing))),
            ("review", "Review of the log", lambda: app.push_screen(DocumentScreen("Review of the log", review))),
            ("post-mortem", f"Post-mortem {incident.id}", app.main.action_postmortem),
            ("resolve checklist", f"Resolve {incident.id}", app.main.action_resolve),
            ("action items", f"Action items — {incident.id}", app.main.action_action_items),
            ("pick an incident", "Switch incident", app.main.action_pick_incident),
        ]
        for name, shows, open_screen in screens:
            opened = open_screen()
            if inspect.isawaitable(opened):  # actions that open a form are coroutines
                await opened
            await _settle(pilot)
            assert len(app.screen_stack) == 2, f"{name} did not open"
            await clean(name, shows)
            app.pop_screen()
        # Narrow: one pane at a time, each on its tab.
        await pilot.resize_terminal(80, 24)
        for number, shows in enumerate((incident.id, "SLA timers", "Action log", "Communications"), start=1):
            await app.main.action_pane(number)
            await _settle(pilot)
            await clean(f"pane {number} at 80x24", shows)


def untrusted_text_console(workdir: Path, trials: int = 8, *, seed: int | None = None, strict: bool = False) -> Result:
    """Untrusted text stored through the Desk, rendered by every pane and screen: no exception, no
    control character in anything drawn, titles shown literally."""
    seed = new_seed(seed)
    tally = Tally(strict)
    counter = iter(range(10**9))

    @_hypothesis(trials, seed, strict=strict, shrink=False)
    @given(values=UNTRUSTED_FIELDS)
    def check(values: dict[str, str]) -> None:
        with tally.trial(f"{values!r:.300} (seed {seed})"):
            path = workdir / "console-text" / f"{next(counter)}" / "incidents.json"
            desk, briefing = store_untrusted(path, values, StepClock(START))
            asyncio.run(_render_everywhere(desk, briefing))

    check()
    return tally.result(f"seed {seed}")


def _hostile_terminal_file(path: Path, marker: str) -> dict[str, bytes]:
    """A file whose title and a log entry hold raw escape sequences (written by another tool)."""
    clock = StepClock(datetime.now(UTC) - timedelta(minutes=5))
    desk = Desk(Repository(path), author="alice", clock=clock)
    incident = desk.declare("placeholder", Severity.P2)
    osc = f"\x1b]0;PWNED-{marker}\x07"
    clear = f"\x1b[2JCLEARED-{marker}"
    with desk.repository.transaction(clock()) as tx:
        tx.put_incident(incident.with_changes(title=f"Checkout {osc} down"))
        tx.append(NewEntry(incident.id, "note", f"pasted {clear} {osc} here", "other-tool", clock(), {}, None))
    return {
        "raw title sequence": f"\x1b]0;PWNED-{marker}".encode(),
        "raw clear screen": f"\x1b[2JCLEARED-{marker}".encode(),
        "visible title sequence": f"\u241b]0;PWNED-{marker}".encode(),
        "visible clear screen": f"\u241b[2JCLEARED-{marker}".encode(),
    }


SHOWN = ("visible title sequence", "visible clear screen")


def _read_until(fd: int, done: Callable[[bytes], bool], limit: float) -> bytes:
    output = b""
    end = time.monotonic() + limit
    while time.monotonic() < end and not done(output):
        chunk = _read_available(fd, 0.2)
        if not chunk and select.select([fd], [], [], 0)[0]:
            break  # readable but empty: the terminal closed
        output += chunk
    return output


def _read_available(fd: int, seconds: float) -> bytes:
    """Read what the terminal receives for ``seconds`` (or until it closes)."""
    chunks = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the other end closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def terminal_output(workdir: Path, trials: int = 1, *, seed: int | None = None, strict: bool = False) -> Result:
    """The real console under a pseudo-terminal (xterm-256color, 120x35) on a file with raw escape
    sequences in a title and a log entry: the bytes sent to the terminal never contain them, and
    their visible form (``␛``) is drawn."""
    import fcntl

    tally = Tally(strict)
    for trial in range(trials):
        with tally.trial(f"trial {trial}"):
            folder = workdir / f"pty-{trial}"
            folder.mkdir(parents=True)
            path = folder / "incidents.json"
            marker = uuid.uuid4().hex[:6]
            expect = _hostile_terminal_file(path, marker)
            env = child_env(folder, TERM="xterm-256color", COLUMNS=None, LINES=None, TEXTUAL=None)
            main_fd, child_fd = os.openpty()
            fcntl.ioctl(child_fd, termios.TIOCSWINSZ, struct.pack("HHHH", 35, 120, 0, 0))

            def controlling_terminal() -> None:
                fcntl.ioctl(0, termios.TIOCSCTTY, 0)

            process = subprocess.Popen(
                [sys.executable, "-m", "incident_console", "--file", str(path)],
                stdin=child_fd,
                stdout=child_fd,
                stderr=child_fd,
                cwd=ROOT,
                env=env,
                start_new_session=True,
                preexec_fn=controlling_terminal,
            )
            os.close(child_fd)
            try:
                # Read until both visible forms were drawn (the limit only stops a hang), then a
                # little longer for the next redraws, then quit.
                output = _read_until(main_fd, lambda out, expect=expect: all(expect[k] in out for k in SHOWN), 120.0)
                output += _read_available(main_fd, 1.5)
                os.write(main_fd, b"q")
                output += _read_available(main_fd, 3.0)
            finally:
                if process.poll() is None:
                    process.kill()
                process.wait(timeout=CHILD_TIMEOUT)
                os.close(main_fd)
            assert output, "the console wrote nothing to the terminal"
            assert expect["raw title sequence"] not in output, "the raw OSC title sequence reached the terminal"
            assert expect["raw clear screen"] not in output, "the raw clear-screen sequence reached the terminal"
            assert expect["visible title sequence"] in output, "the title's sequence is not shown as ␛]0;..."
            assert expect["visible clear screen"] in output, "the log entry's sequence is not shown as ␛[2J..."
            assert b"\x1b]52;" not in output, "something was sent to the terminal clipboard"
    return tally.result()


# --- 5. clipboard --------------------------------------------------------------------------

_FAKE_TOOL = """#!/bin/sh
echo "Error: Can't open display: $DISPLAY (fake $0)" >&2
echo "fake $0 wrote to stdout"
exit 1
"""
_RAISING_PYPERCLIP = """
def copy(text):
    raise RuntimeError("stub clipboard broke: xclip exited 1")


def paste():
    raise RuntimeError("stub clipboard cannot paste")
"""


@contextmanager
def _environment(**values: str | None) -> Iterator[None]:
    """Set (or, with None, remove) environment variables for the duration."""
    saved = {key: os.environ.get(key) for key in values}
    try:
        for key, value in values.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def clipboard_failures(workdir: Path, trials: int = 1, *, seed: int | None = None, strict: bool = False) -> Result:
    """PyperclipClipboard says "not copied", with the reason, and prints nothing, when there is no display,
    when xclip/xsel/wl-copy fail, and when pyperclip itself raises."""
    from incident_console.clipboard import PyperclipClipboard

    tally = Tally(strict)
    tools = workdir / "fake-tools"
    tools.mkdir(exist_ok=True)
    for name in ("xclip", "xsel", "wl-copy", "wl-paste"):
        tool = tools / name
        tool.write_text(_FAKE_TOOL)
        tool.chmod(0o755)
    stub = workdir / "stub-pyperclip"
    (stub / "pyperclip").mkdir(parents=True, exist_ok=True)
    (stub / "pyperclip" / "__init__.py").write_text(_RAISING_PYPERCLIP)
    for trial in range(trials):
        with tally.trial(f"trial {trial}: no display"), _environment(DISPLAY=None, WAYLAND_DISPLAY=None):
            outcome = PyperclipClipboard().copy("update text")
            assert not outcome.copied
            assert "display" in outcome.detail, f"detail: {outcome.detail!r}"

        for display in ({"DISPLAY": ":99", "WAYLAND_DISPLAY": None}, {"DISPLAY": None, "WAYLAND_DISPLAY": "wayland-9"}):
            shown = next(k for k, v in display.items() if v)
            with tally.trial(f"trial {trial}: failing tools with {shown}"):
                env = child_env(workdir, PATH=f"{tools}{os.pathsep}{os.environ.get('PATH', '')}", **display)
                process = worker("copy", env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                out, err = process.communicate("Status: investigating ☕".encode(), timeout=CHILD_TIMEOUT)
                assert process.returncode == 0, err[-500:]
                assert err == b"", f"the clipboard tools wrote to our stderr: {err[:300]!r}"
                lines = out.decode("utf-8").splitlines()
                assert len(lines) == 1 and lines[0].startswith("RESULT "), f"stdout: {out[:300]!r}"
                result = json.loads(lines[0].removeprefix("RESULT "))
                assert result["copied"] is False, result
                assert result["detail"] and "\n" not in result["detail"], result
                assert "fake" not in result["detail"], f"the tools' output leaked into the detail: {result}"

        with (
            tally.trial(f"trial {trial}: pyperclip raises"),
            _environment(DISPLAY=":99", WAYLAND_DISPLAY=None, PYTHONPATH=str(stub)),
        ):
            outcome = PyperclipClipboard().copy("update text")
            assert not outcome.copied
            assert "stub clipboard broke" in outcome.detail, f"detail: {outcome.detail!r}"
    return tally.result()


async def _console_clipboard_once(path: Path) -> None:
    clock = StepClock(START)
    desk = Desk(Repository(path), author="alice", clock=clock)
    desk.declare("Checkout returns 500", Severity.P1, impact="Card payments fail")
    clipboard = _FailingClipboard("no display for a system clipboard")
    app = _console(desk, clipboard=clipboard)
    notices = _record_notices(app)
    sent: list[str] = []
    app.copy_to_clipboard = lambda text: sent.append(text)  # type: ignore[method-assign]

    def check(where: str, count: int) -> None:
        messages = [m for _, m in notices if "clipboard" in m]
        assert len(messages) == count, f"{where}: notifications {notices}"
        message = messages[-1]
        assert "OSC 52" in message and "paste to check" in message, f"{where}: {message!r}"
        assert "copied to the clipboard" not in message, f"{where}: claims a copy: {message!r}"
        assert "no display" in message, f"{where}: the reason is missing: {message!r}"

    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.screen.set_focus(None)
        await pilot.press("y")
        await _until(pilot, lambda: any("clipboard" in m for _, m in notices), "the copy was reported")
        check("update", 1)
        assert sent and sent[-1] == clipboard.texts[-1], "the update was not sent with OSC 52"
        await _until(pilot, lambda: not app.saver.pending(), "the update was logged")
        assert [e.kind for e in _on_disk(path).log][-1] == "comms", "the update was not logged as sent"
        await pilot.press("w")
        await pilot.pause()
        await pilot.press("y")
        await _until(pilot, lambda: len([m for _, m in notices if "clipboard" in m]) == 2, "the review copy")
        check("review", 2)


def clipboard_console(workdir: Path, trials: int = 1, *, seed: int | None = None, strict: bool = False) -> Result:
    """The console with a failing system clipboard: the message says OSC 52 and "paste to check", never "copied"."""
    tally = Tally(strict)
    for trial in range(trials):
        with tally.trial(f"trial {trial}"):
            folder = workdir / f"console-clipboard-{trial}"
            folder.mkdir(parents=True)
            asyncio.run(_console_clipboard_once(folder / "incidents.json"))
    return tally.result()


def _free_display() -> int:
    for number in range(90, 200):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            return number
    raise Unavailable("no free X display number")


def clipboard_xvfb(workdir: Path, trials: int = 1, *, seed: int | None = None, strict: bool = False) -> Result:
    """A real X clipboard (Xvfb + xclip): the copy is reported as done and ``xclip -o`` reads it back."""
    from incident_console.clipboard import PyperclipClipboard

    if not (shutil.which("Xvfb") and shutil.which("xclip")):
        raise Unavailable("Xvfb or xclip is not installed")
    tally = Tally(strict)
    number = _free_display()
    display = f":{number}"
    server = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", "640x480x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        started = wait_until(lambda: Path(f"/tmp/.X11-unix/X{number}").exists() or server.poll() is not None, limit=30)
        if not started or server.poll() is not None:
            raise Unavailable(f"Xvfb did not start on {display}")
        with _environment(DISPLAY=display, WAYLAND_DISPLAY=None):
            for trial in range(trials):
                with tally.trial(f"trial {trial}"):
                    text = f"Status: identified ☕ {uuid.uuid4().hex[:8]}\nNext update 04:00 UTC."
                    outcome = PyperclipClipboard(timeout=30).copy(text)
                    assert outcome.copied, f"not copied: {outcome.detail}"
                    back = subprocess.run(
                        ["xclip", "-o", "-selection", "clipboard"], capture_output=True, timeout=CHILD_TIMEOUT
                    )
                    assert back.stdout.decode("utf-8") == text, f"the clipboard holds {back.stdout[:200]!r}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return tally.result()


# --- 6. clock ------------------------------------------------------------------------------


async def _clock_jump_once(path: Path) -> None:
    clock = StepClock(START)
    desk = Desk(Repository(path), author="alice", clock=clock)
    incident = desk.declare("Checkout returns 500", Severity.P1)
    app = _console(desk)
    notices = _record_notices(app)
    # The runbook's P1 deadlines, from detection: acknowledge 5 min, triage 10 min, first update 15 min.
    windows = {"Acknowledge": 5, "Triage": 10, "First update": 15}
    async with app.run_test(size=SIZE) as pilot:
        await _until(pilot, lambda: not app.main._first_tick, "the first tick")
        assert "OVERDUE" not in _text_of(app, "#sla-board")
        clock.advance(hours=3)  # the laptop slept
        await _until(pilot, lambda: "OVERDUE" in _text_of(app, "#sla-board"), "the board updated")
        board = _text_of(app, "#sla-board").splitlines()
        for title, minutes in windows.items():
            due = incident.detected_at + timedelta(minutes=minutes)
            overdue = sla.format_duration((clock.now - due).total_seconds())
            line = next((row for row in board if row.startswith(title)), "")
            assert f"OVERDUE {overdue}" in line, f"{title}: {line!r} (expected overdue by {overdue})"

        def breaches() -> list[str]:
            return [e.details.get("timer") for e in _on_disk(path).log if e.kind == "breach"]

        await _until(pilot, lambda: len(breaches()) >= 3 and not app.saver.pending(), "the breaches were logged")
        clock.advance(seconds=2)
        await pilot.pause(0.8)  # several more ticks: nothing may be logged again
        await _until(pilot, lambda: not app.saver.pending(), "the queue drained")
        logged = sorted(breaches())
        assert logged == ["acknowledge", "response", "triage"], f"breach entries: {logged}"
        announced = [m for _, m in notices if "deadline breached" in m]
        assert len(announced) == 3, f"breach notifications: {announced}"


def clock_jump(workdir: Path, trials: int = 1, *, seed: int | None = None, strict: bool = False) -> Result:
    """The wall clock jumps 3 hours while the console is open: the board shows the overdue amounts
    from the new now, and each breach is logged once."""
    tally = Tally(strict)
    for trial in range(trials):
        with tally.trial(f"trial {trial}"):
            folder = workdir / f"clock-{trial}"
            folder.mkdir(parents=True)
            asyncio.run(_clock_jump_once(folder / "incidents.json"))
    return tally.result()


DST_DETECTED = datetime(2026, 3, 8, 6, 30, tzinfo=UTC)  # 01:30 EST, before New York springs forward at 07:00Z
DST_NOW = datetime(2026, 3, 8, 7, 45, tzinfo=UTC)  # 03:45 EDT: 2h15m on the wall clock, 1h15m really


def _dst_file(path: Path) -> None:
    clock = StepClock(DST_DETECTED)
    desk = Desk(Repository(path), author="alice", clock=clock)
    desk.declare("Checkout returns 500", Severity.P1, started_at=DST_DETECTED - timedelta(minutes=20))
    clock.advance(minutes=3)
    desk.acknowledge()
    clock.now = datetime(2026, 3, 8, 6, 59, 30, tzinfo=UTC)
    desk.record_update("Investigating.", template="initial")
    clock.now = datetime(2026, 3, 8, 7, 10, tzinfo=UTC)
    desk.log("rolled back")
    desk.set_status(Status.MONITORING)


def _json_times(show: dict[str, Any]) -> dict[str, Any]:
    """What must not depend on the machine's time zone: every stored time, every deadline and met time."""
    return {
        "incident": show["incident"],
        "timers": [{k: t[k] for k in ("name", "due_at", "met_at")} for t in show["timers"]],
        "log": [{k: e[k] for k in ("id", "at", "recorded_at", "text")} for e in show["log"]],
    }


def clock_dst(workdir: Path, trials: int = 1, *, seed: int | None = None, strict: bool = False) -> Result:
    """An incident across New York's spring-forward: remaining times are UTC arithmetic, and
    ``show --json`` and the timers are the same under TZ=America/New_York and TZ=UTC."""
    tally = Tally(strict)
    for trial in range(trials):
        folder = workdir / f"dst-{trial}"
        folder.mkdir(parents=True)
        with tally.trial(f"trial {trial}: arithmetic"):
            clock = StepClock(DST_DETECTED)
            desk = Desk(Repository(folder / "arithmetic.json"), author="alice", clock=clock)
            incident = desk.declare("Checkout returns 500", Severity.P1)
            timers = {t.name: t for t in desk.timers(incident, now=DST_NOW)}
            for name, minutes in {"acknowledge": 5, "triage": 10, "response": 15}.items():
                due = DST_DETECTED + timedelta(minutes=minutes)
                assert timers[name].due_at == due, f"{name} due {timers[name].due_at}, expected {due}"
                assert timers[name].remaining == (due - DST_NOW).total_seconds(), f"{name}: {timers[name]}"
            assert timers["acknowledge"].remaining == -70 * 60  # 1h15m after detection, 5 minutes allowed

        with tally.trial(f"trial {trial}: time zones"):
            path = folder / "incidents.json"
            _dst_file(path)
            shows, timer_dumps = {}, {}
            for zone in ("UTC", "America/New_York"):
                env = child_env(folder, TZ=zone)
                done = run_cli(path, "show", "--json", workdir=folder, env=env)
                assert done.returncode == 0, done.stderr
                shows[zone] = _json_times(json.loads(done.stdout))
                process = worker("timers", str(path), DST_NOW.isoformat(), env=env, stdout=subprocess.PIPE)
                out, _ = process.communicate(timeout=CHILD_TIMEOUT)
                assert process.returncode == 0
                timer_dumps[zone] = json.loads(out)
            assert shows["UTC"] == shows["America/New_York"], "show --json differs between time zones"
            assert timer_dumps["UTC"] == timer_dumps["America/New_York"], "the timers differ between time zones"
            response = next(t for t in timer_dumps["UTC"]["INC-1"] if t["name"] == "response")
            assert response["met_at"] == "2026-03-08T06:59:30Z" and response["state"] == "breached", response
            next_update = next(t for t in timer_dumps["UTC"]["INC-1"] if t["name"] == "next_update")
            assert next_update["due_at"] == "2026-03-08T07:29:30Z", next_update  # 30 minutes, not 1h30m
    return tally.result()


# --- 7. locale and machines ----------------------------------------------------------------

TITLE_TEXT = "Café down 🔥 naïve — שלום עולם"
NOTE_TEXT = "Ürün ☕ مرحبا 日本語 \u202eRTL\u202c 👩‍💻 ok"
C_NOTE_TEXT = "from a C locale: é ☃ 👍"


def locale_roundtrip(workdir: Path, trials: int = 1, *, seed: int | None = None, strict: bool = False) -> Result:
    """A file written under LC_ALL=C.UTF-8 with non-ASCII text, read and appended to under LC_ALL=C with
    UTF-8 mode off: no crash, the text round-trips byte-exact, the chain verifies. A file written under
    TZ=Asia/Tokyo reads the same under TZ=America/Los_Angeles."""
    tally = Tally(strict)
    for trial in range(trials):
        folder = workdir / f"locale-{trial}"
        folder.mkdir(parents=True)
        with tally.trial(f"trial {trial}: C locale"):
            path = folder / "incidents.json"
            utf8 = child_env(folder, LC_ALL="C.UTF-8", LANG="C.UTF-8")
            plain_c = child_env(folder, LC_ALL="C", LANG="C", PYTHONUTF8="0", PYTHONIOENCODING=None)
            for args in (("new", TITLE_TEXT, "--severity", "P2", "--impact", NOTE_TEXT), ("log", NOTE_TEXT)):
                done = run_cli(path, *args, workdir=folder, env=utf8)
                assert done.returncode == 0, done.stderr
            for args in (("show",), ("list",), ("handoff", "--to", "bob"), ("postmortem",), ("log", C_NOTE_TEXT)):
                done = run_cli(path, *args, workdir=folder, env=plain_c)
                err = done.stderr.decode("utf-8", "replace")
                assert done.returncode == 0, f"`{args[0]}` under LC_ALL=C: exit {done.returncode}: {err}"
                assert "Traceback" not in err
            done = run_cli(path, "show", "--json", workdir=folder, env=plain_c)
            assert done.returncode == 0, done.stderr
            shown = json.loads(done.stdout)
            assert shown["incident"]["title"] == TITLE_TEXT, shown["incident"]["title"]
            assert [e["text"] for e in shown["log"] if e["kind"] == "note"] == [NOTE_TEXT, C_NOTE_TEXT]
            raw = path.read_bytes()
            for text in (TITLE_TEXT, NOTE_TEXT, C_NOTE_TEXT):
                # As UTF-8, not \u escapes; only characters that could drive a terminal are escaped.
                stored = escape_json(text).encode("utf-8")
                assert stored in raw, f"{text!r} is not in the file as UTF-8"
            done = run_cli(path, "verify", workdir=folder, env=plain_c)
            assert done.returncode == 0, done.stderr
            assert Repository(path).verify() is None

        with tally.trial(f"trial {trial}: time zones"):
            path = folder / "tokyo.json"
            tokyo = child_env(folder, TZ="Asia/Tokyo")
            steps = (
                ("new", "Login fails", "--severity", "P1", "--started-at", "2026-11-27T10:00+09:00",
                 "--detected-at", "2026-11-27T10:05+09:00"),
                ("ack",),
                ("log", "backfilled in Tokyo", "--at", "2026-11-27T10:30:00+09:00"),
                ("log", "relative in Tokyo", "--at", "-90m"),
            )  # fmt: skip
            for args in steps:
                done = run_cli(path, *args, workdir=folder, env=tokyo)
                assert done.returncode == 0, done.stderr
            shows = {}
            for zone in ("Asia/Tokyo", "America/Los_Angeles"):
                done = run_cli(path, "show", "--json", workdir=folder, env=child_env(folder, TZ=zone))
                assert done.returncode == 0, done.stderr
                shows[zone] = _json_times(json.loads(done.stdout))
            assert shows["Asia/Tokyo"] == shows["America/Los_Angeles"], "show --json differs between time zones"
            incident = shows["Asia/Tokyo"]["incident"]
            assert incident["detected_at"] == "2026-11-27T01:05:00Z", incident["detected_at"]
            assert incident["started_at"] == "2026-11-27T01:00:00Z", incident["started_at"]
            backfilled = next(e for e in shows["Asia/Tokyo"]["log"] if e["text"] == "backfilled in Tokyo")
            assert backfilled["at"] == "2026-11-27T01:30:00Z", backfilled
            # An offset that puts the moment outside the calendar in UTC: refused like any bad time.
            before = path.read_bytes()
            for edge in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"):
                done = run_cli(path, "log", "edge", "--at", edge, workdir=folder, env=tokyo)
                one_line_error(done.stderr, status=done.returncode)
                assert done.returncode == 2 and path.read_bytes() == before, f"--at {edge}: exit {done.returncode}"
    return tally.result()


# --- 8. permissions ------------------------------------------------------------------------

NOBODY = 65534


def _as_nobody() -> None:
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


def _nobody_env(folder: Path, extra_path: str = "") -> dict[str, str]:
    env = child_env(folder)
    env.update(HOME="/nonexistent", XDG_CONFIG_HOME="/nonexistent", XDG_DATA_HOME="/nonexistent")
    if extra_path:
        env["PYTHONPATH"] = f"{env['PYTHONPATH']}{os.pathsep}{extra_path}"
    return env


def _unprivileged_python(folder: Path) -> tuple[str, str]:
    """An interpreter the unprivileged user can run, with this checkout and its dependencies importable.

    This interpreter first; when the user cannot run it (a virtualenv made from a Python under
    /root), an interpreter of the same version on PATH with the virtualenv's site-packages added.
    Returns (interpreter, extra PYTHONPATH). Raises Unavailable when there is none.
    """
    import sysconfig

    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        raise Unavailable("needs root, to run the CLI as an unprivileged user (chmod does not stop root)")
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    site = os.pathsep.join(dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]))
    candidates = [(sys.executable, "")]
    for folder_on_path in ("/usr/bin", "/usr/local/bin"):
        found = shutil.which(version, path=folder_on_path)
        if found:
            candidates.append((found, site))
    problems = []
    for python, extra in candidates:
        try:
            probe = subprocess.run(
                [python, "-c", "import incident_console.cli, incident_console.ui.app, tinydb, textual"],
                cwd=ROOT,
                env=_nobody_env(folder, extra),
                preexec_fn=_as_nobody,
                capture_output=True,
                timeout=CHILD_TIMEOUT,
            )
        except OSError as exc:
            problems.append(f"{python}: {exc.strerror}")
            continue
        if probe.returncode == 0:
            return python, extra
        problems.append(f"{python}: {probe.stderr.decode('utf-8', 'replace').strip().splitlines()[-1:]}")
    raise Unavailable(f"user {NOBODY} cannot run this checkout ({'; '.join(problems)})")


LOCK_VARIANTS = ("lock file left by the owner", "lock file anyone may open", "no lock file")


def read_only_file(workdir: Path, trials: int = 1, *, seed: int | None = None, strict: bool = False) -> Result:
    """A 0444 file in a folder the user cannot write, opened by an unprivileged user: ``show`` works,
    ``log`` exits 1 with one line naming the file and saying it cannot be written, the bytes are
    unchanged, and the console shows the read-only banner. Each trial uses the next lock-file variant."""
    base = Path(tempfile.mkdtemp(prefix="incident-console-readonly-"))
    try:
        base.chmod(0o755)
        python, extra_path = _unprivileged_python(base)
        tally = Tally(strict)
        for trial in range(trials):
            variant = LOCK_VARIANTS[trial % len(LOCK_VARIANTS)]
            with tally.trial(f"trial {trial}: {variant}"):
                folder = base / f"trial-{trial}"
                folder.mkdir()
                path = folder / "incidents.json"
                build_rich_file(path)
                lock = path.with_name(path.name + ".lock")
                if variant == LOCK_VARIANTS[1]:
                    lock.chmod(0o666)
                elif variant == LOCK_VARIANTS[2]:
                    lock.unlink()
                path.chmod(0o444)
                folder.chmod(0o555)
                before = path.read_bytes()
                env = _nobody_env(base, extra_path)

                def as_nobody(*args: str, path: Path = path, env: Any = env) -> subprocess.CompletedProcess[bytes]:
                    return run_cli(path, *args, workdir=base, env=env, python=python, preexec_fn=_as_nobody)

                shown = as_nobody("show")
                assert shown.returncode == 0, shown.stderr
                assert b"Checkout returns 500" in shown.stdout or b"Search is slow" in shown.stdout
                refused = as_nobody("log", "x")
                line = one_line_error(refused.stderr, status=refused.returncode, mentions=str(path))
                assert refused.returncode == 1, f"exit {refused.returncode}"
                assert re.search(r"cannot (be )?writ|read-only", line), f"does not say it cannot be written: {line}"
                assert path.read_bytes() == before
                assert temps_beside(path) == []

                process = worker(
                    "console-state",
                    str(path),
                    env=env,
                    python=python,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    preexec_fn=_as_nobody,
                )
                out, err = process.communicate(timeout=CHILD_TIMEOUT)
                assert process.returncode == 0, err[-800:]
                state = json.loads(out.splitlines()[-1])
                assert state["read_only"] is True, state
                assert state["banner_shown"] and "read-only" in state["banner"], state
                assert any("read-only" in notice for notice in state["notices"]), state["notices"]
                assert path.read_bytes() == before
    finally:
        for folder in base.glob("trial-*"):
            folder.chmod(0o755)
        shutil.rmtree(base, ignore_errors=True)
    return tally.result()
