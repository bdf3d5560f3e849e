"""Hostile JSON in the state file: deep nesting, repeated keys and very long lines, on every reader path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from incident_console.desk import Desk
from incident_console.domain.errors import FileProblem
from incident_console.domain.model import Severity
from incident_console.store import blocks, storage
from incident_console.store.repository import Repository

ROOT = Path(__file__).resolve().parents[2]
READING_COMMANDS = (
    ("show",),
    ("show", "--json"),
    ("log", "x"),
    ("verify",),
    ("list",),
    ("export", "--out", "copy.json"),
)


def seed(path: Path, notes: int = 3) -> Desk:
    desk = Desk(Repository(path), author="alice")
    desk.declare("Checkout down", Severity.P1)
    for number in range(notes):
        desk.log(f"note {number}")
    return desk


def cli(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INCIDENT_CONSOLE_")}
    env.update(INCIDENT_CONSOLE_CONFIG=str(path.parent / "absent.toml"), INCIDENT_CONSOLE_USER="tester")
    argv = [sys.executable, "-m", "incident_console", *args, "--file", str(path)]
    return subprocess.run(argv, capture_output=True, text=True, cwd=path.parent, env=env, timeout=60, check=False)


def in_line(path: Path, old: bytes, new: bytes) -> bytes:
    """The file with ``old`` replaced once by ``new``, in place (it keeps its one-entry-per-line layout)."""
    content = path.read_bytes()
    assert old in content
    return content.replace(old, new, 1)


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def hostile_files(path: Path) -> dict[str, bytes]:
    """Each hostile change, in the line layout (read a block at a time) and as a whole-read JSON file."""
    seed(path)
    valid = path.read_bytes()
    data = json.loads(valid)
    cases: dict[str, bytes] = {
        "deep list in a line": in_line(path, b'"details":{}', b'"details":{"x":' + nested(100_000) + b"}"),
        "deep list just over the limit": in_line(path, b'"details":{}', b'"details":{"x":' + nested(40) + b"}"),
        "deep object in a line": in_line(path, b'"details":{}', b'"details":' + b'{"a":' * 5000 + b"1" + b"}" * 5000),
        "repeated key in a line": in_line(path, b'"text":"note 1"', b'"text":"note 1","text":"nothing happened"'),
        "repeated key in details": in_line(path, b'"details":{}', b'"details":{"to":"bob","to":"eve"}'),
        "repeated key in the head": in_line(path, b'"title":"Checkout down"', b'"title":"Checkout down","title":"x"'),
        "deep value in the head": in_line(
            path, b'"title":"Checkout down"', b'"title":"Checkout down","x":' + nested(99_999)
        ),
    }
    whole = json.dumps(data, indent=1).encode()  # pretty-printed: read whole, not a line at a time
    cases["deep list, whole read"] = whole.replace(b'"details": {}', b'"details": {"x": ' + nested(100_000) + b"}", 1)
    cases["repeated key, whole read"] = whole.replace(b'"text": "note 1"', b'"text": "note 1", "text": "x"', 1)
    for name, content in cases.items():
        assert content != valid, name
    return cases


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return hostile_files(tmp_path_factory.mktemp("hostile") / "incidents.json")


CASE_NAMES = [
    "deep list in a line",
    "deep list just over the limit",
    "deep object in a line",
    "repeated key in a line",
    "repeated key in details",
    "repeated key in the head",
    "deep value in the head",
    "deep list, whole read",
    "repeated key, whole read",
]


@pytest.mark.parametrize("name", CASE_NAMES)
def test_hostile_json_is_refused_in_one_sentence_by_every_command(
    name: str, cases: dict[str, bytes], tmp_path: Path
) -> None:
    path = tmp_path / "incidents.json"
    content = cases[name]
    path.write_bytes(content)
    expected = "repeats the key" if "repeated" in name else "deeper than 32 levels"
    for args in READING_COMMANDS:
        result = cli(path, *args)
        assert result.returncode == 1, (name, args, result.stderr)
        assert len(result.stderr.splitlines()) == 1, result.stderr
        assert "Traceback" not in result.stderr and "unexpected error" not in result.stderr, result.stderr
        assert str(path) in result.stderr and expected in result.stderr, result.stderr
        assert path.read_bytes() == content
    assert not (tmp_path / "copy.json").exists()


@pytest.mark.parametrize("name", CASE_NAMES)
def test_hostile_json_is_refused_when_the_console_opens_and_reads_the_rest(
    name: str, cases: dict[str, bytes], tmp_path: Path
) -> None:
    path = tmp_path / "incidents.json"
    path.write_bytes(cases[name])
    for read in (lambda r: r.snapshot(), lambda r: r.newest(), lambda r: r.verify()):
        with pytest.raises(FileProblem, match="repeats the key|deeper than 32 levels"):
            read(Repository(path))


def test_nesting_up_to_the_limit_and_keys_that_only_look_alike_are_read(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    desk = seed(path)
    limit = storage.MAX_NESTING
    # The file's object, the log table, the entry and its details are four levels: the rest fits the limit.
    deep: Any = 1
    for _ in range(limit - 4):
        deep = [deep]
    desk.log("deep", details={"x": deep})
    desk.log('text with "text": and \\" and {"a":1,"a":2} in it', details={"to": 'bob","to":"eve'})
    repository = Repository(path)
    log = repository.snapshot().log
    assert log[-2].details["x"] == deep
    assert log[-1].text.startswith('text with "text":')
    assert repository.verify() is None


class Copies:
    """Counts the bytes copied when the store joins the pieces of what it read."""

    def __init__(self) -> None:
        self.bytes = 0


def counting_reads(monkeypatch: pytest.MonkeyPatch, copies: Copies) -> None:
    class Read(bytes):
        # A read is joined to what was read before either with + (which lands here, a bytes subclass
        # on either side) or by the store's own joining, counted below.
        def __add__(self, other: Any) -> bytes:
            copies.bytes += len(self) + len(other)
            return bytes(self) + bytes(other)

        def __radd__(self, other: Any) -> bytes:
            copies.bytes += len(self) + len(other)
            return bytes(other) + bytes(self)

    real_pread = blocks._pread

    def pread(fd: int, size: int, offset: int) -> bytes:
        return Read(real_pread(fd, size, offset))

    def join(pieces: list[bytes]) -> bytes:
        joined = b"".join(pieces)
        copies.bytes += len(joined)
        return joined

    monkeypatch.setattr(blocks, "_pread", pread)
    monkeypatch.setattr(blocks, "_join", join)


def test_a_long_line_is_read_with_copies_in_proportion_to_its_length(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "incidents.json"
    desk = seed(path, notes=0)
    long_text = "stack trace " + "x" * 9_900  # under the entry limit; still 150 reads of 64 bytes
    desk.log(long_text)
    for number in range(20):
        desk.log(f"note {number}")
    size = path.stat().st_size
    monkeypatch.setattr(blocks, "BLOCK_BYTES", 64)  # a thousand reads for the long line
    copies = Copies()
    counting_reads(monkeypatch, copies)

    log = Repository(path).snapshot().log  # forwards, a block of lines at a time
    assert log[1].text == long_text and len(log) == 22
    assert copies.bytes < 3 * size, copies.bytes

    copies.bytes = 0
    newest = Repository(path).newest()  # backwards from the end
    assert newest.log[1].text == long_text
    assert copies.bytes < 3 * size, copies.bytes


def test_a_separator_split_between_two_reads_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "incidents.json"
    desk = seed(path, notes=0)
    for number in range(40):
        desk.log(f"note {number} " + "y" * (number * 7 % 50))
    expected = [(e.id, e.text) for e in Repository(path).snapshot().log]
    for block in range(24, 90):  # every way the reads can fall across the ",\n" between lines
        monkeypatch.setattr(blocks, "BLOCK_BYTES", block)
        assert [(e.id, e.text) for e in Repository(path).snapshot().log] == expected, block
        assert [(e.id, e.text) for e in Repository(path).newest().log] == expected, block
