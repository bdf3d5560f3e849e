"""The incident model: severities, statuses, incidents and log entries, as enums and named tuples.

Named tuples rather than frozen dataclasses: as immutable, and cheaper where it counts. A long
log is tens of thousands of entries built each time the file is opened (a named tuple is built
about three times faster), and every command an alert hook runs imports this module (the
dataclasses module and the code it generates per class cost more than the command's own work).
"""

# No "from __future__ import annotations" here: with it, typing.NamedTuple compiles every field's
# annotation from its text when the class is made, the better part of this module's import time.
import enum
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import Any, NamedTuple

from .errors import InputError

# The empty mapping shared by every entry without details (and incidents without post-mortem text);
# read-only, so no record can change another's.
NO_DETAILS: Mapping[str, Any] = MappingProxyType({})


class Severity(enum.StrEnum):
    """The runbook's severity levels."""

    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"

    @property
    def label(self) -> str:
        return _SEVERITY_TEXT[self][0]

    @property
    def description(self) -> str:
        return _SEVERITY_TEXT[self][1]

    @property
    def examples(self) -> str:
        return _SEVERITY_TEXT[self][2]

    @property
    def response_time(self) -> timedelta:
        """The runbook's default response time (a policy file may override it)."""
        return _SEVERITY_RESPONSE[self]

    @property
    def rank(self) -> int:
        """1 for P1 (most severe) to 4 for P4."""
        return int(self.value[1])

    @classmethod
    def parse(cls, text: str) -> "Severity":
        """Read ``P1``..``P4`` (any case, an optional ``P``) or refuse with a sentence."""
        value = text.strip().upper()
        if value in {"1", "2", "3", "4"}:
            value = "P" + value
        try:
            return cls(value)
        except ValueError:
            raise InputError(f"severity {text!r} is not one of P1, P2, P3, P4") from None


_SEVERITY_TEXT = {
    Severity.P1: ("Critical", "Service down, data loss", "Complete outage, security breach"),
    Severity.P2: ("High", "Major feature broken", "Payment processing failing"),
    Severity.P3: ("Medium", "Degraded performance", "Slow response times"),
    Severity.P4: ("Low", "Minor issue", "UI glitch, typo"),
}
_SEVERITY_RESPONSE = {
    Severity.P1: timedelta(minutes=15),
    Severity.P2: timedelta(hours=1),
    Severity.P3: timedelta(hours=4),
    Severity.P4: timedelta(hours=24),
}


class Status(enum.StrEnum):
    """Where the incident stands, in Statuspage's words."""

    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"

    @property
    def title(self) -> str:  # type: ignore[override]
        return self.value.capitalize()

    @classmethod
    def parse(cls, text: str) -> "Status":
        value = text.strip().lower()
        try:
            return cls(value)
        except ValueError:
            names = ", ".join(s.value for s in cls)
            raise InputError(f"status {text!r} is not one of {names}") from None


class Users(enum.StrEnum):
    """How many users are affected: the runbook's first triage question."""

    ALL = "all"
    MANY = "many"
    FEW = "few"

    @classmethod
    def parse(cls, text: str) -> "Users":
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise InputError(f"users affected {text!r} is not one of all, many, few") from None


# Log entry kinds. The log is open to new kinds; these are the ones the console writes itself.
KINDS: tuple[str, ...] = (
    "declare",
    "note",
    "action",
    "command",
    "comms",
    "status",
    "severity",
    "ack",
    "triage",
    "escalation",
    "commander",
    "impact",
    "handoff",
    "breach",
    "correction",
    "checklist",
    "action_item",
    "postmortem",
    "question",
)
# Kinds a person may write by hand with `log --kind`; the others are written by their own command.
FREE_KINDS: tuple[str, ...] = ("note", "action", "escalation", "comms", "correction", "question")


def parse_kind(text: str) -> str:
    """Accept one of the kinds a person may log by hand."""
    value = text.strip().lower()
    if value not in FREE_KINDS:
        raise InputError(f"log kind {text!r} is not one of {', '.join(FREE_KINDS)}")
    return value


class TriageAnswers(NamedTuple):
    """The runbook's four triage questions, answered."""

    users: Users
    data_at_risk: bool
    transactions_failing: bool
    workaround: bool

    def describe(self) -> str:
        def yn(flag: bool) -> str:
            return "yes" if flag else "no"

        return (
            f"users affected: {self.users.value}; data at risk: {yn(self.data_at_risk)}; "
            f"transactions failing: {yn(self.transactions_failing)}; workaround: {yn(self.workaround)}"
        )


class Incident(NamedTuple):
    """One incident as it stands now. Every change to it is also a log entry."""

    id: str
    title: str
    severity: Severity
    status: Status
    detected_at: datetime
    declared_at: datetime
    started_at: datetime | None = None
    impact: str = ""
    services: tuple[str, ...] = ()
    commander: str = ""
    acknowledged_at: datetime | None = None
    triaged_at: datetime | None = None
    triage: TriageAnswers | None = None
    monitoring_since: datetime | None = None
    resolved_at: datetime | None = None
    postmortem_done_at: datetime | None = None
    highest_severity: Severity | None = None
    # The post-mortem's free-text sections, by key (see POSTMORTEM_SECTIONS).
    postmortem: Mapping[str, str] = NO_DETAILS

    @property
    def is_open(self) -> bool:
        return self.status is not Status.RESOLVED

    @property
    def id_number(self) -> int:
        digits = "".join(ch for ch in self.id if ch.isdigit())
        return int(digits) if digits else 0

    @property
    def impact_start(self) -> datetime:
        """When users started to feel it: the impact start if known, else detection."""
        return self.started_at or self.detected_at

    @property
    def peak_severity(self) -> Severity:
        peak = self.highest_severity or self.severity
        return peak if peak.rank <= self.severity.rank else self.severity

    @property
    def postmortem_todo(self) -> tuple[str, ...]:
        """The titles of the post-mortem's free-text sections not written yet."""
        return tuple(title for key, title in POSTMORTEM_SECTIONS if not self.postmortem.get(key, "").strip())

    def with_changes(self, **changes: Any) -> "Incident":
        return self._replace(**changes)


class LogEntry(NamedTuple):
    """One line of the append-only action log.

    ``at`` is when it happened; ``recorded_at`` is when it was written. They differ when an
    entry is backfilled, and the console shows that. ``corrects`` points at an earlier entry
    this one corrects: nothing is ever edited or deleted. ``hash`` chains the entry to the one
    before it in the file, so an edited or removed entry is detectable.
    """

    id: int
    incident_id: str
    kind: str
    text: str
    author: str
    at: datetime
    recorded_at: datetime
    details: Mapping[str, Any] = NO_DETAILS
    corrects: int | None = None
    hash: str = ""

    @property
    def backfilled(self) -> bool:
        """True when the entry was written more than a minute after the moment it describes."""
        return (self.recorded_at - self.at) > timedelta(minutes=1)


POSTMORTEM_SECTIONS: tuple[tuple[str, str], ...] = (
    ("summary", "Summary"),
    ("root_cause", "Root Cause"),
    ("impact", "Impact"),
    ("went_well", "What Went Well"),
    ("went_wrong", "What Went Wrong"),
    ("lessons", "Lessons Learned"),
)
# What a post-mortem can be given: its sections, and who led the incident when that is not the
# person who was commander longest (the default).
POSTMORTEM_FIELDS: tuple[tuple[str, str], ...] = (*POSTMORTEM_SECTIONS, ("lead", "Lead"))


class ActionItem(NamedTuple):
    """A follow-up with an owner and a deadline, from the post-mortem or during the incident."""

    id: int
    incident_id: str
    text: str
    owner: str
    due: date | None
    created_at: datetime
    done_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.done_at is None


class NewEntry(NamedTuple):
    """A log entry not yet written: the store gives it its id, time of writing and hash."""

    incident_id: str
    kind: str
    text: str
    author: str
    at: datetime
    details: Mapping[str, Any] = NO_DETAILS
    corrects: int | None = None


class IncidentTable(Sequence[Incident]):
    """Incidents in the order they were declared, that can answer ``find`` and ``open_ones`` without
    going through every one: the store's table of a long file, whose records are turned into
    incidents only when asked for. A Snapshot's ``incidents`` is this or a plain tuple."""

    def find(self, wanted: str) -> "Incident | None":
        """The incident whose id, upper-cased, is ``wanted``."""
        return next((incident for incident in self if incident.id.upper() == wanted), None)

    def open_ones(self) -> "tuple[Incident, ...]":
        return tuple(incident for incident in self if incident.is_open)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, tuple | IncidentTable):
            return tuple(self) == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


class Snapshot(NamedTuple):
    """Everything in the state file at one moment, as domain objects.

    ``incidents`` are in the order they were declared; ``log`` is in id order (the order the
    entries were written); ``log_by_incident`` indexes it.

    ``newest_from`` is 0 when the whole log was read. Otherwise only its newest part was: ``log``
    holds every entry from that id on and, before it, only the status updates sent (so the
    timers are right). The console draws its first frame from such a snapshot of a long log.

    ``log_in_part`` is True for the state a console holds on a long log: ``log`` holds only the
    entries of the incidents held (the open ones, the one on screen) and the newest entry, while
    ``log_by_incident`` still gives every incident's entries, all of them (read when asked for).

    ``generation`` orders the snapshots one process reads and saves: one of a higher generation was
    read or saved later, so a console never replaces the state it shows with an earlier one that
    arrives late (a reload that finished after a save, say).
    """

    incidents: Sequence[Incident] = ()
    log: tuple[LogEntry, ...] = ()
    log_by_incident: Mapping[str, tuple[LogEntry, ...]] = NO_DETAILS
    action_items: tuple[ActionItem, ...] = ()
    newest_from: int = 0
    log_in_part: bool = False
    generation: int = 0

    @property
    def whole(self) -> bool:
        """True when the whole log was read."""
        return self.newest_from == 0

    def incident(self, incident_id: str) -> Incident | None:
        wanted = incident_id.strip().upper()
        if isinstance(self.incidents, IncidentTable):
            return self.incidents.find(wanted)
        for incident in self.incidents:
            if incident.id.upper() == wanted:
                return incident
        return None

    @property
    def open_incidents(self) -> tuple[Incident, ...]:
        if isinstance(self.incidents, IncidentTable):
            return self.incidents.open_ones()
        return tuple(i for i in self.incidents if i.is_open)

    def current(self) -> Incident | None:
        """The most recently declared open incident, else the most recent one."""
        if not self.incidents:
            return None
        open_ = self.open_incidents
        return max(open_ or self.incidents, key=lambda i: (i.declared_at, i.id_number))

    def log_for(self, incident_id: str) -> tuple[LogEntry, ...]:
        return self.log_by_incident.get(incident_id, ())

    def unbroken_log_for(self, incident_id: str) -> tuple[LogEntry, ...]:
        """The incident's entries with none missing between them: all of them, or, when only the newest
        part of the log was read, those from ``newest_from`` on (without the earlier updates)."""
        log = self.log_for(incident_id)
        return log if self.whole else tuple(entry for entry in log if entry.id >= self.newest_from)

    def items_for(self, incident_id: str) -> tuple[ActionItem, ...]:
        return tuple(item for item in self.action_items if item.incident_id == incident_id)
