"""Reading and writing moments: ISO-8601 with an offset, or relative to a given ``now``."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from .errors import InputError

# Compiled on first use (re keeps it): a case-insensitive pattern takes a while to build, and most
# commands never read a relative time.
_RELATIVE = r"^\s*-\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr|d)\s*$"
_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hr": 3600, "d": 86400}


def parse_when(text: str, now: datetime) -> datetime:
    """Read a moment a person typed, as aware UTC.

    Accepts ``now``, relative forms (``-20m``, ``-2h``, ``-90s``, ``-1d``) counted back from
    ``now``, and ISO-8601 with an offset or ``Z``. A time without an offset is refused: its
    meaning would depend on the machine's time zone.
    """
    raw = text.strip()
    if raw.lower() == "now":
        return now.astimezone(UTC)
    match = re.match(_RELATIVE, raw, re.IGNORECASE)
    if match:
        amount = float(match.group(1)) * _UNITS[match.group(2).lower()]
        return (now - timedelta(seconds=amount)).astimezone(UTC)
    try:
        moment = datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError:
        raise InputError(f"time {text!r} is not ISO-8601 (2026-11-28T03:04:00Z) or relative (-20m, -2h)") from None
    if moment.tzinfo is None:
        raise InputError(f"time {text!r} has no offset: add Z for UTC or +HH:MM")
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # e.g. year 1 at +14:00, which is before year 1 in UTC
        raise InputError(f"time {text!r} is out of range") from None


def to_text(moment: datetime) -> str:
    """The stored form: UTC, ISO-8601, with ``Z``; microseconds kept so order survives."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def from_text(text: str) -> datetime:
    """Read the stored form back (any ISO-8601 with an offset)."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is UTC:
        return moment
    if moment.tzinfo is None:
        raise ValueError(f"time {text!r} has no offset")
    return moment.astimezone(UTC)


def clock_text(moment: datetime, *, local: bool = False) -> str:
    """``HH:MM:SS`` in UTC (or the machine's local time) for tables and the log."""
    shown = moment.astimezone() if local else moment.astimezone(UTC)
    return shown.strftime("%H:%M:%S")


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_clock_text(moment: datetime, now: datetime, *, local: bool = False) -> str:
    """``HH:MM:SS`` for a moment on ``now``'s day, else ``30 Nov 12:34`` (``30 Nov 2025 12:34`` in
    another year): a deadline two days away must not read as today's. The day is the one in the
    zone the time is shown in (UTC, or the machine's local time). Month names are fixed, not the
    locale's, so the same file reads the same on every machine."""
    shown, today = (moment.astimezone(), now.astimezone()) if local else (moment.astimezone(UTC), now.astimezone(UTC))
    if shown.date() == today.date():
        return shown.strftime("%H:%M:%S")
    year = f" {shown.year}" if shown.year != today.year else ""
    return f"{shown.day} {_MONTHS[shown.month - 1]}{year} {shown.strftime('%H:%M')}"
