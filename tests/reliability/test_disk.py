"""A full disk: the CLI refuses in one line and keeps the file; the console keeps the entry and saves it once."""

from __future__ import annotations

from pathlib import Path

from tests.reliability import scenarios
from tests.reliability.harness import run_short


def test_log_on_a_full_disk_fails_cleanly_then_works_once_there_is_room(tmp_path: Path) -> None:
    run_short(scenarios.disk_full_cli, tmp_path, 2)


def test_console_keeps_an_entry_it_cannot_save_and_saves_it_once(tmp_path: Path) -> None:
    run_short(scenarios.disk_full_console, tmp_path, 1)
