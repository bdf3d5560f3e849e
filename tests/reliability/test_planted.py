"""Links planted at every name the store opens, a lock that is not ours or not a lock, a held lock, a linked file."""

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


def test_a_lock_that_is_a_link_a_fifo_or_a_folder_is_refused_with_a_sentence(tmp_path: Path) -> None:
    run_short(planted.planted_lock, tmp_path, 1)


def test_a_lock_owned_by_another_user_is_refused_and_the_files_owners_is_used(tmp_path: Path) -> None:
    run_short(planted.foreign_lock, tmp_path, 1)


def test_a_held_lock_is_waited_for_a_bounded_time_and_the_holder_is_named(tmp_path: Path) -> None:
    run_short(planted.lock_held, tmp_path, 1)


def test_a_linked_state_file_is_written_through_and_shares_its_targets_lock(tmp_path: Path) -> None:
    run_short(planted.linked_state, tmp_path, 1)


def test_a_second_users_links_in_a_shared_sticky_folder_touch_no_root_only_file(tmp_path: Path) -> None:
    run_short(planted.shared_folder, tmp_path, 1)
