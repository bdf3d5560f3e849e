"""Fixtures for the browser tests: a demo incident served on a free port, and headless chromium."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from .browser import Served, browser, missing_browser, serve

UNTRUSTED = "[bold red]boom[/] \x1b[31mred\x1b[0m"


def demo_file(folder: Path, *, hostile: bool = True) -> Path:
    """The demo incident in ``folder``, with (``hostile``) an entry holding markup and escape sequences."""
    from incident_console.demo import DEMO_LENGTH, build_demo
    from incident_console.desk import Desk

    path = folder / "incidents.json"
    build_demo(str(path), start=datetime.now(UTC) - DEMO_LENGTH)
    if hostile:
        Desk.open(str(path), author="mallory").log(UNTRUSTED)
    return path


def skip_without_browser() -> None:
    if (reason := missing_browser()) is not None:
        pytest.skip(f"browser tests need chromium and its driver: {reason}")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    skip_without_browser()
    server = serve(demo_file(tmp_path_factory.mktemp("served")))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    skip_without_browser()
    with browser() as chromium:
        yield chromium
