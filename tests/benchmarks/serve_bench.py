"""Serve benchmarks: websocket open to first frame beside a bare Textual app, memory per tab, and an
entry typed in one tab to the moment another tab shows it.

The server runs in this process (aiohttp on this event loop), exactly as `serve` builds it; each
tab's console is its own process, as in a browser. The client speaks the page's protocol over the
websocket (``["stdin", ...]``, ``["resize", ...]``) and watches what the tab's terminal is sent.
``python -m tests.benchmarks.serve_bench [--entries N]`` runs it alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shlex
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web

from incident_console.serving.access import Tokens
from incident_console.serving.server import ConsoleServer
from incident_console.serving.tab import TabSettings
from tests.benchmarks.store_bench import build_file

TOKEN = "bench-token-0123456789abcdef"
OPEN_RUNS = 7
TYPED = 20
WIDTH, HEIGHT = 140, 40


class BareServer(ConsoleServer):
    """The same server, whose tabs run a bare Textual app."""

    def tab_command(self, name: str | None, read_only: bool) -> str:
        return "exec " + shlex.join([sys.executable, "-m", "tests.benchmarks.serve_bare"])


async def _start(server: ConsoleServer) -> tuple[web.AppRunner, str]:
    server.initialize_logging()
    runner = web.AppRunner(await server._make_app())
    await runner.setup()
    sock = socket.create_server(("127.0.0.1", 0))
    await web.SockSite(runner, sock).start()
    return runner, f"http://127.0.0.1:{sock.getsockname()[1]}"


class Tab:
    """One tab: its websocket and what its terminal was sent."""

    def __init__(self, session: aiohttp.ClientSession, base: str) -> None:
        self.session, self.base = session, base
        self.received = ""
        self.opened = 0.0
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None

    async def open(self, name: str) -> None:
        await self.session.get(f"{self.base}/?token={TOKEN}", allow_redirects=False)
        page = await (await self.session.get(f"{self.base}/?as={name}")).text()
        ticket = page.split("/ws/", 1)[1].split('"', 1)[0]
        self._ws = await self.session.ws_connect(f"{self.base}/ws/{ticket}?width={WIDTH}&height={HEIGHT}")
        self.opened = time.perf_counter()
        await self._ws.send_str(json.dumps(["resize", {"width": WIDTH, "height": HEIGHT}]))
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self._ws is not None
        async for message in self._ws:
            if message.type == aiohttp.WSMsgType.BINARY:
                self.received += message.data.decode("utf-8", "replace")

    async def shows(self, text: str, timeout: float = 30.0) -> float:
        """Seconds until the terminal was sent ``text`` (polled every millisecond)."""
        deadline = time.perf_counter() + timeout
        while text not in self.received:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"the tab never showed {text!r}")
            await asyncio.sleep(0.001)
        return time.perf_counter()

    async def send(self, data: str) -> None:
        assert self._ws is not None
        await self._ws.send_str(json.dumps(["stdin", data]))

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            await self._reader


def _rss_kib(server: ConsoleServer) -> list[int]:
    sizes = []
    for tab in server.tabs:
        process = tab._process
        if process is None:
            continue
        for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]))
    return sizes


async def _first_frames(console: ConsoleServer, bare: ConsoleServer) -> tuple[list[float], list[float], int, int]:
    runners = []
    ours: list[float] = []
    base: list[float] = []
    ours_kib = bare_kib = 0
    try:
        console_runner, console_url = await _start(console)
        bare_runner, bare_url = await _start(bare)
        runners = [console_runner, bare_runner]
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:  # an IP host
            for run in range(OPEN_RUNS):  # taking turns, so a machine that slows down weighs on both alike
                turns = ((bare_url, "bare textual app", base), (console_url, "Checkout errors", ours))
                for url, marker, times in turns:
                    tab = Tab(session, url)
                    await tab.open("bench")
                    times.append(await tab.shows(marker) - tab.opened)
                    if run == OPEN_RUNS - 1:
                        await asyncio.sleep(2.0)  # settled: the rest of the log read, the editor made
                        kib = max(_rss_kib(console if url == console_url else bare), default=0)
                        if url == console_url:
                            ours_kib = kib
                        else:
                            bare_kib = kib
                    await tab.close()
    finally:
        for runner in runners:
            await runner.cleanup()
    return ours, base, ours_kib, bare_kib


async def _typed_to_shown(console: ConsoleServer) -> list[float]:
    runner, url = await _start(console)
    delays: list[float] = []
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:  # an IP host
            writer, reader = Tab(session, url), Tab(session, url)
            await writer.open("writer")
            await reader.open("reader")
            await writer.shows("Checkout errors")
            await reader.shows("Checkout errors")
            await asyncio.sleep(2.0)
            for number in range(TYPED):
                text = f"typed-entry-{number:03d}"
                await writer.send("l")
                await asyncio.sleep(0.2)
                await writer.send(text)
                await asyncio.sleep(0.1)
                await writer.send("\r")
                sent = time.perf_counter()
                delays.append(await reader.shows(text, timeout=15) - sent)
            await writer.close()
            await reader.close()
    finally:
        await runner.cleanup()
    return delays


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[int(0.95 * (len(ordered) - 1))]


def run(entries: int = 10_000) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "served.json"
        build_file(path, entries)

        def server(kind: type[ConsoleServer]) -> ConsoleServer:
            return kind(
                TabSettings(str(path)),
                Tokens(TOKEN),
                host="127.0.0.1",
                port=0,
                public_url="http://127.0.0.1",
                announce=[],
            )

        ours, base, ours_kib, bare_kib = asyncio.run(_first_frames(server(ConsoleServer), server(BareServer)))
        delays = asyncio.run(_typed_to_shown(server(ConsoleServer)))
    ours_s, base_s = statistics.median(ours), statistics.median(base)
    return [
        f"Websocket open to first frame (median of {OPEN_RUNS}, taking turns, {WIDTH}x{HEIGHT};"
        " each tab its own process):",
        f"  bare Textual app, served the same way        {base_s * 1000:7.0f} ms",
        f"  {f'console tab on a {entries:,}-entry file':<44} {ours_s * 1000:7.0f} ms"
        f"   ratio {ours_s / base_s:.2f}x   (target <= 1.5x)",
        "Memory per tab (RSS of the tab's process, settled):",
        f"  bare Textual app                             {bare_kib / 1024:7.1f} MiB",
        f"  console tab                                  {ours_kib / 1024:7.1f} MiB",
        f"Entry typed in one tab (Enter) to shown in another ({TYPED} entries, the console's own change check):",
        f"  median {statistics.median(delays) * 1000:6.0f} ms   p95 {_p95(delays) * 1000:6.0f} ms"
        "   (target p95 <= 2000 ms)",
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=10_000)
    for line in run(parser.parse_args().entries):
        print(line)
