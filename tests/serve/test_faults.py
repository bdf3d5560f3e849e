"""Faults around a served console: a tab that goes, a server that is killed."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from selenium.webdriver.common.keys import Keys

from incident_console import cli
from incident_console.store.repository import Repository

from .browser import Tab, serve
from .conftest import demo_file

TITLE = "Checkout API returning 502s"


def tab_processes(state_file: Path) -> set[int]:
    """The consoles running for served tabs on ``state_file``."""
    found = set()
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            words = Path(f"/proc/{name}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"--served" in words and str(state_file).encode() in words:
            found.add(int(name))
    return found


def wait_until(check, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    assert check()


def test_a_closed_tab_ends_its_console(tmp_path, driver):
    served = serve(demo_file(tmp_path))
    try:
        tab = Tab(driver, served.url(**{"as": "kim"}))
        tab.wait_for(TITLE)
        assert len(tab_processes(served.state_file)) == 1
        driver.get("about:blank")  # the page goes, and its websocket with it
        wait_until(lambda: not tab_processes(served.state_file))
    finally:
        served.stop()


def test_killing_the_server_leaves_the_file_valid_and_its_tabs_end(tmp_path, driver, capsys):
    served = serve(demo_file(tmp_path))
    try:
        tab = Tab(driver, served.url(**{"as": "kim"}))
        tab.wait_for(TITLE)
        tab.type("l", "about to lose the server", Keys.ENTER)
        wait_until(lambda: "about to lose the server" in [e.text for e in Repository(served.state_file).snapshot().log])
        consoles = tab_processes(served.state_file)
        assert consoles
    finally:
        served.stop(signal.SIGKILL)
    wait_until(lambda: not tab_processes(served.state_file), timeout=10)
    assert cli.main(["verify", str(served.state_file)]) == 0, capsys.readouterr()
    log = Repository(served.state_file).snapshot().log
    assert (log[-1].author, log[-1].text) == ("kim", "about to lose the server")
