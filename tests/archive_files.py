"""State files to archive from: incidents open, resolved (post-mortem to do) and finished, entries interleaved."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from incident_console.desk import Desk
from incident_console.domain.model import Severity, Status
from incident_console.store.repository import Repository

START = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
# The fates an incident can meet in a built file.
OPEN, RESOLVED, FINISHED = "open", "resolved", "finished"


def stepping_clock(start: datetime = START, step: timedelta = timedelta(minutes=1)) -> Callable[[], datetime]:
    now = [start]

    def clock() -> datetime:
        now[0] += step
        return now[0]

    return clock


def build(
    path: Path,
    fates: list[str],
    *,
    notes: int = 2,
    seed: int = 0,
    items: bool = True,
    chain_key: bytes | None = None,
) -> Desk:
    """Declare one incident per fate, log ``notes`` notes to random incidents between every step, and
    take each to its fate: ``open``, ``resolved`` (post-mortem to do) or ``finished`` (post-mortem complete)."""
    rng = random.Random(seed)
    desk = Desk(Repository(path, chain_key=chain_key), author="alice", clock=stepping_clock())
    ids = [desk.declare(f"incident {n}", Severity.P2).id for n in range(len(fates))]

    def chatter() -> None:
        for _ in range(notes):
            desk.log(f"note {rng.random():.6f}", incident_id=rng.choice(ids))

    chatter()
    for ident, fate in zip(ids, fates, strict=True):
        if items:
            desk.add_action_item(f"follow up on {ident}", owner="bob", incident_id=ident)
        chatter()
        if fate in (RESOLVED, FINISHED):
            desk.set_status(Status.RESOLVED, note="fixed without the checklist", incident_id=ident)
        chatter()
        if fate == FINISHED:
            desk.complete_postmortem(ident, reason="reviewed in the weekly meeting")
        chatter()
    return desk


def cut() -> datetime:
    """A cut after every incident a ``build`` resolves."""
    return START + timedelta(days=365)
