"""The files a save creates and removes beside the state file: the temporary file's mode, what a failed
save may claim, which leftovers are swept and by whom, and the store's config key."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from incident_console.desk import Desk
from incident_console.domain.errors import FileProblem
from incident_console.domain.model import Severity
from incident_console.store import atomic, storage
from incident_console.store.repository import Repository
from tests.unit.test_cli import Cli


def seeded(path: Path) -> Desk:
    desk = Desk(Repository(path), author="alice")
    desk.declare("Checkout down", Severity.P1)
    desk.log("restarted pods")
    return desk


@contextmanager
def umask(value: int) -> Iterator[None]:
    old = os.umask(value)
    try:
        yield
    finally:
        os.umask(old)


def temps(path: Path) -> list[Path]:
    return sorted(p for p in path.parent.iterdir() if p.name.startswith(storage.temp_prefix(path)))


# --- the temporary file's mode ------------------------------------------------------------------


@pytest.mark.parametrize(("kept", "mask"), [(0o664, 0o022), (0o640, 0o077), (0o600, 0o022)])
def test_the_new_file_has_the_old_files_mode_before_its_first_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kept: int, mask: int
) -> None:
    path = tmp_path / "incidents.json"
    desk = seeded(path)
    path.chmod(kept)
    seen: dict[str, list[int]] = {}

    def look(step: str) -> None:
        seen[step] = [stat.S_IMODE(p.stat().st_mode) for p in temps(path)]

    monkeypatch.setattr(atomic, "after_step", look)
    with umask(mask):
        desk.log("one more")
    # Set when the file was made, so the fsync that follows makes the mode durable with the bytes.
    assert seen["written"] == [kept]
    assert seen["fsynced"] == [kept]
    assert stat.S_IMODE(path.stat().st_mode) == kept


def test_a_temporary_name_cannot_be_guessed_from_the_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "incidents.json"
    desk = seeded(path)
    names: list[str] = []
    monkeypatch.setattr(atomic, "after_step", lambda step: names.extend(p.name for p in temps(path)))
    desk.log("a")
    desk.log("b")
    assert len(set(names)) == 2 and all(name != f"{storage.temp_prefix(path)}{os.getpid()}" for name in names)


# --- what a failed save says ----------------------------------------------------------------------


def test_a_failed_save_says_the_file_is_intact_only_when_it_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "incidents.json"
    desk = seeded(path)
    real_write_all = atomic._write_all

    def full(fd: int, pieces: list[atomic.Piece]) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic, "_write_all", full)
    with pytest.raises(FileProblem, match="the previous file is intact"):
        desk.log("on a full disk")

    def cut_short(fd: int, pieces: list[atomic.Piece]) -> None:
        real_write_all(fd, pieces)
        with open(path, "r+b") as handle:  # the file itself is cut short meanwhile
            handle.truncate(100)
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(atomic, "_write_all", cut_short)
    with pytest.raises(FileProblem) as caught:
        desk.log("while the file is cut short")
    assert "intact" not in str(caught.value)
    assert "changed while saving" in str(caught.value) and "verify" in str(caught.value)


# --- stale temporary files ------------------------------------------------------------------------


def test_every_save_sweeps_temporary_files_left_by_crashed_writers(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    desk = seeded(path)
    for name in (f"{storage.temp_prefix(path)}99999999-abcdef", f"{storage.temp_prefix(path)}12345"):
        (tmp_path / name).write_bytes(b'{"half": ')
    desk.log("the same process saves again")
    assert temps(path) == []


@pytest.fixture
def live_pid() -> Iterator[int]:
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        yield child.pid
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=30)


def test_export_sweeps_the_files_leftovers_and_the_copys_of_writers_no_longer_running(
    tmp_path: Path, live_pid: int
) -> None:
    path = tmp_path / "incidents.json"
    desk = seeded(path)
    stale = tmp_path / f"{storage.temp_prefix(path)}99999999-abcdef"
    stale.write_bytes(b"{")
    copy = tmp_path / "copy.json"
    dead = tmp_path / f"{storage.temp_prefix(copy)}99999999-abcdef"
    dead.write_bytes(b"{")
    live = tmp_path / f"{storage.temp_prefix(copy)}{live_pid}-abcdef"
    live.write_bytes(b"{")
    desk.export(str(copy))
    assert not stale.exists() and not dead.exists()
    assert live.exists(), "a running writer's temporary file was removed"
    assert Repository(copy).verify() is None


# --- the lock file ---------------------------------------------------------------------------------


def test_the_lock_file_is_never_written(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    desk = seeded(path)
    lock = tmp_path / "incidents.json.lock"
    lock.write_bytes(b"kept as it is\n")
    desk.log("another")
    assert lock.read_bytes() == b"kept as it is\n"
    assert stat.S_ISREG(os.lstat(lock).st_mode)


# --- [store] lock_timeout_seconds -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("toml", "says"),
    [
        ('[store]\nlock_timeout_seconds = "soon"\n', "is not a number of seconds"),
        ("[store]\nlock_timeout_seconds = -1\n", "must be zero or more seconds"),
        ("[store]\nlock_timeout_seconds = true\n", "is not a number of seconds"),
        ("[store]\nlock_timeout_seconds = inf\n", "must be zero or more seconds"),
        ("[store]\nlock_timeout_seconds = 100000\n", "is too long"),
        ("[store]\nlock_wait = 3\n", "unknown key 'store.lock_wait'"),
        ("store = 3\n", "'store' must be a table"),
    ],
)
def test_a_bad_lock_timeout_is_refused_with_a_sentence(tmp_path: Path, toml: str, says: str) -> None:
    cli = Cli(tmp_path)
    config = tmp_path / "config.toml"
    config.write_text(toml, encoding="utf-8")
    line = cli.fails(2, "--config", str(config), "log", "x")
    assert str(config) in line and says in line, line


def test_the_lock_timeout_is_ten_seconds_unless_configured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from incident_console.config import load_config

    monkeypatch.delenv("INCIDENT_CONSOLE_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-config"))
    assert load_config().lock_timeout == 10.0
    config = tmp_path / "config.toml"
    config.write_text("[store]\nlock_timeout_seconds = 2.5\n", encoding="utf-8")
    assert load_config(str(config)).lock_timeout == 2.5


# --- a linked state file ----------------------------------------------------------------------------


def test_a_loop_of_links_is_refused_with_a_sentence(tmp_path: Path) -> None:
    os.symlink("b.json", tmp_path / "a.json")
    os.symlink("a.json", tmp_path / "b.json")
    cli = Cli(tmp_path)
    line = cli.fails(1, "--file", str(tmp_path / "a.json"), "log", "x", file=False)
    assert str(tmp_path / "a.json") in line and "symbolic link" in line, line


def test_two_names_of_one_file_are_one_repositorys_file(tmp_path: Path) -> None:
    real = tmp_path / "real" / "incidents.json"
    real.parent.mkdir()
    seeded(real)
    os.symlink(real.parent, tmp_path / "linked-folder")
    through_folder = Repository(tmp_path / "linked-folder" / "incidents.json")
    assert through_folder.path == str(real) and through_folder.lock.path == f"{real}.lock"
    Desk(through_folder, author="bob").log("through the linked folder")
    assert (tmp_path / "linked-folder").is_symlink()
    assert Repository(real).snapshot().log[-1].text == "through the linked folder"
