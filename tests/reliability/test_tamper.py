"""Tamper evidence and hostile JSON: the short runs of the `tamper` and `hostile-json` scenarios."""

from __future__ import annotations

from pathlib import Path

from tests.reliability import tamper
from tests.reliability.harness import run_short


def test_every_tamper_case_is_named_by_verify_and_honest_files_are_intact(tmp_path: Path) -> None:
    run_short(tamper.tamper, tmp_path, 1)


def test_deep_nesting_and_repeated_keys_are_refused_by_every_reading_command(tmp_path: Path) -> None:
    run_short(tamper.hostile_json, tmp_path, 1)


def test_entries_from_a_clock_ahead_are_flagged_and_meet_no_timer(tmp_path: Path) -> None:
    run_short(tamper.clock_skew, tmp_path, 2)
