"""Keys typed in a burst through a real terminal, on a loaded machine, land exactly as typed."""

from __future__ import annotations

from pathlib import Path

from tests.reliability import bursts
from tests.reliability.harness import run_short


def test_every_text_field_saves_exactly_what_was_typed_in_one_burst_under_load(tmp_path: Path) -> None:
    run_short(bursts.typed_bursts, tmp_path, 1)
