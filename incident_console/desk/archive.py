"""Archiving: finished incidents leave the working file for an archive file, and the two are checked together.

The rule for what may leave (resolved before the cut, post-mortem complete) is the domain's
(``domain.archiving``); the move itself, atomic across the two files, is the store's
(``store.archive``). An archive opens like any state file; the console shows it read-only.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import TYPE_CHECKING

from ..domain import archiving
from ..domain.errors import FileProblem, InputError
from ..domain.model import Incident
from ..domain.times import to_text
from .core import ReadOnlyView
from .reading import Reading

if TYPE_CHECKING:
    from ..store.archive import Moved
    from ..store.verification import Verdict


class Archiving(Reading):
    """Moving finished incidents out, and checking the chain across the files."""

    def archive(self, out: str, cut: datetime) -> Moved:
        """Move the incidents resolved before ``cut`` whose post-mortem is complete, with their
        entries and action items, into the archive ``out`` (made, or added to when it is the archive
        this file records). InputError when there is nothing to move; nothing is changed then."""
        if self.read_only:
            raise ReadOnlyView()
        from ..store.archive import archive

        def chosen(incidents: tuple[Incident, ...]) -> tuple[Incident, ...]:
            found = archiving.archivable(incidents, cut)
            if not found:
                raise InputError(
                    f"nothing to archive in {self.path}: no incident was resolved before {to_text(cut)} "
                    "with its post-mortem complete"
                )
            return found

        repository = self.repository
        if not os.path.exists(repository.path):
            raise FileProblem(f"{repository.path} does not exist; there is nothing to archive")
        return archive(repository.path, repository.lock, out, chosen, self.clock(), repository.chain_key)

    def finish_archiving(self) -> list[str]:
        """Finish an archive a crash interrupted after the working file was trimmed (the record proves
        the archive complete); what was done, one phrase each."""
        from ..store.archive_check import finish_archiving

        return finish_archiving(self.path, self.repository.lock)

    def check_with_archive(self, archive: str, expected_head: str | None = None) -> Verdict:
        """This file and one of its archives checked as one hash chain (``verify --with-archive``)."""
        from ..store.archive_check import check_with_archive

        if not os.path.exists(archive):
            raise FileProblem(f"the archive {archive} does not exist")
        if not os.path.exists(self.path):
            raise FileProblem(f"{self.path} does not exist")
        return check_with_archive(self.path, archive, self.repository.chain_key, expected_head)
