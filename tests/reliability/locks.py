"""Reliability scenarios for the lock file and the state file's own name: planted, not ours, held, linked.

``<file>.lock`` is planted as a link, a FIFO, a folder or another user's file; a lock is held by
another process; the state file is a link, ours or a second user's in a shared sticky folder. No
file outside the state file changes, a refusal is one sentence with exit status 1 that says what
was found, and nothing waits forever.

Same signature as ``scenarios``: ``scenario(workdir, trials, *, seed=None, strict=False) -> Result``.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from incident_console.store.repository import Repository
from tests.reliability.harness import CHILD_TIMEOUT, Result, Tally, Unavailable, one_line_error
from tests.reliability.planted import (
    Planter,
    cli,
    file_with_log,
    lock_of,
    log_docs,
    popen_cli,
    untouched,
    victim_file,
    wait_config,
)

# The second user of the shared-folder cases (created with useradd when the tests run as root).
OTHER_USER = "ic-other"


# --- the lock file ---------------------------------------------------------------------------


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
                file_with_log(path)
                victim = victim_file(folder)
                lock = lock_of(path)
                lock.unlink()
                plant(lock, folder)
                content = path.read_bytes()
                refused = cli(path, "log", "through a planted lock", folder=folder)
                line = one_line_error(refused.stderr, status=refused.returncode, mentions=str(lock))
                assert refused.returncode == 1, f"exit {refused.returncode}: {line}"
                assert words[name] in line, f"does not say the lock is a {words[name]}: {line}"
                assert not (folder / "created-through-the-link").exists(), "a file was created through the link"
                untouched(victim)
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
            file_with_log(path)
            lock = lock_of(path)
            os.chown(lock, other.pw_uid, other.pw_gid)
            content = path.read_bytes()
            refused = cli(path, "log", "through another user's lock", folder=folder)
            line = one_line_error(refused.stderr, status=refused.returncode, mentions=str(lock))
            assert refused.returncode == 1 and OTHER_USER in line, line
            assert path.read_bytes() == content
            # The state file's owner's lock is the lock (e.g. root writing a file an on-call user owns).
            os.chown(path, other.pw_uid, other.pw_gid)
            done = cli(path, "log", "through the owner's lock", folder=folder)
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
            file_with_log(path)
            config = wait_config(folder)
            content = path.read_bytes()
            with held_lock(lock_of(path)) as holder:
                hooks = [popen_cli(path, "--config", str(config), "log", f"hook {n}", folder=folder) for n in range(3)]
                for hook in hooks:
                    _, err = hook.communicate(timeout=CHILD_TIMEOUT)
                    line = one_line_error(err, status=hook.returncode, mentions=str(path))
                    assert hook.returncode == 1, line
                    assert f"process {holder.pid}" in line, f"does not name the holder {holder.pid}: {line}"
                assert path.read_bytes() == content
            done = cli(path, "log", "after the holder let go", folder=folder, config=config)
            assert done.returncode == 0, done.stderr
            assert "after the holder let go" in [doc["text"] for doc in log_docs(path)]
            bad = folder / "bad.toml"
            bad.write_text('[store]\nlock_timeout_seconds = "soon"\n', encoding="utf-8")
            refused = cli(path, "log", "x", folder=folder, config=bad)
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
            file_with_log(real)
            alias = folder / "alias.json"
            os.symlink(os.path.relpath(real, folder), alias)
            done = cli(alias, "log", "through the link", folder=folder)
            assert done.returncode == 0, done.stderr
            assert alias.is_symlink(), "the link was replaced by a regular file"
            assert "through the link" in [doc["text"] for doc in log_docs(real)]
            assert not lock_of(alias).exists(), "the link got a lock of its own"
            assert Repository(real).verify() is None
            config = wait_config(folder)
            with held_lock(lock_of(real)) as holder:
                refused = cli(alias, "log", "while held", folder=folder, config=config)
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
        return _shared_folder_trials(top, trials, strict, plant_as_other)
    finally:
        shutil.rmtree(top, ignore_errors=True)


def _shared_folder_trials(
    top: Path, trials: int, strict: bool, plant_as_other: Callable[[Path, Path | str], None]
) -> Result:
    tally = Tally(strict)
    for trial in range(trials):
        with tally.trial(f"trial {trial}"):
            base = top / f"shared-{trial}"
            private = base / "private"
            private.mkdir(parents=True)
            private.chmod(0o700)
            secret = victim_file(private, 0o600)
            shared = base / "shared"
            shared.mkdir()
            shared.chmod(0o1777)
            path = shared / "incidents.json"
            file_with_log(path, notes=600)

            lock_of(path).unlink()
            plant_as_other(lock_of(path), private / "made-by-the-lock")
            refused = cli(path, "log", "lock planted", folder=base)
            line = one_line_error(refused.stderr, status=refused.returncode, mentions=str(lock_of(path)))
            assert refused.returncode == 1, line
            assert not (private / "made-by-the-lock").exists(), "root created a file where the other user pointed"
            lock_of(path).unlink()  # root may remove it; the owner of the folder would

            with Planter(path, secret, as_user=plant_as_other) as planter:
                process = popen_cli(path, "log", "temp planted", folder=base)
                planter.plant(process.pid)
                _, err = process.communicate(timeout=CHILD_TIMEOUT)
            assert process.returncode == 0, err.decode("utf-8", "replace")
            untouched(secret, 0o600)
            assert not path.is_symlink()
            assert "temp planted" in [doc["text"] for doc in log_docs(path)]

            alias = shared / "alias.json"
            plant_as_other(alias, secret)
            refused = cli(alias, "show", folder=base)
            line = one_line_error(refused.stderr, status=refused.returncode, mentions=str(alias))
            assert refused.returncode == 1 and OTHER_USER in line, line
            untouched(secret, 0o600)
    return tally.result()
