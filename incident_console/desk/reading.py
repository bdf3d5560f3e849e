"""Reading the file: the state, the timers and the clock problems of an incident, and the file's own status.

Every door asks the Desk, never the store: the console's header (saved at, writable, changed on
disk), the verify command, the lock's waiting message.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from ..domain import sla
from ..domain.errors import FileProblem
from ..domain.model import Incident, LogEntry, Snapshot
from .core import DeskCore

if TYPE_CHECKING:
    from ..store.verification import Verdict


class Reading(DeskCore):
    """Queries: nothing here writes the file."""

    def newest(self, incident_id: str | None = None) -> Snapshot:
        """The state file with only the newest part of a long log read: enough to draw the console's
        first frame (see ``Repository.newest``); ``snapshot()`` reads the rest."""
        return self.repository.newest(incident_id=incident_id)

    def held(self, incident_id: str | None = None) -> Snapshot:
        """The state a console holds while it is open: on a long log, the entries of the open
        incidents and of ``incident_id`` held, any other incident's read when asked for (so memory
        does not grow with resolved history); on a short one, the whole file (see ``Repository.held``)."""
        return self.repository.held(incident_id)

    def log_in_memory(self, snapshot: Snapshot, incident_id: str) -> bool:
        """False when ``snapshot.log_for(incident_id)`` would read the file first (a resolved incident
        of a long log, not looked at lately): a console reads it off its UI thread."""
        from ..store.held_logs import in_memory

        return in_memory(snapshot.log_by_incident, incident_id)

    def incident_view(self, incident_id: str | None = None) -> Snapshot:
        """The state for a look at one incident (``show``; ``incident_id``, else the current one): the
        incidents it can be, and an incident's log read only when asked for, so the cost follows that
        incident and not the file's history."""
        return self.repository.incident_view(incident_id)

    def timers(
        self, incident: Incident, snapshot: Snapshot | None = None, now: datetime | None = None
    ) -> list[sla.SlaTimer]:
        """The SLA timers of ``incident`` at ``now`` (the clock's now by default)."""
        snap = snapshot or self.snapshot()
        log = snap.log_for(incident.id)
        skewed = self.clock_problems(incident, snap)
        if skewed:  # what an entry with a clock problem recorded meets no timer
            from ..domain.clock import without_skewed

            incident, log = without_skewed(incident, log, skewed)
            return sla.timers(incident, log, self.policy, now or self.clock())
        return sla.timers(incident, log, self.policy, now or self.clock(), sent=self._update_times(incident.id, log))

    def clock_problems(self, incident: Incident, snapshot: Snapshot | None = None) -> Mapping[int, str]:
        """The incident's entries whose time of writing cannot be right: entry id -> what is wrong.

        Remembered for the log tuple it was found in, so a console ticking every second looks once.
        """
        snap = snapshot or self.snapshot()
        log = snap.log_for(incident.id)
        newest = snap.log[-1].recorded_at if snap.log else None
        cached = self._skewed.get(incident.id)
        if cached is not None and cached[0] is log and cached[1] == (newest, incident.detected_at):
            return cached[2]
        from ..domain.clock import clock_problems  # here: an alert hook's `log` never looks at timers

        found = clock_problems(incident, log, newest)
        self._skewed[incident.id] = (log, (newest, incident.detected_at), found)
        return found

    def _update_times(self, incident_id: str, log: tuple[LogEntry, ...]) -> list[datetime]:
        """When updates went out, remembered between calls: a log that only grew is read from where it
        was left, so a console ticking every second never rescans a 50,000-entry log."""
        cached = self._sent.get(incident_id)
        if cached is not None and cached[0] is log:
            return cached[1]
        if cached is not None and cached[0] and len(log) >= len(cached[0]) and log[len(cached[0]) - 1] is cached[0][-1]:
            sent = sorted(cached[1] + sla.comms_times(log[len(cached[0]) :]))
        else:
            sent = sla.comms_times(log)
        self._sent[incident_id] = (log, sent)
        return sent

    # changes -------------------------------------------------------------------------------
    # the file itself ----------------------------------------------------------------------------

    @property
    def path(self) -> str:
        """The state file, as given (or the file a link there points to)."""
        return self.repository.path

    def saved_at(self) -> datetime | None:
        """When the file was last written, or None when it does not exist yet."""
        return self.repository.saved_at()

    def writable(self) -> bool:
        """False when this Desk cannot save: opened read-only, or the file or its folder is read-only."""
        return not self.read_only and self.repository.writable()

    def changed_on_disk(self, shown: Snapshot | None = None) -> bool:
        """Whether another process wrote the file since it was last read here (a stat, no lock), or,
        given the snapshot a console shows, whether a later state than that one was read here since."""
        return self.repository.changed_on_disk(None if shown is None else shown.generation)

    def verify(self) -> str | None:
        """The file checked against its own log: the first problem in one sentence, or None."""
        return self.repository.verify()

    def check(self, expected_head: str | None = None) -> Verdict:
        """The whole check ``verify`` reports: entries, head, the first problem."""
        return self.repository.check(expected_head)

    def check_file(self, path: str, expected_head: str | None = None) -> Verdict:
        """Check another state file, with this Desk's chain key; it is never created."""
        from ..store.repository import Repository

        if not os.path.exists(path):
            raise FileProblem(f"{path} does not exist")
        return Repository(path, chain_key=self.repository.chain_key).check(expected_head)

    @property
    def chain_key(self) -> bytes | None:
        """The team's key for the keyed head, when one is configured."""
        return self.repository.chain_key

    def on_lock_wait(self, callback: Callable[[str], None] | None) -> None:
        """Call ``callback`` with who holds the file's lock when a save has to wait for it."""
        self.repository.lock.on_wait = callback

    def stop_waiting(self) -> None:
        """Give up every wait for the file's lock (the console is closing)."""
        self.repository.lock.stop_waiting.set()

    # copies out ---------------------------------------------------------------------------------

    def export(self, out: str) -> int:
        """Write a consistent copy of the state file to ``out`` (atomic, 0600); returns its entry count."""
        return self.repository.export_to(out)

    def snapshot_of(self, path: str) -> Snapshot:
        """Another state file's content (an export, say), read with the same checks."""
        from ..store.repository import Repository

        return Repository(path).snapshot()

    def save_document(self, target: str, text: str) -> None:
        """Write a rendered document (a post-mortem) to ``target`` atomically; never follows a link there."""
        from ..store.atomic import write_atomically

        try:
            write_atomically(os.path.abspath(target), text.encode("utf-8"))
        except OSError as exc:
            raise FileProblem(f"could not write {target}: {exc.strerror or exc}") from None
