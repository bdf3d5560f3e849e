"""Generated file contents (hypothesis): every command keeps its promise, the console refuses what show refuses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.reliability.harness import (
    Result,
    Tally,
    new_seed,
)
from tests.reliability.scenarios.hostile import check_commands, check_console_refuses, in_process_runner, valid_file
from tests.reliability.scenarios.seeded import seeded_examples

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
    valid = valid_file(folder)
    run = in_process_runner(folder)
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
        @seeded_examples(examples, seed, strict=strict)
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
