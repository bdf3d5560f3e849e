"""Seeded hypothesis settings for the scenarios that generate their examples."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import seed as hypothesis_seed


def seeded_examples(examples: int, seed: int, *, strict: bool, shrink: bool = True) -> Callable[[Any], Any]:
    """Settings for a scenario's generated examples: no database, no deadline, seeded.

    Shrinking only helps when the first failure is raised (``strict``); where each example runs the
    console (seconds), it is left out: shrinking would take many minutes.
    """
    phases = [Phase.explicit, Phase.generate] + ([Phase.shrink] if strict and shrink else [])

    def apply(test: Any) -> Any:
        configured = settings(
            max_examples=examples,
            deadline=None,
            database=None,
            phases=phases,
            suppress_health_check=list(HealthCheck),
            print_blob=False,
        )(test)
        return hypothesis_seed(seed)(configured)

    return apply
