"""The reliability scenarios, as plain functions both the pytest tests and ``long.py`` call.

Every scenario has the signature ``scenario(workdir, trials, *, seed=None, strict=False) -> Result``
(some take one more keyword, e.g. ``entries``). ``trials`` is how many independent trials to run;
``seed`` replays a run's random choices (and its hypothesis examples); ``strict`` raises the first
failure instead of counting it. A scenario the machine cannot run raises ``Unavailable``.

Each family lives in its own module beside this one; what they share is in ``shared.py`` (sizes,
times, seeded hypothesis settings) and ``in_console.py`` (driving the console in process). The
tamper, planted-name, lock and burst families are in ``tamper.py``, ``planted.py``, ``locks.py``
and ``bursts.py``.
"""

from __future__ import annotations

from tests.reliability.clipboard import clipboard_console, clipboard_failures, clipboard_xvfb
from tests.reliability.clock import clock_dst, clock_jump
from tests.reliability.concurrency import concurrent_writers
from tests.reliability.crash import crash_at_each_step, sigkill
from tests.reliability.disk import disk_full_cli, disk_full_console
from tests.reliability.hostile import hostile_files, hostile_generated
from tests.reliability.locales import locale_roundtrip
from tests.reliability.permissions import read_only_file
from tests.reliability.untrusted import terminal_output, untrusted_text_console, untrusted_text_markdown

__all__ = [
    "clipboard_console",
    "clipboard_failures",
    "clipboard_xvfb",
    "clock_dst",
    "clock_jump",
    "concurrent_writers",
    "crash_at_each_step",
    "disk_full_cli",
    "disk_full_console",
    "hostile_files",
    "hostile_generated",
    "locale_roundtrip",
    "read_only_file",
    "sigkill",
    "terminal_output",
    "untrusted_text_console",
    "untrusted_text_markdown",
]
