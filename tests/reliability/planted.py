"""Reliability scenarios for the names the store opens: links planted at them, a lock held or not ours.

Every name the store opens beside the state file is planted with something hostile, as a second
user in a shared folder (or a careless one) could: a symbolic link at the temporary file's name (for
``log`` and for ``export``, and at the export target itself), at ``<file>.lock`` and at the state
file; a lock file that is a FIFO, a folder or another user's; and a lock held by another process.
Whatever is planted, no file outside the state file changes, the state file keeps every entry a
command reported saved, a refusal is one sentence with exit status 1, and nothing waits forever.

Same signature as ``scenarios``: ``scenario(workdir, trials, *, seed=None, strict=False) -> Result``.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import random
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
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
    Unavailable,
    build_rich_file,
    child_env,
    file_ids,
    new_seed,
    one_line_error,
    run_cli,
)

# The second user of the shared-folder cases (created with useradd when the tests run as root).
OTHER_USER = "ic-other"
VICTIM_TEXT = b"an unrelated file that no save may touch\n"
# A held lock is waited for this long in these scenarios (config.toml's [store] lock_timeout_seconds).
SHORT_WAIT = 1


def _file_with_log(path: Path, notes: int = 0) -> None:
    """A file with every table, and ``notes`` more log lines (a longer read before each save)."""
    build_rich_file(path)
    if notes:
        desk = Desk(Repository(path), author="parent")
        for number in range(notes):
            desk.log(f"filler {number}")


def _victim(folder: Path, mode: int = 0o644) -> Path:
    victim = folder / "unrelated.txt"
    victim.write_bytes(VICTIM_TEXT)
    victim.chmod(mode)
    return victim


def _untouched(victim: Path, mode: int = 0o644) -> None:
    assert victim.read_bytes() == VICTIM_TEXT, f"{victim} was overwritten: {victim.read_bytes()[:80]!r}"
    got = stat.S_IMODE(victim.stat().st_mode)
    assert got == mode, f"{victim} is now {got:o} (was {mode:o})"


def _config(folder: Path, seconds: float = SHORT_WAIT) -> Path:
    config = folder / "config.toml"
    config.write_text(f"[store]\nlock_timeout_seconds = {seconds}\n", encoding="utf-8")
    return config


def _cli(path: Path, *args: str, folder: Path, config: Path | None = None, **popen: Any) -> Any:
    extra = ("--config", str(config)) if config is not None else ()
    return run_cli(path, *extra, *args, workdir=folder, **popen)


def _popen_cli(path: Path, *args: str, folder: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
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
            _file_with_log(path)
            victim = _victim(folder)
            copy = folder / "copy.json"
            process = _popen_cli(path, "export", "--out", str(copy), folder=folder)
            os.symlink(victim, _legacy_temp(copy, process.pid))
            out, err = process.communicate(timeout=CHILD_TIMEOUT)
            assert process.returncode == 0, err.decode("utf-8", "replace")
            _untouched(victim)
            assert not copy.is_symlink() and copy.is_file(), "the copy is not a regular file"
            assert stat.S_IMODE(copy.stat().st_mode) == 0o600, f"the copy is {stat.S_IMODE(copy.stat().st_mode):o}"
            assert Repository(copy).verify() is None
            assert file_ids(copy) == file_ids(path)

            linked = folder / "linked-copy.json"
            os.symlink(victim, linked)
            refused = _cli(path, "export", "--out", str(linked), folder=folder)
            line = one_line_error(refused.stderr, status=refused.returncode, mentions=str(linked))
            assert refused.returncode == 1 and "symbolic link" in line, line
            _untouched(victim)
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
            _file_with_log(path, notes=600)  # a read long enough for a plant to land before the save
            victim = _victim(folder)
            with Planter(path, victim) as planter:
                process = _popen_cli(path, "log", f"planted {trial}", folder=folder)
                planter.plant(process.pid)
                out, err = process.communicate(timeout=CHILD_TIMEOUT)
            assert process.returncode == 0, err.decode("utf-8", "replace")
            _untouched(victim)
            assert not path.is_symlink(), "the state file was replaced by the planted link"
            assert f"planted {trial}" in [doc["text"] for doc in _log_docs(path)]
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
            _file_with_log(path, notes=300)
            before = len(file_ids(path))
            saved: list[str] = []
            refusals: list[str] = []
            with Planter(path, path.name) as planter:
                running: list[tuple[str, subprocess.Popen[bytes]]] = []
                for number in range(calls):
                    text = f"race {trial} {number}"
                    process = _popen_cli(path, "log", text, folder=folder)
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
                        entries = len(_log_docs(path))
                        assert entries >= before + len(saved), (
                            f"the file holds {entries} entries, expected at least {before + len(saved)}: {refusals}"
                        )
            texts = [doc["text"] for doc in _log_docs(path)]
            missing = [label for label in saved if label not in texts]
            assert not missing, f"{len(missing)} entries reported saved are not in the file: {missing[:3]}"
            assert not refusals, f"{len(refusals)} calls failed: {refusals[:2]}"
            ids = file_ids(path)
            assert ids == list(range(1, len(ids) + 1)), "the ids are not 1..N"
            assert Repository(path).verify() is None
    return tally.result()


def _log_docs(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return list((json.load(handle).get("log") or {}).values())


# --- the lock file ---------------------------------------------------------------------------


def _lock(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def planted_lock(workdir: Path, trials: int = 1, *, seed: int | None = None, strict: bool = False) -> Result:
    """``<file>.lock`` planted as a link (dangling, or to an unrelated file), a FIFO or a folder:
    ``log`` exits 1 with one sentence naming the lock and saying what it is, creates nothing where
    the link points, leaves the state file as it was."""
    tally = Tally(strict)
    plants: dict[str, Callable[[Path, Path], None]] = {
        "dangling link": lambda lock, folder: os.symlink(folder / "created-through-the-link", lock),
        "link to a file": lambda lock, folder: os.symlink(folder / "unrelated.txt", lock),
        "fifo": lambda lock, folder: os.mkfifo(lock),
        "folder": lambda lock, folder: lock.mkdir(),
    }
    words = {"dangling link": "symbolic link", "link to a file": "symbolic link", "fifo": "FIFO", "folder": "folder"}
    for trial in range(trials):
        for name, plant in plants.items():
            with tally.trial(f"trial {trial}: {name}"):
                folder = workdir / f"lock-{trial}-{name.replace(' ', '-')}"
                folder.mkdir(parents=True)
                path = folder / "incidents.json"
                _file_with_log(path)
                victim = _victim(folder)
                lock = _lock(path)
                lock.unlink()
                plant(lock, folder)
                content = path.read_bytes()
                refused = _cli(path, "log", "through a planted lock", folder=folder)
                line = one_line_error(refused.stderr, status=refused.returncode, mentions=str(lock))
                assert refused.returncode == 1, f"exit {refused.returncode}: {line}"
                assert words[name] in line, f"does not say the lock is a {words[name]}: {line}"
                assert not (folder / "created-through-the-link").exists(), "a file was created through the link"
                _untouched(victim)
                assert path.read_bytes() == content
    return tally.result()


def foreign_lock(workdir: Path, trials: int = 1, *, seed: int | None = None, strict: bool = False) -> Result:
    """A lock file owned by another user (neither us nor the state file's owner) is refused with one
    sentence that says whose it is; one owned by the state file's owner is used."""
    if os.geteuid() != 0:
        raise Unavailable("needs root, to give the lock file to another user (chown)")
    other = _other_user()
    tally = Tally(strict)
    for trial in range(trials):
        with tally.trial(f"trial {trial}"):
            folder = workdir / f"foreign-{trial}"
            folder.mkdir(parents=True)
            path = folder / "incidents.json"
            _file_with_log(path)
            lock = _lock(path)
            os.chown(lock, other.pw_uid, other.pw_gid)
            content = path.read_bytes()
            refused = _cli(path, "log", "through another user's lock", folder=folder)
            line = one_line_error(refused.stderr, status=refused.returncode, mentions=str(lock))
            assert refused.returncode == 1 and OTHER_USER in line, line
            assert path.read_bytes() == content
            # The state file's owner's lock is the lock (e.g. root writing a file an on-call user owns).
            os.chown(path, other.pw_uid, other.pw_gid)
            done = _cli(path, "log", "through the owner's lock", folder=folder)
            assert done.returncode == 0, done.stderr
    return tally.result()


# --- a held lock -------------------------------------------------------------------------------

HOLDER = r"""
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.readline()
"""


@contextlib.contextmanager
def held_lock(lock: Path) -> Iterator[subprocess.Popen[str]]:
    """A child process that holds ``lock`` (flock) until the block ends."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(lock)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n", "the holder did not take the lock"
        yield holder
    finally:
        if holder.stdin is not None:
            holder.stdin.close()
        holder.wait(timeout=CHILD_TIMEOUT)


def lock_held(workdir: Path, trials: int = 1, *, seed: int | None = None, strict: bool = False) -> Result:
    """While another process holds the lock, ``log`` waits the configured time, then exits 1 with one
    sentence naming the file and the holder's pid; several hooks at once all end the same way (none
    piles up); once the lock is free the same command saves its entry."""
    tally = Tally(strict)
    for trial in range(trials):
        with tally.trial(f"trial {trial}"):
            folder = workdir / f"held-{trial}"
            folder.mkdir(parents=True)
            path = folder / "incidents.json"
            _file_with_log(path)
            config = _config(folder)
            content = path.read_bytes()
            with held_lock(_lock(path)) as holder:
                hooks = [_popen_cli(path, "--config", str(config), "log", f"hook {n}", folder=folder) for n in range(3)]
                for hook in hooks:
                    _, err = hook.communicate(timeout=CHILD_TIMEOUT)
                    line = one_line_error(err, status=hook.returncode, mentions=str(path))
                    assert hook.returncode == 1, line
                    assert f"process {holder.pid}" in line, f"does not name the holder {holder.pid}: {line}"
                assert path.read_bytes() == content
            done = _cli(path, "log", "after the holder let go", folder=folder, config=config)
            assert done.returncode == 0, done.stderr
            assert "after the holder let go" in [doc["text"] for doc in _log_docs(path)]
            bad = folder / "bad.toml"
            bad.write_text('[store]\nlock_timeout_seconds = "soon"\n', encoding="utf-8")
            refused = _cli(path, "log", "x", folder=folder, config=bad)
            line = one_line_error(refused.stderr, status=refused.returncode, mentions="lock_timeout_seconds")
            assert refused.returncode == 2, line
    return tally.result()


# --- a linked state file -----------------------------------------------------------------------


def linked_state(workdir: Path, trials: int = 1, *, seed: int | None = None, strict: bool = False) -> Result:
    """The state file is a link: entries written through it land in its target, the link stays a link,
    the lock is the target's, so a lock held through the target's name stops a writer using the link."""
    tally = Tally(strict)
    for trial in range(trials):
        with tally.trial(f"trial {trial}"):
            folder = workdir / f"linked-{trial}"
            (folder / "real").mkdir(parents=True)
            real = folder / "real" / "incidents.json"
            _file_with_log(real)
            alias = folder / "alias.json"
            os.symlink(os.path.relpath(real, folder), alias)
            done = _cli(alias, "log", "through the link", folder=folder)
            assert done.returncode == 0, done.stderr
            assert alias.is_symlink(), "the link was replaced by a regular file"
            assert "through the link" in [doc["text"] for doc in _log_docs(real)]
            assert not _lock(alias).exists(), "the link got a lock of its own"
            assert Repository(real).verify() is None
            config = _config(folder)
            with held_lock(_lock(real)) as holder:
                refused = _cli(alias, "log", "while held", folder=folder, config=config)
                line = one_line_error(refused.stderr, status=refused.returncode)
                assert refused.returncode == 1 and f"process {holder.pid}" in line, line
    return tally.result()


# --- a shared sticky folder and a second user ---------------------------------------------------


def _other_user() -> pwd.struct_passwd:
    """The second Unix user; created with useradd (as root) when missing."""
    try:
        return pwd.getpwnam(OTHER_USER)
    except KeyError:
        pass
    if os.geteuid() != 0:
        raise Unavailable(f"needs a second Unix user {OTHER_USER!r} (useradd needs root)")
    useradd = shutil.which("useradd")
    if useradd is None:
        raise Unavailable("needs useradd to create a second Unix user")
    made = subprocess.run(
        [useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", OTHER_USER],
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
    )
    if made.returncode not in (0, 9):  # 9: it exists already (another run made it meanwhile)
        raise Unavailable(f"useradd {OTHER_USER} failed: {made.stderr.strip()}")
    return pwd.getpwnam(OTHER_USER)


def _as(user: pwd.struct_passwd) -> Callable[[], None]:
    def drop() -> None:
        os.setgroups([])
        os.setgid(user.pw_gid)
        os.setuid(user.pw_uid)

    return drop


def shared_folder(workdir: Path, trials: int = 1, *, seed: int | None = None, strict: bool = False) -> Result:
    """In a sticky folder anyone may write (like /tmp), a second user plants links for a root writer:
    at the temporary names of ``log`` (again and again) and at ``<file>.lock``, both pointing at a
    root-only file and into a root-only folder, and a link at the state file's name. The root-only
    file keeps its bytes and mode, nothing appears in the root-only folder, each refusal is one
    sentence, and once the plants are gone the writer saves."""
    if os.geteuid() != 0:
        raise Unavailable("needs root, to act as a second user in a shared folder")
    other = _other_user()

    def plant_as_other(link: Path, target: Path | str) -> None:
        made = subprocess.run(["ln", "-s", str(target), str(link)], preexec_fn=_as(other), capture_output=True)
        if made.returncode != 0 and not os.path.lexists(link):
            raise AssertionError(f"{OTHER_USER} could not plant {link}: {made.stderr.decode(errors='replace')}")

    # Outside the test's own folder, which only root may enter: the second user has to reach this one.
    top = Path(tempfile.mkdtemp(prefix="incident-console-shared-"))
    top.chmod(0o755)
    try:
        return _shared_folder_trials(top, trials, strict, plant_as_other, other)
    finally:
        shutil.rmtree(top, ignore_errors=True)


def _shared_folder_trials(
    top: Path, trials: int, strict: bool, plant_as_other: Callable[[Path, Path | str], None], other: Any
) -> Result:
    tally = Tally(strict)
    for trial in range(trials):
        with tally.trial(f"trial {trial}"):
            base = top / f"shared-{trial}"
            private = base / "private"
            private.mkdir(parents=True)
            private.chmod(0o700)
            secret = _victim(private, 0o600)
            shared = base / "shared"
            shared.mkdir()
            shared.chmod(0o1777)
            path = shared / "incidents.json"
            _file_with_log(path, notes=600)

            _lock(path).unlink()
            plant_as_other(_lock(path), private / "made-by-the-lock")
            refused = _cli(path, "log", "lock planted", folder=base)
            line = one_line_error(refused.stderr, status=refused.returncode, mentions=str(_lock(path)))
            assert refused.returncode == 1, line
            assert not (private / "made-by-the-lock").exists(), "root created a file where the other user pointed"
            _lock(path).unlink()  # root may remove it; the owner of the folder would

            with Planter(path, secret, as_user=plant_as_other) as planter:
                process = _popen_cli(path, "log", "temp planted", folder=base)
                planter.plant(process.pid)
                _, err = process.communicate(timeout=CHILD_TIMEOUT)
            assert process.returncode == 0, err.decode("utf-8", "replace")
            _untouched(secret, 0o600)
            assert not path.is_symlink()
            assert "temp planted" in [doc["text"] for doc in _log_docs(path)]

            alias = shared / "alias.json"
            plant_as_other(alias, secret)
            refused = _cli(alias, "show", folder=base)
            line = one_line_error(refused.stderr, status=refused.returncode, mentions=str(alias))
            assert refused.returncode == 1 and OTHER_USER in line, line
            _untouched(secret, 0o600)
    return tally.result()
