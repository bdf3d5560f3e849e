"""What several commands share: a time argument read relative to now, text read from stdin."""

from __future__ import annotations

import sys
from datetime import datetime

from ...domain.times import parse_when


def moment(text: str | None, now: datetime) -> datetime | None:
    """``--at``-style text (ISO-8601 with offset, or -20m) as a moment, or None when not given."""
    return parse_when(text, now) if text else None


def text_or_stdin(text: str) -> str:
    """``text``, or for "-" what is on stdin, read as UTF-8 whatever the locale (as the arguments are)."""
    if text != "-":
        return text
    return sys.stdin.buffer.read().decode("utf-8", "surrogateescape")
