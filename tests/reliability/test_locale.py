"""Files move between machines: a C locale without UTF-8 mode, other time zones."""

from __future__ import annotations

from pathlib import Path

from tests.reliability import scenarios
from tests.reliability.harness import run_short


def test_non_ascii_text_round_trips_through_a_c_locale_and_time_zones_do_not_matter(tmp_path: Path) -> None:
    run_short(scenarios.locale_roundtrip, tmp_path, 1)
