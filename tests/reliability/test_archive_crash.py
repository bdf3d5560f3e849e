"""An archive stopped, or failing, at each step of its writes leaves the two files whole and recoverable."""

from __future__ import annotations

from pathlib import Path

from tests.reliability.scenarios.archive import archive_crash_at_each_step, archive_failure_at_each_step


def test_an_archive_killed_at_each_step_leaves_the_old_files_or_the_new_ones(tmp_path: Path) -> None:
    # Two rounds: a new archive, then one added to an existing archive.
    result = archive_crash_at_each_step(tmp_path, 2, seed=7, strict=True)
    assert result.failures == 0 and result.trials == 2 * 12


def test_a_failure_at_each_step_of_an_archive_is_one_sentence_and_recoverable(tmp_path: Path) -> None:
    result = archive_failure_at_each_step(tmp_path, 2, seed=11, strict=True)
    assert result.failures == 0 and result.trials == 2 * 9
