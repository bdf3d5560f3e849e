"""Untrusted text: stored as written, shown literally in Markdown outputs, every pane and a real pseudo-terminal.

Each scenario is ``scenario(workdir, trials, *, seed=None, strict=False) -> Result`` (see scenarios.py).
"""

from __future__ import annotations

import asyncio
import inspect
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from incident_console.desk import Desk
from incident_console.domain import limits, reports
from incident_console.domain.model import NewEntry, Severity
from incident_console.domain.text import visible
from incident_console.store.repository import Repository
from tests.reliability.harness import (
    CHILD_TIMEOUT,
    ROOT,
    Result,
    StepClock,
    Tally,
    child_env,
    control_chars,
    new_seed,
    rendered_controls,
    screen_lines,
)
from tests.reliability.in_console import open_console, until
from tests.reliability.shared import SIZE, START, _hypothesis

# --- 4. untrusted text ---------------------------------------------------------------------

PIECES = [
    "[bold]",
    "[/]",
    "[/0",
    "[@click=app.quit]x[/]",
    "[link=https://x]l[/]",
    "[red on black]",
    "$var",
    "${HOME}",
    "{braces}",
    "{issue}",
    "{",
    "}",
    "%s",
    "%(x)s",
    "\x1b[31m",
    "\x1b[2J",
    "\x1b]0;title\x07",
    "\x1b]52;c;aGVsbG8=\x07",
    "\x1b]8;;https://x\x1b\\link\x1b]8;;\x1b\\",
    "\x1bP+q\x1b\\",
    "\x9b31m",
    "\x9d0;t\x9c",
    "\x85",
    "\x00",
    "\x07",
    "\x08",
    "\x7f",
    "\t",
    "\r",
    "\n",
    "\r\n",
    "\u202e",
    "\u200f",
    "\u2066",
    "שלום",
    "مرحبا",
    "🔥",
    "👩‍💻",
    "e\u0301",
    "\ufeff",
    "\u2028",
    "`code`",
    "**bold**",
    "| cell |",
    "# heading",
    "<script>",
    "\\",
]
_PIECE_TEXT = st.lists(st.sampled_from(PIECES) | st.text(max_size=6), min_size=1, max_size=8).map("".join)
UNTRUSTED = st.one_of(
    _PIECE_TEXT,
    _PIECE_TEXT,
    _PIECE_TEXT.map(lambda s: (s * (4000 // max(len(s), 1) + 1))[:4000]),
)
FIELDS = ("title", "impact", "service", "commander", "note", "to", "why", "item", "owner", "section", "update", "raw")
UNTRUSTED_FIELDS = st.fixed_dictionaries({name: UNTRUSTED for name in FIELDS})


# What the Desk takes in each field (the raw entry is written past the Desk).
FIELD_LIMITS = {
    "title": limits.TITLE,
    "impact": limits.IMPACT,
    "service": limits.SERVICE,
    "commander": limits.NAME,
    "note": limits.ENTRY,
    "to": limits.NAME,
    "why": limits.REASON,
    "item": limits.ACTION_ITEM,
    "owner": limits.NAME,
    "section": limits.SECTION,
    "update": limits.ENTRY,
}


def _filled(text: str) -> str:
    """The text, or with a letter before it when it is only whitespace (a required field)."""
    return text if text.strip() else "x" + text


def store_untrusted(path: Path, values: dict[str, str], clock: StepClock) -> tuple[Desk, str]:
    """Store every value through the Desk in every place a person can write text; returns the
    Desk and the handoff briefing. One log entry is written raw (not cleaned), as another tool might."""
    v = {name: _filled(text[: FIELD_LIMITS.get(name)])[: FIELD_LIMITS.get(name)] for name, text in values.items()}
    desk = Desk(Repository(path), author="alice", clock=clock)
    incident = desk.declare(
        v["title"], Severity.P1, impact=v["impact"], services=[v["service"]], commander=v["commander"]
    )
    clock.advance(minutes=1)
    desk.log(v["note"])
    desk.escalate(v["to"], v["why"])
    desk.add_action_item(v["item"], owner=v["owner"])
    desk.record_update(v["update"], template="update")
    desk.write_postmortem_section("summary", v["section"])
    desk.write_postmortem_section("root_cause", v["section"] + "\n" + v["note"])
    with desk.repository.transaction(clock()) as tx:
        tx.append(NewEntry(incident.id, "note", v["raw"], "other-tool", clock(), {}, None))
    clock.advance(minutes=1)
    briefing, _ = desk.handoff(v["to"])
    return desk, briefing


_MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")  # CommonMark: a backslash escapes any ASCII punctuation


def _unescaped(markdown: str) -> str:
    return _MARKDOWN_ESCAPE.sub(r"\1", markdown)


def check_markdown(desk: Desk, briefing: str) -> None:
    """Every Markdown output: no control character but newline (and a tab a person typed in a
    multi-line section), and what people wrote present literally (Markdown escapes allowed)."""
    snapshot = desk.snapshot()
    incident = snapshot.current()
    assert incident is not None
    log = snapshot.log_for(incident.id)
    items = snapshot.items_for(incident.id)
    timers = desk.timers(incident, snapshot)
    outputs = {
        "handoff (Desk)": briefing,
        "handoff": reports.handoff_markdown(
            incident, log, timers, items, from_name="alice", to_name=incident.commander, now=desk.clock()
        ),
        "review": reports.review_markdown(incident, log),
        "post-mortem": reports.postmortem_markdown(incident, log, items, desk.clock()),
        "post-mortem (Desk)": desk.postmortem(incident.id),
    }
    note = next(e for e in log if e.kind == "note" and e.author == "alice")
    raw = next(e for e in log if e.author == "other-tool")
    for name, markdown in outputs.items():
        # A tab a person typed in a multi-line post-mortem section is kept (it indents Markdown).
        bad = control_chars(markdown, allow="\n\t" if name.startswith("post-mortem") else "\n")
        assert not bad, f"{name}: control characters {bad}"
        literal = _unescaped(markdown)
        assert visible(incident.title) in literal, f"{name}: the title is not there literally"
        if name in ("handoff (Desk)", "review"):  # after the handoff, the next briefing's log starts empty
            assert visible(note.text) in literal, f"{name}: the log entry is not there literally"
            assert visible(raw.text) in literal, f"{name}: the raw log entry is not shown literally"
        if name.startswith("post-mortem"):
            assert visible(items[0].text) in literal, f"{name}: the action item is not there literally"


def untrusted_text_markdown(
    workdir: Path, trials: int = 60, *, seed: int | None = None, strict: bool = False
) -> Result:
    """Untrusted text stored through the Desk everywhere, then every Markdown output checked."""
    seed = new_seed(seed)
    tally = Tally(strict)
    counter = iter(range(10**9))

    @_hypothesis(trials, seed, strict=strict)
    @given(values=UNTRUSTED_FIELDS)
    def check(values: dict[str, str]) -> None:
        with tally.trial(f"{values!r:.300} (seed {seed})"):
            path = workdir / "markdown" / f"{next(counter)}" / "incidents.json"
            desk, briefing = store_untrusted(path, values, StepClock(START))
            check_markdown(desk, briefing)

    check()
    return tally.result(f"seed {seed}")


async def _settle(pilot: Any) -> None:
    """Let the app handle what is queued and lay the screen out (without waiting for the CPU to idle)."""
    await pilot.pause(0)
    await pilot.pause(0)


async def _render_everywhere(desk: Desk, briefing: str) -> None:
    from incident_console.domain.reports import review_markdown
    from incident_console.ui.screens.document import DocumentScreen

    app = open_console(desk, poll_seconds=1.0)
    snapshot = desk.snapshot()
    incident = snapshot.current()
    assert incident is not None

    async def clean(where: str, shows: str) -> None:
        await until(pilot, lambda: shows in "\n".join(screen_lines(app)), f"{where} shows {shows!r}")
        problems = rendered_controls(app)
        assert not problems, f"{where}: {problems[:3]}"

    async with app.run_test(size=SIZE) as pilot:
        await clean("main screen", "Action log")
        # The pane's text before it is fitted to the pane (a long title is cut to its lines there).
        pane = app.main.query_one("#incident-pane").content.plain
        assert visible(incident.title) in pane, "the title is not shown literally"
        review = review_markdown(incident, snapshot.log_for(incident.id))
        screens: list[tuple[str, str, Callable[[], Any]]] = [
            ("help", "keys", app.main.action_help),
            ("handoff", "Handoff briefing", lambda: app.push_screen(DocumentScreen("Handoff briefing", briefing))),
            ("review", "Review of the log", lambda: app.push_screen(DocumentScreen("Review of the log", review))),
            ("post-mortem", f"Post-mortem {incident.id}", app.main.action_postmortem),
            ("resolve checklist", f"Resolve {incident.id}", app.main.action_resolve),
            ("action items", f"Action items — {incident.id}", app.main.action_action_items),
            ("pick an incident", "Switch incident", app.main.action_pick_incident),
        ]
        for name, shows, open_screen in screens:
            opened = open_screen()
            if inspect.isawaitable(opened):  # actions that open a form are coroutines
                await opened
            await _settle(pilot)
            assert len(app.screen_stack) == 2, f"{name} did not open"
            await clean(name, shows)
            app.pop_screen()
        # Narrow: one pane at a time, each on its tab.
        await pilot.resize_terminal(80, 24)
        for number, shows in enumerate((incident.id, "SLA timers", "Action log", "Communications"), start=1):
            await app.main.action_pane(number)
            await _settle(pilot)
            await clean(f"pane {number} at 80x24", shows)


def untrusted_text_console(workdir: Path, trials: int = 8, *, seed: int | None = None, strict: bool = False) -> Result:
    """Untrusted text stored through the Desk, rendered by every pane and screen: no exception, no
    control character in anything drawn, titles shown literally."""
    seed = new_seed(seed)
    tally = Tally(strict)
    counter = iter(range(10**9))

    @_hypothesis(trials, seed, strict=strict, shrink=False)
    @given(values=UNTRUSTED_FIELDS)
    def check(values: dict[str, str]) -> None:
        with tally.trial(f"{values!r:.300} (seed {seed})"):
            path = workdir / "console-text" / f"{next(counter)}" / "incidents.json"
            desk, briefing = store_untrusted(path, values, StepClock(START))
            asyncio.run(_render_everywhere(desk, briefing))

    check()
    return tally.result(f"seed {seed}")


def _hostile_terminal_file(path: Path, marker: str) -> dict[str, bytes]:
    """A file whose title and a log entry hold raw escape sequences (written by another tool)."""
    clock = StepClock(datetime.now(UTC) - timedelta(minutes=5))
    desk = Desk(Repository(path), author="alice", clock=clock)
    incident = desk.declare("placeholder", Severity.P2)
    osc = f"\x1b]0;PWNED-{marker}\x07"
    clear = f"\x1b[2JCLEARED-{marker}"
    with desk.repository.transaction(clock()) as tx:
        tx.put_incident(incident.with_changes(title=f"Checkout {osc} down"))
        tx.append(NewEntry(incident.id, "note", f"pasted {clear} {osc} here", "other-tool", clock(), {}, None))
    return {
        "raw title sequence": f"\x1b]0;PWNED-{marker}".encode(),
        "raw clear screen": f"\x1b[2JCLEARED-{marker}".encode(),
        "visible title sequence": f"\u241b]0;PWNED-{marker}".encode(),
        "visible clear screen": f"\u241b[2JCLEARED-{marker}".encode(),
    }


SHOWN = ("visible title sequence", "visible clear screen")


def _read_until(fd: int, done: Callable[[bytes], bool], limit: float) -> bytes:
    output = b""
    end = time.monotonic() + limit
    while time.monotonic() < end and not done(output):
        chunk = _read_available(fd, 0.2)
        if not chunk and select.select([fd], [], [], 0)[0]:
            break  # readable but empty: the terminal closed
        output += chunk
    return output


def _read_available(fd: int, seconds: float) -> bytes:
    """Read what the terminal receives for ``seconds`` (or until it closes)."""
    chunks = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the other end closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def terminal_output(workdir: Path, trials: int = 1, *, seed: int | None = None, strict: bool = False) -> Result:
    """The real console under a pseudo-terminal (xterm-256color, 120x35) on a file with raw escape
    sequences in a title and a log entry: the bytes sent to the terminal never contain them, and
    their visible form (``␛``) is drawn."""
    import fcntl

    tally = Tally(strict)
    for trial in range(trials):
        with tally.trial(f"trial {trial}"):
            folder = workdir / f"pty-{trial}"
            folder.mkdir(parents=True)
            path = folder / "incidents.json"
            marker = uuid.uuid4().hex[:6]
            expect = _hostile_terminal_file(path, marker)
            env = child_env(folder, TERM="xterm-256color", COLUMNS=None, LINES=None, TEXTUAL=None)
            main_fd, child_fd = os.openpty()
            fcntl.ioctl(child_fd, termios.TIOCSWINSZ, struct.pack("HHHH", 35, 120, 0, 0))

            def controlling_terminal() -> None:
                fcntl.ioctl(0, termios.TIOCSCTTY, 0)

            process = subprocess.Popen(
                [sys.executable, "-m", "incident_console", "--file", str(path)],
                stdin=child_fd,
                stdout=child_fd,
                stderr=child_fd,
                cwd=ROOT,
                env=env,
                start_new_session=True,
                preexec_fn=controlling_terminal,
            )
            os.close(child_fd)
            try:
                # Read until both visible forms were drawn (the limit only stops a hang), then a
                # little longer for the next redraws, then quit.
                output = _read_until(main_fd, lambda out, expect=expect: all(expect[k] in out for k in SHOWN), 120.0)
                output += _read_available(main_fd, 1.5)
                os.write(main_fd, b"q")
                output += _read_available(main_fd, 3.0)
            finally:
                if process.poll() is None:
                    process.kill()
                process.wait(timeout=CHILD_TIMEOUT)
                os.close(main_fd)
            assert output, "the console wrote nothing to the terminal"
            assert expect["raw title sequence"] not in output, "the raw OSC title sequence reached the terminal"
            assert expect["raw clear screen"] not in output, "the raw clear-screen sequence reached the terminal"
            assert expect["visible title sequence"] in output, "the title's sequence is not shown as ␛]0;..."
            assert expect["visible clear screen"] in output, "the log entry's sequence is not shown as ␛[2J..."
            assert b"\x1b]52;" not in output, "something was sent to the terminal clipboard"
    return tally.result()
