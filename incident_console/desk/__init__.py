"""The Desk: the use cases, grouped the way the runbook reads, and the one object every door is given.

The command line, the console, the webhook listener and the served console all call a ``Desk``,
so every action is checked and logged the same way wherever it came from. Each change is one
transaction: the incident and the log entries that record the change are saved together, or not
at all.

One module per runbook step holds that step's rules, as a mixin over the shared core; ``Desk``
combines them, so a door calls ``desk.log(...)`` or ``desk.handoff(...)`` with no forwarding layer:

- ``detect``: alerts from monitoring (declare, annotate, recur)
- ``declare``: declare and triage, severity, commander, impact
- ``respond``: the log, acknowledgement, escalation, response actions, commands run
- ``communicate``: status updates and their deadlines, breaches
- ``resolve``: statuses and the resolve checklist
- ``handoff``: the briefing and the review
- ``postmortem``: the post-mortem and action items
- ``archive``: moving finished incidents to an archive file, and checking the two together
- ``reading``: queries, and the file's own status; ``core``: what they all share
"""

from __future__ import annotations

import os

from .archive import Archiving
from .communicate import Communicating
from .core import READ_ONLY, USER_VARIABLE, Clock, ReadOnlyView, default_author, system_clock
from .declare import TriageResult
from .detect import LARGEST_BODY, Detecting, Outcome, decode
from .handoff import HandingOff
from .postmortem import PostMortems
from .resolve import Resolving
from .respond import RESPONSE_ACTIONS, Responding

__all__ = [
    "LARGEST_BODY",
    "READ_ONLY",
    "RESPONSE_ACTIONS",
    "USER_VARIABLE",
    "Clock",
    "Desk",
    "Outcome",
    "ReadOnlyView",
    "TriageResult",
    "decode",
    "default_author",
    "state_path",
    "system_clock",
]


def state_path(path: str | None = None) -> str:
    """The state file a door means: ``path`` (--file), else ``$INCIDENT_CONSOLE_FILE``, else the user
    data folder's ``incidents.json``; absolute, ``~`` expanded."""
    from ..store.locations import state_file

    return state_file(path)


class Desk(Detecting, Communicating, Responding, Resolving, HandingOff, PostMortems, Archiving):
    """The incident desk: reads the state file and records every action in it."""

    @classmethod
    def open(
        cls,
        path: str | None = None,
        *,
        author: str | None = None,
        config: str | None = None,
        clock: Clock = system_clock,
        read_only: bool = False,
    ) -> Desk:
        """A Desk on the state file at ``path`` (else ``$INCIDENT_CONSOLE_FILE``, else the user data
        folder's), with the config file's policy, templates and store settings."""
        from ..config import load_config
        from ..store.locations import state_file
        from ..store.repository import Repository

        settings = load_config(config)
        repository = Repository(state_file(path), lock_timeout=settings.lock_timeout, chain_key=settings.chain_key)
        return cls(
            repository,
            author=author,
            policy=settings.policy,
            templates=settings.templates,
            clock=clock,
            read_only=read_only,
        )

    @classmethod
    def with_defaults(cls, path: str | os.PathLike[str], *, author: str, clock: Clock = system_clock) -> Desk:
        """A Desk on the state file at ``path``, named as given (the console shows a relative name
        as it is), with the runbook's policy and templates and no config file: the demo and the
        screenshots read the same on every machine."""
        from ..store.repository import Repository

        return cls(Repository(path), author=author, clock=clock)
