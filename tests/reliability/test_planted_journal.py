"""Something planted at ``<file>.journal`` is refused, never read as a journal or played back.

The journal beside the state file is played back over the file when a change in place was cut off.
A link, a FIFO or a folder at that name, or a journal file of a user who is neither this one nor the
file's owner, is refused by every command in one sentence naming it and saying what it is; the
file, the planted thing and whatever a link points to stay as they were, and nothing waits (a FIFO
opened for reading would wait for a writer).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from incident_console.store import journal
from tests.reliability.harness import one_line_error
from tests.reliability.planted import cli, file_with_log, untouched, victim_file

OTHER_UID = 65534  # nobody
PLANTS: dict[str, tuple[Callable[[Path, Path], None], str]] = {
    "link to a file": (lambda name, folder: os.symlink(folder / "unrelated.txt", name), "symbolic link"),
    "dangling link": (lambda name, folder: os.symlink(folder / "made-through-the-link", name), "symbolic link"),
    "fifo": (lambda name, folder: os.mkfifo(name), "FIFO"),
    "folder": (lambda name, folder: name.mkdir(), "folder"),
}


def _crafted_journal(path: Path) -> None:
    """A whole journal that, played back, would write ``PLANTED`` over the file's first bytes."""
    inode = path.stat().st_ino
    size = path.stat().st_size
    journal._write_journal(str(path), inode, size, [(0, b"PLANTED")], [(0, b"x" * 7)])


@pytest.mark.parametrize("plant", sorted(PLANTS))
@pytest.mark.parametrize("command", [("log", "after a plant"), ("show",)])
def test_a_planted_journal_is_refused_in_one_sentence_and_left_alone(
    tmp_path: Path, plant: str, command: tuple[str, ...]
) -> None:
    path = tmp_path / "incidents.json"
    file_with_log(path)
    victim = victim_file(tmp_path)
    name = Path(journal.journal_path(str(path)))
    make, word = PLANTS[plant]
    make(name, tmp_path)
    content = path.read_bytes()

    refused = cli(path, *command, folder=tmp_path, timeout=30)

    line = one_line_error(refused.stderr, status=refused.returncode, mentions=str(name))
    assert refused.returncode == 1, line
    assert word in line, f"does not say the journal is a {word}: {line}"
    assert path.read_bytes() == content
    assert os.path.lexists(name), "the planted thing was removed"
    assert not (tmp_path / "made-through-the-link").exists()
    untouched(victim)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root, to give the journal to another user (chown)")
def test_another_users_journal_is_not_played_back(tmp_path: Path) -> None:
    path = tmp_path / "incidents.json"
    file_with_log(path)
    ours = tmp_path / "ours.json"
    file_with_log(ours)
    _crafted_journal(ours)
    # The same journal, ours: it is played back (so the refusal below is not for a journal that is not whole).
    cli(ours, "show", folder=tmp_path)
    assert ours.read_bytes().startswith(b"PLANTED")

    _crafted_journal(path)
    name = journal.journal_path(str(path))
    os.chown(name, OTHER_UID, OTHER_UID)
    content = path.read_bytes()
    refused = cli(path, "log", "after a plant", folder=tmp_path, timeout=30)
    line = one_line_error(refused.stderr, status=refused.returncode, mentions=name)
    assert "belongs to user" in line, line
    assert path.read_bytes() == content
