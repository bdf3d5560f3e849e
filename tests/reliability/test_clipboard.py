"""The clipboard says what happened: never "copied" when it was not, and no tool output on the screen."""

from __future__ import annotations

from pathlib import Path

from tests.reliability import scenarios
from tests.reliability.harness import run_short


def test_failures_are_reported_with_their_reason_and_print_nothing(tmp_path: Path) -> None:
    run_short(scenarios.clipboard_failures, tmp_path, 1)


def test_console_says_osc52_and_paste_to_check_when_the_system_clipboard_fails(tmp_path: Path) -> None:
    run_short(scenarios.clipboard_console, tmp_path, 1)


def test_a_real_x_clipboard_gets_the_text(tmp_path: Path) -> None:
    """Skipped where Xvfb and xclip are not installed (e.g. a fresh CI machine)."""
    run_short(scenarios.clipboard_xvfb, tmp_path, 1)
