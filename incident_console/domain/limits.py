"""How long each piece of text a person writes may be, in characters (Unicode code points).

The limits keep the file, the screen and the reports usable: a title fits a header, a log entry
fits a screenful, and nothing pasted by mistake (a whole log file, a core dump) lands in the record.
The Desk enforces them for every way in; the console also checks them before a form closes.
The README lists them (Length limits).
"""

from __future__ import annotations

from .errors import InputError

TITLE = 200
NAME = 100  # a person or team: author, commander, who takes over, who it is escalated to, an owner
SERVICE = 100
SERVICES = 20  # how many services one incident names
IMPACT = 1_000
REASON = 2_000  # a severity reason, a status note, why it is escalated, a response's detail, a cause
ENTRY = 10_000  # a log entry, a status update
COMMAND_LINE = 9_900  # a command `run` logs: with its exit status, the entry stays within ENTRY
SECTION = 20_000  # one post-mortem section
ACTION_ITEM = 500


def problem(label: str, text: str, limit: int) -> str:
    """The sentence that refuses ``text`` as ``label`` when it is longer than ``limit``; "" when it fits."""
    if len(text) <= limit:
        return ""
    return f"{label} is {len(text):,} characters long; the limit is {limit:,}: shorten it"


def check(label: str, text: str, limit: int) -> str:
    """``text`` when it fits in ``limit`` characters; else InputError naming ``label``, the length and the limit."""
    refused = problem(label, text, limit)
    if refused:
        raise InputError(refused)
    return text
