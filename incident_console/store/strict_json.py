"""Strict JSON in UTF-8: what the store parses and writes, so the file reads the same in every JSON reader.

Guarantees of ``loads`` and ``parse``: no NaN or Infinity, no byte order mark, no invalid UTF-8, no
key repeated in one object, no nesting deeper than ``MAX_NESTING``; ``parse`` also refuses a lone
surrogate escape and an integer beyond 64 bits, each with one sentence that names the file.
``dumps`` writes compact JSON with terminal-driving characters escaped. Nothing here reads a file.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from typing import Any

from ..domain.errors import FileProblem
from ..domain.text import escape_json
from .atomic import Chunk

# Lists and objects nested deeper than this are refused: the store writes five levels (the file, the
# log, an entry, its details, a detail's list), and the parser would run out of stack at some depth.
MAX_NESTING = 32


class Refused(ValueError):
    """Well-formed JSON that the store refuses (repeated keys, nesting deeper than MAX_NESTING)."""


def loads(raw: Chunk, *, inside: int = 0) -> Any:
    """Parse strict JSON in UTF-8: no NaN or Infinity, no byte order mark, no invalid UTF-8, no key
    repeated in an object (readers differ on which one they keep), no nesting deeper than MAX_NESTING.

    ``inside`` is how many levels the file holds around ``raw`` (1 for the log's lines).

    The standard library's parser: it is only ever given the file as it is read (a save writes
    just the new lines), and for that it is as fast as orjson once orjson's own import is counted.
    """
    try:
        value = _decode(raw, _unique_keys)
    except RecursionError:
        raise Refused(f"it nests lists and objects deeper than {MAX_NESTING} levels") from None
    if _deeper_than(value, MAX_NESTING - inside):
        raise Refused(f"it nests lists and objects deeper than {MAX_NESTING} levels")
    return value


def _decode(raw: Chunk, hook: Callable[[list[tuple[str, Any]]], Any] | None) -> Any:
    # Decoded first: json's own decoding of bytes lets encoded surrogates through, and is slower.
    # (json refuses a leading byte order mark in the decoded text itself.)
    text = bytes(raw).decode("utf-8")
    return json.loads(text, parse_constant=_not_json, parse_float=_finite, object_pairs_hook=hook)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                what = f"it repeats the key {key[:40]!r} in one object (other readers would take another value)"
                raise Refused(what)
            seen.add(key)
    return value


def _deeper_than(data: Any, limit: int) -> bool:
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            value = value.values()
        elif not isinstance(value, list):
            continue
        if depth > limit:
            return True
        pending.extend((item, depth + 1) for item in value if isinstance(item, dict | list))
    return False


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _finite(text: str) -> float:
    number = float(text)
    if number in (math.inf, -math.inf):
        raise ValueError(f"number {text[:20]} is infinity when parsed as double")
    return number


def dumps(value: Any) -> bytes:
    """Compact JSON in UTF-8; raises ValueError for what cannot be written (NaN, lone surrogates).

    Characters that could drive a terminal or disguise text (C1 and bidi controls; JSON escapes C0
    itself) are written as ``\\u`` escapes, so ``cat`` or ``less`` of the file shows them harmlessly.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    if text.isascii() and "\x7f" not in text:
        return text.encode("ascii")  # nothing to escape: every character escape_json writes is DEL or beyond ASCII
    return escape_json(text).encode("utf-8")


def parse(path: str, raw: bytes) -> dict[str, Any]:
    """Parse the file's bytes, or raise one sentence that names the file and the problem."""
    if not raw.strip():
        raise FileProblem(f"{path} is empty; it is not an incident-console file (left unchanged)")
    try:
        data = loads(raw)
    except UnicodeDecodeError as exc:
        where = f"{exc.reason} at byte {exc.start}"
        raise FileProblem(f"{path} is not valid UTF-8 ({where}); it was left unchanged") from None
    except Refused as exc:
        raise FileProblem(f"{path} is refused: {exc}; it was left unchanged") from None
    except ValueError as exc:
        raise FileProblem(f"{path} is not valid JSON ({exc}); it was left unchanged") from None
    if LONE_SURROGATE_ESCAPE.search(raw) and _lone_surrogate(data):
        what = "it escapes a lone surrogate, not a character"
        raise FileProblem(f"{path} is not valid JSON ({what}); it was left unchanged")
    if not isinstance(data, dict) or not all(isinstance(table, dict) for table in data.values()):
        raise FileProblem(f"{path} is JSON but not a TinyDB file of tables; it was left unchanged")
    if may_hold_long_integer(raw) and _long_integer(data):
        what = "an integer too large for other JSON readers to keep exactly (over 64 bits)"
        raise FileProblem(f"{path} holds {what}; it was left unchanged")
    return data


# An integer beyond 64 bits is refused: many JSON readers (jq, JavaScript, other languages' parsers)
# would round it, so the file would not read the same everywhere it is handed to. Such a number has at
# least 19 digits: only a file with a number that long (or text that looks like one) is searched.
# A number of 19 digits or more that follows neither a letter, a digit nor a quote (those are inside a
# text or a hash, and a long log has many such runs in its hashes). Looked for in one pass over the
# bytes with each byte turned into its class: 1 a digit, 2 a hex letter or a quote, 0 anything else.
_BYTE_CLASS = bytes(
    ord("1") if chr(b) in "0123456789" else ord("2") if chr(b) in 'abcdefABCDEF"' else ord("0") for b in range(256)
)
_NUMBER_OF_19_DIGITS = b"0" + b"1" * 19


def may_hold_long_integer(raw: bytes) -> bool:
    """A quick look for an integer of 19 digits or more; may answer yes for a long number in a text."""
    return _NUMBER_OF_19_DIGITS in raw.translate(_BYTE_CLASS)


def _scalars(data: Any) -> Iterator[Any]:
    """Every number, text and constant in parsed JSON, the tables' keys included."""
    pending = [data]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        else:
            yield value


def _beyond_64_bits(value: Any) -> bool:
    return isinstance(value, int) and not -(2**63) <= value < 2**64


def _long_integer(data: Any) -> bool:
    return any(_beyond_64_bits(value) for value in _scalars(data))


# A \u escape of a surrogate: a pair is one character, but a lone one is not text and cannot be saved.
LONE_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _lone_surrogate(data: Any) -> bool:
    return any(isinstance(value, str) and any(0xD800 <= ord(ch) <= 0xDFFF for ch in value) for value in _scalars(data))


def loads_unchecked(raw: Chunk) -> Any:
    """Parse JSON in UTF-8 as ``loads`` does, but without looking for repeated keys or deep nesting:
    for a caller that tells those apart by counting (see ``lines``)."""
    return _decode(raw, None)
