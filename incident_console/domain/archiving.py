"""Which incidents may leave the working file for an archive, and the cut a person names for it.

An incident is archived only when it is finished with: resolved before the cut and its post-mortem
marked complete (``postmortem_done_at``, set by ``complete_postmortem``, an override included).
An open incident, or a resolved one whose post-mortem is still to do, always stays.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from .errors import InputError
from .model import Incident, Status

_AGE = re.compile(r"^\s*(\d{1,6})\s*(d|w|h)\s*$", re.IGNORECASE)
_AGE_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


def archivable(incidents: Iterable[Incident], cut: datetime) -> tuple[Incident, ...]:
    """The incidents resolved before ``cut`` whose post-mortem is complete, in the order given."""
    return tuple(
        incident
        for incident in incidents
        if incident.status is Status.RESOLVED
        and incident.resolved_at is not None
        and incident.resolved_at < cut
        and incident.postmortem_done_at is not None
    )


def cut_before(text: str) -> datetime:
    """``--before DATE``: a day (YYYY-MM-DD, its start in UTC) or a moment in ISO-8601 with an offset."""
    raw = text.strip()
    try:
        return datetime.combine(date.fromisoformat(raw), time(), UTC)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError:
        raise InputError(f"--before {text!r} is not a date (2026-11-01) or a time in ISO-8601 with an offset") from None
    if moment.tzinfo is None:
        raise InputError(f"--before {text!r} has no offset: add Z for UTC or +HH:MM, or give a date")
    return moment.astimezone(UTC)


def cut_older_than(text: str, now: datetime) -> datetime:
    """``--resolved-older-than AGE``: ``now`` less an age in hours, days or weeks (``30d``, ``2w``, ``12h``)."""
    match = _AGE.match(text)
    if not match:
        raise InputError(f"--resolved-older-than {text!r} is not an age such as 30d, 2w or 12h")
    try:
        return now - int(match.group(1)) * _AGE_UNITS[match.group(2).lower()]
    except OverflowError:
        raise InputError(f"--resolved-older-than {text!r} is too long ago") from None
