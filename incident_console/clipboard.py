"""Putting text on the system clipboard, and saying honestly whether it got there.

pyperclip runs in a child process, with its output captured: a failing ``xclip`` would
otherwise write its error over the console, and pyperclip returns as if it had worked. The
child reads the clipboard back, so "copied" is only said when the text is really there.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import NamedTuple, Protocol

# The tools pyperclip starts (xclip, xsel, wl-copy) inherit the child's stdout and stderr. They are
# pointed at /dev/null and the answer goes out on a copy of stdout: a tool's messages cannot mix
# with the answer, and xclip, which stays in the background to serve the selection, does not hold
# the answer's pipe open (the parent would wait for it until the timeout).
_CHILD = """
import os
import sys
answer = os.fdopen(os.dup(1), "w")
quiet = os.open(os.devnull, os.O_WRONLY)
os.dup2(quiet, 1)
os.dup2(quiet, 2)
text = sys.stdin.buffer.read().decode("utf-8")
try:
    import time
    import pyperclip
    pyperclip.copy(text)
    # xclip serves the selection from a process it starts in the background, which takes the
    # selection a moment after copy returns: read back until it has, for up to two seconds.
    for _ in range(40):
        back = pyperclip.paste()
        if back == text:
            break
        time.sleep(0.05)
except Exception as exc:
    answer.write("error: " + (str(exc).splitlines() or [type(exc).__name__])[0])
    answer.close()
    sys.exit(3)
answer.write("ok" if back == text else "mismatch")
answer.close()
"""


class CopyOutcome(NamedTuple):
    copied: bool
    detail: str = ""


class SystemClipboard(Protocol):
    def copy(self, text: str) -> CopyOutcome: ...


def has_display() -> bool:
    """False on a Linux box with no X or Wayland display (e.g. over SSH without forwarding)."""
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


class PyperclipClipboard:
    """The system clipboard through pyperclip, checked by reading it back."""

    def __init__(self, timeout: float = 5.0) -> None:
        self.timeout = timeout

    def copy(self, text: str) -> CopyOutcome:
        if not has_display():
            return CopyOutcome(False, "no display for a system clipboard")
        try:
            done = subprocess.run(
                [sys.executable, "-c", _CHILD],
                input=text.encode("utf-8"),
                capture_output=True,
                timeout=self.timeout,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return CopyOutcome(False, f"clipboard helper failed ({type(exc).__name__})")
        answer = done.stdout.decode("utf-8", "replace").strip()
        if done.returncode == 0 and answer == "ok":
            return CopyOutcome(True)
        if answer == "mismatch":
            return CopyOutcome(False, "the clipboard tool did not keep the text")
        reason = answer.removeprefix("error: ") or f"exit status {done.returncode}"
        return CopyOutcome(False, reason[:200])


class BrowserClipboard:
    """A served console's clipboard: the server's system clipboard is not the person's, so it is not
    touched; the console sends the text by OSC 52, which the browser's terminal passes to its own."""

    def copy(self, text: str) -> CopyOutcome:
        return CopyOutcome(False, "in a browser tab only OSC 52 reaches your clipboard, if the browser allows it")
