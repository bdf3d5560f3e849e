"""Corrupt and hostile files, a fixture set: every command refuses them in one line and leaves them as they are."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from unittest import mock

from tests.reliability.harness import (
    Result,
    Tally,
    build_rich_file,
    child_env,
    in_process,
    one_line_error,
    run_cli,
)


def valid_file(folder: Path) -> bytes:
    """The bytes of a valid file with a bit of everything, built once in ``folder``."""
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


def in_process_runner(folder: Path) -> Runner:
    """A Runner that calls the CLI's ``main`` in this process (fast enough for generated examples)."""
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
    valid = valid_file(folder)
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
