"""Quitting with a change that could not be saved prints it, so nothing typed is lost."""

from __future__ import annotations

import errno
from datetime import UTC, datetime
from pathlib import Path

import pytest

from incident_console.cli import _report_unsaved
from incident_console.domain.pending import PendingEntry
from incident_console.store import storage

from .conftest import SIZE, declare, type_into, wait_for


async def test_quitting_with_an_unsaved_entry_prints_it(
    make_app, state_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await declare(pilot, "Checkout down")

        def full(*_: object, **__: object) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(storage, "write_atomically", full)
        await pilot.press("l")
        await type_into(pilot, "#log-input", "rolled back api to v142")
        await pilot.press("enter")
        await wait_for(pilot, lambda: bool(app.saver.problem))
        await pilot.press("escape", "q")
        await pilot.pause()
        assert app.is_running, "the first q only warns"
        await pilot.press("q")
        await pilot.pause()
    assert [c.entry.text for c in app.unsaved_at_exit if c.entry] == ["rolled back api to v142"]
    assert _report_unsaved(app.unsaved_at_exit, state_file) == 1
    err = capsys.readouterr().err
    assert "rolled back api to v142" in err and "could not be saved" in err


def test_nothing_unsaved_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    assert _report_unsaved([], Path("x.json")) == 0
    assert capsys.readouterr().err == ""


def test_unsaved_text_is_printed_without_control_sequences(capsys: pytest.CaptureFixture[str]) -> None:
    class Change:
        description = "log entry"
        at = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
        entry = PendingEntry("INC-1", "note", "\x1b]0;pwned\x07 text", "alice", at)

    _report_unsaved([Change()], Path("x.json"))
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err and "␛]0;pwned␇ text" in err
