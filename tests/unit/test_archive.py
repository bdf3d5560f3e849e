"""``archive``: finished incidents move to an archive file; ``verify`` checks the chain across both files."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from incident_console.cli import main
from incident_console.desk import Desk, ReadOnlyView
from incident_console.domain.model import Severity, Status
from incident_console.store.repository import Repository
from tests.archive_files import FINISHED, OPEN, RESOLVED, build, cut

FATES = [FINISHED, OPEN, RESOLVED, FINISHED, OPEN, FINISHED]


def log_of(path: Path) -> dict[int, dict]:
    return {int(key): doc for key, doc in json.loads(path.read_text())["log"].items()}


def run(capfd: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capfd.readouterr()
    try:
        status = main(list(argv))
    except SystemExit as exit:  # a usage mistake argparse catches
        status = int(exit.code or 0)
    out, err = capfd.readouterr()
    return status, out, err


@pytest.fixture(autouse=True)
def _user(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("INCIDENT_CONSOLE_USER", "alice")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("INCIDENT_CONSOLE_FILE", raising=False)


def test_finished_incidents_move_with_their_entries_and_items(tmp_path: Path) -> None:
    work, out = tmp_path / "incidents.json", tmp_path / "archive.json"
    desk = build(work, FATES, notes=3)
    before = log_of(work)
    moved = desk.archive(str(out), cut())
    assert moved.incidents == ("INC-1", "INC-4", "INC-6")
    kept, archived = log_of(work), log_of(out)
    assert set(kept) | set(archived) == set(before) and not set(kept) & set(archived)
    assert all(doc == before[ident] for ident, doc in {**kept, **archived}.items())  # ids and hashes kept
    assert {doc["incident_id"] for doc in archived.values()} == {"INC-1", "INC-4", "INC-6"}
    assert [i.id for i in Repository(work).snapshot().incidents] == ["INC-2", "INC-3", "INC-5"]
    assert {i.incident_id for i in Repository(out).snapshot().action_items} == {"INC-1", "INC-4", "INC-6"}
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert moved.entries == len(archived) and moved.items == 3


def test_verify_on_the_trimmed_file_alone_says_what_is_archived(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    work, out = tmp_path / "incidents.json", tmp_path / "archive.json"
    build(work, FATES).archive(str(out), cut())
    count = len(log_of(out))
    status, text, _ = run(capfd, "--file", str(work), "verify")
    assert status == 0 and "intact" in text
    assert f"{count} entries are in archive archive.json (not checked)" in text
    status, text, _ = run(capfd, "--file", str(out), "verify")
    assert status == 0 and "intact" in text
    status, text, _ = run(capfd, "--file", str(work), "verify", "--with-archive", str(out))
    assert status == 0 and f"verified across {out}" in text and "not checked" not in text


def test_the_files_keep_working_after_an_archive(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    work, out = tmp_path / "incidents.json", tmp_path / "archive.json"
    desk = build(work, [OPEN, FINISHED], notes=0)  # the newest incident, and the chain's newest entry, move
    desk.archive(str(out), cut())
    assert max(log_of(out)) > max(log_of(work))
    entry = desk.log("still on it", incident_id="INC-1")
    assert entry.id == max(log_of(out)) + 1
    declared = desk.declare("another one", Severity.P3)
    assert declared.id == "INC-3"  # INC-2 is in the archive: its number is not given out again
    item = desk.add_action_item("check the graphs", incident_id="INC-3")
    assert item.id == 3
    status, _, err = run(capfd, "--file", str(work), "verify", "--with-archive", str(out))
    assert status == 0, err


def test_a_second_archive_into_the_same_file_adds_to_it(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    work, out = tmp_path / "incidents.json", tmp_path / "archive.json"
    desk = build(work, [FINISHED, OPEN, OPEN])
    desk.archive(str(out), cut())
    desk.set_status(Status.RESOLVED, note="ok", incident_id="INC-2")
    desk.complete_postmortem("INC-2", reason="reviewed")
    moved = desk.archive(str(out), cut())
    assert moved.appended and moved.incidents == ("INC-2",)
    assert {i.id for i in Repository(out).snapshot().incidents} == {"INC-1", "INC-2"}
    status, text, err = run(capfd, "--file", str(work), "verify", "--with-archive", str(out))
    assert status == 0, err
    assert len(json.loads(work.read_text())["archives"]) == 1


def test_open_and_unreviewed_incidents_never_move(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    work = tmp_path / "incidents.json"
    build(work, [OPEN, RESOLVED])
    before = work.read_bytes()
    status, _, err = run(
        capfd, "--file", str(work), "archive", "--before", "2099-01-01", "--out", str(tmp_path / "a.json")
    )
    assert status == 2 and "nothing to archive" in err and err.count("\n") == 1
    assert work.read_bytes() == before and not (tmp_path / "a.json").exists()


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--out", "{tmp}/a.json"], "--before DATE or --resolved-older-than"),
        (["--before", "2026-13-40", "--out", "{tmp}/a.json"], "--before '2026-13-40'"),
        (["--before", "2026-11-01T00:00", "--out", "{tmp}/a.json"], "has no offset"),
        (["--resolved-older-than", "30 days", "--out", "{tmp}/a.json"], "--resolved-older-than '30 days'"),
        (["--before", "2026-11-01", "--resolved-older-than", "30d", "--out", "{tmp}/a.json"], "not allowed with"),
        (["--before", "2099-01-01"], "--out FILE"),
        (["--before", "2099-01-01", "--out", "{tmp}/incidents.json"], "is the working file itself"),
        (["--before", "2099-01-01", "--out", "{tmp}/other.json"], "already exists and is not an archive"),
        (["--before", "2026-01-01", "--out", "{tmp}/a.json"], "nothing to archive"),
    ],
)
def test_a_bad_archive_command_is_one_sentence_and_changes_nothing(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], argv: list[str], named: str
) -> None:
    work = tmp_path / "incidents.json"
    build(work, [FINISHED, OPEN])
    (tmp_path / "other.json").write_text("{}")
    before = work.read_bytes()
    argv = [part.replace("{tmp}", str(tmp_path)) for part in argv]
    status, out, err = run(capfd, "--file", str(work), "archive", *argv)
    assert status == 2 and out == ""
    assert named in err and err.count("\n") == 1 and "Traceback" not in err
    assert work.read_bytes() == before and not (tmp_path / "a.json").exists()
    assert (tmp_path / "other.json").read_text() == "{}"


def _archived(tmp_path: Path) -> tuple[Path, Path]:
    work, out = tmp_path / "incidents.json", tmp_path / "archive.json"
    build(work, FATES).archive(str(out), cut())
    return work, out


def _verify_with(capfd: pytest.CaptureFixture[str], work: Path, archive: Path) -> tuple[int, str]:
    status, out, err = run(capfd, "--file", str(work), "verify", "--with-archive", str(archive))
    return status, err


def test_verify_with_archive_fails_on_an_edited_archive(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    work, out = _archived(tmp_path)
    out.write_text(out.read_text().replace("follow up on INC-1", "nothing to follow up"), encoding="utf-8")
    text = out.read_text()
    first_note = next(line for line in text.splitlines() if '"kind":"note"' in line)
    out.write_text(text.replace(first_note, first_note.replace("note 0.", "note 9.")))
    status, err = _verify_with(capfd, work, out)
    assert status == 1 and "does not match its hash" in err and err.count("\n") == 1


def test_verify_with_archive_fails_on_a_truncated_archive(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    work, out = _archived(tmp_path)
    data = json.loads(out.read_text())
    last = max(data["log"], key=int)
    del data["log"][last]
    data["meta"]["1"]["entries"] -= 1
    data["meta"]["1"]["head"] = data["log"][max(data["log"], key=int)]["hash"]
    out.write_text(json.dumps(data))
    status, err = _verify_with(capfd, work, out)
    assert status == 1 and "does not match the record" in err and err.count("\n") == 1


def test_verify_with_archive_fails_on_the_wrong_file(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    work, _ = _archived(tmp_path)
    other = tmp_path / "other" / "incidents.json"
    build(other, [FINISHED]).archive(str(tmp_path / "other" / "archive.json"), cut())
    status, err = _verify_with(capfd, work, tmp_path / "other" / "archive.json")
    assert status == 1 and "does not match the record" in err or "the wrong file" in err
    status, err = _verify_with(capfd, work, work)
    assert status == 1 and "the wrong file" in err and err.count("\n") == 1


def test_an_edited_record_of_the_archive_fails_verify(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    work, out = _archived(tmp_path)
    data = json.loads(work.read_text())
    data["archives"]["1"]["entries"] += 1
    work.write_text(json.dumps(data))
    status, _, err = run(capfd, "--file", str(work), "verify")
    assert status == 1 and "its archives" in err


def test_a_read_only_desk_refuses_to_archive(tmp_path: Path) -> None:
    work = tmp_path / "incidents.json"
    build(work, [FINISHED])
    with pytest.raises(ReadOnlyView):
        Desk(Repository(work), author="viewer", read_only=True).archive(str(tmp_path / "a.json"), cut())


def test_archive_json_and_completion(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    work, out = tmp_path / "incidents.json", tmp_path / "archive.json"
    build(work, FATES)
    status, text, _ = run(capfd, "--file", str(work), "archive", "--before", "2099-01-01", "--out", str(out), "--json")
    data = json.loads(text)
    assert status == 0 and data["incidents"] == ["INC-1", "INC-4", "INC-6"] and data["archive"] == str(out)
    assert data["entries"] == len(log_of(out)) and data["appended"] is False
    status, text, _ = run(capfd, "completion", "fish")
    assert status == 0 and "archive" in text and "resolved-older-than" in text


def test_an_archive_is_never_changed_by_a_command(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    work, out = _archived(tmp_path)
    before = out.read_bytes()
    status, _, err = run(capfd, "--file", str(out), "log", "a note in the archive", "--incident", "INC-1")
    assert status == 1 and "is an archive: it is read, never changed" in err
    assert out.read_bytes() == before
    status, text, _ = run(capfd, "--file", str(out), "show", "--incident", "INC-1")
    assert status == 0 and "INC-1" in text


def test_verify_finishes_an_archive_whose_rename_failed(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from incident_console.domain.errors import FileProblem
    from incident_console.store import archive

    work, out = tmp_path / "incidents.json", tmp_path / "archive.json"
    desk = build(work, FATES)

    def refuse(step: str) -> None:
        if step == "renaming":
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(archive, "after_step", refuse)
    with pytest.raises(FileProblem, match="`incident-console verify` finishes it"):
        desk.archive(str(out), cut())
    monkeypatch.setattr(archive, "after_step", None)
    assert not out.exists() and Path(archive.pending_path(str(out))).exists()
    status, text, err = run(capfd, "--file", str(work), "verify", "--with-archive", str(out))
    assert status == 0, err
    assert "finished moving archive archive.json into place" in text
    assert not Path(archive.pending_path(str(out))).exists()


def test_a_keyed_chain_stays_keyed_across_the_archive(tmp_path: Path) -> None:
    key = b"the team's secret key"
    work, out = tmp_path / "incidents.json", tmp_path / "archive.json"
    desk = build(work, FATES, chain_key=key)
    desk.archive(str(out), cut())
    assert Repository(work, chain_key=key).verify() is None
    assert Repository(out, chain_key=key).verify() is None
    assert desk.check_with_archive(str(out)).problem is None
    desk.log("after the archive", incident_id="INC-2")
    assert desk.check_with_archive(str(out)).problem is None
    assert Repository(work, chain_key=b"another key").verify() is not None
