"""Two headless consoles and two streams of CLI processes append to one file at the same time."""

from __future__ import annotations

from pathlib import Path

from tests.reliability import scenarios
from tests.reliability.harness import run_short


def test_consoles_and_cli_processes_appending_together_lose_and_repeat_nothing(tmp_path: Path) -> None:
    run_short(scenarios.concurrent_writers, tmp_path, 1, entries=20)
