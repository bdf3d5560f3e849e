"""A console in a real terminal (a pseudo-terminal, or tmux), keys sent as a person's burst, and a busy machine
around it."""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import shutil
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from tests.reliability.harness import CHILD_TIMEOUT, ROOT, Unavailable, child_env

# Only stops a scenario that hangs; no test asserts how long anything took.
WAIT_S = 120.0


class Tmux:
    """One tmux server of its own (its own socket) running one console in a window of a set size."""

    def __init__(self, folder: Path, *, width: int = 120, height: int = 35) -> None:
        if shutil.which("tmux") is None:
            raise Unavailable("tmux is not installed (apt-get install tmux)")
        self.socket = str(folder / "tmux.sock")
        self.width, self.height = width, height

    def _tmux(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(
            ["tmux", "-S", self.socket, *args], capture_output=True, text=True, timeout=WAIT_S, check=False
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"tmux {args[0]} failed: {done.stderr.strip()}")
        return done.stdout

    def start(self, argv: list[str], env: dict[str, str]) -> None:
        command = " ".join(_quoted(a) for a in argv)
        exports = " ".join(f"{k}={_quoted(v)}" for k, v in env.items())
        self._tmux(
            "-f", "/dev/null", "new-session", "-d", "-s", "console",
            "-x", str(self.width), "-y", str(self.height),
            f"cd {_quoted(str(ROOT))} && env -i {exports} {command}; sleep 30",
        )  # fmt: skip
        self._tmux("set-option", "-t", "console", "status", "off")

    def send(self, *keys: str) -> None:
        """One ``send-keys`` call: tmux writes all of it to the terminal at once, as one burst.

        Each argument is a key name (``Enter``, ``Tab``, ``C-s``, ``Escape``) or literal text.
        """
        self._tmux("send-keys", "-t", "console", *keys)

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "console", check=False)

    def wait_for(self, found: Callable[[str], bool], what: str, timeout: float = WAIT_S) -> str:
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            if found(text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"the console never showed {what}; the screen was:\n{text}")
            time.sleep(0.1)

    def close(self) -> None:
        self._tmux("kill-server", check=False)


@contextlib.contextmanager
def console_on_pty(path: Path, folder: Path, *, columns: int = 120, rows: int = 35) -> Iterator[int]:
    """The console on ``path`` with a pseudo-terminal as its controlling terminal (xterm-256color,
    ``columns`` x ``rows``); yields the terminal's other end, to read what is drawn and to type keys.
    The console is killed on leaving if it has not quit."""
    main_fd, child_fd = os.openpty()
    fcntl.ioctl(child_fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))

    def controlling_terminal() -> None:
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    process = subprocess.Popen(
        [sys.executable, "-m", "incident_console", "--file", str(path)],
        stdin=child_fd,
        stdout=child_fd,
        stderr=child_fd,
        cwd=ROOT,
        env=child_env(folder, TERM="xterm-256color", COLUMNS=None, LINES=None, TEXTUAL=None),
        start_new_session=True,
        preexec_fn=controlling_terminal,
    )
    os.close(child_fd)
    try:
        yield main_fd
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=CHILD_TIMEOUT)
        os.close(main_fd)


def read_terminal(fd: int, until: Callable[[bytes], bool] | None = None, *, limit: float = CHILD_TIMEOUT) -> bytes:
    """What the terminal at ``fd`` receives until ``until`` holds (without it: for ``limit`` seconds),
    or until the other end closes it. With ``until``, the limit only stops a hang."""
    output = b""
    end = time.monotonic() + limit
    while time.monotonic() < end and not (until and until(output)):
        ready, _, _ = select.select([fd], [], [], 0.1)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the console closed the terminal
            break
        if not chunk:
            break
        output += chunk
    return output


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


@contextlib.contextmanager
def console_in_tmux(folder: Path, path: Path, env: dict[str, str], **size: int) -> Iterator[Tmux]:
    """The console on ``path`` in a real terminal, open and showing its panes; closed afterwards."""
    tmux = Tmux(folder, **size)
    tmux.start([sys.executable, "-m", "incident_console", "--file", str(path)], env)
    try:
        tmux.wait_for(lambda s: "Action log" in s and "entries" in s and "reading the rest" not in s, "its panes")
        yield tmux
    finally:
        tmux.close()


@contextlib.contextmanager
def cpu_load(processes: int | None = None) -> Iterator[None]:
    """Every core kept busy (one spinning process a core) for as long as the block runs."""
    count = processes or os.cpu_count() or 2
    spinners = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True) for _ in range(count)
    ]
    try:
        yield
    finally:
        for spinner in spinners:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(spinner.pid, signal.SIGKILL)
            spinner.wait()
