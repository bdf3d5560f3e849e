"""Links planted at the temporary file's name, for export, for log, and for many writers racing."""

from __future__ import annotations

from pathlib import Path

from tests.reliability import planted
from tests.reliability.harness import run_short


def test_a_link_at_the_export_copys_temporary_name_or_at_the_copy_touches_no_other_file(tmp_path: Path) -> None:
    run_short(planted.planted_temp_export, tmp_path, 1)


def test_a_link_planted_again_and_again_at_logs_temporary_name_touches_no_other_file(tmp_path: Path) -> None:
    run_short(planted.planted_temp_log, tmp_path, 1)


def test_racing_writers_with_links_to_the_state_file_at_their_temporary_names_lose_nothing(tmp_path: Path) -> None:
    run_short(planted.racing_logs, tmp_path, 1, calls=24)
