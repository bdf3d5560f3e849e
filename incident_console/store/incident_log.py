"""The entries of one incident, found by searching the log from its last line back: a look at one
incident costs that incident's part of the log, not the file's history.

Every file this store records as checked (``vouched``) has its incidents' entries in the order the
Desk writes them: each incident the log has entries of is in the incidents table, and an
incident's declaration (``declare``), when the log holds one, is its first entry and its only
declaration (``declared_first`` tells this of a log read whole, ``keeps_declared_first`` of the
entries a change adds). So the search stops at the declaration: nothing of the incident is
before it. An incident without one is searched for to the log's first line.

Guarantees of ``entries_of``, on a checked file: exactly the entries a whole read gives for the
incident, in id order, among the lines written in the store's spelling (the incident id found as
a JSON string); each block of the log is read at most once. It raises NotInLayout where the whole
log has to be read instead (a key that is not its entry's id, ids out of order, a line not in the
line layout) and FileProblem, one sentence naming the file, for a malformed entry.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

from ..domain.errors import FileProblem
from ..domain.model import LogEntry
from .blocks import NotInLayout
from .documents import entry_from_doc
from .state import StateFile
from .strict_json import dumps

DECLARE = "declare"


def entries_of(path: str, state: StateFile, incident_id: str) -> tuple[LogEntry, ...]:
    """The entries of ``incident_id`` in the log of ``state`` (a checked file), in id order."""
    return entries_of_many(path, state, (incident_id,))[incident_id]


def entries_of_many(path: str, state: StateFile, incident_ids: Iterable[str]) -> dict[str, tuple[LogEntry, ...]]:
    """The entries of each of ``incident_ids`` (as ``entries_of``), found in one search from the end
    back that stops once each incident's declaration is found."""
    found: dict[str, list[LogEntry]] = {ident: [] for ident in incident_ids}
    searching = set(found)
    if not searching:
        return {}
    try:
        markers = [dumps(ident) for ident in found]
        with contextlib.closing(state.log_records_back_with(*markers)) as records:
            for key, doc in records:
                entry = entry_from_doc(doc)
                if key != str(entry.id):
                    raise NotInLayout  # keys that are not their entry's id are told only by the whole log
                if entry.incident_id not in searching:
                    continue  # an id named in another entry's text, or one whose declaration was found
                found[entry.incident_id].append(entry)
                if entry.kind == DECLARE:
                    searching.discard(entry.incident_id)
                    if not searching:
                        break
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise FileProblem(f"{path} has a malformed log entry ({exc!s}); left unchanged") from None
    logs: dict[str, tuple[LogEntry, ...]] = {}
    for ident, entries in found.items():
        entries.reverse()
        if any(later.id <= earlier.id for earlier, later in zip(entries, entries[1:], strict=False)):
            raise NotInLayout
        logs[ident] = tuple(entries)
    return logs


def keeps_declared_first(before: Iterable[str], after: Iterable[str], added: Iterable[LogEntry]) -> bool:
    """True when entries ``added`` after a log whose incidents' entries begin with their declaration
    keep it so: each is of an incident in the table (``after``: the incident ids with the change),
    and each declaration is of an incident that was not in the table (``before``) nor has an entry
    earlier in the change. Of a log that holds it, the table holds every incident with entries, so
    such an incident has no entry before the declaration."""
    known, now_in_table = set(before), set(after)
    seen: set[str] = set()
    for entry in added:
        ident = entry.incident_id
        if ident not in now_in_table:
            return False
        if entry.kind == DECLARE and (ident in known or ident in seen):
            return False
        seen.add(ident)
    return True
