"""A realistic demo incident, for trying the console, the screenshots and the golden-file tests."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

from .desk import Desk
from .domain.model import Severity, Status
from .domain.triage import answers_from_text

DEMO_START = datetime(2026, 11, 28, 2, 47, tzinfo=UTC)
DEMO_LENGTH = timedelta(minutes=27, seconds=40)  # from impact start to the end of the story


class SteppingClock:
    """A clock that stays where it is put: the demo moves it forward as the story goes."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def build_demo(path: str | os.PathLike[str], *, start: datetime = DEMO_START) -> SteppingClock:
    """Write the demo incident to ``path``; returns the clock, left at the end of the story."""
    clock = SteppingClock(start + timedelta(minutes=4))

    def as_(name: str) -> Desk:
        return Desk.with_defaults(path, author=name, clock=clock)

    alice, bob = as_("alice"), as_("bob")
    alice.declare(
        "Checkout API returning 502s",
        Severity.P2,
        impact="About 30% of checkout attempts fail with a 502; retries mostly succeed",
        services=["checkout-api", "payments"],
        commander="alice",
        started_at=start,
        detected_at=start + timedelta(minutes=2),
    )
    clock.advance(minutes=1)
    alice.acknowledge()
    clock.advance(minutes=2)
    alice.triage(answers_from_text("many", "no", "yes", "no"), apply_severity=True)
    clock.advance(minutes=1)
    alice.log("Error rate on checkout-api jumped at 02:47, right after deploy v2026.11.28-1")
    clock.advance(minutes=2)
    alice.record_update(alice.render_update("update"), template="update")
    clock.advance(minutes=3)
    bob.log("p99 latency on payments is normal; the 502s come from the checkout-api pods", kind="note")
    clock.advance(minutes=2)
    alice.set_status(Status.IDENTIFIED, note="bad connection-pool setting in v2026.11.28-1")
    clock.advance(minutes=1)
    alice.respond("Rollback", "checkout-api rolled back to v2026.11.27-3")
    clock.advance(seconds=40)
    alice.record_command(
        ["kubectl", "rollout", "status", "deploy/checkout-api"], clock() - timedelta(seconds=38), clock(), 0
    )
    clock.advance(minutes=3)
    alice.set_status(Status.MONITORING, note="502s back to baseline after the rollback")
    clock.advance(minutes=1)
    alice.record_update(alice.render_update("monitoring"), template="monitoring")
    clock.advance(minutes=2)
    bob.log("Is the retry storm from the mobile app over? Watching the queue depth.", kind="question")
    alice.add_action_item("Alert on checkout-api 5xx rate above 2% for 2 minutes", owner="bob", due=date(2026, 12, 5))
    alice.add_action_item("Add a canary stage to the checkout-api deploy", owner="alice", due=date(2026, 12, 12))
    clock.advance(minutes=5)
    return clock
