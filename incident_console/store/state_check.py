"""Checking a state file already read whole, as ``verify`` checks it: for the archive and its check across files."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..domain.errors import FileProblem
from ..domain.model import LogEntry
from . import verification
from .documents import entry_from_doc
from .snapshots import incidents_of, items_of
from .state import StateFile
from .verification import Verdict


def entry_reader(path: str) -> Callable[[Any], LogEntry]:
    """A log document to its entry; a malformed one is refused with a sentence naming ``path``."""

    def to_entry(doc: Any) -> LogEntry:
        try:
            return entry_from_doc(doc)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise FileProblem(f"{path} has a malformed log entry ({exc!s}); left unchanged") from None

    return to_entry


def check_state(
    path: str, state: StateFile, chain_key: bytes | None = None, expected_head: str | None = None
) -> Verdict:
    """The state file ``state`` (read from ``path``) checked on its own."""
    tables = state.tables
    return verification.check(
        state, incidents_of(path, tables), items_of(path, tables), entry_reader(path), expected_head, chain_key
    )
