"""Corrupt and hostile files: a fixture set and generated contents, each refused with a sentence and never
overwritten.

Each scenario is ``scenario(workdir, trials, *, seed=None, strict=False) -> Result`` (see scenarios.py).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from unittest import mock

from hypothesis import given
from hypothesis import strategies as st

from tests.reliability.harness import (
    Result,
    Tally,
    build_rich_file,
    child_env,
    in_process,
    new_seed,
    one_line_error,
    run_cli,
)
from tests.reliability.shared import _hypothesis

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
