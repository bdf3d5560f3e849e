"""The reliability scenarios, one module per family, as plain functions both the pytest tests and ``long.py`` call.

Every scenario has the signature ``scenario(workdir, trials, *, seed=None, strict=False) -> Result``
(some take one more keyword, e.g. ``entries``). ``trials`` is how many independent trials to run;
``seed`` replays a run's random choices (and its hypothesis examples); ``strict`` raises the first
failure instead of counting it. A scenario the machine cannot run raises ``Unavailable``.

The families: ``crash``, ``disk``, ``concurrency``, ``hostile`` (a fixture set of broken files) and
``generated`` (generated ones), ``text`` and ``pseudo_terminal`` (untrusted text), ``clipboard``,
``clock``, ``locales``, ``permissions``, ``archive`` (an archive stopped or failing at each step).
Beside them, what several families share: ``console`` (a headless console to drive and read) and
``seeded`` (seeded hypothesis settings); ``harness.py`` one folder up holds what every reliability
module shares. The planted-name, lock, tamper and burst
scenarios have modules of their own one folder up (``planted.py``, ``locks.py``, ``tamper.py``,
``bursts.py``).
"""

from tests.reliability.scenarios.archive import archive_crash_at_each_step, archive_failure_at_each_step
from tests.reliability.scenarios.clipboard import clipboard_console, clipboard_failures, clipboard_xvfb
from tests.reliability.scenarios.clock import clock_dst, clock_jump
from tests.reliability.scenarios.concurrency import concurrent_writers
from tests.reliability.scenarios.crash import crash_at_each_step, sigkill
from tests.reliability.scenarios.disk import disk_full_cli, disk_full_console
from tests.reliability.scenarios.generated import hostile_generated
from tests.reliability.scenarios.hostile import hostile_files
from tests.reliability.scenarios.locales import locale_roundtrip
from tests.reliability.scenarios.permissions import read_only_file
from tests.reliability.scenarios.pseudo_terminal import terminal_output
from tests.reliability.scenarios.text import untrusted_text_console, untrusted_text_markdown

__all__ = [
    "archive_crash_at_each_step",
    "archive_failure_at_each_step",
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
