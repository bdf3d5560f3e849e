"""A change on one incident of a long file turns only the incidents it uses into records, and checks those in full."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from incident_console.desk import Desk
from incident_console.domain.errors import FileProblem
from incident_console.store import incident_table, vouched
from incident_console.store.blocks import stamp_at
from incident_console.store.repository import Repository
from incident_console.store.snapshots import incidents_of
from tests.benchmarks.history_file import OPEN, build_file

ENTRIES = 20_000  # 40 incidents, the newest 3 open


def _long_file(path: Path) -> None:
    build_file(path, ENTRIES)
    vouched.vouch(str(path), stamp_at(str(path)))


def _edited(path: Path, number: str, **fields: object) -> None:
    """Change an incident record by hand, the file then vouched for as if this store had written it."""
    data = json.loads(path.read_bytes())
    data["incidents"][number].update(fields)
    head = json.dumps({key: value for key, value in data.items() if key != "log"}, separators=(",", ":"))
    raw = path.read_bytes()
    rest = raw[raw.index(b'"log":{\n') :]
    path.write_bytes(head[:-1].encode() + b"," + rest)
    vouched.vouch(str(path), stamp_at(str(path)))


def test_a_note_turns_only_the_open_incidents_into_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "incidents.json"
    _long_file(path)
    made: list[str] = []
    original = incident_table.incident_from_doc

    def counted(doc: dict[str, object]) -> object:
        made.append(str(doc["id"]))
        return original(doc)  # type: ignore[arg-type]

    monkeypatch.setattr(incident_table, "incident_from_doc", counted)
    entry = Desk(Repository(path), author="hook").log("one note")
    assert entry.incident_id == "INC-40"
    assert sorted(made) == sorted(f"INC-{number}" for number in range(41 - OPEN, 41))
    monkeypatch.undo()
    assert Repository(path).verify() is None


def test_the_table_gives_the_incidents_a_whole_read_gives_in_the_same_order(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    _long_file(path)
    tables = json.loads(path.read_bytes())
    table = incident_table.StoredIncidents(str(path), tables["incidents"])
    whole = incidents_of(str(path), tables)
    assert table == whole
    assert table[-1] == whole[-1] and table[1:3] == whole[1:3]
    assert table.find("INC-7") == whole[6]
    assert table.open_ones() == tuple(incident for incident in whole if incident.is_open)


def test_a_malformed_record_of_the_incident_a_change_touches_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    _long_file(path)
    _edited(path, "40", acknowledged_at="not a time")
    before = path.read_bytes()
    with pytest.raises(FileProblem, match=r"has a malformed incident record .*; left unchanged"):
        Desk(Repository(path), author="hook").acknowledge()
    assert path.read_bytes() == before


def test_a_malformed_status_is_refused_when_open_incidents_are_looked_for(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    _long_file(path)
    _edited(path, "5", status="on fire")
    before = path.read_bytes()
    with pytest.raises(FileProblem, match=r"malformed incident record .*on fire"):
        Desk(Repository(path), author="hook").log("a note")
    assert path.read_bytes() == before
