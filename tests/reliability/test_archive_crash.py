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


def test_an_archive_after_a_change_in_place_was_cut_off_puts_the_file_back_first(tmp_path: Path) -> None:
    from incident_console.desk import Desk
    from incident_console.store import journal
    from incident_console.store.repository import Repository
    from tests.archive_files import FINISHED, OPEN, build, cut

    class Stopped(BaseException):
        """The writer stopping mid-change, as a killed process does (its lock goes with it)."""

    work, out = tmp_path / "incidents.json", tmp_path / "archive.json"
    build(work, [FINISHED, OPEN, FINISHED], notes=100)  # long enough to be changed in place
    before = Repository(work).snapshot()

    def stop(step: str) -> None:
        if step == "patched_0":
            raise Stopped

    journal.after_step = stop
    try:
        Desk(Repository(work), author="bob").log("cut off", incident_id="INC-2")
    except Stopped:
        pass
    finally:
        journal.after_step = None
    assert journal.pending(str(work))  # the file half-written, its journal beside it

    moved = Desk(Repository(work), author="alice").archive(str(out), cut())
    assert moved.incidents == ("INC-1", "INC-3")
    assert not journal.pending(str(work))
    kept = Repository(work).snapshot()
    assert [e.text for e in kept.log] == [e.text for e in before.log if e.incident_id == "INC-2"]
    assert Desk(Repository(work), author="alice").verify() is None
