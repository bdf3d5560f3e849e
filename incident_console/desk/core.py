"""What every step of the Desk shares: the file it writes, the clock, who is writing, one transaction per change.

A Desk opened read-only (a stakeholder's view) refuses every change here, at the one place every
change goes through, so no key or command can write through it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from ..domain import limits
from ..domain.errors import InputError
from ..domain.model import Incident, LogEntry, NewEntry, Snapshot
from ..domain.policy import Policy
from ..domain.templates import TEMPLATES, Template
from ..domain.text import clean_input

if TYPE_CHECKING:
    from ..store.repository import Repository, Transaction

Clock = Callable[[], datetime]
USER_VARIABLE = "INCIDENT_CONSOLE_USER"
READ_ONLY = "This is a read-only view: nothing was changed."
T = TypeVar("T")


class ReadOnlyView(InputError):
    """A change asked of a Desk opened read-only."""

    def __init__(self) -> None:
        super().__init__(READ_ONLY)


def system_clock() -> datetime:
    return datetime.now(UTC)


def default_author(explicit: str | None = None) -> str:
    """``--as NAME``, else ``$INCIDENT_CONSOLE_USER``, else the login name."""
    if explicit and explicit.strip():
        return limits.check("the author's name (--as)", clean_input(explicit), limits.NAME)
    from_env = os.environ.get(USER_VARIABLE, "").strip()
    if from_env:
        return limits.check(f"the author's name (${USER_VARIABLE})", clean_input(from_env), limits.NAME)
    return _login_name()


def _login_name() -> str:
    """What getpass.getuser() answers, without importing getpass (and termios) on every command."""
    for variable in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        name = os.environ.get(variable)
        if name:
            return name
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError, OSError):  # no login name in some containers, or no pwd (Windows)
        return "unknown"


def _required(label: str, value: str, limit: int, *, multiline: bool = False, wants: str = "") -> str:
    cleaned = clean_input(value, multiline=multiline)
    if not cleaned.strip():
        raise InputError(f"{label} is empty; write what it should say", wants=wants)
    return limits.check(label, cleaned, limit)


def _optional(label: str, value: str, limit: int) -> str:
    return limits.check(label, clean_input(value), limit)


def _services(names: Sequence[str]) -> tuple[str, ...]:
    services = tuple(s for s in (_optional("a service name", x, limits.SERVICE) for x in names) if s)
    if len(services) > limits.SERVICES:
        raise InputError(f"{len(services)} services are named; the limit is {limits.SERVICES}")
    return services


class DeskCore:
    """The state every step works on, and the one way a change is made: ``_transaction``."""

    def __init__(
        self,
        repository: Repository,
        *,
        author: str | None = None,
        policy: Policy | None = None,
        clock: Clock = system_clock,
        templates: Sequence[Template] = TEMPLATES,
        read_only: bool = False,
    ) -> None:
        self.repository = repository
        self.author = default_author(author)
        self.policy = policy or Policy()
        self.clock = clock
        self.templates = tuple(templates)
        self.read_only = read_only
        # Update times and clock problems per incident, for the log tuple they were read from (logs
        # are immutable): a console ticking every second never rescans a long log.
        self._sent: dict[str, tuple[tuple[LogEntry, ...], list[datetime]]] = {}
        self._skewed: dict[str, tuple[tuple[LogEntry, ...], tuple[datetime | None, datetime], dict[int, str]]] = {}

    def snapshot(self) -> Snapshot:
        """The state file's content now (re-read only when it changed on disk)."""
        return self.repository.snapshot()

    def incident(self, incident_id: str | None = None, snapshot: Snapshot | None = None) -> Incident:
        """The incident named by ``incident_id``, else the most recently declared open one."""
        snap = snapshot or self.snapshot()
        if incident_id:
            found = snap.incident(incident_id)
            if found is None:
                known = ", ".join(i.id for i in snap.incidents) or "none yet"
                raise InputError(f"incident {incident_id!r} does not exist (known: {known})")
            return found
        current = snap.current()
        if current is None:
            raise InputError("there is no incident yet", wants="incident")
        return current

    def _transaction(self, now: datetime) -> Any:
        """The repository's transaction (lock, re-read, save at once); refused on a read-only Desk."""
        if self.read_only:
            raise ReadOnlyView()
        return self.repository.transaction(now)

    def _change(self, incident_id: str | None, apply: Callable[[Transaction, Incident, datetime], T]) -> T:
        now = self.clock()
        with self._transaction(now) as tx:
            incident = self.incident(incident_id, tx.snapshot)
            return apply(tx, incident, now)

    def _entry(self, incident: Incident, kind: str, text: str, at: datetime, /, **details: Any) -> NewEntry:
        return NewEntry(incident.id, kind, text, self.author, at, details)
