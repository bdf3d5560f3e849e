"""Untrusted text stored everywhere a person can write: Markdown outputs and every pane and screen keep it literal."""

from __future__ import annotations

import asyncio
import inspect
import re
from collections.abc import Callable
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
    Result,
    StepClock,
    Tally,
    control_chars,
    new_seed,
    rendered_controls,
    screen_lines,
)
from tests.reliability.scenarios.console import (
    SIZE,
    START,
    headless_console,
    settle,
    until,
)
from tests.reliability.scenarios.seeded import seeded_examples

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

    @seeded_examples(trials, seed, strict=strict)
    @given(values=UNTRUSTED_FIELDS)
    def check(values: dict[str, str]) -> None:
        with tally.trial(f"{values!r:.300} (seed {seed})"):
            path = workdir / "markdown" / f"{next(counter)}" / "incidents.json"
            desk, briefing = store_untrusted(path, values, StepClock(START))
            check_markdown(desk, briefing)

    check()
    return tally.result(f"seed {seed}")


async def _render_everywhere(desk: Desk, briefing: str) -> None:
    from incident_console.domain.reports import review_markdown
    from incident_console.ui.screens.document import DocumentScreen

    app = headless_console(desk, poll_seconds=1.0)
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
            await settle(pilot)
            assert len(app.screen_stack) == 2, f"{name} did not open"
            await clean(name, shows)
            app.pop_screen()
        # Narrow: one pane at a time, each on its tab.
        await pilot.resize_terminal(80, 24)
        for number, shows in enumerate((incident.id, "SLA timers", "Action log", "Communications"), start=1):
            await app.main.action_pane(number)
            await settle(pilot)
            await clean(f"pane {number} at 80x24", shows)


def untrusted_text_console(workdir: Path, trials: int = 8, *, seed: int | None = None, strict: bool = False) -> Result:
    """Untrusted text stored through the Desk, rendered by every pane and screen: no exception, no
    control character in anything drawn, titles shown literally."""
    seed = new_seed(seed)
    tally = Tally(strict)
    counter = iter(range(10**9))

    @seeded_examples(trials, seed, strict=strict, shrink=False)
    @given(values=UNTRUSTED_FIELDS)
    def check(values: dict[str, str]) -> None:
        with tally.trial(f"{values!r:.300} (seed {seed})"):
            path = workdir / "console-text" / f"{next(counter)}" / "incidents.json"
            desk, briefing = store_untrusted(path, values, StepClock(START))
            asyncio.run(_render_everywhere(desk, briefing))

    check()
    return tally.result(f"seed {seed}")
