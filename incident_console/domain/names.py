"""A person's name as a served console takes it (``?as=NAME``, the "Who are you?" screen, presence).

The name is stored and shown as written (through ``visible()`` on output); it only has to be
non-empty, one line, and within the length limit every other name has.
"""

from __future__ import annotations

from . import limits
from .errors import InputError
from .text import clean_input


def person(text: str, label: str = "the name") -> str:
    """``text`` as a person's name: one line, trimmed, non-empty, at most ``limits.NAME`` characters."""
    cleaned = clean_input(text)
    if not cleaned:
        raise InputError(f"{label} is empty; write who you are")
    return limits.check(label, cleaned, limits.NAME)


def problem(text: str, label: str = "the name") -> str:
    """The sentence that refuses ``text`` as a person's name; "" when it is one."""
    try:
        person(text, label)
    except InputError as exc:
        return str(exc)
    return ""
