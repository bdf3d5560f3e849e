"""Ten tabs typing into one incident at once: nothing is lost, and every tab shows every entry.

No browser: each tab speaks the page's websocket protocol to the server (as in the benchmark), and
each has its own console process, as a browser tab does. Ten consoles saving at once on a small
shared machine take a while to get their turn at the CPU; what the console itself adds, the time
from an entry being in the file to every tab showing it, is held to 2 s.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp

from incident_console.serving.access import Tokens
from incident_console.serving.server import ConsoleServer
from incident_console.serving.tab import TabSettings
from incident_console.store.repository import Repository
from tests.benchmarks.serve_bench import TOKEN, Tab, _start
from tests.benchmarks.store_bench import build_file

TABS = 10
SHOWN_WITHIN = 2.0


async def _all_saved(path: Path, texts: list[str], timeout: float = 90.0) -> float:
    """The moment every one of ``texts`` is in the file; fails naming the ones that never arrived."""
    deadline = time.perf_counter() + timeout
    while True:
        written = {entry.text for entry in Repository(path).snapshot().log}
        missing = [text for text in texts if text not in written]
        if not missing:
            return time.perf_counter()
        if time.perf_counter() > deadline:
            raise AssertionError(f"never saved to the file: {missing}")
        await asyncio.sleep(0.01)


async def _shown_everywhere(tabs: list[Tab], texts: list[str], timeout: float = 30.0) -> list[float]:
    """When each tab showed each text; fails naming every tab and text that never showed."""
    results = await asyncio.gather(
        *(tab.shows(text, timeout=timeout) for tab in tabs for text in texts), return_exceptions=True
    )
    pairs = [(number, text) for number in range(len(tabs)) for text in texts]
    missing = [f"tab {n} lacks {t!r}" for (n, t), r in zip(pairs, results, strict=True) if isinstance(r, BaseException)]
    assert not missing, missing
    return [result for result in results if isinstance(result, float)]


async def _ten_tabs(path: Path) -> dict[str, float]:
    server = ConsoleServer(
        TabSettings(str(path)), Tokens(TOKEN), host="127.0.0.1", port=0, public_url="http://127.0.0.1", announce=[]
    )
    runner, url = await _start(server)
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
            tabs = [Tab(session, url) for _ in range(TABS)]
            for number, tab in enumerate(tabs):
                await tab.open(f"person-{number}")
            await asyncio.gather(*(tab.shows("Checkout errors", timeout=60) for tab in tabs))
            await asyncio.sleep(1.0)
            for tab in tabs:
                await tab.send("l")
            await asyncio.sleep(0.5)
            for number, tab in enumerate(tabs):
                await tab.send(f"entry-from-tab-{number:02d}")
            await asyncio.sleep(0.2)
            await asyncio.gather(*(tab.send("\r") for tab in tabs))
            texts = [f"entry-from-tab-{number:02d}" for number in range(TABS)]
            watching = asyncio.ensure_future(_shown_everywhere(tabs, texts, timeout=120))
            saved = await _all_saved(path, texts)
            shown = await watching
            for tab in tabs:
                await tab.close()
            return {"after_the_last_save": max(shown) - saved}
    finally:
        await runner.cleanup()


def test_ten_tabs_typing_at_once_lose_nothing_and_each_shows_every_entry(tmp_path: Path):
    path = tmp_path / "incidents.json"
    build_file(path, 200)
    timing = asyncio.run(_ten_tabs(path))
    log = Repository(path).snapshot().log
    written = {(e.author, e.text) for e in log}
    assert all((f"person-{n}", f"entry-from-tab-{n:02d}") in written for n in range(TABS)), sorted(written)[-12:]
    assert timing["after_the_last_save"] <= SHOWN_WITHIN, timing
