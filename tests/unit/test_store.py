"""The state file: permissions, compatibility, refusal of files that are not ours, caching, text, hash chain."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest
import tinydb
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from incident_console.desk import Desk
from incident_console.domain.errors import FileProblem, InputError
from incident_console.domain.model import NewEntry, Severity
from incident_console.store import blocks, storage, vouched
from incident_console.store.repository import Repository

ROOT = Path(__file__).resolve().parents[2]


def new_desk(path: Path) -> Desk:
    return Desk(Repository(path), author="alice")


def seed(path: Path, notes: int = 2) -> Desk:
    """A file with one incident, its declare entry and ``notes`` notes."""
    desk = new_desk(path)
    desk.declare("Checkout down", Severity.P1)
    for number in range(1, notes + 1):
        desk.log(f"note {number}")
    return desk


def temps_beside(path: Path) -> list[str]:
    return sorted(name for name in os.listdir(path.parent) if name.startswith(storage.temp_prefix(path)))


def mode_of(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def cli(path: Path, *args: str | bytes) -> subprocess.CompletedProcess[bytes]:
    """Run the command line on ``path`` in a child process, with no config file and a fixed author."""
    env = {**os.environ, "INCIDENT_CONSOLE_CONFIG": str(path.parent / "absent.toml"), "INCIDENT_CONSOLE_USER": "tester"}
    env.pop("INCIDENT_CONSOLE_FILE", None)
    argv: list[str | bytes] = [sys.executable, "-m", "incident_console", *args, "--file", str(path)]
    return subprocess.run(argv, capture_output=True, cwd=ROOT, env=env, timeout=60, check=False)


# --- permissions and compatibility ----------------------------------------------------------


def test_a_new_file_is_created_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    seed(path)
    assert mode_of(path) == 0o600


def test_an_existing_file_keeps_its_mode_across_writes(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    desk = seed(path)
    os.chmod(path, 0o644)
    desk.log("after chmod")
    new_desk(path).log("from another repository")
    assert mode_of(path) == 0o644
    assert [e.text for e in Repository(path).snapshot().log][-2:] == ["after chmod", "from another repository"]


def test_plain_tinydb_and_json_read_the_file(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    seed(path, notes=3)

    db = tinydb.TinyDB(path)
    try:
        assert {"meta", "incidents", "log"} <= db.tables()
        assert db.table("meta").all()[0]["app"] == "incident-console"
        assert [doc["id"] for doc in db.table("incidents").all()] == ["INC-1"]
        texts = [doc["text"] for doc in db.table("log").all()]
        assert texts[1:] == ["note 1", "note 2", "note 3"]
    finally:
        db.close()

    with path.open(encoding="utf-8") as handle:
        data = json.load(handle)
    assert data["meta"]["1"]["entries"] == 4
    assert sorted(data["log"]) == ["1", "2", "3", "4"]


# --- files that are not ours, or broken -------------------------------------------------------


def bytes_of(build: Callable[[Path], object]) -> bytes:
    """The bytes of the file ``build`` writes."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "incidents.json"
        build(path)
        return path.read_bytes()


@cache
def valid_bytes() -> bytes:
    """The bytes of a healthy file with a few entries."""
    return bytes_of(seed)


def newer_schema() -> bytes:
    data = json.loads(valid_bytes())
    data["meta"]["1"]["schema"] = 99
    return json.dumps(data).encode()


def malformed_entry() -> bytes:
    data = json.loads(valid_bytes())
    del data["log"]["2"]["at"]
    return json.dumps(data).encode()


def log_line_edited(change: Callable[[bytes], bytes]) -> Callable[[], bytes]:
    """The healthy file with its second log line changed in place (the file keeps its line layout)."""

    def edited() -> bytes:
        head, _, log = valid_bytes().partition(b'"log":{\n')
        lines = log.split(b"\n")
        lines[1] = change(lines[1])
        return head + b'"log":{\n' + b"\n".join(lines)

    return edited


CORRUPT: dict[str, Callable[[], bytes]] = {
    "line-cut-short": log_line_edited(lambda line: line[: len(line) // 2]),
    "line-without-its-comma": log_line_edited(lambda line: line.rstrip(b",")),
    "line-malformed-entry": log_line_edited(lambda line: line.replace(b'"at":', b'"at_":')),
    "line-not-json": log_line_edited(lambda line: b"not json at all,"),
    "empty": lambda: b"",
    "blank": lambda: b"  \n\n",
    "truncated": lambda: valid_bytes()[: len(valid_bytes()) // 2],
    "nul-padded": lambda: b"\0" * 4096,
    "valid-then-nuls": lambda: valid_bytes() + b"\0" * 512,
    "trailing-garbage": lambda: valid_bytes() + b"}garbage",
    "json-list": lambda: b"[1, 2, 3]",
    "json-null": lambda: b"null",
    "values-not-dicts": lambda: b'{"meta": [1], "log": "x"}',
    "other-tinydb-app": lambda: b'{"_default": {"1": {"a": 1}}}',
    "newer-schema": newer_schema,
    "malformed-entry": malformed_entry,
    "invalid-utf8": lambda: b'{"meta": {"1": {"app": "incident-console \xff\xfe"}}}',
}


@pytest.fixture(params=sorted(CORRUPT))
def corrupt_file(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, bytes]:
    path = tmp_path / "incidents.json"
    content = CORRUPT[request.param]()
    path.write_bytes(content)
    return path, content


def test_a_broken_or_foreign_file_is_refused_and_left_unchanged(corrupt_file: tuple[Path, bytes]) -> None:
    path, content = corrupt_file

    with pytest.raises(FileProblem) as reading:
        Repository(path).snapshot()
    assert str(path) in str(reading.value)

    with pytest.raises(FileProblem) as writing:
        new_desk(path).log("restarted pods")
    assert str(path) in str(writing.value)

    with pytest.raises(FileProblem):
        new_desk(path).declare("Another", Severity.P2)
    with pytest.raises(FileProblem):
        Repository(path).verify()

    assert path.read_bytes() == content
    assert temps_beside(path) == []


def test_the_command_line_refuses_a_broken_file_in_one_line(corrupt_file: tuple[Path, bytes]) -> None:
    path, content = corrupt_file
    for args in (("show",), ("log", "x")):
        result = cli(path, *args)
        stderr = result.stderr.decode("utf-8", "replace")
        assert result.returncode == 1, (args, stderr)
        assert "Traceback" not in stderr
        assert len(stderr.splitlines()) == 1, stderr
        assert str(path) in stderr
        assert path.read_bytes() == content


# --- the file's layout: the log last, one entry per line ----------------------------------------


def log_lines(path: Path) -> list[bytes]:
    """The log's lines as they are in the file."""
    head, marker, log = path.read_bytes().partition(b'"log":{\n')
    assert marker, "the log is not laid out one entry per line"
    assert log.endswith(b"\n}}\n")
    return log[: -len(b"\n}}\n")].split(b"\n")


def test_each_log_entry_is_one_line_after_the_other_tables(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    seed(path, notes=2)
    lines = log_lines(path)
    assert [json.loads(b"{" + line.rstrip(b",") + b"}") for line in lines] == [
        {str(entry["id"]): entry} for entry in json.loads(path.read_bytes())["log"].values()
    ]
    assert [line.endswith(b",") for line in lines] == [True, True, False]
    assert b"note 2" in lines[-1]


def test_an_append_keeps_the_earlier_lines_byte_for_byte(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    desk = seed(path, notes=3)
    before = log_lines(path)
    desk.log("rolled back")
    after = log_lines(path)
    assert after[: len(before) - 1] == before[:-1]
    assert after[len(before) - 1] == before[-1] + b","
    assert len(after) == len(before) + 1 and b"rolled back" in after[-1]


def test_a_pretty_printed_file_opens_and_is_saved_back_one_entry_per_line(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    seed(path, notes=3)
    expected = [(e.id, e.text, e.hash) for e in Repository(path).snapshot().log]
    path.write_text(json.dumps(json.loads(path.read_bytes()), indent=2), encoding="utf-8")

    assert [(e.id, e.text, e.hash) for e in Repository(path).snapshot().log] == expected
    assert Repository(path).verify() is None
    new_desk(path).log("after the pretty print")
    assert len(log_lines(path)) == len(expected) + 1
    assert [e.text for e in Repository(path).snapshot().log][-1] == "after the pretty print"
    assert Repository(path).verify() is None


def test_lines_out_of_order_are_read_in_id_order(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    seed(path, notes=3)
    lines = [line.rstrip(b",") for line in log_lines(path)]
    lines[1], lines[2] = lines[2], lines[1]
    head = path.read_bytes().partition(b'"log":{\n')[0]
    path.write_bytes(head + b'"log":{\n' + b",\n".join(lines) + b"\n}}\n")

    assert [e.id for e in Repository(path).snapshot().log] == [1, 2, 3, 4]
    assert Repository(path).verify() is None


def test_an_edited_line_is_named_by_verify(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    seed(path, notes=3)
    path.write_bytes(path.read_bytes().replace(b'"text":"note 2"', b'"text":"note two"'))
    assert log_lines(path)  # still one entry per line: checked without reading the file whole
    problem = Repository(path).verify()
    assert problem is not None and "entry 3" in problem


def test_a_new_entry_never_lands_on_a_key_that_holds_another_entry(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    seed(path, notes=2)  # entries 1..3
    path.write_bytes(path.read_bytes().replace(b'"3":{"id":3,', b'"4":{"id":3,'))
    content = path.read_bytes()
    with pytest.raises(FileProblem, match="another record under the key of log 4"):
        new_desk(path).log("would overwrite entry 3")
    assert path.read_bytes() == content


def test_tinydb_reads_and_writes_through_the_storage(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    seed(path, notes=2)
    db = tinydb.TinyDB(path, storage=storage.AtomicJSONStorage)
    try:
        assert [doc["text"] for doc in db.table("log").all()][1:] == ["note 1", "note 2"]
        db.table("runbook_links").insert({"url": "https://runbooks.example/checkout"})
    finally:
        db.close()
    assert log_lines(path)  # saved back one entry per line, with the other table beside it
    assert json.loads(path.read_bytes())["runbook_links"] == {"1": {"url": "https://runbooks.example/checkout"}}
    new_desk(path).log("after TinyDB wrote")
    assert [e.text for e in Repository(path).snapshot().log][-3:] == ["note 1", "note 2", "after TinyDB wrote"]
    assert Repository(path).verify() is None


def test_a_long_log_with_a_line_longer_than_a_block_reads_back_whole(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    desk = seed(path, notes=0)
    long_text = "stack trace " + "x" * 200_000
    for number in range(600):
        if number == 300:  # longer than the Desk takes (another tool wrote it)
            with desk.repository.transaction(desk.clock()) as tx:
                tx.append(NewEntry("INC-1", "note", long_text, "tool", desk.clock(), {}, None))
        else:
            desk.log(f"note {number} " + "y" * 300)
    log = Repository(path).snapshot().log
    assert [e.id for e in log] == list(range(1, 602))
    assert log[301].text == long_text
    assert Repository(path).verify() is None


@pytest.mark.parametrize("size", ["small", "big"])
def test_an_escaped_lone_surrogate_in_a_line_is_refused(tmp_path: Path, size: str) -> None:
    path = tmp_path / "incidents.json"
    seed(path, notes=1)
    head, marker, log = path.read_bytes().partition(b'"log":{\n')
    first = log.split(b"\n")[0].rstrip(b",")
    lines = [first]
    # Big: many blocks of lines (see blocks.BLOCK_BYTES). No hash chain is needed to be read.
    for number in range(2, 4000 if size == "big" else 3):
        doc = json.loads(first.partition(b":")[2])
        doc.update(id=number, text=f"note {number} " + "x" * 300)
        lines.append(b'"%d":%s' % (number, json.dumps(doc, separators=(",", ":")).encode()))
    clean = head + marker + b",\n".join(lines) + b"\n}}\n"
    assert (len(clean) > 8 * blocks.BLOCK_BYTES) == (size == "big")
    path.write_bytes(clean)
    assert len(Repository(path).snapshot().log) == len(lines)

    broken = clean.replace(b'"text":"note 2 ', b'"text":"\\ud800 note 2 ', 1)
    assert broken != clean
    path.write_bytes(broken)
    with pytest.raises(FileProblem, match="not valid JSON"):
        Repository(path).snapshot()
    assert path.read_bytes() == broken


def test_an_integer_too_long_to_keep_in_a_line_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    seed(path, notes=2)
    content = path.read_bytes().replace(
        b'"text":"note 1","author":"alice"', b'"text":"note 1","author":"alice","n":123456789012345678901234', 1
    )
    assert content != path.read_bytes()
    path.write_bytes(content)
    with pytest.raises(FileProblem, match="too large"):
        Repository(path).snapshot()
    assert path.read_bytes() == content


# --- the newest part of a long log, read before the console's first frame ------------------------


def long_log(path: Path, entries: int = 1500) -> Desk:
    """Two open incidents: INC-2 (the newer) busy, INC-1 with every tenth entry; updates sent all along."""
    desk = seed(path, notes=0)
    desk.declare("Search slow", Severity.P3)
    start = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
    with desk.repository.transaction(start) as tx:
        for number in range(entries):
            incident = "INC-1" if number % 10 == 0 else "INC-2"
            kind = "comms" if number % 97 == 0 else "note"
            at = start.replace(minute=number // 60, second=number % 60)
            tx.append(NewEntry(incident, kind, f"entry {number} " + "x" * 300, "alice", at))
    # Not recorded as checked: the console opens on the newest part (a checked file: held_logs).
    os.remove(vouched.record_path(str(path)))
    return desk


def test_the_newest_part_of_a_long_log_holds_each_incidents_latest_entries_and_every_update(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    desk = long_log(path)
    newest = Repository(path).newest()
    whole = Repository(path).snapshot()
    assert whole.whole and not newest.whole
    start = newest.newest_from
    assert 1 < start < len(whole.log)
    updates_before = [e for e in whole.log if e.id < start and e.kind == "comms"]
    assert updates_before, "the test needs updates sent before the newest part"
    assert newest.log == tuple(updates_before) + tuple(e for e in whole.log if e.id >= start)
    for incident in whole.incidents:
        part = newest.unbroken_log_for(incident.id)
        assert part == tuple(e for e in whole.log_for(incident.id) if e.id >= start)
        assert len(part) >= 100, incident.id  # the quiet incident too: read back until it has its rows
        now = datetime(2026, 11, 28, 4, 0, tzinfo=UTC)
        assert desk.timers(incident, newest, now) == desk.timers(incident, whole, now)
    assert newest.incidents == whole.incidents and newest.action_items == whole.action_items


def test_a_short_log_comes_whole(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    seed(path, notes=50)
    newest = Repository(path).newest()
    assert newest.whole and newest == Repository(path).snapshot()


def test_a_log_whose_keys_are_not_its_ids_comes_whole(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    long_log(path)
    last = len(Repository(path).snapshot().log)
    path.write_bytes(path.read_bytes().replace(b'"%d":{"id":%d,' % (last, last), b'"%d":{"id":%d,' % (last + 5, last)))
    newest = Repository(path).newest()
    assert newest.whole and len(newest.log) == last


def test_a_malformed_entry_before_the_newest_part_is_refused_when_the_rest_is_read(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    long_log(path)
    broken = path.read_bytes().replace(b'"at":"2026-11-28T03:01:00Z"', b'"at":"yesterday"', 1)
    path.write_bytes(broken)
    repository = Repository(path)
    assert not repository.newest().whole
    with pytest.raises(FileProblem, match="malformed log entry"):
        repository.snapshot()
    assert path.read_bytes() == broken


def test_a_malformed_entry_in_the_newest_part_is_refused_at_once(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    long_log(path)
    content = path.read_bytes()
    at = content.rfind(b'"at":"')
    broken = content[:at] + b'"at":"soon",' + content[at:].partition(b",")[2]
    path.write_bytes(broken)
    with pytest.raises(FileProblem, match="malformed log entry"):
        Repository(path).newest()
    assert path.read_bytes() == broken


@cache
def long_log_bytes() -> bytes:
    return bytes_of(long_log)


LINE_DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "cut short": lambda line: line[: len(line) // 2],
    "emptied": lambda line: b"",
    "id made text": lambda line: re.sub(rb'\{"id":(\d+)', rb'{"id":"\1"', line, count=1),
    "time made text": lambda line: line.replace(b'"at":"2026', b'"at":"when 2026', 1),
    "kind made an update": lambda line: line.replace(b'"kind":"note"', b'"kind":"comms"', 1),
    "spaces added": lambda line: line.replace(b'":', b'" : '),
    "huge number": lambda line: line.replace(b'"corrects":null', b'"corrects":123456789012345678901234', 1),
    "key changed": lambda line: b'"9' + line[1:],
    "raw newline": lambda line: line.replace(b',"text"', b',\n"text"', 1),
    "removed with its comma": lambda line: b"\x00",
}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    damage=st.sampled_from(sorted(LINE_DAMAGE)),
    update=st.booleans(),
    where=st.floats(min_value=0, max_value=1, exclude_max=True),
)
def test_the_newest_part_of_a_damaged_long_log_is_the_whole_logs_or_refused(
    damage: str, update: bool, where: float
) -> None:
    """Any one line damaged (any line, or a status update's): reading the newest part refuses with a
    sentence, or gives what the whole read gives for that part (or the whole read refuses the file);
    the file is untouched."""
    content = long_log_bytes()
    head, marker, body = content.partition(b'"log":{\n')
    lines = body[: -len(b"\n}}\n")].split(b",\n")
    candidates = [i for i, line in enumerate(lines) if not update or b'"kind":"comms"' in line]
    index = candidates[int(where * len(candidates))]
    lines[index] = LINE_DAMAGE[damage](lines[index])
    joined = b",\n".join(line for line in lines if line != b"\x00")
    broken = head + marker + joined + b"\n}}\n"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "incidents.json"
        path.write_bytes(broken)
        try:
            newest = Repository(path).newest()
        except FileProblem as exc:
            assert str(exc).startswith(str(path)) and "\n" not in str(exc)
            newest = None
        try:
            whole = Repository(path).snapshot()
        except FileProblem:
            whole = None
        if newest is not None and whole is not None:
            if newest.whole:
                assert newest == whole
            else:
                start = newest.newest_from
                before = [e for e in whole.log if e.id < start and e.kind == "comms"]
                assert newest.log == tuple(before) + tuple(e for e in whole.log if e.id >= start)
        assert path.read_bytes() == broken


def test_a_file_replaced_behind_the_lock_while_saving_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    seed(path, notes=2)
    held = storage.AtomicJSONStorage(path)
    state = held.load()
    assert state is not None
    replacement = tmp_path / "other.json"
    seed(replacement, notes=5)
    os.replace(replacement, path)  # another program, not taking the lock
    content = path.read_bytes()

    state.add_log([("4", {"id": 4, "text": "would be spliced into another file"})])
    with pytest.raises(FileProblem, match="changed by another program"):
        held.save(state)
    assert path.read_bytes() == content
    assert temps_beside(path) == []


# --- the read cache -------------------------------------------------------------------------------


def test_a_second_repository_sees_what_the_first_wrote(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    writer = seed(path, notes=1)
    reader = Repository(path)
    assert [e.text for e in reader.snapshot().log][-1] == "note 1"

    writer.log("second")
    assert reader.changed_on_disk()
    assert [e.text for e in reader.snapshot().log][-2:] == ["note 1", "second"]
    assert not reader.changed_on_disk()

    # And the other way round: the first repository sees the second one's write.
    Desk(reader, author="bob").log("from bob")
    assert writer.snapshot().log[-1].text == "from bob"
    assert writer.snapshot().log[-1].author == "bob"


def test_an_unchanged_file_gives_back_the_same_snapshot(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    desk = seed(path)
    repository = Repository(path)
    first = repository.snapshot()
    assert repository.snapshot() is first
    assert repository.snapshot() is first

    # A write through this repository yields a new snapshot, which is then reused in turn.
    Desk(repository, author="alice").log("third")
    after_write = repository.snapshot()
    assert after_write is not first
    assert after_write.log[-1].text == "third"
    assert repository.snapshot() is after_write

    # The writer's own snapshot needs no re-read of its own write either.
    own = desk.repository.snapshot()
    assert own.log[-1].text == "third"
    assert desk.repository.snapshot() is own


# --- read-only file and folder ------------------------------------------------------------

READ_ONLY_CHILD = r"""
import json, os, stat, sys
from pathlib import Path
from incident_console.desk import Desk
from incident_console.domain.errors import FileProblem
from incident_console.domain.model import Severity
from incident_console.store.repository import Repository

path, variant = Path(sys.argv[1]), sys.argv[2]
desk = Desk(Repository(path), author="alice")
desk.declare("Checkout down", Severity.P1)
desk.log("restarted pods")
if variant == "file":
    os.chmod(path, 0o444)
    bypass = os.access(path, os.W_OK)
else:
    if variant == "folder-without-lock":
        os.unlink(str(path) + ".lock")
    os.chmod(path.parent, 0o555)
    bypass = os.access(path.parent, os.W_OK)
before = path.read_bytes()
fresh = Repository(path)
report = {"bypass": bypass, "entries": [e.text for e in fresh.snapshot().log], "writable": fresh.writable()}
try:
    Desk(fresh, author="alice").log("after")
    report["error"] = None
except FileProblem as exc:
    report["error"] = str(exc)
report["entries_after"] = [e.text for e in fresh.snapshot().log]
report["unchanged"] = path.read_bytes() == before
report["names"] = sorted(os.listdir(path.parent))
report["mode"] = stat.S_IMODE(os.stat(path).st_mode)
print(json.dumps(report))
"""


@pytest.fixture
def unprivileged() -> Iterator[tuple[Path, Callable[..., subprocess.CompletedProcess[str]]]]:
    """A folder, and a way to run code in it that is subject to file permissions.

    Root ignores permissions through its CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH capabilities,
    so as root the code runs under ``setpriv`` with those two removed from its bounding set.
    """
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root, and setpriv (to drop the permission override) is not installed")
        prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--"]
    folder = Path(tempfile.mkdtemp(prefix="incident-console-perm-"))
    data = folder / "data"
    data.mkdir()

    def run(code: str, *args: str) -> subprocess.CompletedProcess[str]:
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(folder), "LANG": "C.UTF-8"}
        argv = [*prefix, sys.executable, "-c", code, *args]
        return subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, env=env, timeout=60, check=False)

    try:
        probe = run("import incident_console.store.repository")
        if probe.returncode != 0:
            pytest.skip(f"cannot run the package without the permission override: {probe.stderr.strip()[-200:]}")
        yield data, run
    finally:
        os.chmod(data, 0o755)
        shutil.rmtree(folder, ignore_errors=True)


def run_read_only(unprivileged: tuple[Path, Callable[..., subprocess.CompletedProcess[str]]], variant: str) -> dict:
    folder, run = unprivileged
    path = folder / "incidents.json"
    result = run(READ_ONLY_CHILD, str(path), variant)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    if report["bypass"]:
        pytest.skip("this user can write despite the permissions (e.g. CAP_DAC_OVERRIDE)")
    report["path"] = str(path)
    return report


def test_a_read_only_file_can_be_read_but_not_written(unprivileged) -> None:
    report = run_read_only(unprivileged, "file")
    assert report["entries"][1:] == ["restarted pods"]
    assert report["writable"] is False
    error = report["error"]
    assert error is not None, "a write to a read-only file went through"
    assert report["path"] in error
    assert "read-only" in error
    assert "intact" in error
    assert report["entries_after"] == report["entries"]
    assert report["unchanged"]
    assert report["mode"] == 0o444
    assert report["names"] == ["incidents.json", "incidents.json.lock"]


@pytest.mark.parametrize("variant", ["folder", "folder-without-lock"])
def test_a_file_in_a_read_only_folder_can_be_read_but_not_written(unprivileged, variant: str) -> None:
    report = run_read_only(unprivileged, variant)
    assert report["entries"][1:] == ["restarted pods"]
    assert report["writable"] is False
    error = report["error"]
    assert error is not None, "a write in a read-only folder went through"
    assert report["path"] in error
    assert "Permission denied" in error
    assert report["entries_after"] == report["entries"]
    assert report["unchanged"]
    assert not any(storage.TEMP_MARK in name for name in report["names"])


# --- leftovers of a crashed writer -------------------------------------------------------------


def test_a_stale_temporary_file_is_removed_by_the_next_write(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    seed(path)
    stale = tmp_path / f".{path.name}.tmp-12345"
    stale.write_bytes(b'{"half": ')
    unrelated = tmp_path / ".other.json.tmp-12345"
    unrelated.write_bytes(b"{}")

    new_desk(path).log("next write")

    assert not stale.exists()
    assert unrelated.exists()
    assert temps_beside(path) == []
    assert Repository(path).snapshot().log[-1].text == "next write"


# --- any text survives the file --------------------------------------------------------------------

NOW = datetime(2026, 11, 28, 3, 4, 5, 678901, tzinfo=UTC)
AWKWARD = [
    "[bold]",
    "[/0",
    "[/]",
    "[link=https://x]y[/link]",
    "[@click=app.quit]",
    "\x1b[31mred\x1b[0m",
    "\x1b]0;title\x07",
    "\x00",
    "\r\n",
    "\t",
    "\u2028\u2029",
    "\ufeff",
    "\u202eevil\u202c",
    "שלום עולם",
    "مرحبا بالعالم",
    "😀👍🏽🏳️‍🌈",
    "\U0010ffff",
    "\x7f\x85\x9b",
    '"quoted" \\ back',
    "e\u0301",
]
any_text = st.one_of(
    st.text(),
    st.lists(st.one_of(st.sampled_from(AWKWARD), st.text(max_size=20)), max_size=30).map("".join),
    st.tuples(st.text(min_size=1, max_size=40), st.integers(1, 10_000)).map(lambda p: (p[0] * p[1])[:10_000]),
)
STORE_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def append_raw(repository: Repository, text: str, author: str = "alice", details: dict | None = None) -> int:
    """Append an entry straight through the repository, without the Desk's input cleaning."""
    with repository.transaction(NOW) as tx:
        entry = tx.append(NewEntry("INC-1", "note", text, author, NOW, details or {}))
    return entry.id


@STORE_SETTINGS
@given(text=any_text)
@example(text="x" * 10_000)
@example(text="".join(AWKWARD))
@example(text="")
def test_any_text_round_trips_exactly(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "incidents.json"
        seed(path, notes=0)
        entry_id = append_raw(Repository(path), text, author=text[:50], details={"text": text})

        entry = Repository(path).snapshot().log[-1]
        assert entry.id == entry_id
        assert entry.text == text
        assert entry.author == text[:50]
        assert entry.details == {"text": text}
        assert entry.at == NOW
        assert Repository(path).verify() is None


lone_surrogates = st.tuples(st.text(max_size=20), st.characters(categories=["Cs"]), st.text(max_size=20)).map("".join)


@STORE_SETTINGS
@given(text=lone_surrogates, where=st.sampled_from(["text", "author", "details"]))
def test_text_with_a_lone_surrogate_is_refused_and_the_file_kept(text: str, where: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "incidents.json"
        seed(path, notes=1)
        before = path.read_bytes()
        repository = Repository(path)
        fields = {
            "text": {"text": text},
            "author": {"text": "ok", "author": text},
            "details": {"text": "ok", "details": {"value": text}},
        }[where]
        try:
            entry_id = append_raw(repository, **fields)
        except (FileProblem, InputError) as exc:
            message = str(exc)
            assert "surrogate" in message
            assert "\n" not in message
            assert path.read_bytes() == before
            assert temps_beside(path) == []
        else:  # stored after all: then it must read back exactly
            assert Repository(path).snapshot().log[-1].id == entry_id
            assert Repository(path).snapshot().log[-1].text == fields["text"]

        # Either way the repository keeps working and the chain holds.
        append_raw(repository, "after")
        log = Repository(path).snapshot().log
        assert log[-1].text == "after"
        assert [e.id for e in log] == list(range(1, len(log) + 1))
        assert Repository(path).verify() is None


def test_a_lone_surrogate_outside_the_log_is_refused_and_the_file_kept(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    desk = seed(path, notes=1)
    before = path.read_bytes()
    with pytest.raises((FileProblem, InputError)) as refused:
        desk.declare("Second", Severity.P2, services=["api-\udcff"])
    assert "surrogate" in str(refused.value)
    assert path.read_bytes() == before

    desk.log("still works")
    snap = Repository(path).snapshot()
    assert [i.id for i in snap.incidents] == ["INC-1"]
    assert snap.log[-1].text == "still works"
    assert desk.snapshot().log[-1].text == "still works"


def test_the_command_line_refuses_undecodable_bytes_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    seed(path, notes=1)
    before = path.read_bytes()
    result = cli(path, "log", b"caf\xff")
    stderr = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2, stderr
    assert "Traceback" not in stderr
    assert len(stderr.splitlines()) == 1
    assert "surrogate" in stderr
    assert path.read_bytes() == before


# --- the hash chain -------------------------------------------------------------------------------


def edit(path: Path, change: Callable[[dict], None]) -> None:
    data = json.loads(path.read_bytes())
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")


def test_an_intact_chain_verifies(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    seed(path, notes=4)
    assert Repository(path).verify() is None
    assert Repository(tmp_path / "absent.json").verify() is None


def test_an_edited_entry_is_named(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    seed(path, notes=4)

    def reword(data: dict) -> None:
        data["log"]["3"]["text"] = "note 2 (reworded)"

    edit(path, reword)
    problem = Repository(path).verify()
    assert problem is not None
    assert "entry 3" in problem
    assert "entry 2" not in problem and "entry 4" not in problem


def test_a_removed_middle_entry_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    seed(path, notes=4)
    edit(path, lambda data: data["log"].pop("3"))
    problem = Repository(path).verify()
    assert problem is not None
    assert "entry 3" in problem


def test_a_removed_last_entry_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    seed(path, notes=4)
    edit(path, lambda data: data["log"].pop("5"))
    problem = Repository(path).verify()
    assert problem is not None
    assert "removed" in problem
    assert "4" in problem and "5" in problem


def test_verify_sees_an_edit_made_while_the_repository_was_open(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    desk = seed(path, notes=2)
    assert desk.repository.verify() is None

    def reword(data: dict) -> None:
        data["log"]["2"]["text"] = "something else entirely"

    edit(path, reword)
    problem = desk.repository.verify()
    assert problem is not None and "entry 2" in problem
