"""A state file as a long-used one looks: many incidents one after another, mostly resolved, a few open.

``build_file(path, entries)`` writes its bytes directly in the store's line layout (the tables,
then one log line per entry, each chained to the one before), so a file of 1,000,000 entries is
built in seconds rather than through a million saves. The file verifies: every incident's log
replays to the incident in the table.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from incident_console.domain import ledger
from incident_console.domain.times import to_text
from incident_console.store import layout
from incident_console.store.lines import line
from incident_console.store.snapshots import APP, SCHEMA

START = datetime(2025, 11, 28, 3, 0, tzinfo=UTC)
TEXT = "Restarted the checkout pods in eu-west-1; error rate back under 0.1% (watching) #{n}"
# Entries per incident, and how many incidents (the newest ones) are still open.
PER_INCIDENT = 500
OPEN = 3


def _incident(number: int, at: datetime, resolved_at: datetime | None) -> dict[str, Any]:
    moment = to_text(at)
    return {
        "id": f"INC-{number}",
        "title": f"Checkout errors #{number}",
        "severity": "P2",
        "highest_severity": "P2",
        "status": "resolved" if resolved_at else "investigating",
        "impact": "",
        "services": [],
        "commander": "alice",
        "started_at": None,
        "detected_at": moment,
        "declared_at": moment,
        "acknowledged_at": None,
        "triaged_at": None,
        "triage": None,
        "monitoring_since": None,
        "resolved_at": to_text(resolved_at) if resolved_at else None,
        "postmortem_done_at": None,
        "postmortem": {},
    }


def _owners(entries: int) -> list[tuple[int, int]]:
    """(incident number, its entry count so far) for each entry in order: the resolved incidents
    one after another, then the open ones taking turns at the end of the log."""
    incidents = max(1, entries // PER_INCIDENT)
    open_count = min(OPEN, incidents)
    resolved = incidents - open_count
    owners: list[tuple[int, int]] = []
    for number in range(1, resolved + 1):
        owners.extend((number, index) for index in range(PER_INCIDENT))
    counts = dict.fromkeys(range(resolved + 1, incidents + 1), 0)
    turn = 0
    while len(owners) < entries:
        number = resolved + 1 + turn % open_count
        owners.append((number, counts[number]))
        counts[number] += 1
        turn += 1
    return owners[:entries]


def _numbered(incidents: list[int]) -> list[tuple[int, int]]:
    """(incident number, its entry count so far) for entries of the given incidents, the incidents
    numbered in the order they first appear (the order they were declared)."""
    numbers: dict[int, int] = {}
    counts: dict[int, int] = {}
    owners = []
    for incident in incidents:
        number = numbers.setdefault(incident, len(numbers) + 1)
        owners.append((number, counts.get(number, 0)))
        counts[number] = counts.get(number, 0) + 1
    return owners


def build_file(path: Path | str, entries: int, incidents: list[int] | None = None) -> None:
    """Write a file of ``entries`` chained log entries over many incidents, directly in the line layout.

    ``incidents`` names the incident of each entry (any numbers; they are numbered in the order
    they first appear); by default, ``PER_INCIDENT`` entries each, the newest ``OPEN`` taking turns.
    Every incident but the newest ``OPEN`` with more than one entry is resolved by its last one.
    """
    owners = _owners(entries) if incidents is None else _numbered(incidents[:entries])
    totals: dict[int, int] = {}
    for number, _ in owners:
        totals[number] = totals.get(number, 0) + 1
    open_from = max(1, len(totals) - OPEN + 1)
    incidents: dict[str, Any] = {}
    head = ledger.GENESIS
    tmp = f"{path}.building"
    with open(tmp, "wb") as out:
        lines: list[bytes] = []
        for number_in_log, (number, index) in enumerate(owners, start=1):
            at = START + timedelta(seconds=30 * number_in_log)
            moment = to_text(at)
            closing = number < open_from and index == totals[number] - 1 and index > 0
            if index == 0:
                kind, details = (
                    "declare",
                    {
                        "title": f"Checkout errors #{number}",
                        "severity": "P2",
                        "commander": "alice",
                        "impact": "",
                        "services": [],
                        "started_at": None,
                        "detected_at": moment,
                    },
                )
                incidents[str(number)] = _incident(number, at, None)
            elif closing:
                kind, details = "status", {"status": "resolved"}
                incidents[str(number)] = _incident(number, START, at) | {
                    "detected_at": incidents[str(number)]["detected_at"],
                    "declared_at": incidents[str(number)]["declared_at"],
                }
            else:
                kind, details = "note", {}
            doc = {
                "id": number_in_log,
                "incident_id": f"INC-{number}",
                "kind": kind,
                "text": TEXT.format(n=number_in_log) if kind == "note" else kind,
                "author": "alice",
                "at": moment,
                "recorded_at": moment,
                "details": details,
                "corrects": None,
                "hash": "",
            }
            head = doc["hash"] = ledger.chain_hash(head, doc)
            lines.append(line(str(number_in_log), doc))
        tables = {
            layout.META: {"1": {"app": APP, "schema": SCHEMA, "entries": entries, "head": head}},
            layout.INCIDENTS: incidents,
            layout.ITEMS: {},
        }
        opening = layout.opening(tables)  # with the slack a save of the store leaves
        assert opening is not None
        out.write(opening)
        out.write(layout.blocks.SEPARATOR.join(lines) if lines else b"")
        out.write(layout.CLOSE if lines else layout.CLOSE[1:])
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
