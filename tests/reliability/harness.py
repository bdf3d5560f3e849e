"""What every reliability scenario shares: counting trials, running the CLI and workers, reading files.

A scenario runs some trials and returns ``Result(trials, failures, notes)``. The pytest tests run
each scenario with a few trials and ``strict=True`` (the first failure raises, with its traceback);
``python -m tests.reliability.long`` runs them with many trials and counts the failures.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from incident_console import cli
from incident_console.store import storage

ROOT = Path(__file__).resolve().parents[2]
PROG = "incident-console"
# Generous limits that only stop a hung child; no test asserts how long anything took.
CHILD_TIMEOUT = 300.0


class Result(NamedTuple):
    trials: int
    failures: int
    notes: str


class Unavailable(Exception):
    """The machine cannot run the scenario (no Xvfb, not root, ...): skipped, not failed."""


@dataclass
class Tally:
    """Counts trials and failures; with ``strict`` the first failure is raised as it happened."""

    strict: bool = False
    trials: int = 0
    failures: int = 0
    notes: list[str] = field(default_factory=list)

    @contextlib.contextmanager
    def trial(self, label: str) -> Iterator[None]:
        self.trials += 1
        try:
            yield
        except Exception as exc:
            self.failures += 1
            if len(self.notes) < 3:
                first = (str(exc).strip().splitlines() or [""])[0]
                self.notes.append(f"{label}: {type(exc).__name__}: {first}"[:400])
            if self.strict:
                raise

    def result(self, note: str = "") -> Result:
        notes = "; ".join([*self.notes, *([note] if note else [])])
        return Result(self.trials, self.failures, notes)


def new_seed(seed: int | None) -> int:
    if seed is not None:
        return seed
    from_env = os.environ.get("INCIDENT_CONSOLE_SEED")
    return int(from_env) if from_env else random.SystemRandom().randrange(2**32)


# --- environment for children -------------------------------------------------------------


def child_env(workdir: Path, **extra: str | None) -> dict[str, str]:
    """A clean environment: no user config, a fixed author, this checkout importable.

    A value of None removes the variable.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("INCIDENT_CONSOLE_")}
    home = workdir / "home"
    home.mkdir(parents=True, exist_ok=True)
    env.update(
        INCIDENT_CONSOLE_USER="tester",
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        HOME=str(home),
        PYTHONPATH=str(ROOT),
        PYTHONDONTWRITEBYTECODE="1",
    )
    for key, value in extra.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run_cli(
    path: Path | None,
    *args: str,
    workdir: Path,
    env: dict[str, str] | None = None,
    timeout: float = CHILD_TIMEOUT,
    python: str = sys.executable,
    **popen: Any,
) -> subprocess.CompletedProcess[bytes]:
    """``python -m incident_console [--file PATH] ARGS`` in a child; output kept as bytes."""
    argv = [python, "-m", "incident_console"]
    if path is not None:
        argv += ["--file", str(path)]
    return subprocess.run(
        [*argv, *args],
        capture_output=True,
        cwd=ROOT,
        env=env if env is not None else child_env(workdir),
        timeout=timeout,
        **popen,
    )


def worker(
    mode: str, *args: str, env: dict[str, str], python: str = sys.executable, **popen: Any
) -> subprocess.Popen[bytes]:
    """Start ``python -m tests.reliability.workers MODE ARGS``."""
    argv = [python, "-m", "tests.reliability.workers", mode, *args]
    return subprocess.Popen(argv, cwd=ROOT, env=env, **popen)


def in_process(*argv: str) -> tuple[int, str, str]:
    """``cli.main(argv)`` here, with stdout and stderr captured: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main(list(argv))
    return status, out.getvalue(), err.getvalue()


def one_line_error(stderr: str | bytes, *, status: int, mentions: str | None = None) -> str:
    """Check the CLI's promise for a refusal: exit 1 or 2, one line on stderr, no traceback."""
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    assert status in (1, 2), f"exit status {status} (expected 1 or 2); stderr: {text[-600:]!r}"
    assert "Traceback" not in text, f"a traceback on stderr: {text[-600:]!r}"
    lines = text.splitlines()
    assert len(lines) == 1, f"{len(lines)} lines on stderr (expected one): {text[-600:]!r}"
    assert lines[0].startswith(f"{PROG}: "), f"stderr does not start with the program name: {lines[0]!r}"
    if mentions is not None:
        assert mentions in lines[0], f"stderr does not name {mentions}: {lines[0]!r}"
    return lines[0]


# --- state files ---------------------------------------------------------------------------


class StepClock:
    """A clock that stands still until moved (for building files with fixed times)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now = self.now + timedelta(**delta)
        return self.now


BUILT_AT = datetime(2026, 11, 27, 9, 0, 0, tzinfo=UTC)


def build_rich_file(path: Path, start: datetime = BUILT_AT) -> None:
    """A file that uses every table and most fields: triage, comms, action items, a post-mortem."""
    from incident_console.desk import Desk
    from incident_console.domain.model import Severity, Status, TriageAnswers, Users
    from incident_console.store.repository import Repository

    clock = StepClock(start)
    desk = Desk(Repository(path), author="alice", clock=clock)
    desk.declare(
        "Checkout returns 500",
        Severity.P2,
        impact="payments fail",
        services=["api", "payments"],
        started_at=start - timedelta(minutes=10),
    )
    clock.advance(minutes=2)
    desk.acknowledge()
    clock.advance(minutes=3)
    desk.triage(TriageAnswers(Users.ALL, False, True, False), apply_severity=True)
    desk.record_update("Investigating checkout errors.\nNext update 09:35 UTC.", template="initial")
    clock.advance(minutes=5)
    desk.respond("Rollback", "api to v142")
    desk.add_action_item("Alert on 5xx", owner="bob", due=(start + timedelta(days=7)).date())
    desk.write_postmortem_section("summary", "Checkout failed for 20 minutes.")
    clock.advance(minutes=5)
    desk.set_status(Status.MONITORING)
    clock.advance(minutes=31)
    desk.verify_metrics("error rate back to 0.1%")
    desk.set_status(Status.RESOLVED)
    desk.declare("Search is slow", Severity.P3)
    desk.log("p95 at 4s")


def trial_file(workdir: Path, name: str) -> Path:
    """Where one trial keeps its state file: ``incidents.json`` in a new folder ``workdir/name``."""
    folder = workdir / name
    folder.mkdir(parents=True)
    return folder / "incidents.json"


def log_docs(path: Path) -> dict[str, Any]:
    """The log table as the plain json module reads it (the file must parse)."""
    with path.open(encoding="utf-8") as handle:
        data = json.load(handle)
    return dict(data.get("log") or {})


def file_ids(path: Path) -> list[int]:
    return sorted(int(doc["id"]) for doc in log_docs(path).values())


def json_times(show: dict[str, Any]) -> dict[str, Any]:
    """What must not depend on the machine's time zone: every stored time, every deadline and met time."""
    return {
        "incident": show["incident"],
        "timers": [{k: t[k] for k in ("name", "due_at", "met_at")} for t in show["timers"]],
        "log": [{k: e[k] for k in ("id", "at", "recorded_at", "text")} for e in show["log"]],
    }


def temps_beside(path: Path) -> list[str]:
    return sorted(name for name in os.listdir(path.parent) if name.startswith(storage.temp_prefix(path)))


# --- rendered text -------------------------------------------------------------------------

# C0 and C1 control characters (and DEL): none may reach the terminal from stored text.
CONTROLS = frozenset([*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)])


def control_chars(text: str, *, allow: str = "") -> list[str]:
    """The control characters in ``text`` (as reprs), except those in ``allow``."""
    return sorted({repr(ch) for ch in text if ord(ch) in CONTROLS and ch not in allow})


def screen_lines(app: Any) -> list[str]:
    """The text of every cell the top screen draws, line by line (style and cursor codes left out)."""
    strips = app.screen._compositor.render_strips()
    return ["".join(seg.text for seg in strip if not seg.control) for strip in strips]


def widget_texts(app: Any) -> list[tuple[str, str]]:
    """(widget, text) for every widget on the top screen that renders text (Static and the like) and
    every TextArea (every line it draws, including what is scrolled away)."""
    from rich.text import Text
    from textual.content import Content
    from textual.widgets import TextArea

    found: list[tuple[str, str]] = []
    for widget in app.screen.query("*"):
        if isinstance(widget, TextArea):
            # The lines it draws from, including those scrolled away (the document may hold the text as
            # written; these are what reach the screen). Tabs a person typed in a post-mortem section are
            # kept there (``screen_lines`` shows them as spaces).
            document = widget.document
            drawn = "\n".join(document[row] for row in range(document.line_count))
            found.append((repr(widget), drawn.replace("\t", " ")))
            continue
        try:
            rendered = widget.render()
        except Exception:  # a widget that only draws line by line (a ScrollView) is read from the screen
            continue
        if isinstance(rendered, Content | Text | str):
            found.append((repr(widget), str(rendered)))
    return found


def rendered_controls(app: Any) -> list[str]:
    """Control characters anywhere in what the top screen shows; an empty list when clean."""
    problems = []
    for number, line in enumerate(screen_lines(app)):
        bad = control_chars(line)
        if bad:
            problems.append(f"screen line {number}: {bad} in {line[:120]!r}")
    for name, text in widget_texts(app):
        bad = control_chars(text, allow="\n")
        if bad:
            problems.append(f"{name}: {bad} in {text[:120]!r}")
    return problems


def wait_until(condition: Any, *, limit: float = CHILD_TIMEOUT, step: float = 0.05) -> bool:
    """Poll ``condition`` (no assertion about how long it took; the limit only stops a hang)."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(step)
    return bool(condition())


def lines_of(raw: bytes) -> Sequence[str]:
    return raw.decode("utf-8", "replace").splitlines()


def run_short(scenario: Any, workdir: Path, trials: int, **kwargs: Any) -> Result:
    """Run a scenario the way ``make test`` does: a few trials, the first failure raised; skip when
    the machine cannot run it."""
    import pytest

    try:
        result = scenario(workdir, trials, strict=True, **kwargs)
    except Unavailable as exc:
        pytest.skip(str(exc))
    assert result.trials > 0, "no trial ran"
    assert result.failures == 0, result.notes
    return result
