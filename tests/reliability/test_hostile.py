"""Corrupt and hostile state files: refused in one line and left as they were, never a traceback."""

from __future__ import annotations

from pathlib import Path

from tests.reliability import scenarios
from tests.reliability.harness import run_short


def test_each_broken_file_is_refused_by_every_command_and_by_the_console(tmp_path: Path) -> None:
    run_short(scenarios.hostile_files, tmp_path, 1)


def test_generated_file_contents_never_crash_a_command_nor_lose_a_record(tmp_path: Path) -> None:
    run_short(scenarios.hostile_generated, tmp_path, 150)
