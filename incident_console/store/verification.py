"""Checking a state file against its own log: the hash chain, the head and count, the tables, the clocks.

The log is walked one entry at a time as it is in the file, so memory does not grow with its
length; only a log whose ids are not in file order (edited by hand) is sorted in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any, NamedTuple

from ..domain import ledger
from ..domain.clock import CLOCK_SLACK, clock_problem
from ..domain.model import ActionItem, Incident, LogEntry
from ..domain.replay import Replay, disagreement
from .archive_record import RecordProblem, links_of, records_of
from .layout import meta_record
from .state import StateFile

# Clock problems named one by one in the verdict; the rest are counted.
CLOCK_NAMED = 10


class Verdict(NamedTuple):
    """What ``verify`` found: the first problem (None when the file is intact) and what it checked."""

    problem: str | None
    entries: int = 0
    head: str = ledger.GENESIS
    # What could not be checked: values the log's older entries do not carry, one phrase per record.
    unchecked: tuple[str, ...] = ()
    # Entries with a clock problem, one sentence each (the file is intact all the same).
    clock: tuple[str, ...] = ()
    # The entry whose hash is the expected head (given to ``check``), when it is not the last one.
    head_entry: int | None = None
    # Entries the file records as moved to archives, not checked here: (archive name, entry count).
    archived: tuple[tuple[str, int], ...] = ()


class _OutOfOrder(Exception):
    pass


class _Walk:
    """One pass over the log in id order: the chain, the replay and the clocks."""

    def __init__(self, to_entry: Callable[[dict[str, Any]], LogEntry], detected: dict[str, datetime]) -> None:
        self.to_entry = to_entry
        self.detected = detected  # from the incidents table, for incidents the log does not date
        self.replay = Replay()
        self.count = 0
        self.last: dict[str, Any] | None = None
        self.latest: datetime | None = None  # the latest time of writing seen
        self.hashes: dict[str, int] = {}  # the expected head -> the entry that has it
        self.clock: list[str] = []
        self.clock_count = 0
        self.expected: str | None = None

    def documents(self, records: Iterable[Any], *, ordered: bool) -> Iterator[tuple[dict[str, Any], LogEntry]]:
        previous: Any = None
        for doc in records:
            entry = self.to_entry(doc)  # a malformed entry is refused, whatever the chain says
            if ordered and previous is not None and entry.id < previous:
                raise _OutOfOrder
            previous = entry.id
            self.count += 1
            self.last = doc
            yield doc, entry

    def add(self, entry: LogEntry) -> None:
        """An entry whose hash matched: replay it and look at its clock."""
        self.replay.add(entry)
        if self.expected is not None and entry.hash == self.expected:
            self.hashes[self.expected] = entry.id
        if self.latest is None or entry.recorded_at > self.latest:
            self.latest = entry.recorded_at
        record = self.replay.incidents.get(entry.incident_id)
        detected = record["detected_at"] if record is not None else None
        if not isinstance(detected, datetime):
            detected = self.detected.get(entry.incident_id)
        self.note_clock(clock_problem(entry, detected, None))

    def note_clock(self, problem: str | None) -> None:
        if problem is not None:
            self.clock_count += 1
            if len(self.clock) < CLOCK_NAMED:
                self.clock.append(problem)

    def chain(
        self, documents: Iterator[tuple[dict[str, Any], LogEntry]], links: dict[int, str] | None = None
    ) -> str | None:
        """Walk the chain; ``links`` give the predecessor's hash of entries whose predecessor is in
        another file (an archive)."""
        previous = ledger.GENESIS
        expected_id: int | None = None
        for document, entry in documents:
            link = links.get(entry.id) if links else None
            if link is not None and (expected_id is None or entry.id != expected_id):
                previous, expected_id = link, entry.id
            elif link is not None and link != previous:
                for _ in documents:
                    pass
                return f"the link recorded for entry {entry.id} does not match entry {entry.id - 1}'s hash"
            problem = ledger.first_break([document], previous=previous, expected_id=expected_id)
            if problem is not None:
                for _ in documents:  # the verdict holds only if the rest is in order too
                    pass
                return problem[1]
            self.add(entry)
            previous, expected_id = str(document["hash"]), entry.id + 1
        return None


def check(
    state: StateFile,
    incidents: tuple[Incident, ...],
    items: tuple[ActionItem, ...],
    to_entry: Callable[[dict[str, Any]], LogEntry],
    expected_head: str | None = None,
    chain_key: bytes | None = None,
) -> Verdict:
    """Check the file ``state`` was read from: the chain, the meta record's head and count, the
    tables against the log, ``expected_head`` (a head read out by whoever sent the file) and, with
    the team's ``chain_key``, the head's keyed hash."""
    detected = {incident.id: incident.detected_at for incident in incidents}
    try:
        links, records = links_of(state.tables), records_of(state.tables)
    except RecordProblem as exc:
        return Verdict(f"{exc}")
    archived = tuple((record.file, record.entries) for record in records)
    walk = _Walk(to_entry, detected)
    walk.expected = expected_head
    try:
        problem = walk.chain(walk.documents((doc for _, doc in state.log_records()), ordered=True), links)
    except _OutOfOrder:
        docs = sorted((doc for _, doc in state.log_records()), key=lambda d: to_entry(d).id)
        walk = _Walk(to_entry, detected)
        walk.expected = expected_head
        problem = walk.chain(walk.documents(docs, ordered=False), links)
    if problem is not None:
        return Verdict(problem)
    last = walk.last
    head = _chain_head(state, last, links)
    moved = sum(count for _, count in archived)
    problem = _meta_problem(state, walk.count, last, head, moved) or _key_problem(state, head, chain_key)
    if problem is None and expected_head is not None and expected_head != head and expected_head not in walk.hashes:
        problem = (
            f"the log's head is {head}, not the expected {expected_head}: "
            "the log was changed or re-chained after that head was read out"
        )
    if problem is None:
        problem, unchecked = disagreement(incidents, items, walk.replay)
    if problem is not None:
        return Verdict(problem, walk.count, head)
    newest = to_entry(last).recorded_at if last else None
    if newest is not None and walk.latest is not None and walk.latest > newest + CLOCK_SLACK:
        for _, doc in state.log_records():  # a second pass, only when some entry is ahead of the newest
            walk.note_clock(clock_problem(to_entry(doc), None, newest))
    clock = list(walk.clock)
    if walk.clock_count > len(clock):
        clock.append(f"and {walk.clock_count - len(clock)} more entries with a clock problem")
    head_entry = walk.hashes.get(expected_head) if expected_head not in (None, head) else None
    return Verdict(None, walk.count, head, unchecked, tuple(clock), head_entry, archived)


def _chain_head(state: StateFile, last: dict[str, Any] | None, links: dict[int, str]) -> str:
    """The hash the chain ends at: the last entry's, or, when the chain's newest entries were moved
    to an archive, the one linked to the entry after them."""
    head = str(last["hash"]) if last else ledger.GENESIS
    recorded = meta_record(state.tables).get("entries")
    end = last["id"] if last else 0
    if isinstance(recorded, int) and end < recorded and (recorded + 1) in links:
        return links[recorded + 1]
    return head


def _meta_problem(
    state: StateFile, count: int, last: dict[str, Any] | None, chain_head: str, moved: int = 0
) -> str | None:
    """A meta record whose head or entry count does not match the log (entries removed at the end);
    ``moved`` entries are recorded as moved to archives."""
    meta = meta_record(state.tables)
    head, recorded = meta.get("head"), meta.get("entries")
    end = last["id"] if last else 0
    if moved and recorded != count + moved:
        return (
            f"the log holds {count} entries and its archives {moved}, but the file recorded {recorded} "
            "(entries removed, or the count edited)"
        )
    count += moved
    if count and head is None:
        return f"the file's meta record has no hash chain head, so entries removed after entry {end} could go unseen"
    if count and recorded is None:
        return f"the file's meta record has no entry count, so entries removed after entry {end} could go unseen"
    if head is not None and head != chain_head:
        return f"the log ends at entry {end} but the file recorded {recorded} entries (entries removed at the end)"
    if recorded is not None and recorded != count:
        return f"the log holds {count} entries but the file recorded {recorded} (entries removed, or the count edited)"
    return None


def _key_problem(state: StateFile, head: str, chain_key: bytes | None) -> str | None:
    """With the team's key: a head whose keyed hash is missing or does not match (re-chained without the key)."""
    if chain_key is None or head == ledger.GENESIS:
        return None
    recorded = meta_record(state.tables).get("head_key")
    if not isinstance(recorded, str):
        return "the file's head has no keyed hash: it was last written without the team's key, or re-chained"
    if not hmac_equal(recorded, ledger.keyed_head(chain_key, head)):
        return "the file's keyed head does not match the team's key: the log was re-chained without it"
    return None


def hmac_equal(a: str, b: str) -> bool:
    import hmac  # compare_digest only: no OpenSSL hashing is done with it

    return hmac.compare_digest(a.encode("ascii", "replace"), b.encode("ascii", "replace"))
