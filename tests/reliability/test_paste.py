"""A bracketed paste into the real console, through a pseudo-terminal and through tmux: the entry in the
file holds what was pasted (ESC, the zero-width joiner, a C1 and a bidi control), and the terminal is
sent only their visible forms."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from incident_console.desk import Desk
from incident_console.domain.model import Severity
from incident_console.store.repository import Repository
from tests.reliability.harness import ROOT, child_env, wait_until
from tests.reliability.terminal import console_on_pty, read_terminal

PASTED = "A \x1b[31mred\x1b[0m 👩\u200d💻 \x9b2J \u202eevil\u202c end"
SHOWN = "A ␛[31mred␛[0m 👩\u200d💻 \ufffd2J \u2b1aevil\u2b1a end"
RAW = ("\x1b[31mred", "\x9b2J", "\u202e")  # none of these may reach the terminal as they are


def _state_file(folder: Path) -> Path:
    path = folder / "incidents.json"
    desk = Desk(Repository(path), author="alice", clock=lambda: datetime.now(UTC) - timedelta(minutes=1))
    desk.declare("Checkout down", Severity.P1)
    return path


def _entries(path: Path) -> list[str]:
    return [entry.text for entry in Repository(path).snapshot().log if entry.kind == "note"]


def test_a_bracketed_paste_through_a_pty_is_saved_as_pasted_and_drawn_visibly(tmp_path: Path) -> None:
    path = _state_file(tmp_path)
    with console_on_pty(path, tmp_path) as terminal:
        output = read_terminal(terminal, lambda out: b"Communications" in out and b"Action log" in out)
        output += read_terminal(terminal, limit=1.5)  # the rest of the opening
        os.write(terminal, b"l")
        output += read_terminal(terminal, lambda out: b"Enter saves" in out)
        os.write(terminal, b"\x1b[200~" + PASTED.encode() + b"\x1b[201~")
        output += read_terminal(terminal, lambda out: SHOWN.encode() in out, limit=60.0)
        os.write(terminal, b"\r")
        assert wait_until(lambda: _entries(path) == [PASTED]), _entries(path)
        output += read_terminal(terminal, limit=1.5)
        os.write(terminal, b"\x1b")
        output += read_terminal(terminal, limit=1.0)
        os.write(terminal, b"q")
        output += read_terminal(terminal, limit=3.0)
    assert SHOWN.encode() in output, "the paste is not drawn with its controls visible"
    for raw in RAW:
        assert raw.encode() not in output, f"{raw!r} reached the terminal"
    assert _entries(path) == [PASTED]


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_a_bracketed_paste_through_tmux_is_saved_as_pasted_and_shown_visibly(tmp_path: Path) -> None:
    path = _state_file(tmp_path)
    socket = f"paste-{uuid.uuid4().hex[:8]}"
    env = child_env(tmp_path, TERM="xterm-256color", COLUMNS=None, LINES=None, TEXTUAL=None)

    def tmux(*args: str) -> str:
        done = subprocess.run(["tmux", "-L", socket, *args], capture_output=True, text=True, env=env, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def screen() -> str:
        return tmux("capture-pane", "-p", "-t", "paste")

    console = f"{sys.executable} -m incident_console --file {path}; sleep 60"
    tmux("-f", "/dev/null", "new-session", "-d", "-s", "paste", "-x", "120", "-y", "35", "-c", str(ROOT), console)
    try:
        assert wait_until(lambda: "Communications" in screen() and "Action log" in screen()), screen()
        time.sleep(1.5)  # the rest of the opening
        tmux("send-keys", "-t", "paste", "l")
        assert wait_until(lambda: "Enter saves" in screen()), screen()
        buffer = tmp_path / "paste.txt"
        buffer.write_text(PASTED, encoding="utf-8")
        tmux("load-buffer", "-b", "pasted", str(buffer))
        tmux("paste-buffer", "-p", "-b", "pasted", "-t", "paste")  # -p: bracketed, as a terminal pastes
        assert wait_until(lambda: "␛[31mred␛[0m" in screen() and "\ufffd2J" in screen(), limit=60.0), screen()
        tmux("send-keys", "-t", "paste", "Enter")
        assert wait_until(lambda: _entries(path) == [PASTED]), _entries(path)
        shown = screen()
        assert "\x1b" not in shown and "\u202e" not in shown and "\x9b" not in shown
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True, env=env, timeout=60)
