"""The incidents table of a file, each record turned into an Incident only when it is asked for.

A change on one incident of a long file (``change_view``) needs the most recently declared open
incident, or the one it names, not the thousands resolved before them. Guarantees: the incidents
come in ``snapshots.incidents_of``'s order (declared time, then id number), for which every
record's id and declared time are checked; a record is checked in full, as ``incidents_of`` checks
it (``documents.incident_from_doc``), when it is first given out; ``open_ones`` looks at each
record's status (checked) and gives out only the open ones; ``find`` compares ids and gives out
only the one found. A malformed record is refused with the sentence ``incidents_of`` gives.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, overload

from ..domain.errors import FileProblem
from ..domain.model import Incident, IncidentTable, Status
from .documents import incident_from_doc, status_of, stored_time

_MALFORMED = (KeyError, TypeError, ValueError, AttributeError)


class StoredIncidents(IncidentTable):
    """The records of a file's incidents table, in the order they were declared."""

    def __init__(self, path: str, records: Mapping[str, Any]) -> None:
        self._path = path
        try:
            keyed = [(stored_time(doc["declared_at"]), _number(str(doc["id"])), doc) for doc in records.values()]
        except _MALFORMED as exc:
            raise self._malformed(exc) from None
        keyed.sort(key=lambda each: (each[0], each[1]))
        self._docs = [doc for _, _, doc in keyed]
        self._made: list[Incident | None] = [None] * len(self._docs)

    def _malformed(self, exc: Exception) -> FileProblem:
        return FileProblem(f"{self._path} has a malformed incident record ({exc!s}); left unchanged")

    def _at(self, index: int) -> Incident:
        made = self._made[index]
        if made is None:
            try:
                made = incident_from_doc(self._docs[index])
            except _MALFORMED as exc:
                raise self._malformed(exc) from None
            self._made[index] = made
        return made

    def __len__(self) -> int:
        return len(self._docs)

    @overload
    def __getitem__(self, index: int) -> Incident: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Incident, ...]: ...

    def __getitem__(self, index: int | slice) -> Incident | tuple[Incident, ...]:
        if isinstance(index, slice):
            return tuple(self._at(each) for each in range(*index.indices(len(self._docs))))
        if index < 0:
            index += len(self._docs)
        if not 0 <= index < len(self._docs):
            raise IndexError(index)
        return self._at(index)

    def __iter__(self) -> Iterator[Incident]:
        return (self._at(index) for index in range(len(self._docs)))

    def ids(self) -> tuple[str, ...]:
        """Each incident's id, in order, without turning the records into incidents."""
        return tuple(str(doc["id"]) for doc in self._docs)

    def find(self, wanted: str) -> Incident | None:
        for index, doc in enumerate(self._docs):
            if str(doc["id"]).upper() == wanted:
                return self._at(index)
        return None

    def open_ones(self) -> tuple[Incident, ...]:
        try:
            found = [index for index, doc in enumerate(self._docs) if status_of(doc["status"]) is not Status.RESOLVED]
        except _MALFORMED as exc:
            raise self._malformed(exc) from None
        return tuple(self._at(index) for index in found)


def _number(ident: str) -> int:
    """``Incident.id_number`` of the id ``ident``."""
    number = ident[4:]
    if ident.startswith("INC-") and number.isascii() and number.isdigit():
        return int(number)
    digits = "".join(ch for ch in ident if ch.isdigit())
    return int(digits) if digits else 0


def ids_of(incidents: Sequence[Incident]) -> tuple[str, ...]:
    """Each incident's id, in order; of a stored table, without turning its records into incidents."""
    return incidents.ids() if isinstance(incidents, StoredIncidents) else tuple(i.id for i in incidents)
