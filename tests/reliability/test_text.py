"""Untrusted text (markup, escape sequences, controls, RTL, emoji, very long) shown and exported literally."""

from __future__ import annotations

from pathlib import Path

from tests.reliability import scenarios
from tests.reliability.harness import run_short


def test_markdown_outputs_hold_untrusted_text_literally_without_controls(tmp_path: Path) -> None:
    run_short(scenarios.untrusted_text_markdown, tmp_path, 60)


def test_every_pane_and_screen_draws_untrusted_text_without_controls(tmp_path: Path) -> None:
    run_short(scenarios.untrusted_text_console, tmp_path, 5)


def test_a_real_terminal_never_receives_escape_sequences_from_the_file(tmp_path: Path) -> None:
    run_short(scenarios.terminal_output, tmp_path, 1)
