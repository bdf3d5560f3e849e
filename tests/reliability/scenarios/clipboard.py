"""Clipboard scenarios: no display, failing tools, a raising pyperclip, the console's OSC 52 message, a real
X server."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from incident_console.desk import Desk
from incident_console.domain.model import Severity
from incident_console.store.repository import Repository
from tests.reliability.harness import (
    CHILD_TIMEOUT,
    Result,
    StepClock,
    Tally,
    Unavailable,
    child_env,
    wait_until,
    worker,
)
from tests.reliability.scenarios.console import (
    SIZE,
    START,
    FailingClipboard,
    console_trials,
    headless_console,
    on_disk,
    record_notices,
    until,
)

_FAKE_TOOL = """#!/bin/sh
echo "Error: Can't open display: $DISPLAY (fake $0)" >&2
echo "fake $0 wrote to stdout"
exit 1
"""
_RAISING_PYPERCLIP = """
def copy(text):
    raise RuntimeError("stub clipboard broke: xclip exited 1")


def paste():
    raise RuntimeError("stub clipboard cannot paste")
"""


@contextmanager
def _environment(**values: str | None) -> Iterator[None]:
    """Set (or, with None, remove) environment variables for the duration."""
    saved = {key: os.environ.get(key) for key in values}
    try:
        for key, value in values.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def clipboard_failures(workdir: Path, trials: int = 1, *, seed: int | None = None, strict: bool = False) -> Result:
    """PyperclipClipboard says "not copied", with the reason, and prints nothing, when there is no display,
    when xclip/xsel/wl-copy fail, and when pyperclip itself raises."""
    from incident_console.clipboard import PyperclipClipboard

    tally = Tally(strict)
    tools = workdir / "fake-tools"
    tools.mkdir(exist_ok=True)
    for name in ("xclip", "xsel", "wl-copy", "wl-paste"):
        tool = tools / name
        tool.write_text(_FAKE_TOOL)
        tool.chmod(0o755)
    stub = workdir / "stub-pyperclip"
    (stub / "pyperclip").mkdir(parents=True, exist_ok=True)
    (stub / "pyperclip" / "__init__.py").write_text(_RAISING_PYPERCLIP)
    for trial in range(trials):
        with tally.trial(f"trial {trial}: no display"), _environment(DISPLAY=None, WAYLAND_DISPLAY=None):
            outcome = PyperclipClipboard().copy("update text")
            assert not outcome.copied
            assert "display" in outcome.detail, f"detail: {outcome.detail!r}"

        for display in ({"DISPLAY": ":99", "WAYLAND_DISPLAY": None}, {"DISPLAY": None, "WAYLAND_DISPLAY": "wayland-9"}):
            shown = next(k for k, v in display.items() if v)
            with tally.trial(f"trial {trial}: failing tools with {shown}"):
                env = child_env(workdir, PATH=f"{tools}{os.pathsep}{os.environ.get('PATH', '')}", **display)
                process = worker("copy", env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                out, err = process.communicate("Status: investigating ☕".encode(), timeout=CHILD_TIMEOUT)
                assert process.returncode == 0, err[-500:]
                assert err == b"", f"the clipboard tools wrote to our stderr: {err[:300]!r}"
                lines = out.decode("utf-8").splitlines()
                assert len(lines) == 1 and lines[0].startswith("RESULT "), f"stdout: {out[:300]!r}"
                result = json.loads(lines[0].removeprefix("RESULT "))
                assert result["copied"] is False, result
                assert result["detail"] and "\n" not in result["detail"], result
                assert "fake" not in result["detail"], f"the tools' output leaked into the detail: {result}"

        with (
            tally.trial(f"trial {trial}: pyperclip raises"),
            _environment(DISPLAY=":99", WAYLAND_DISPLAY=None, PYTHONPATH=str(stub)),
        ):
            outcome = PyperclipClipboard().copy("update text")
            assert not outcome.copied
            assert "stub clipboard broke" in outcome.detail, f"detail: {outcome.detail!r}"
    return tally.result()


async def _console_clipboard_once(path: Path) -> None:
    clock = StepClock(START)
    desk = Desk(Repository(path), author="alice", clock=clock)
    desk.declare("Checkout returns 500", Severity.P1, impact="Card payments fail")
    clipboard = FailingClipboard("no display for a system clipboard")
    app = headless_console(desk, clipboard=clipboard)
    notices = record_notices(app)
    sent: list[str] = []
    app.copy_to_clipboard = lambda text: sent.append(text)  # type: ignore[method-assign]

    def check(where: str, count: int) -> None:
        messages = [m for _, m in notices if "clipboard" in m]
        assert len(messages) == count, f"{where}: notifications {notices}"
        message = messages[-1]
        assert "OSC 52" in message and "paste to check" in message, f"{where}: {message!r}"
        assert "copied to the clipboard" not in message, f"{where}: claims a copy: {message!r}"
        assert "no display" in message, f"{where}: the reason is missing: {message!r}"

    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.screen.set_focus(None)
        await pilot.press("y")
        await until(pilot, lambda: any("clipboard" in m for _, m in notices), "the copy was reported")
        check("update", 1)
        assert sent and sent[-1] == clipboard.texts[-1], "the update was not sent with OSC 52"
        await until(pilot, lambda: not app.saver.pending(), "the update was logged")
        assert [e.kind for e in on_disk(path).log][-1] == "comms", "the update was not logged as sent"
        await pilot.press("w")
        await pilot.pause()
        await pilot.press("y")
        await until(pilot, lambda: len([m for _, m in notices if "clipboard" in m]) == 2, "the review copy")
        check("review", 2)


def clipboard_console(workdir: Path, trials: int = 1, *, seed: int | None = None, strict: bool = False) -> Result:
    """The console with a failing system clipboard: the message says OSC 52 and "paste to check", never "copied"."""
    return console_trials(workdir, trials, strict, "console-clipboard", _console_clipboard_once)


def _free_display() -> int:
    for number in range(90, 200):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            return number
    raise Unavailable("no free X display number")


def clipboard_xvfb(workdir: Path, trials: int = 1, *, seed: int | None = None, strict: bool = False) -> Result:
    """A real X clipboard (Xvfb + xclip): the copy is reported as done and ``xclip -o`` reads it back."""
    from incident_console.clipboard import PyperclipClipboard

    if not (shutil.which("Xvfb") and shutil.which("xclip")):
        raise Unavailable("Xvfb or xclip is not installed")
    tally = Tally(strict)
    number = _free_display()
    display = f":{number}"
    server = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", "640x480x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        started = wait_until(lambda: Path(f"/tmp/.X11-unix/X{number}").exists() or server.poll() is not None, limit=30)
        if not started or server.poll() is not None:
            raise Unavailable(f"Xvfb did not start on {display}")
        with _environment(DISPLAY=display, WAYLAND_DISPLAY=None):
            for trial in range(trials):
                with tally.trial(f"trial {trial}"):
                    text = f"Status: identified ☕ {uuid.uuid4().hex[:8]}\nNext update 04:00 UTC."
                    outcome = PyperclipClipboard(timeout=30).copy(text)
                    assert outcome.copied, f"not copied: {outcome.detail}"
                    back = subprocess.run(
                        ["xclip", "-o", "-selection", "clipboard"], capture_output=True, timeout=CHILD_TIMEOUT
                    )
                    assert back.stdout.decode("utf-8") == text, f"the clipboard holds {back.stdout[:200]!r}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return tally.result()
