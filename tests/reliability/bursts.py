"""Keys typed in one burst, through a real terminal, on a machine whose every core is busy.

A person types a long text and the key that saves it faster than a loaded machine reads the
terminal; over SSH the keys arrive batched. In every text field of the console (log line, forms,
action items, post-mortem sections, composer) the text saved must be exactly the text typed, and
each key must act on what the keys before it did.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from incident_console.desk import Desk
from incident_console.domain.model import POSTMORTEM_SECTIONS, Snapshot
from incident_console.store.repository import Repository
from tests.reliability.harness import Result, Tally, child_env, new_seed, run_cli
from tests.reliability.terminal import WAIT_S, Tmux, console_in_tmux, cpu_load

# Longer than a terminal program waits after a lone Escape before taking it as the Escape key.
ESCAPE_READ_S = 0.5
WORDS = [
    "rollback",
    "was",
    "fast",
    "but",
    "the",
    "canary",
    "kept",
    "failing",
    "on",
    "eu-west-2;",
    "pods",
    "(api-7f9c)",
    "restarted",
    "at",
    "03:14,",
    "p99",
    "latency",
    "2,300ms",
    "->",
    "180ms.",
    "Suspect",
    "deploy",
    "#4521:",
    "checkout/payments",
    "timeouts,",
    "DB",
    "replica",
    "lag",
    "45s?",
    "O'Brien",
    "paged",
    "db-oncall;",
    "retry",
    "storm",
    "from",
    "mobile",
    "v8.2",
    "clients,",
    "cache",
    "hit-rate",
    "12%",
    "[was",
    "94%]",
]


def sentence(rng: random.Random, length: int) -> str:
    """Ordinary incident prose, ``length`` characters or a little more, never ending in a space."""
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < length:
        words.append(rng.choice(WORDS))
    return " ".join(words).strip(" ;")


def burst(tmux: Tmux, *parts: tuple[str, str]) -> None:
    """One tmux call that writes every part to the terminal back to back: ("text", ...) or ("key", ...)."""
    args: list[str] = []
    for kind, value in parts:
        if args:
            args += [";", "send-keys", "-t", "console"]
        args += ["-l", "--", value] if kind == "text" else [value]
    tmux.send(*args)


def close(tmux: Tmux, shown: str) -> None:
    """Escape, then wait until what it closed (a screen showing ``shown``) is gone.

    A terminal reads Escape and a key right behind it in one read as alt+key (in every terminal
    program), so the next burst is sent only once Escape was read on its own.
    """
    burst(tmux, ("key", "Escape"))
    tmux.wait_for(lambda screen: shown not in screen, f"the screen showing {shown!r} closed")


def _read(path: Path) -> Snapshot:
    return Desk(Repository(path), author="reader").snapshot()


def _wait_file(path: Path, found: Callable[[Snapshot], Any], what: str) -> Any:
    deadline = time.monotonic() + WAIT_S
    while True:
        value = found(_read(path))
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"the file never held {what}")
        time.sleep(0.2)


def _entries(snapshot: Snapshot, incident: str, kind: str) -> list[Any]:
    return [e for e in snapshot.log_for(incident) if e.kind == kind]


def _right_half(screen: str) -> str:
    """The composer's side of the screen (the right-hand panes), its borders and wrapping undone."""
    return "".join(line[len(line) * 3 // 5 :].strip(" │▊▎") for line in screen.splitlines())


def _squeezed(text: str) -> str:
    return "".join(text.split())


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise AssertionError(message)


def typed_bursts(workdir: Path, trials: int = 1, *, seed: int | None = None, strict: bool = False) -> Result:
    rng = random.Random(new_seed(seed))
    tally = Tally(strict=strict)
    for trial in range(trials):
        folder = workdir / f"burst-{trial}"
        folder.mkdir(parents=True)
        path = folder / "incidents.json"
        env = child_env(folder, INCIDENT_CONSOLE_USER="alice", DISPLAY=None, WAYLAND_DISPLAY=None)
        made = run_cli(
            path, "new", "Checkout down", "--severity", "P2", "--impact", "payments fail", workdir=folder, env=env
        )
        _check(made.returncode == 0, made.stderr.decode())
        with tally.trial(f"trial {trial}"), console_in_tmux(folder, path, env) as tmux, cpu_load():
            _every_field(tmux, path, rng)
    return tally.result()


def _every_field(tmux: Tmux, path: Path, rng: random.Random) -> None:
    first, second = sentence(rng, 120), sentence(rng, 160)
    burst(tmux, ("text", "l" + first), ("key", "Enter"), ("text", "l" + second), ("key", "Enter"))
    notes = _wait_file(
        path, lambda s: len(_entries(s, "INC-1", "note")) >= 2 and _entries(s, "INC-1", "note"), "2 notes"
    )
    _check([n.text for n in notes] == [first, second], f"log lines saved as {[n.text for n in notes]!r}")

    to, why = sentence(rng, 12), sentence(rng, 140)
    burst(tmux, ("text", "e" + to), ("key", "Tab"), ("text", why), ("key", "Enter"))
    escalations = _wait_file(path, lambda s: _entries(s, "INC-1", "escalation"), "an escalation")
    _check(escalations[0].text == f"Escalated to {to}: {why}", f"escalation saved as {escalations[0].text!r}")

    owner, deadline = sentence(rng, 6), date(2026, 12, rng.randint(10, 28)).isoformat()
    item = sentence(rng, 100)
    burst(
        tmux,
        ("text", "o"), ("text", "a" + item), ("key", "Tab"), ("text", owner), ("key", "Tab"),
        ("text", deadline), ("key", "Enter"),
    )  # fmt: skip
    items = _wait_file(path, lambda s: s.items_for("INC-1"), "an action item")
    got = (items[0].text, items[0].owner, items[0].due.isoformat() if items[0].due else "")
    _check(got == (item, owner, deadline), f"action item saved as {got!r}")
    close(tmux, "Action items —")

    section = sentence(rng, 120)
    burst(tmux, ("text", "pe"), ("text", "* " + section), ("key", "C-s"))
    key = POSTMORTEM_SECTIONS[0][0]
    saved = _wait_file(path, lambda s: s.incident("INC-1").postmortem.get(key), "a post-mortem section")
    _check(saved == "* " + section, f"post-mortem section saved as {saved!r}")
    close(tmux, "Mark complete")

    update = sentence(rng, 100)
    burst(tmux, ("text", "c"), ("text", update), ("key", "Escape"))
    # A terminal reads Escape and a key right behind it in one read as alt+key (in every terminal
    # program), so the copy key follows once the draft shows the text and Escape was read on its own.
    tmux.wait_for(lambda screen: _squeezed(update) in _squeezed(_right_half(screen)), "the typed update in the draft")
    time.sleep(ESCAPE_READ_S)
    burst(tmux, ("text", "y"))
    sent = _wait_file(path, lambda s: _entries(s, "INC-1", "comms"), "a status update")
    _check(update in sent[0].text, f"the update sent was {sent[0].text!r}, without the typed {update!r}")

    title, impact = sentence(rng, 60), sentence(rng, 90)
    burst(tmux, ("text", "d" + title), ("key", "Tab"), ("key", "Tab"), ("text", impact), ("key", "Enter"))
    declared = _wait_file(path, lambda s: s.incident("INC-2"), "a second incident")
    _check((declared.title, declared.impact) == (title, impact), f"declared {declared.title!r}, {declared.impact!r}")
    after = sentence(rng, 80)
    burst(tmux, ("text", "l" + after), ("key", "Enter"))
    landed = _wait_file(path, lambda s: _entries(s, "INC-2", "note"), "a note on the new incident")
    _check(landed[0].text == after, f"the note on INC-2 was saved as {landed[0].text!r}")
