"""A served console and headless chromium driving it, for the browser tests, the screenshot and the bench.

The page's terminal (xterm.js) draws on a canvas, so what a tab shows is read from what its
websocket received: a script set in before the page's own wraps WebSocket and keeps the bytes,
and ``Tab.text()`` is them with the escape sequences taken out.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
TOKEN = "edit-token-0123456789abcdef"
VIEWER = "view-token-0123456789abcdef"

# Every tab's websocket keeps what it received (and when), before the page's script connects.
CAPTURE = r"""
(() => {
  const Native = window.WebSocket;
  window.__frames = [];
  window.__opened = null;
  window.WebSocket = function (url, protocols) {
    const socket = protocols === undefined ? new Native(url) : new Native(url, protocols);
    socket.addEventListener("open", () => { window.__opened = performance.now(); });
    socket.addEventListener("message", (event) => {
      const data = event.data;
      const text = typeof data === "string" ? "" : new TextDecoder().decode(data);
      window.__frames.push([performance.now(), text]);
    });
    return socket;
  };
  window.WebSocket.prototype = Native.prototype;
  Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
})();
"""

_ESCAPES = re.compile(r"\x1b\[[0-9;?<=>!]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[PX^_][^\x1b]*\x1b\\|\x1b.")


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (os.path.exists(path) or shutil.which(path)):
            return f"{path} is not installed (Debian: apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install selenium)"
    return None


def plain(received: str) -> str:
    """What the terminal was sent, without escape sequences (text runs stay whole)."""
    return _ESCAPES.sub("", received)


@dataclass
class Served:
    """A running `incident-console serve`."""

    process: subprocess.Popen[str]
    base: str
    state_file: Path
    output: list[str]

    def url(self, token: str = TOKEN, **query: str) -> str:
        extra = "".join(f"&{key}={value}" for key, value in query.items())
        return f"{self.base}/?token={token}{extra}"

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(5)


def environment(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(ROOT),
        INCIDENT_CONSOLE_USER="server-login",
        XDG_CONFIG_HOME=str(home),
        XDG_DATA_HOME=str(home),
        HOME=str(home),
    )
    env.pop("INCIDENT_CONSOLE_FILE", None)
    return env


def serve(state_file: Path, *extra: str, home: Path | None = None) -> Served:
    """Start the server on a free port and wait until it prints its address."""
    home = home or state_file.parent
    command = [sys.executable, "-m", "incident_console", "--file", str(state_file), "serve", "--port", "0"]
    command += ["--token", TOKEN, "--viewer-token", VIEWER, *extra]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environment(home), cwd=home
    )
    assert process.stdout is not None
    output: list[str] = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        output.append(line)
        if "open: " in line:
            base = line.split("open: ", 1)[1].strip().split("/?token=", 1)[0]
            return Served(process, base, state_file, output)
    process.kill()
    raise AssertionError("the server did not start: " + "".join(output))


def chromium(width: int = 1280, height: int = 800) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run"):
        options.add_argument(flag)
    options.add_argument(f"--window-size={width},{height}")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": CAPTURE})
    return driver


class Tab:
    """One browser tab on the served console."""

    def __init__(self, driver: Any, url: str, *, new: bool = True) -> None:
        self.driver = driver
        if new and driver.current_url not in ("about:blank", "data:,"):
            driver.switch_to.new_window("tab")
            driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": CAPTURE})  # per tab
        self.handle = driver.current_window_handle
        driver.get(url)

    def focus(self) -> None:
        """This tab in front, with the keyboard in its terminal (the console draws its footer only
        while it has the focus, as a terminal window would)."""
        self.driver.switch_to.window(self.handle)
        # A headless window never has the system's focus: the page is told its terminal has it, as
        # a click would tell it (the page then tells the console).
        self.driver.execute_script(
            "document.querySelector('.xterm-helper-textarea')?.focus();"
            "document.querySelector('.xterm-screen')?.dispatchEvent(new FocusEvent('focus'));"
        )

    def received(self) -> str:
        self.focus()
        frames = self.driver.execute_script("return window.__frames || []")
        return "".join(text for _, text in frames)

    def text(self) -> str:
        return plain(self.received())

    def wait_for(self, wanted: str | Callable[[str], bool], timeout: float = 20.0) -> str:
        check = wanted if callable(wanted) else (lambda text: wanted in text)
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.text()
            if check(text):
                return text
            time.sleep(0.2)
        raise AssertionError(f"the tab never showed {wanted!r}; it shows: {text[-2000:]!r}")

    def type(self, *keys: str) -> None:
        """Keys into the terminal (selenium's Keys.ENTER and the like, or text)."""
        from selenium.webdriver.common.by import By

        self.focus()
        area = self.driver.find_element(By.CSS_SELECTOR, ".xterm-helper-textarea")
        for key in keys:
            area.send_keys(key)
            time.sleep(0.05)


@contextmanager
def browser(width: int = 1280, height: int = 800) -> Iterator[Any]:
    driver = chromium(width, height)
    try:
        yield driver
    finally:
        driver.quit()
