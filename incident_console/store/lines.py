"""The log's lines: a block of them parsed into records, and a record written as one line.

A line is ``"<key>":<entry>``, the entry compact JSON (``strict_json.dumps``). Guarantees of
``parse_block``: the records come in file order; it raises ``NotInLayout`` (the caller then reads
the file whole, where the problem is named or the file is refused) for anything it cannot vouch
for: a block that is not JSON object members, a repeated key, nesting deeper than the store writes
(checked the slow way), keys that are not ascending numbers, a number too long to be read exactly
here, a lone surrogate escape.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from itertools import repeat
from typing import Any

from .blocks import SEPARATOR, NotInLayout
from .strict_json import LONE_SURROGATE_ESCAPE, dumps, loads, loads_unchecked, may_hold_long_integer


class AscendingKeys:
    """Checks that the log's keys are numbers, each above the one before (so none repeats)."""

    def __init__(self) -> None:
        self.previous = -1

    def check_all(self, keys: Iterable[str]) -> None:
        previous = self.previous
        for key in keys:
            if not (key.isascii() and key.isdigit()):
                raise NotInLayout
            number = int(key)
            if number <= previous:
                raise NotInLayout
            previous = number
        self.previous = previous


def parse_block(block: bytes, keys: AscendingKeys) -> Iterator[tuple[str, Any]]:
    """The records of a block of lines as (key, parsed value); ``keys`` carries the order check from
    the block before (a fresh ``AscendingKeys`` for a block on its own)."""
    if not block or may_hold_long_integer(block):
        raise NotInLayout  # an empty member between two separators, or a number to check when read whole
    if b"\\u" in block and LONE_SURROGATE_ESCAPE.search(block):
        raise NotInLayout  # checked when read whole
    member_text = b"{" + block + b"}"
    try:
        members = loads_unchecked(member_text)
    except (ValueError, RecursionError):
        raise NotInLayout from None
    if not _as_written(block, members):
        try:
            members = loads(member_text, inside=1)  # looked at key by key; refused (when read whole) if it is hostile
        except ValueError:
            raise NotInLayout from None
    keys.check_all(members)
    yield from members.items()


def _as_written(block: bytes, members: dict[str, Any]) -> bool:
    """True when the block's lines hold no repeated key and no list or object deeper than an entry's
    details' values (the shape the store writes), as told by counting. False: the block is to be
    parsed again key by key.

    Each key ends with a quote and a colon (a space between them is not counted here), and each
    list or object begins with a bracket; a text can only add to those counts. So when the counts
    equal the keys and the lists and objects of the parsed records, no key was repeated and
    nothing else is nested. Counting costs a seventh of the parse; parsing with a hook on every
    object would cost a half.
    """
    if _SPACED_COLON.search(block):
        return False
    docs = list(members.values())
    if set(map(type, docs)) != {dict}:
        return False
    details: list[Any] = list(map(dict.get, docs, repeat("details", len(docs))))
    keys = len(docs) + sum(map(len, docs))
    openers = block.count(b"{") + block.count(b"[")
    if openers == 2 * len(docs) and set(map(type, details)) == {dict}:
        # The common block: each entry has its details and none holds a list or an object.
        return block.count(b'":') == keys + sum(map(len, details))
    containers = len(docs)
    for value in details:
        if type(value) is dict:
            containers += 1
            keys += len(value)
            for item in value.values():
                kind = type(item)
                if kind is list:
                    containers += 1
                elif kind is dict:
                    containers += 1
                    keys += len(item)
    return containers == openers and keys == block.count(b'":')


_SPACED_COLON = re.compile(rb'"\s+:')


def line(key: str, value: Any) -> bytes:
    """One record as the line the store writes; ValueError for what cannot be written."""
    return dumps(str(key)) + b":" + dumps(value)


def joined_lines(records: Iterable[tuple[str, Any]]) -> bytes:
    """Records as lines, one after the other with the separator between them (no separator at either end)."""
    return SEPARATOR.join(line(key, value) for key, value in records)
