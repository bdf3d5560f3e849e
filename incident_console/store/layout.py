"""Which table goes where in the file: the tables first, the log last with one entry per line.

The file is TinyDB's JSON layout (``TinyDB(path)``, ``python -m json.tool`` and ``jq`` read it)::

    {"meta":{"1":{...}},"incidents":{...},"action_items":{...},      "log":{
    "1":{"id":1,...},
    "2":{"id":2,...}
    }}

The spaces before ``"log":{`` are the head's slack (JSON white space, which every reader skips): a
change whose tables still fit in the first line is written over it in place (``journal``), the
slack taking up the difference, and only a head that outgrows it needs the file written anew.

Guarantees: ``find_layout`` reads only the tables before the log and the file's last bytes, and
says where the log's lines are (``Layout.body``), or raises ``NotInLayout`` for a file in any other
layout (edited by hand, pretty-printed), which is then read whole. ``assemble`` is its inverse: the
pieces of a file in this layout, with fresh slack, and where its lines will be; ``opening`` is the
first line for tables in a head of a given size. ``meta_record`` is the one place the meta record
is looked up.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from . import blocks
from .atomic import FileRange, Piece, pread
from .blocks import SEPARATOR, NotInLayout, Stamp, stamp_of
from .strict_json import LONE_SURROGATE_ESCAPE, dumps, loads, may_hold_long_integer

META, INCIDENTS, ITEMS, LOG = "meta", "incidents", "action_items", "log"
LOG_OPENS = b'"log":{\n'
CLOSE = b"\n}}\n"
# The head's slack when the file is written anew: a quarter of the tables, at least this much.
MIN_SLACK = 4096
# The file's last bytes read by ``find_layout``: the closing and the last line's hash.
_TAIL = 256


class Layout(NamedTuple):
    """A file in the line layout as found: its tables but the log, where the log's lines are, which file."""

    tables: dict[str, Any]
    body: tuple[int, int]  # the log's lines: [start, end); empty when the log is
    stamp: Stamp


def find_layout(path: str, trusted: Callable[[Stamp], bool] | None = None) -> Layout:
    """Read the head of a file in the line layout and find its lines; NotInLayout for any other layout.

    ``trusted(stamp)`` says whether the version of the file found was written by this store from
    checked lines (see ``vouched``): its head is then parsed without the checks against repeated
    keys and deep nesting, which guard against a file edited by hand and cost three times the parse.
    Raises NotInLayout too when the meta record's head hash is not the last line's: the head and the
    lines are of two versions of the file (a read during a change in place), and the file is read again.
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
        tail = pread(handle.fileno(), _TAIL, max(0, size - _TAIL))
    first = head.find(b"\n")
    opens = first - len(LOG_OPENS) + 1
    if opens < 1 or head[opens : first + 1] != LOG_OPENS:
        raise NotInLayout
    head_end = _before_slack(head, opens)
    if head_end < 1 or head[head_end - 1 : head_end] not in (b"{", b","):
        raise NotInLayout
    # A head this store wrote holds no lone surrogate (its writer refuses them) and no integer beyond
    # 64 bits (its integers are its own ids and counts, or were checked when a file was read whole).
    ours = trusted is not None and trusted(stamp)
    if not ours and may_hold_long_integer(bytes(memoryview(head)[:first])):
        raise NotInLayout  # read whole, where a too-large integer is told apart from a long digit string
    tables: dict[str, Any] = {}
    if head_end > 1:
        if not ours and LONE_SURROGATE_ESCAPE.search(head, 0, head_end):
            raise NotInLayout
        del head[head_end:]
        head[-1] = ord("}")  # the comma before the log
        try:
            if ours:
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
    _check_head(tables, stripped)
    return Layout(tables, (body, content_end - 3), stamp)


def _before_slack(head: bytearray, opens: int) -> int:
    """Where the tables end: before the spaces that precede ``"log":{`` (looked at a block at a time,
    so the head is not copied whole)."""
    end = opens
    while end > 0:
        start = max(0, end - blocks.BLOCK_BYTES)
        kept = bytes(head[start:end]).rstrip(b" ")
        if kept:
            return start + len(kept)
        end = start
    return 0


_LAST_HASH = re.compile(rb'"hash":"([0-9a-f]{64})"\}\n\}\}\Z')


def _check_head(tables: dict[str, Any], stripped_tail: bytes) -> None:
    """NotInLayout when the meta record's head hash is not the one the last line ends with."""
    head = meta_record(tables).get("head")
    found = _LAST_HASH.search(stripped_tail)
    if isinstance(head, str) and found is not None and found.group(1).decode() != head:
        raise NotInLayout


def opening(tables: dict[str, Any], size: int | None = None) -> bytes | None:
    """The file's first line for ``tables``: exactly ``size`` bytes (None when they do not fit), or
    with fresh slack."""
    head = dumps(tables)
    tables_part = head[:-1] + (b"," if len(head) > 2 else b"")
    if size is None:
        size = len(tables_part) + max(MIN_SLACK, len(tables_part) // 4) + len(LOG_OPENS)
    return padded(tables_part, size)


def padded(tables_part: bytes, size: int) -> bytes | None:
    """The first line of ``size`` bytes for the tables written as ``tables_part`` (``{`` and the
    tables, each followed by a comma), or None when they do not fit."""
    slack = size - len(tables_part) - len(LOG_OPENS)
    return None if slack < 0 else tables_part + b" " * slack + LOG_OPENS


Edit = tuple[str, str | None, Any, Any]  # table, record key (None: the whole table), old value, new value


def spliced(tables_part: bytes, edits: Sequence[Edit]) -> bytes | None:
    """``tables_part`` (as ``padded`` takes it, from a file this store wrote) with each edit's old
    value, written as the store writes it, replaced by its new one; None when an edit is not the
    replacement of a value found exactly once where it belongs (the tables are then written anew).

    A match is sound: it starts with a quote after ``{`` or ``,``, so that quote opens a string (in
    a string a quote is escaped, and after a closing quote only ``:,}]`` may come), a string followed
    by a colon is a key, and the value that follows it is the whole old value, which is a whole
    JSON value; a record is looked for only after its table's key.
    """
    for table, key, old, new in edits:
        if old is None:
            return None  # a record or table added: written anew (rare: a declaration, an action item)
        if key is None:
            found = _member(tables_part, dumps(table), old, 0)
        else:
            start = _member(tables_part, dumps(table), None, 0)
            found = None if start is None else _member(tables_part, dumps(key), old, start[1])
        if found is None:
            return None
        begin, end, name = found
        tables_part = tables_part[:begin] + name + b":" + dumps(new) + tables_part[end:]
    return tables_part


def _member(text: bytes, name: bytes, value: Any, after: int) -> tuple[int, int, bytes] | None:
    """Where the one member ``name:value`` is in ``text`` after offset ``after`` (begin, end, name);
    with ``value`` None, the first ``name:{`` (its end is where the object's members begin)."""
    pattern = name + b":" + (b"{" if value is None else dumps(value))
    begin = text.find(pattern, after)
    if begin < 1 or text[begin - 1 : begin] not in (b"{", b","):
        return None
    if value is not None and text.find(pattern, begin + 1) >= 0:
        return None
    return begin, begin + len(pattern), name


def assemble(tables: dict[str, Any], runs: Sequence[Piece]) -> tuple[list[Piece], int, int]:
    """The whole file in pieces to write one after the other, and where its log's lines will be.

    ``runs`` are the log's lines, each run one or more lines (bytes, or a range of the old file)
    with no separator at either end; ``tables`` are all the others. ValueError for a table that
    cannot be written.
    """
    first = opening(tables)
    assert first is not None  # fresh slack always fits
    pieces: list[Piece] = [first]
    length = 0
    for index, run in enumerate(runs):
        if index:
            pieces.append(SEPARATOR)
            length += len(SEPARATOR)
        pieces.append(run)
        length += run.length if isinstance(run, FileRange) else len(run)
    pieces.append(CLOSE if runs else CLOSE[1:])
    return pieces, len(first), len(first) + length


def meta_record(tables: dict[str, Any]) -> dict[str, Any]:
    """A copy of the file's meta record (app, schema, entry count, head), empty when there is none."""
    table = tables.get(META) or {}
    record = table.get("1") if isinstance(table, dict) else None
    return dict(record) if isinstance(record, dict) else {}
