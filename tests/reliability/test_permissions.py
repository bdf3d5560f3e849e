"""A read-only file, opened by a user who cannot write it (root ignores file modes, so a child drops to nobody)."""

from __future__ import annotations

from pathlib import Path

from tests.reliability import scenarios
from tests.reliability.harness import run_short


def test_a_read_only_file_can_be_read_but_not_written_and_the_console_says_so(tmp_path: Path) -> None:
    run_short(scenarios.read_only_file, tmp_path, 1)
