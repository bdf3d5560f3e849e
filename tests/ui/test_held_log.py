"""The console on a long file recorded as checked: it holds the open incidents' entries and the one on
screen, reads a resolved incident's when it is opened, and never reads the whole log, not even to
save or to pick up another process's change."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import pytest

from incident_console.desk import Desk
from incident_console.store import held_logs, vouched
from incident_console.store import repository as repository_module
from incident_console.store.blocks import stamp_at
from incident_console.store.repository import Repository
from incident_console.ui.app import IncidentConsole
from tests.benchmarks.history_file import build_file

from ..reliability.harness import screen_lines
from .conftest import SIZE, log_rows, record_notifications, text_of, wait_for, wait_saved

# Six incidents of 500 entries, the newest three open and taking turns at the end of the log.
ENTRIES = 3000


@pytest.fixture
def long_file(tmp_path: Path) -> Path:
    path = tmp_path / "incidents.json"
    build_file(path, ENTRIES)
    vouched.vouch(str(path), stamp_at(str(path)))  # as a save of this store leaves the file it wrote
    return path


@pytest.fixture
def whole_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each whole read of the log by the console's repository."""
    reads: list[str] = []
    real = repository_module.decode

    def counted(*args: Any) -> Any:
        reads.append("whole")
        return real(*args)

    monkeypatch.setattr(repository_module, "decode", counted)
    return reads


def _console(path: Path, clipboard: Any, clock: Any, **kwargs: Any) -> IncidentConsole:
    return IncidentConsole(Desk(Repository(path), author="alice", clock=clock), clipboard=clipboard,
                           verify_on_open=False, **kwargs)  # fmt: skip


async def test_the_first_frame_holds_the_open_incidents_whole_logs(long_file, clipboard, clock, whole_reads):
    first_frame: list[list[str]] = []

    class Recording(IncidentConsole):
        def on_ready(self) -> None:
            first_frame.append(screen_lines(self))

    app = Recording(Desk(Repository(long_file), author="alice", clock=clock), clipboard=clipboard, verify_on_open=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: bool(first_frame) and "500 entries" in text_of(app, "#log-title"))
        snapshot = app.snapshot
        assert snapshot.log_in_part
        logs = snapshot.log_by_incident
        assert isinstance(logs, held_logs.HeldLogs)
        assert sorted(logs.held) == ["INC-4", "INC-5", "INC-6"]  # the open ones, none of the resolved
        assert len(log_rows(app)) == 500 and log_rows(app)[0].kind == "declare"
        assert "reading the rest of the log" not in "\n".join(first_frame[0])
    assert whole_reads == []


async def test_a_resolved_incident_opened_shows_its_whole_log_read_then(long_file, clipboard, clock, whole_reads):
    whole = Repository(long_file).snapshot()
    whole_reads.clear()
    app = _console(long_file, clipboard, clock)
    notices = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "500 entries" in text_of(app, "#log-title"))
        for incident_id in ("INC-1", "INC-2", "INC-3", "INC-1"):
            app.main._switch_to(incident_id)  # read off the UI thread the first time, then shown
            await wait_for(pilot, lambda: app.incident_id == incident_id)  # noqa: B023
            await pilot.pause()
            assert [row.text for row in log_rows(app)] == [e.text for e in whole.log_for(incident_id)]
            assert app.main.incident is not None and app.main.incident.id == incident_id
        reading = [n.message for n in notices if n.message.startswith("Reading")]
        assert reading == ["Reading INC-1's log…", "Reading INC-2's log…", "Reading INC-3's log…"]  # INC-1 once
        logs = app.snapshot.log_by_incident
        assert isinstance(logs, held_logs.HeldLogs)
        assert sorted(logs.held) == ["INC-4", "INC-5", "INC-6"]
        assert len(logs.looked()) <= held_logs.LOOKED  # the resolved ones looked at: a few, not all
    assert whole_reads == []


async def test_saves_and_another_processs_change_keep_the_held_view(long_file, clipboard, clock, whole_reads):
    app = _console(long_file, clipboard, clock, poll_seconds=0.1)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "500 entries" in text_of(app, "#log-title"))
        shown = app.main.incident
        assert shown is not None
        for text in ("first from the console", "from the console"):  # the second change is made on the first's view
            app.submit("log a note", partial(app.desk.log, text, incident_id=shown.id))
            await wait_saved(pilot)
        await wait_for(pilot, lambda: "502 entries" in text_of(app, "#log-title"))
        assert log_rows(app)[-1].text == "from the console"
        # another process: a late note on a resolved incident, and one on the incident on screen
        Desk(Repository(long_file), author="bob", clock=clock).log("late finding", incident_id="INC-1")
        Desk(Repository(long_file), author="bob", clock=clock).log("from the other terminal", incident_id=shown.id)
        await wait_for(pilot, lambda: "503 entries" in text_of(app, "#log-title"))
        assert app.snapshot.log_in_part
        late = app.snapshot.log_for("INC-1")
        console_reads = len(whole_reads)
        assert late[-1].text == "late finding" and late == Repository(long_file).snapshot().log_for("INC-1")
    on_disk = Repository(long_file).snapshot()
    assert [e.text for e in on_disk.log[-3:]] == ["from the console", "late finding", "from the other terminal"]
    assert Repository(long_file).verify() is None
    assert console_reads == 0


async def test_a_change_made_before_another_processs_change_is_picked_up_reads_no_whole_log(
    long_file, clipboard, clock, whole_reads
):
    app = _console(long_file, clipboard, clock, poll_seconds=3600)  # the change is not picked up meanwhile
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "500 entries" in text_of(app, "#log-title"))
        shown = app.main.incident
        assert shown is not None
        app.submit("log a note", partial(app.desk.log, "first", incident_id=shown.id))
        await wait_saved(pilot)
        Desk(Repository(long_file), author="bob", clock=clock).log("from elsewhere", incident_id=shown.id)
        app.submit("log a note", partial(app.desk.log, "second", incident_id=shown.id))
        await wait_saved(pilot)
        await wait_for(pilot, lambda: "503 entries" in text_of(app, "#log-title"))
        assert [row.text for row in log_rows(app)[-3:]] == ["first", "from elsewhere", "second"]
        console_reads = len(whole_reads)
    assert console_reads == 0
    assert Repository(long_file).verify() is None
