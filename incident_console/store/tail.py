"""The search from the end of the log: its newest lines first, and the earlier lines that hold a given text.

This is how a console draws its first frame from a long log without reading all of it.
Guarantees: ``newest_records`` yields blocks of records from the last line back, each in file
order, and raises ``NotInLayout`` when a block's keys are not below those of the block after it
(the order ``lines.parse_block`` checks within a block); ``records_with`` (forwards) and
``records_back_with`` (from the last line back, each block read once, so a caller that has found
what it looks for stops reading there) parse only the lines that contain the text searched for, the
others are searched as bytes. All read through an open file (``blocks.opened``) and the range of
its log's lines.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .blocks import SEPARATOR, NotInLayout, blocks_from_end, blocks_of_lines
from .lines import AscendingKeys, parse_block


def newest_records(fd: int, start: int, end: int) -> Iterator[tuple[int, list[tuple[str, Any]]]]:
    """The records of the lines in [start, end), a block at a time from the last line back: where
    the block begins in the file, and its records in file order."""
    following: int | None = None
    for offset, block in blocks_from_end(fd, start, end):
        keys = AscendingKeys()
        records = list(parse_block(block, keys))
        if following is not None and keys.previous >= following:
            raise NotInLayout
        following = int(records[0][0])
        yield offset, records


def records_with(fd: int, start: int, before: int, marker: bytes) -> Iterator[tuple[str, Any]]:
    """The records of the lines from ``start`` that begin before offset ``before`` (where a block of
    ``newest_records`` begins) and contain ``marker``, in file order."""
    for block in blocks_of_lines(fd, start, before - len(SEPARATOR)):
        yield from _lines_with(block, marker)


def records_back_with(fd: int, start: int, end: int, markers: tuple[bytes, ...]) -> Iterator[tuple[str, Any]]:
    """The records of the lines in [start, end) that contain any of ``markers``, the last line first."""
    for _, block in blocks_from_end(fd, start, end):
        spans: set[tuple[int, int]] = set()
        for marker in markers:
            found = block.find(marker)
            while found >= 0:
                line_end = block.find(SEPARATOR, found)
                line_end = len(block) if line_end < 0 else line_end
                spans.add((block.rfind(b"\n", 0, found) + 1, line_end))
                found = block.find(marker, line_end)
        if spans:
            # The lines found in a block parsed at once, in file order: one parse, not one a line.
            lines = SEPARATOR.join(block[line_start:line_end] for line_start, line_end in sorted(spans))
            yield from reversed(list(parse_block(lines, AscendingKeys())))


def _lines_with(block: bytes, marker: bytes) -> Iterator[tuple[str, Any]]:
    found = block.find(marker)
    while found >= 0:
        line_start = block.rfind(b"\n", 0, found) + 1
        line_end = block.find(SEPARATOR, found)
        if line_end < 0:
            line_end = len(block)
        yield from parse_block(block[line_start:line_end], AscendingKeys())
        found = block.find(marker, line_end)
