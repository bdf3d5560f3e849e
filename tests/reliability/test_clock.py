"""Timers tell the truth when the wall clock jumps and across a daylight-saving change."""

from __future__ import annotations

from pathlib import Path

from tests.reliability import scenarios
from tests.reliability.harness import run_short


def test_a_clock_jump_shows_true_overdue_times_and_logs_each_breach_once(tmp_path: Path) -> None:
    run_short(scenarios.clock_jump, tmp_path, 1)


def test_deadlines_across_a_daylight_saving_change_are_utc_arithmetic_in_any_time_zone(tmp_path: Path) -> None:
    run_short(scenarios.clock_dst, tmp_path, 1)
