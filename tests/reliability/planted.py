"""Reliability scenarios for the temporary file a save writes: links planted at its name.

A symbolic link is planted at the temporary file's name, as a second user in a shared folder (or
a careless script) could: for ``log`` (planted again and again, to an unrelated file or to the
state file itself, while many writers race) and for ``export`` (and at the export target itself).
Whatever is planted, no file outside the state file changes, the state file keeps every entry a
command reported saved, and a message says the previous file is intact only when it is. The lock
file, a held lock and a linked state file are in ``locks``.

Same signature as ``scenarios``: ``scenario(workdir, trials, *, seed=None, strict=False) -> Result``.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import stat
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from incident_console.desk import Desk
from incident_console.store import storage
from incident_console.store.repository import Repository
from tests.reliability.harness import (
    CHILD_TIMEOUT,
    ROOT,
    Result,
    Tally,
    build_rich_file,
    child_env,
    file_ids,
    new_seed,
    one_line_error,
    run_cli,
)

VICTIM_TEXT = b"an unrelated file that no save may touch\n"
# A held lock is waited for this long in these scenarios (config.toml's [store] lock_timeout_seconds).
SHORT_WAIT = 1


_BUILT: dict[int, bytes] = {}


def file_with_log(path: Path, notes: int = 0) -> None:
    """A file with every table, and ``notes`` more log lines (a longer read before each save), and
    its lock file, as a writer leaves them. Built once for each ``notes``, then copied."""
    if notes not in _BUILT:
        build_rich_file(path)
        desk = Desk(Repository(path), author="parent")
        for number in range(notes):
            desk.log(f"filler {number}")
        _BUILT[notes] = path.read_bytes()
    else:
        path.write_bytes(_BUILT[notes])
        path.chmod(0o600)
        lock_of(path).touch(mode=0o600)


def lock_of(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def victim_file(folder: Path, mode: int = 0o644) -> Path:
    victim = folder / "unrelated.txt"
    victim.write_bytes(VICTIM_TEXT)
    victim.chmod(mode)
    return victim


def untouched(victim: Path, mode: int = 0o644) -> None:
    assert victim.read_bytes() == VICTIM_TEXT, f"{victim} was overwritten: {victim.read_bytes()[:80]!r}"
    got = stat.S_IMODE(victim.stat().st_mode)
    assert got == mode, f"{victim} is now {got:o} (was {mode:o})"


def wait_config(folder: Path, seconds: float = SHORT_WAIT) -> Path:
    config = folder / "config.toml"
    config.write_text(f"[store]\nlock_timeout_seconds = {seconds}\n", encoding="utf-8")
    return config


def cli(path: Path, *args: str, folder: Path, config: Path | None = None, **popen: Any) -> Any:
    extra = ("--config", str(config)) if config is not None else ()
    return run_cli(path, *extra, *args, workdir=folder, **popen)


def popen_cli(path: Path, *args: str, folder: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "incident_console", "--file", str(path), *args]
    return subprocess.Popen(
        argv,
        cwd=ROOT,
        env=env or child_env(folder),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _legacy_temp(path: Path, pid: int) -> Path:
    """The temporary file's name as writers used to choose it: predictable from the pid."""
    return path.with_name(f"{storage.temp_prefix(path)}{pid}")


class Planter:
    """Keeps a symbolic link at the predictable temporary name of each process it is told about,
    planting it again whenever a writer's sweep removes it (as a process racing the writer would)."""

    def __init__(self, path: Path, target: Path | str, as_user: Callable[[Path, Path | str], None] | None = None):
        self.path, self.target, self.as_user = path, target, as_user
        self.pids: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Planter:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        for pid in list(self.pids):
            with contextlib.suppress(OSError):
                _legacy_temp(self.path, pid).unlink()

    def plant(self, pid: int) -> None:
        self.pids.add(pid)
        self._plant_one(pid)

    def _plant_one(self, pid: int) -> None:
        link = _legacy_temp(self.path, pid)
        if self.as_user is not None:
            if not os.path.lexists(link):
                self.as_user(link, self.target)
            return
        with contextlib.suppress(FileExistsError):
            os.symlink(self.target, link)

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in list(self.pids):
                self._plant_one(pid)
            self._stop.wait(0.0005)


def _real_temps(path: Path) -> list[str]:
    """Temporary files a writer left (regular files), not the links planted here."""
    folder = path.parent
    return sorted(
        name
        for name in os.listdir(folder)
        if name.startswith(storage.temp_prefix(path)) and not os.path.islink(folder / name)
    )


# --- the temporary file ----------------------------------------------------------------------


def planted_temp_export(workdir: Path, trials: int = 1, *, seed: int | None = None, strict: bool = False) -> Result:
    """A link at the export copy's temporary name, planted as the export starts: the unrelated file it
    points to keeps its bytes and mode, the copy is a 0600 regular file that verifies; a link at the
    export target itself is refused with one sentence and its target left alone."""
    tally = Tally(strict)
    for trial in range(trials):
        with tally.trial(f"trial {trial}"):
            folder = workdir / f"export-{trial}"
            folder.mkdir(parents=True)
            path = folder / "incidents.json"
            file_with_log(path)
            victim = victim_file(folder)
            copy = folder / "copy.json"
            process = popen_cli(path, "export", "--out", str(copy), folder=folder)
            os.symlink(victim, _legacy_temp(copy, process.pid))
            out, err = process.communicate(timeout=CHILD_TIMEOUT)
            assert process.returncode == 0, err.decode("utf-8", "replace")
            untouched(victim)
            assert not copy.is_symlink() and copy.is_file(), "the copy is not a regular file"
            assert stat.S_IMODE(copy.stat().st_mode) == 0o600, f"the copy is {stat.S_IMODE(copy.stat().st_mode):o}"
            assert Repository(copy).verify() is None
            assert file_ids(copy) == file_ids(path)

            linked = folder / "linked-copy.json"
            os.symlink(victim, linked)
            refused = cli(path, "export", "--out", str(linked), folder=folder)
            line = one_line_error(refused.stderr, status=refused.returncode, mentions=str(linked))
            assert refused.returncode == 1 and "symbolic link" in line, line
            untouched(victim)
            assert linked.is_symlink()
    return tally.result()


def planted_temp_log(workdir: Path, trials: int = 1, *, seed: int | None = None, strict: bool = False) -> Result:
    """A link at ``log``'s predictable temporary name, planted again and again while it runs (its sweep
    removes it): the unrelated file keeps its bytes and mode, the entry is saved, the state file stays
    a regular file and no temporary file is left."""
    tally = Tally(strict)
    for trial in range(trials):
        with tally.trial(f"trial {trial}"):
            folder = workdir / f"log-{trial}"
            folder.mkdir(parents=True)
            path = folder / "incidents.json"
            file_with_log(path, notes=600)  # a read long enough for a plant to land before the save
            victim = victim_file(folder)
            with Planter(path, victim) as planter:
                process = popen_cli(path, "log", f"planted {trial}", folder=folder)
                planter.plant(process.pid)
                out, err = process.communicate(timeout=CHILD_TIMEOUT)
            assert process.returncode == 0, err.decode("utf-8", "replace")
            untouched(victim)
            assert not path.is_symlink(), "the state file was replaced by the planted link"
            assert f"planted {trial}" in [doc["text"] for doc in log_docs(path)]
            assert Repository(path).verify() is None
            assert _real_temps(path) == []
    return tally.result()


def racing_logs(
    workdir: Path, trials: int = 1, *, calls: int = 60, seed: int | None = None, strict: bool = False
) -> Result:
    """``calls`` ``log`` processes at once (a few at a time), while links to the state file itself are
    kept at each one's predictable temporary name: every entry a call reported saved is in the file,
    the file never loses its log, and a message that says the previous file is intact is true."""
    rng = random.Random(new_seed(seed))
    tally = Tally(strict)
    for trial in range(trials):
        with tally.trial(f"trial {trial}"):
            folder = workdir / f"race-{trial}"
            folder.mkdir(parents=True)
            path = folder / "incidents.json"
            file_with_log(path, notes=300)
            before = len(file_ids(path))
            saved: list[str] = []
            refusals: list[str] = []
            with Planter(path, path.name) as planter:
                running: list[tuple[str, subprocess.Popen[bytes]]] = []
                for number in range(calls):
                    text = f"race {trial} {number}"
                    process = popen_cli(path, "log", text, folder=folder)
                    planter.plant(process.pid)
                    running.append((text, process))
                    if len(running) >= rng.choice((3, 4, 6)) or number == calls - 1:
                        for label, started in running:
                            _, err = started.communicate(timeout=CHILD_TIMEOUT)
                            if started.returncode == 0:
                                saved.append(label)
                            else:
                                refusals.append(one_line_error(err, status=started.returncode))
                        running = []
                        entries = len(log_docs(path))
                        assert entries >= before + len(saved), (
                            f"the file holds {entries} entries, expected at least {before + len(saved)}: {refusals}"
                        )
            texts = [doc["text"] for doc in log_docs(path)]
            missing = [label for label in saved if label not in texts]
            assert not missing, f"{len(missing)} entries reported saved are not in the file: {missing[:3]}"
            assert not refusals, f"{len(refusals)} calls failed: {refusals[:2]}"
            ids = file_ids(path)
            assert ids == list(range(1, len(ids) + 1)), "the ids are not 1..N"
            assert Repository(path).verify() is None
    return tally.result()


def log_docs(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return list((json.load(handle).get("log") or {}).values())
