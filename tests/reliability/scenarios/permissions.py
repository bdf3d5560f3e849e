"""Permission scenarios: a read-only file in a read-only folder, opened by an unprivileged user."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.reliability.harness import (
    CHILD_TIMEOUT,
    ROOT,
    Result,
    Tally,
    Unavailable,
    build_rich_file,
    child_env,
    one_line_error,
    run_cli,
    temps_beside,
    worker,
)

NOBODY = 65534


def _as_nobody() -> None:
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


def _nobody_env(folder: Path, extra_path: str = "") -> dict[str, str]:
    env = child_env(folder)
    env.update(HOME="/nonexistent", XDG_CONFIG_HOME="/nonexistent", XDG_DATA_HOME="/nonexistent")
    if extra_path:
        env["PYTHONPATH"] = f"{env['PYTHONPATH']}{os.pathsep}{extra_path}"
    return env


def _unprivileged_python(folder: Path) -> tuple[str, str]:
    """An interpreter the unprivileged user can run, with this checkout and its dependencies importable.

    This interpreter first; when the user cannot run it (a virtualenv made from a Python under
    /root), an interpreter of the same version on PATH with the virtualenv's site-packages added.
    Returns (interpreter, extra PYTHONPATH). Raises Unavailable when there is none.
    """
    import sysconfig

    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        raise Unavailable("needs root, to run the CLI as an unprivileged user (chmod does not stop root)")
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    site = os.pathsep.join(dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]))
    candidates = [(sys.executable, "")]
    for folder_on_path in ("/usr/bin", "/usr/local/bin"):
        found = shutil.which(version, path=folder_on_path)
        if found:
            candidates.append((found, site))
    problems = []
    for python, extra in candidates:
        try:
            probe = subprocess.run(
                [python, "-c", "import incident_console.cli, incident_console.ui.app, tinydb, textual"],
                cwd=ROOT,
                env=_nobody_env(folder, extra),
                preexec_fn=_as_nobody,
                capture_output=True,
                timeout=CHILD_TIMEOUT,
            )
        except OSError as exc:
            problems.append(f"{python}: {exc.strerror}")
            continue
        if probe.returncode == 0:
            return python, extra
        problems.append(f"{python}: {probe.stderr.decode('utf-8', 'replace').strip().splitlines()[-1:]}")
    raise Unavailable(f"user {NOBODY} cannot run this checkout ({'; '.join(problems)})")


LOCK_VARIANTS = ("lock file left by the owner", "lock file anyone may open", "no lock file")


def read_only_file(workdir: Path, trials: int = 1, *, seed: int | None = None, strict: bool = False) -> Result:
    """A 0444 file in a folder the user cannot write, opened by an unprivileged user: ``show`` works,
    ``log`` exits 1 with one line naming the file and saying it cannot be written, the bytes are
    unchanged, and the console shows the read-only banner. Each trial uses the next lock-file variant."""
    base = Path(tempfile.mkdtemp(prefix="incident-console-readonly-"))
    try:
        base.chmod(0o755)
        python, extra_path = _unprivileged_python(base)
        tally = Tally(strict)
        for trial in range(trials):
            variant = LOCK_VARIANTS[trial % len(LOCK_VARIANTS)]
            with tally.trial(f"trial {trial}: {variant}"):
                folder = base / f"trial-{trial}"
                folder.mkdir()
                path = folder / "incidents.json"
                build_rich_file(path)
                lock = path.with_name(path.name + ".lock")
                if variant == LOCK_VARIANTS[1]:
                    lock.chmod(0o666)
                elif variant == LOCK_VARIANTS[2]:
                    lock.unlink()
                path.chmod(0o444)
                folder.chmod(0o555)
                before = path.read_bytes()
                env = _nobody_env(base, extra_path)

                def as_nobody(*args: str, path: Path = path, env: Any = env) -> subprocess.CompletedProcess[bytes]:
                    return run_cli(path, *args, workdir=base, env=env, python=python, preexec_fn=_as_nobody)

                shown = as_nobody("show")
                assert shown.returncode == 0, shown.stderr
                assert b"Checkout returns 500" in shown.stdout or b"Search is slow" in shown.stdout
                refused = as_nobody("log", "x")
                line = one_line_error(refused.stderr, status=refused.returncode, mentions=str(path))
                assert refused.returncode == 1, f"exit {refused.returncode}"
                assert re.search(r"cannot (be )?writ|read-only", line), f"does not say it cannot be written: {line}"
                assert path.read_bytes() == before
                assert temps_beside(path) == []

                process = worker(
                    "console-state",
                    str(path),
                    env=env,
                    python=python,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    preexec_fn=_as_nobody,
                )
                out, err = process.communicate(timeout=CHILD_TIMEOUT)
                assert process.returncode == 0, err[-800:]
                state = json.loads(out.splitlines()[-1])
                assert state["read_only"] is True, state
                assert state["banner_shown"] and "read-only" in state["banner"], state
                assert any("read-only" in notice for notice in state["notices"]), state["notices"]
                assert path.read_bytes() == before
    finally:
        for folder in base.glob("trial-*"):
            folder.chmod(0o755)
        shutil.rmtree(base, ignore_errors=True)
    return tally.result()
