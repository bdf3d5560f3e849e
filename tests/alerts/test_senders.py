"""Many senders at once: 20 posting to two listeners on one file while CLI writers log to it."""

from __future__ import annotations

import copy
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .helpers import Listener, cli, fixture, intact, listed, show


def test_twenty_senders_and_cli_writers_lose_nothing_and_declare_once(tmp_path: Path) -> None:
    base = json.loads(fixture("alertmanager_firing"))
    bodies = []
    for number in range(20):
        body = copy.deepcopy(base)
        extra = copy.deepcopy(body["alerts"][0])
        extra["labels"]["instance"] = f"checkout-{100 + number}:8080"
        extra["fingerprint"] = f"{number:016x}"
        body["alerts"].append(extra)
        bodies.append(json.dumps(body).encode())
    start = threading.Barrier(20 + 3)
    with Listener(tmp_path) as first, Listener(tmp_path) as second:

        def send(number: int) -> int:
            start.wait()
            return (first, second)[number % 2].post("/alertmanager", bodies[number])[0]

        def write(number: int) -> list[int]:
            start.wait()
            codes = []
            for line in range(3):
                result = cli(tmp_path, "log", f"writer {number} line {line}", "--incident", "INC-1")
                codes.append(result.returncode)
            return codes

        with ThreadPoolExecutor(max_workers=23) as pool:
            sent = [pool.submit(send, n) for n in range(20)]
            written = [pool.submit(write, n) for n in range(3)]
            assert [f.result() for f in sent] == [200] * 20
            writes = [f.result() for f in written]
        assert first.stop() == 0 and second.stop() == 0
    incidents = listed(tmp_path)
    assert len(incidents) == 1, incidents  # one group, one incident, whichever sender came first
    shown = show(tmp_path)
    fingerprints = {a["fingerprint"] for a in shown["alerts"]}
    assert fingerprints == {"3f7c2a9e1b5d4c60", "8a1e6d0c2f9b7e31"} | {f"{n:016x}" for n in range(20)}
    assert sum(e["kind"] == "alert" for e in shown["log"]) == 22  # each alert logged once
    notes = {e["text"] for e in shown["log"] if e["kind"] == "note" and e["author"] == "alice"}
    # A writer that came before the declaration was refused (no INC-1 yet); every other line is there.
    for number, codes in enumerate(writes):
        for line, code in enumerate(codes):
            assert (f"writer {number} line {line}" in notes) == (code == 0)
    assert len(notes) >= 3, writes  # each writer's last line comes well after the first declaration
    intact(tmp_path)
