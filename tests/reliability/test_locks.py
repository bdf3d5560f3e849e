"""A lock that is a link, a FIFO, a folder or another user's; a held lock; a linked state file; a shared folder."""

from __future__ import annotations

from pathlib import Path

from tests.reliability import locks
from tests.reliability.harness import run_short


def test_a_lock_that_is_a_link_a_fifo_or_a_folder_is_refused_with_a_sentence(tmp_path: Path) -> None:
    run_short(locks.planted_lock, tmp_path, 1)


def test_a_lock_owned_by_another_user_is_refused_and_the_files_owners_is_used(tmp_path: Path) -> None:
    run_short(locks.foreign_lock, tmp_path, 1)


def test_a_held_lock_is_waited_for_a_bounded_time_and_the_holder_is_named(tmp_path: Path) -> None:
    run_short(locks.lock_held, tmp_path, 1)


def test_a_linked_state_file_is_written_through_and_shares_its_targets_lock(tmp_path: Path) -> None:
    run_short(locks.linked_state, tmp_path, 1)


def test_a_second_users_links_in_a_shared_sticky_folder_touch_no_root_only_file(tmp_path: Path) -> None:
    run_short(locks.shared_folder, tmp_path, 1)
