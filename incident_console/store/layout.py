"""Which table goes where in the file: the tables first, the log last with one entry per line.

The file is TinyDB's JSON layout (``TinyDB(path)``, ``python -m json.tool`` and ``jq`` read it)::

    {"meta":{"1":{...}},"incidents":{...},"action_items":{...},"log":{
    "1":{"id":1,...},
    "2":{"id":2,...}
    }}

Guarantees: ``find_layout`` reads only the tables before the log and the file's last bytes, and
says where the log's lines are (``Layout.body``), or raises ``NotInLayout`` for a file in any other
layout (edited by hand, pretty-printed), which is then read whole. ``assemble`` is its inverse: the
pieces of a file in this layout, and where its lines will be. ``meta_record`` is the one place the
meta record is looked up.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from . import blocks
from .atomic import FileRange, Piece, pread
from .blocks import SEPARATOR, NotInLayout, Stamp, stamp_of
from .strict_json import LONE_SURROGATE_ESCAPE, dumps, loads, may_hold_long_integer

META, INCIDENTS, ITEMS, LOG = "meta", "incidents", "action_items", "log"
LOG_OPENS = b'"log":{\n'
CLOSE = b"\n}}\n"


class Layout(NamedTuple):
    """A file in the line layout as found: its tables but the log, where the log's lines are, which file."""

    tables: dict[str, Any]
    body: tuple[int, int]  # the log's lines: [start, end); empty when the log is
    stamp: Stamp


def find_layout(path: str, checked: Callable[[Stamp], bool] | None = None) -> Layout:
    """Read the head of a file in the line layout and find its lines; NotInLayout for any other layout.

    ``checked`` says whether the file with a given stamp was written by this store from checked
    lines (``vouched``): its tables are then parsed without the strict checks, which guard a file
    edited by hand and cost three times the parse.
    """
    with open(path, "rb") as handle:
        stamp = stamp_of(os.fstat(handle.fileno()))
        # One buffer, cut and closed in place before it is parsed: the tables of a long history are
        # hundreds of kilobytes, and each copy of them would add to the process's peak memory.
        head = bytearray()
        while True:
            piece = handle.read(blocks.BLOCK_BYTES)
            if not piece:
                raise NotInLayout
            head += piece
            if b"\n" in piece:
                break
        size = stamp[1]
        tail = pread(handle.fileno(), 64, max(0, size - 64))
    first = head.find(b"\n")
    head_end = first - len(LOG_OPENS) + 1
    if head_end < 1 or head[head_end : first + 1] != LOG_OPENS or head[head_end - 1 : head_end] not in (b"{", b","):
        raise NotInLayout
    trusted = checked is not None and checked(stamp)
    if not trusted and may_hold_long_integer(bytes(memoryview(head)[:first])):
        raise NotInLayout  # read whole, where a too-large integer is told apart from a long digit string
    tables: dict[str, Any] = {}
    if head_end > 1:
        if not trusted and LONE_SURROGATE_ESCAPE.search(head, 0, head_end):
            raise NotInLayout
        del head[head_end:]
        head[-1] = ord("}")  # the comma before the log
        try:
            if trusted:
                text = head.decode("utf-8")
                del head[:]  # freed before the parse
                tables = json.loads(text)
            else:
                tables = loads(head)
        except ValueError:
            raise NotInLayout from None
        if not isinstance(tables, dict):
            raise NotInLayout
        if LOG in tables or not all(isinstance(table, dict) for table in tables.values()):
            raise NotInLayout
    body = first + 1
    stripped = tail.rstrip()
    content_end = size - (len(tail) - len(stripped))  # the file's end before trailing white space
    if not stripped.endswith(b"}}") or content_end - 2 < body:
        raise NotInLayout
    if content_end - 2 == body:
        return Layout(tables, (body, body), stamp)
    if not stripped.endswith(b"\n}}") or content_end - 3 == body:
        raise NotInLayout
    return Layout(tables, (body, content_end - 3), stamp)


def assemble(tables: dict[str, Any], runs: Sequence[Piece]) -> tuple[list[Piece], int, int]:
    """The whole file in pieces to write one after the other, and where its log's lines will be.

    ``runs`` are the log's lines, each run one or more lines (bytes, or a range of the old file)
    with no separator at either end; ``tables`` are all the others. ValueError for a table that
    cannot be written.
    """
    head = dumps(tables)
    opening = head[:-1] + (b"," if len(head) > 2 else b"") + LOG_OPENS
    pieces: list[Piece] = [opening]
    length = 0
    for index, run in enumerate(runs):
        if index:
            pieces.append(SEPARATOR)
            length += len(SEPARATOR)
        pieces.append(run)
        length += run.length if isinstance(run, FileRange) else len(run)
    pieces.append(CLOSE if runs else CLOSE[1:])
    return pieces, len(opening), len(opening) + length


def meta_record(tables: dict[str, Any]) -> dict[str, Any]:
    """A copy of the file's meta record (app, schema, entry count, head), empty when there is none."""
    table = tables.get(META) or {}
    record = table.get("1") if isinstance(table, dict) else None
    return dict(record) if isinstance(record, dict) else {}
