"""Full-disk scenarios: the CLI refuses a save that does not fit, the console keeps the entry and retries."""

from __future__ import annotations

import errno
import random
import resource
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

from incident_console.desk import Desk
from incident_console.domain.model import Severity
from incident_console.store import storage
from incident_console.store.repository import Repository
from tests.reliability.harness import (
    Result,
    StepClock,
    Tally,
    build_rich_file,
    child_env,
    log_docs,
    new_seed,
    one_line_error,
    run_cli,
    screen_lines,
    temps_beside,
    trial_file,
)
from tests.reliability.scenarios.console import (
    SIZE,
    START,
    console_trials,
    headless_console,
    on_disk,
    record_notices,
    text_of,
    until,
)


def _limit_file_size(limit: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def disk_full_cli(workdir: Path, trials: int = 1, *, seed: int | None = None, strict: bool = False) -> Result:
    """``log`` when the next save cannot fit (RLIMIT_FSIZE just above the file's size): exit 1, one line,
    the file byte-for-byte intact, no temporary file; then, without the limit, the same command works.

    Each trial puts the limit at a different point of the new file, so the write is cut at different places.
    """
    seed = new_seed(seed)
    rng = random.Random(seed)
    tally = Tally(strict)
    for trial in range(trials):
        with tally.trial(f"trial {trial}"):
            path = trial_file(workdir, f"disk-{trial}")
            folder = path.parent
            build_rich_file(path)
            before = path.read_bytes()
            text = f"entry that does not fit {uuid.uuid4().hex}"
            # The new file is at least the old one plus this entry's text: cut it anywhere before that.
            limit = len(before) + (0 if trial == 0 else rng.randrange(0, len(text) + 200))
            env = child_env(folder)
            full = run_cli(path, "log", text, workdir=folder, env=env, preexec_fn=_limit_file_size(limit))
            one_line_error(full.stderr, status=full.returncode, mentions=str(path))
            assert full.returncode == 1, f"exit {full.returncode}"
            assert full.stdout == b"", f"stdout: {full.stdout[:200]!r}"
            assert path.read_bytes() == before, "the file changed although the save failed"
            assert temps_beside(path) == [], f"temporary file left: {temps_beside(path)}"

            done = run_cli(path, "log", text, workdir=folder, env=env)
            assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
            texts = [doc["text"] for doc in log_docs(path).values()]
            assert texts.count(text) == 1, f"the entry is in the file {texts.count(text)} times"
            assert Repository(path).verify() is None
            assert temps_beside(path) == []
    return tally.result(f"seed {seed}")


async def _disk_full_console_once(path: Path) -> None:
    from incident_console.ui import app as app_module
    from incident_console.ui.widgets.log_view import LogView

    clock = StepClock(START)
    desk = Desk(Repository(path), author="alice", clock=clock)
    desk.declare("Checkout returns 500", Severity.P1)
    app = headless_console(desk)
    notices = record_notices(app)
    text = "api rolled back"  # short: the row's "not saved" mark follows the text
    attempts: list[int] = []

    def disk_full(*args: Any, **kwargs: Any) -> None:
        attempts.append(1)
        raise OSError(errno.ENOSPC, "No space left on device")

    with mock.patch.object(app_module, "RETRY_SECONDS", 0.4):
        async with app.run_test(size=SIZE) as pilot:
            full = mock.patch.object(storage, "write_atomically", disk_full)
            full.start()
            try:
                await pilot.press("l", *text, "enter")
                await until(pilot, lambda: any(t == "Not saved" for t, _ in notices), "the failure was reported")
                await pilot.pause()
                row = app.main.query_one(LogView).rows[-1]
                assert (row.text, row.pending, row.failed) == (text, True, True), f"last row: {row!r}"
                shown = [line for line in screen_lines(app) if text in line]
                assert shown and "not saved" in shown[0], f"the entry is not shown marked not saved: {shown}"
                title = text_of(app, "#log-title")
                assert "1 not saved yet" in title, f"the log's title: {title!r}"
                banner = text_of(app, "#banner")
                assert "NOT SAVED" in banner and "No space left on device" in banner, f"banner: {banner!r}"
                assert app.main.query_one("#banner").display, "the banner is hidden"
                assert text not in [e.text for e in on_disk(path).log]
                tried = len(attempts)
                await until(pilot, lambda: len(attempts) > tried, "the save was retried")
            finally:
                full.stop()
            await until(pilot, lambda: not app.saver.pending(), "the entry was saved after the disk had room")
            await pilot.pause(1.0)  # a few more ticks and retry periods: nothing may be saved twice
            saved = [e.text for e in on_disk(path).log].count(text)
            assert saved == 1, f"the entry was saved {saved} times"
            row = app.main.query_one(LogView).rows[-1]
            assert not getattr(row, "pending", False), "the saved entry is still shown as pending"
            assert not app.main.query_one("#banner").display, "the not-saved banner stayed"
    assert Repository(path).verify() is None


def disk_full_console(workdir: Path, trials: int = 1, *, seed: int | None = None, strict: bool = False) -> Result:
    """The console on a full disk: a typed entry stays on screen marked not saved, the banner says so;
    once the disk has room the retry saves it, exactly once."""
    return console_trials(workdir, trials, strict, "console-disk", _disk_full_console_once)
