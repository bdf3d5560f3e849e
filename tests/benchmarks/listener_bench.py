"""The webhook listener's throughput and latency, beside the command line and a bare aiohttp server.

``python -m tests.benchmarks.listener_bench`` prints the table; ``run()`` returns its lines.

On a file of 10,000 entries whose incident an Alertmanager group declared:

* repeats: the same notification posted again (nothing new: the listener must answer from what it
  has read, without reading or writing the file), one request after another on one connection;
* new alerts: each post brings one more alert of the group (one entry appended), beside the same
  number of ``Desk.log`` appends in this process (the target: at most twice their cost);
* ``incident-console log`` run as many times as there are repeats: what a webhook bridge that runs
  a command per alert pays;
* a bare aiohttp handler that answers 200 to the same posts: the floor of HTTP on this machine.

``BENCH_LISTENER_REQUESTS`` changes the count (default 1,000).
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from incident_console.desk import Desk
from incident_console.desk import detect as ingest
from incident_console.domain.alert_rules import IngestRules
from incident_console.store.repository import Repository

from .store_bench import TEXT, build_file

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "alertmanager_firing.json"
ENTRIES = 10_000
REQUESTS = int(os.environ.get("BENCH_LISTENER_REQUESTS", "1000"))
NEW_ALERTS = 100

BARE = """
import sys
from aiohttp import web
async def ok(request):
    await request.read()
    return web.json_response({"status": 200})
app = web.Application()
app.router.add_post("/alertmanager", ok)
def started(*_):
    print("listening on http://127.0.0.1:" + sys.argv[1], file=sys.stderr, flush=True)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=started, access_log=None)
"""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INCIDENT_CONSOLE_")}
    # No config file: the defaults, whatever the machine's user has configured.
    env.update(INCIDENT_CONSOLE_USER="bench", PYTHONPATH=str(ROOT), INCIDENT_CONSOLE_CONFIG=str(ROOT / "absent.toml"))
    return env


def prepared(folder: Path) -> Path:
    """A 10,000-entry file: the entries of a long incident, then a group that declared one and its alerts."""
    path = folder / "alerts.json"
    build_file(path, ENTRIES - 4)
    desk = Desk(Repository(path), author="bench")
    desk.ingest(ingest.decode(FIXTURE.read_bytes(), "alertmanager"), IngestRules())
    return path


def _start(argv: list[str]) -> tuple[subprocess.Popen[bytes], int]:
    process = subprocess.Popen(argv, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, env=_env(), cwd=ROOT)
    assert process.stderr is not None
    line = process.stderr.readline().decode()
    match = re.search(r":(\d+)", line)
    if match is None:
        process.kill()
        raise RuntimeError(f"{argv[:4]!r} did not start: {line}{process.stderr.read().decode()}")
    # The listener writes a line per request: read them so its pipe never fills.
    drain = subprocess.Popen(["cat"], stdin=process.stderr, stdout=subprocess.DEVNULL)
    process._drain = drain  # type: ignore[attr-defined]
    return process, int(match.group(1))


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(timeout=60)
    process._drain.wait(timeout=60)  # type: ignore[attr-defined]


async def _post_all(port: int, bodies: list[bytes]) -> tuple[list[float], float]:
    """Each body posted in turn on one connection: the latencies in ms and the total in s."""
    url = f"http://127.0.0.1:{port}/alertmanager"
    latencies = []
    async with aiohttp.ClientSession(headers={"Content-Type": "application/json"}) as session:
        async with session.post(url, data=bodies[0]) as response:  # warm-up, untimed
            await response.read()
        started = time.perf_counter()
        for body in bodies[1:]:
            sent = time.perf_counter()
            async with session.post(url, data=body) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"the listener answered {response.status}: {await response.text()}")
            latencies.append((time.perf_counter() - sent) * 1000)
        return latencies, time.perf_counter() - started


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _row(title: str, latencies: list[float], total: float) -> str:
    rate = len(latencies) / total if total else 0.0
    return f"{title:<44} {rate:8.0f} {statistics.median(latencies):8.2f} {_percentile(latencies, 0.99):8.2f}"


def _new_alert_bodies(count: int) -> list[bytes]:
    base = json.loads(FIXTURE.read_bytes())
    bodies = []
    for number in range(count + 1):
        body = copy.deepcopy(base)
        extra = copy.deepcopy(body["alerts"][0])
        extra["labels"]["instance"] = f"bench-{number}:8080"
        extra["fingerprint"] = f"bench{number:011x}"
        body["alerts"].append(extra)
        bodies.append(json.dumps(body).encode())
    return bodies


def run() -> list[str]:
    folder = Path(tempfile.mkdtemp(prefix="incident-console-listener-bench-"))
    try:
        started = time.perf_counter()
        path = prepared(folder)
        listen = [sys.executable, "-m", "incident_console", "--file", str(path), "listen", "--port", "0"]
        repeat = FIXTURE.read_bytes()
        lines = [
            f"Listener on a file of {ENTRIES:,} entries; {REQUESTS:,} requests, one at a time on one connection",
            f"{'':<44} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}",
        ]
        process, port = _start(listen)
        try:
            before = path.stat().st_mtime_ns
            latencies, total = asyncio.run(_post_all(port, [repeat] * (REQUESTS + 1)))
            unchanged = path.stat().st_mtime_ns == before
            lines.append(_row("listener: Alertmanager repeat (nothing new)", latencies, total))
            new_latencies, new_total = asyncio.run(_post_all(port, _new_alert_bodies(NEW_ALERTS)))
            lines.append(_row(f"listener: one new alert ({NEW_ALERTS} posts)", new_latencies, new_total))
        finally:
            _stop(process)
        bare, bare_port = _start([sys.executable, "-c", BARE, str(_free_port())])
        try:
            bare_latencies, bare_total = asyncio.run(_post_all(bare_port, [repeat] * (REQUESTS + 1)))
            lines.append(_row("bare aiohttp handler returning 200", bare_latencies, bare_total))
        finally:
            _stop(bare)
        desk = Desk(Repository(path), author="bench")
        desk.snapshot()
        appends = []
        for number in range(NEW_ALERTS):
            sent = time.perf_counter()
            desk.log(TEXT.format(n=number))
            appends.append((time.perf_counter() - sent) * 1000)
        lines.append(_row(f"Desk.log append in-process ({NEW_ALERTS})", appends, sum(appends) / 1000))
        cli = [sys.executable, "-m", "incident_console", "--file", str(path), "log", "bench note"]
        cli_times = []
        cli_started = time.perf_counter()
        for _ in range(REQUESTS):
            sent = time.perf_counter()
            subprocess.run(cli, env=_env(), cwd=ROOT, capture_output=True, check=True)
            cli_times.append((time.perf_counter() - sent) * 1000)
        lines.append(_row("incident-console log TEXT (a process each)", cli_times, time.perf_counter() - cli_started))
        lines.append("")
        repeat_p50 = statistics.median(latencies)
        ratio = statistics.median(new_latencies) / statistics.median(appends)
        lines.append(
            f"repeat p50 {repeat_p50:.2f} ms (target <= 2 ms: {'met' if repeat_p50 <= 2 else 'NOT met'}); "
            f"the file was {'not written' if unchanged else 'WRITTEN'} by the repeats"
        )
        lines.append(
            f"new alert p50 / Desk.log append p50 = {ratio:.2f}x (target <= 2x: {'met' if ratio <= 2 else 'NOT met'})"
        )
        lines.append(f"(listener benchmark took {time.perf_counter() - started:.0f} s)")
        return lines
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


if __name__ == "__main__":
    print("\n".join(run()))
