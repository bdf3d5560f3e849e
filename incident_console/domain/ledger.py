"""The log's hash chain: each entry's hash covers the previous hash and its own content."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

try:
    # CPython's own SHA-256 (hashlib's fallback): hashlib first loads OpenSSL, which takes longer
    # than everything else an alert hook's `log` command does. The digests are the same.
    from _sha256 import sha256
except ImportError:  # another Python, or a later CPython where it has moved
    from hashlib import sha256

GENESIS = "0" * 64
# The fields a hash covers; ``hash`` itself is not one of them.
CHAINED_FIELDS = ("id", "incident_id", "kind", "text", "author", "at", "recorded_at", "details", "corrects")


def canonical(document: Mapping[str, Any]) -> bytes:
    """The entry's content as canonical JSON: sorted keys, no spaces, UTF-8 (RFC 8259 escapes)."""
    content = {name: document.get(name) for name in CHAINED_FIELDS}
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def chain_hash(previous: str, document: Mapping[str, Any]) -> str:
    """sha256 of the previous entry's hash followed by this entry's canonical content."""
    digest = sha256(previous.encode("ascii"))
    digest.update(canonical(document))
    return digest.hexdigest()


def first_break(
    documents: Iterable[Mapping[str, Any]], previous: str = GENESIS, expected_id: int | None = None
) -> tuple[int, str] | None:
    """Walk the chain in id order; return (entry id, what is wrong) at the first mismatch.

    ``previous`` and ``expected_id`` continue a walk: the hash and the id after the entries before.
    """
    for document in documents:
        entry_id = document.get("id")
        if not isinstance(entry_id, int):
            return -1, f"an entry has no numeric id ({entry_id!r})"
        if expected_id is not None and entry_id != expected_id:
            return entry_id, f"entry {expected_id} is missing before entry {entry_id}"
        if document.get("hash") != chain_hash(previous, document):
            return entry_id, f"entry {entry_id} does not match its hash (edited, or an entry before it removed)"
        previous = str(document["hash"])
        expected_id = entry_id + 1
    return None


def keyed_head(key: bytes, head: str) -> str:
    """HMAC-SHA256 of the head under the team's key (RFC 2104, on the SHA-256 loaded above: the hmac
    module would load OpenSSL): only a writer with the key can make it match a re-chained log."""
    block = 64
    if len(key) > block:
        key = sha256(key).digest()
    key = key.ljust(block, b"\0")
    inner = sha256(bytes(b ^ 0x36 for b in key))
    inner.update(head.encode("ascii"))
    outer = sha256(bytes(b ^ 0x5C for b in key))
    outer.update(inner.digest())
    return outer.hexdigest()
