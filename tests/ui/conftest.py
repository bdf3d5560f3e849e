"""Fixtures for driving the console with Textual's pilot: a frozen clock, a state file, a fake clipboard."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, RadioButton, RadioSet

from incident_console.clipboard import CopyOutcome
from incident_console.desk import Desk
from incident_console.domain.model import Snapshot
from incident_console.store.repository import Repository
from incident_console.ui.app import IncidentConsole
from incident_console.ui.screens.form import FormScreen
from incident_console.ui.widgets.log_view import LogRow, LogView, as_row

START = datetime(2026, 11, 28, 3, 0, 0, tzinfo=UTC)
SIZE = (120, 35)


class FrozenClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now = self.now + timedelta(**delta)
        return self.now


@dataclass
class FakeClipboard:
    """A system clipboard that records what it was given and succeeds, or fails with ``detail``."""

    works: bool = True
    detail: str = "no display for a system clipboard"
    texts: list[str] = field(default_factory=list)

    def copy(self, text: str) -> CopyOutcome:
        self.texts.append(text)
        return CopyOutcome(True) if self.works else CopyOutcome(False, self.detail)


@dataclass(frozen=True)
class Notice:
    message: str
    title: str
    severity: str


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def state_file(tmp_path: Path) -> Path:
    return tmp_path / "incidents.json"


@pytest.fixture
def desk(state_file: Path, clock: FrozenClock) -> Desk:
    return Desk(Repository(state_file), author="alice", clock=clock)


@pytest.fixture
def clipboard() -> FakeClipboard:
    return FakeClipboard()


@pytest.fixture
def make_app(desk: Desk, clipboard: FakeClipboard) -> Callable[..., IncidentConsole]:
    """Build the console on the test's Desk; notifications are recorded in ``app.notices``."""

    def build(**kwargs: Any) -> IncidentConsole:
        kwargs.setdefault("clipboard", clipboard)
        kwargs.setdefault("verify_on_open", False)
        kwargs.setdefault("poll_seconds", 1.0)
        app = IncidentConsole(desk, **kwargs)
        record_notifications(app)
        return app

    return build


def record_notifications(app: IncidentConsole) -> list[Notice]:
    """Keep every notification the app shows (toasts expire; the list does not)."""
    notices: list[Notice] = []
    show = app.notify

    def notify(message: str, *, title: str = "", severity: str = "information", **kwargs: Any) -> None:
        notices.append(Notice(str(message), str(title), str(severity)))
        show(message, title=title, severity=severity, **kwargs)  # type: ignore[arg-type]

    app.notify = notify  # type: ignore[method-assign]
    app.notices = notices  # type: ignore[attr-defined]
    return notices


def notices(app: IncidentConsole) -> list[Notice]:
    return app.notices  # type: ignore[attr-defined,no-any-return]


async def wait_saved(pilot: Pilot[Any], tries: int = 100) -> None:
    """Wait until the save queue is empty and the results are on screen (saves run on a thread)."""
    app = pilot.app
    assert isinstance(app, IncidentConsole)
    for _ in range(tries):
        await pilot.pause(0.05)
        if not app.saver.pending():
            await pilot.pause()
            return
    raise AssertionError(f"still not saved: {[c.description for c in app.saver.pending()]}")


async def wait_for(pilot: Pilot[Any], condition: Callable[[], bool], tries: int = 100) -> None:
    """Poll ``condition`` every 50 ms, up to ``tries`` times."""
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.05)
    assert condition(), "condition not met in time"


async def settle(pilot: Pilot[Any]) -> None:
    """Wait for what the console does right after its first frame (the rest of a long log, the draft's
    editor), then let it draw: a screenshot shows the console as a person sees it once it is open."""
    app = pilot.app
    await wait_for(pilot, lambda: bool(app.screen_stack[0].query("#draft")))
    await pilot.pause(0.3)


def on_disk(path: Path) -> Snapshot:
    """The file as another process would read it now."""
    return Repository(path).snapshot()


def kinds_on_disk(path: Path, kind: str) -> list[str]:
    """The texts of the file's entries of one kind, oldest first."""
    return [e.text for e in on_disk(path).log if e.kind == kind]


def text_of(app: IncidentConsole, selector: str) -> str:
    """The plain text a pane on the main screen shows."""
    return str(app.screen_stack[0].query_one(selector).render())


def log_rows(app: IncidentConsole) -> list[LogRow]:
    """The rows the LogView holds (saved entries and unsaved rows), as LogRows."""
    return [as_row(r) for r in app.main.query_one(LogView).rows]


def log_view(app: IncidentConsole) -> LogView:
    return app.main.query_one(LogView)


# driving the forms


async def type_into(pilot: Pilot[Any], selector: str, text: str) -> None:
    """Focus the Input ``selector`` on the top screen and type ``text`` key by key."""
    box = pilot.app.screen.query_one(selector, Input)
    box.focus()
    await pilot.pause()
    await pilot.press(*text)


async def choose(pilot: Pilot[Any], field_name: str, value: str) -> None:
    """Pick ``value`` in a form's RadioSet with the keyboard: focus, arrow down to it, Enter."""
    radios = pilot.app.screen.query_one(f"#field-{field_name}", RadioSet)
    radios.focus()
    await pilot.pause()
    buttons = list(radios.query(RadioButton))
    names = [b.name for b in buttons]
    assert value in names, f"{value!r} is not a choice of {field_name}: {names}"
    for _ in range(len(buttons) + 1):
        if radios._selected is not None and buttons[radios._selected].name == value:
            break
        await pilot.press("down")
    await pilot.press("enter")
    assert radios.pressed_button is not None and radios.pressed_button.name == value


async def open_form(pilot: Pilot[Any], key: str) -> FormScreen:
    await pilot.press(key)
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, FormScreen), f"{key!r} opened {type(screen).__name__}, not a form"
    return screen


async def declare(pilot: Pilot[Any], title: str, severity: str = "P2") -> None:
    """Declare an incident through the form and wait until it is saved."""
    await open_form(pilot, "d")
    await type_into(pilot, "#field-title", title)
    await choose(pilot, "severity", severity)
    await pilot.press("ctrl+s")
    await wait_saved(pilot)
