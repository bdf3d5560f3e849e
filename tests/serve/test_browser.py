"""The served console in a real browser (headless chromium through selenium): what a person sees and does."""

from __future__ import annotations

import re
import time

from selenium.webdriver.common.keys import Keys

from incident_console.store.repository import Repository

from .browser import VIEWER, Tab
from .conftest import UNTRUSTED

TITLE = "Checkout API returning 502s"
FOOTER_WRITE_KEYS = ("d Declare", "a Ack", "l Log", "r Respond", "e Escalate", "y Copy")


def entries(served) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(e.author, e.text) for e in Repository(served.state_file).snapshot().log]


def wait_until(check, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    assert check()


def test_the_url_with_the_token_shows_the_incident_and_untrusted_text_literally(served, driver):
    tab = Tab(driver, served.url(**{"as": "alice"}))
    text = tab.wait_for(lambda t: TITLE in t and "you: alice" in t)
    assert "INC-1" in text
    # Markup is text, and the escape sequences an entry holds are drawn as their control pictures.
    assert "[bold red]boom[/] ␛[31mred␛[0m" in text
    assert "\x1b[31mred" not in tab.received()
    assert UNTRUSTED.replace("\x1b", "␛") in text


def test_a_line_typed_in_one_tab_is_in_the_file_and_in_another_tab(served, driver):
    alice = Tab(driver, served.url(**{"as": "alice"}))
    alice.wait_for(TITLE)
    bob = Tab(driver, served.url(**{"as": "bob"}))
    bob.wait_for(lambda t: TITLE in t and re.search("also here: [^\n]*alice", t) is not None)
    alice.wait_for(lambda t: re.search("also here: [^\n]*bob", t) is not None)
    alice.type("l", "canary healthy at 5 percent", Keys.ENTER)
    wait_until(lambda: ("alice", "canary healthy at 5 percent") in entries(served))
    bob.wait_for("canary healthy at 5 percent", timeout=5)


def test_as_bob_writes_as_bob(served, driver):
    bob = Tab(driver, served.url(**{"as": "bob"}))
    bob.wait_for(lambda t: TITLE in t and "you: bob" in t)
    bob.type("l", "replica lag back under 1s", Keys.ENTER)
    wait_until(lambda: ("bob", "replica lag back under 1s") in entries(served))


def test_a_viewer_tab_has_no_write_keys_and_its_keys_change_nothing(served, driver):
    editor = Tab(driver, served.url(**{"as": "erin"}))
    editor.wait_for(lambda t: all(key in t for key in FOOTER_WRITE_KEYS))
    viewer = Tab(driver, served.url(VIEWER, **{"as": "carol"}))
    shown = viewer.wait_for(lambda t: TITLE in t and "read-only view" in t and "? Help" in t)
    assert not [key for key in FOOTER_WRITE_KEYS if key in shown]
    before = served.state_file.read_bytes()
    viewer.type("a", "l", "not mine to write", Keys.ENTER, "d", "x", "h", "y")
    time.sleep(2)
    assert served.state_file.read_bytes() == before
    assert "not mine to write" not in viewer.text()
