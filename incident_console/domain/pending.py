"""A log entry asked for and not saved yet, as the console shows it until the file has it.

The Desk writes its text (``Desk.pending_*``) with the same words it logs, so the row shown while
the save is under way reads as the entry will. A frozen dataclass: made once per keypress, never
in bulk, and imported only by the console (the command line never needs it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class PendingEntry:
    """What will be logged: on ``incident_id``, of ``kind``, reading ``text``, by ``author``, at ``at``."""

    incident_id: str
    kind: str
    text: str
    author: str
    at: datetime
