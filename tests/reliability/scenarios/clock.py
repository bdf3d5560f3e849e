"""Clock scenarios: the wall clock jumps while the console is open, and deadlines across a DST change."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from incident_console.desk import Desk
from incident_console.domain import sla
from incident_console.domain.model import Severity, Status
from incident_console.store.repository import Repository
from tests.reliability.harness import (
    CHILD_TIMEOUT,
    Result,
    StepClock,
    Tally,
    child_env,
    json_times,
    run_cli,
    worker,
)
from tests.reliability.scenarios.console import (
    SIZE,
    START,
    console_trials,
    headless_console,
    on_disk,
    record_notices,
    text_of,
    until,
)


async def _clock_jump_once(path: Path) -> None:
    clock = StepClock(START)
    desk = Desk(Repository(path), author="alice", clock=clock)
    incident = desk.declare("Checkout returns 500", Severity.P1)
    app = headless_console(desk)
    notices = record_notices(app)
    # The runbook's P1 deadlines, from detection: acknowledge 5 min, triage 10 min, first update 15 min.
    windows = {"Acknowledge": 5, "Triage": 10, "First update": 15}
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app._ticked, "the first tick")
        assert "OVERDUE" not in text_of(app, "#sla-board")
        clock.advance(hours=3)  # the laptop slept
        await until(pilot, lambda: "OVERDUE" in text_of(app, "#sla-board"), "the board updated")
        board = text_of(app, "#sla-board").splitlines()
        for title, minutes in windows.items():
            due = incident.detected_at + timedelta(minutes=minutes)
            overdue = sla.format_duration((clock.now - due).total_seconds())
            line = next((row for row in board if row.startswith(title)), "")
            assert f"OVERDUE {overdue}" in line, f"{title}: {line!r} (expected overdue by {overdue})"

        def breaches() -> list[str]:
            return [e.details.get("timer") for e in on_disk(path).log if e.kind == "breach"]

        await until(pilot, lambda: len(breaches()) >= 3 and not app.saver.pending(), "the breaches were logged")
        clock.advance(seconds=2)
        await pilot.pause(0.8)  # several more ticks: nothing may be logged again
        await until(pilot, lambda: not app.saver.pending(), "the queue drained")
        logged = sorted(breaches())
        assert logged == ["acknowledge", "response", "triage"], f"breach entries: {logged}"
        announced = [m for _, m in notices if "deadline breached" in m]
        assert len(announced) == 3, f"breach notifications: {announced}"


def clock_jump(workdir: Path, trials: int = 1, *, seed: int | None = None, strict: bool = False) -> Result:
    """The wall clock jumps 3 hours while the console is open: the board shows the overdue amounts
    from the new now, and each breach is logged once."""
    return console_trials(workdir, trials, strict, "clock", _clock_jump_once)


DST_DETECTED = datetime(2026, 3, 8, 6, 30, tzinfo=UTC)  # 01:30 EST, before New York springs forward at 07:00Z
DST_NOW = datetime(2026, 3, 8, 7, 45, tzinfo=UTC)  # 03:45 EDT: 2h15m on the wall clock, 1h15m really


def _dst_file(path: Path) -> None:
    clock = StepClock(DST_DETECTED)
    desk = Desk(Repository(path), author="alice", clock=clock)
    desk.declare("Checkout returns 500", Severity.P1, started_at=DST_DETECTED - timedelta(minutes=20))
    clock.advance(minutes=3)
    desk.acknowledge()
    clock.now = datetime(2026, 3, 8, 6, 59, 30, tzinfo=UTC)
    desk.record_update("Investigating.", template="initial")
    clock.now = datetime(2026, 3, 8, 7, 10, tzinfo=UTC)
    desk.log("rolled back")
    desk.set_status(Status.MONITORING)


def clock_dst(workdir: Path, trials: int = 1, *, seed: int | None = None, strict: bool = False) -> Result:
    """An incident across New York's spring-forward: remaining times are UTC arithmetic, and
    ``show --json`` and the timers are the same under TZ=America/New_York and TZ=UTC."""
    tally = Tally(strict)
    for trial in range(trials):
        folder = workdir / f"dst-{trial}"
        folder.mkdir(parents=True)
        with tally.trial(f"trial {trial}: arithmetic"):
            clock = StepClock(DST_DETECTED)
            desk = Desk(Repository(folder / "arithmetic.json"), author="alice", clock=clock)
            incident = desk.declare("Checkout returns 500", Severity.P1)
            timers = {t.name: t for t in desk.timers(incident, now=DST_NOW)}
            for name, minutes in {"acknowledge": 5, "triage": 10, "response": 15}.items():
                due = DST_DETECTED + timedelta(minutes=minutes)
                assert timers[name].due_at == due, f"{name} due {timers[name].due_at}, expected {due}"
                assert timers[name].remaining == (due - DST_NOW).total_seconds(), f"{name}: {timers[name]}"
            assert timers["acknowledge"].remaining == -70 * 60  # 1h15m after detection, 5 minutes allowed

        with tally.trial(f"trial {trial}: time zones"):
            path = folder / "incidents.json"
            _dst_file(path)
            shows, timer_dumps = {}, {}
            for zone in ("UTC", "America/New_York"):
                env = child_env(folder, TZ=zone)
                done = run_cli(path, "show", "--json", workdir=folder, env=env)
                assert done.returncode == 0, done.stderr
                shows[zone] = json_times(json.loads(done.stdout))
                process = worker("timers", str(path), DST_NOW.isoformat(), env=env, stdout=subprocess.PIPE)
                out, _ = process.communicate(timeout=CHILD_TIMEOUT)
                assert process.returncode == 0
                timer_dumps[zone] = json.loads(out)
            assert shows["UTC"] == shows["America/New_York"], "show --json differs between time zones"
            assert timer_dumps["UTC"] == timer_dumps["America/New_York"], "the timers differ between time zones"
            response = next(t for t in timer_dumps["UTC"]["INC-1"] if t["name"] == "response")
            assert response["met_at"] == "2026-03-08T06:59:30Z" and response["state"] == "breached", response
            next_update = next(t for t in timer_dumps["UTC"]["INC-1"] if t["name"] == "next_update")
            assert next_update["due_at"] == "2026-03-08T07:29:30Z", next_update  # 30 minutes, not 1h30m
    return tally.result()
