"""Tamper evidence and hostile JSON: hand edits `verify` must name, and JSON no command may crash on.

An honest file is made with every Desk action; each tamper case edits a copy the way a person with
the file (and the will to recompute hashes) would, and `verify` must refuse it in one sentence that
names what disagrees. The honest file itself must verify as intact, with nothing left unchecked.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from incident_console.demo import SteppingClock
from incident_console.desk import Desk
from incident_console.domain import ledger
from incident_console.domain.model import POSTMORTEM_SECTIONS, Severity, Status, TriageAnswers, Users
from incident_console.store.repository import Repository
from tests.reliability.harness import Result, Tally, Unavailable, child_env, new_seed, one_line_error, run_cli

START = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


def honest_file(path: Path, rng: random.Random | None = None) -> None:
    """A file written by every Desk action there is, by three people, over two incidents."""
    rng = rng or random.Random(0)
    clock = SteppingClock(START)

    def step() -> None:
        clock.advance(seconds=rng.randint(20, 200))

    alice, bob, carol = (Desk(Repository(path), author=name, clock=clock) for name in ("alice", "bob", "carol"))
    alice.declare(
        "Checkout down",
        Severity.P2,
        impact="payments fail",
        services=["api", "payments"],
        commander="alice",
        started_at=START - timedelta(minutes=9),
        detected_at=START - timedelta(minutes=2),
    )
    step()
    alice.acknowledge()
    step()
    alice.triage(TriageAnswers(Users.ALL, False, True, False), apply_severity=True)
    for number in range(rng.randint(1, 4)):
        step()
        alice.log(f"note {number}", at=clock() - timedelta(minutes=rng.choice([0, 0, 3])))
    alice.set_severity(Severity.P2, "partial recovery")
    alice.set_commander("bob")
    step()
    bob.set_impact("a third of payments fail")
    bob.escalate("db-oncall", "replica lag")
    bob.respond("Rollback", "api to v142")
    bob.record_command(["kubectl", "rollout", "undo", "deploy/api"], clock() - timedelta(seconds=30), clock(), 0)
    bob.record_update(bob.render_update("update"), template="update")
    step()
    bob.set_status(Status.IDENTIFIED, note="bad pool setting")
    bob.verify_metrics("error rate normal")
    bob.set_status(Status.MONITORING)
    clock.advance(minutes=31)
    bob.record_update(bob.render_update("monitoring"), template="monitoring")
    bob.handoff("carol")
    step()
    carol.set_status(Status.RESOLVED, note="all clear")
    # Every section written, or some left TODO and the post-mortem completed with a reason (an override).
    keys = [key for key, _ in POSTMORTEM_SECTIONS if key != "lead"]
    written = keys if rng.random() < 0.5 else keys[:3]
    for key in written:
        carol.write_postmortem_section(key, f"the {key} text")
    carol.add_action_item("Alert on 5xx", owner="bob", due=date(2026, 12, 5))
    carol.add_action_item("Canary stage")
    carol.complete_action_item(1)
    carol.complete_postmortem(reason="" if written == keys else "the review meeting writes the rest")
    if rng.random() < 0.5:
        step()
        carol.set_status(Status.INVESTIGATING, note="errors are back")
    step()
    alice.declare("Typo on the status page", Severity.P4)
    alice.set_status(Status.RESOLVED, note="fixed the typo")


def rechain(data: dict[str, Any]) -> None:
    """Recompute every entry's hash and the meta record's head and count, as a forger would."""
    previous = ledger.GENESIS
    log = data["log"]
    for key in sorted(log, key=int):
        log[key]["hash"] = previous = ledger.chain_hash(previous, log[key])
    data["meta"]["1"].update(head=previous, entries=len(log))


def _last(data: dict[str, Any]) -> str:
    return max(data["log"], key=int)


def _entry(data: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(doc for _, doc in sorted(data["log"].items(), key=lambda kv: int(kv[0])) if doc["kind"] == kind)


def _text_edited(data: dict[str, Any]) -> None:
    _entry(data, "note")["text"] = "nothing was restarted"
    rechain(data)


def _recorded_at_changed(data: dict[str, Any]) -> None:
    _entry(data, "ack")["recorded_at"] = "2026-11-28T02:59:00Z"
    rechain(data)


def _last_removed_head_deleted(data: dict[str, Any]) -> None:
    del data["log"][_last(data)]
    del data["meta"]["1"]["head"]


def _last_removed_count_left(data: dict[str, Any]) -> None:
    del data["log"][_last(data)]
    data["meta"]["1"]["head"] = data["log"][_last(data)]["hash"]


def _table_title(data: dict[str, Any]) -> None:
    data["incidents"]["1"]["title"] = "Minor blip"


def _table_severity(data: dict[str, Any]) -> None:
    data["incidents"]["1"]["severity"] = data["incidents"]["1"]["highest_severity"] = "P4"


def _table_acknowledged_at(data: dict[str, Any]) -> None:
    data["incidents"]["1"]["acknowledged_at"] = "2026-11-28T02:59:00Z"


def _table_item(data: dict[str, Any]) -> None:
    data["action_items"]["2"]["owner"] = "nobody"


def _table_postmortem(data: dict[str, Any]) -> None:
    data["incidents"]["1"]["postmortem"]["root_cause"] = "cosmic rays"


# name -> (edit, whether `verify` is given the head read out before the edit, what the refusal names)
TAMPERS: dict[str, tuple[Callable[[dict[str, Any]], None], bool, str]] = {
    "entry text edited and the chain redone": (_text_edited, True, "not the expected"),
    "last entry removed and the head deleted": (_last_removed_head_deleted, False, "no hash chain head"),
    "last entry removed, head fixed, count left": (_last_removed_count_left, False, "entries but the file recorded"),
    "recorded_at changed and the chain redone": (_recorded_at_changed, True, "not the expected"),
    "incidents table: title edited": (_table_title, False, "INC-1's title is 'Minor blip'"),
    "incidents table: severity P2 -> P4": (_table_severity, False, "INC-1's severity is P4"),
    "incidents table: acknowledged_at backdated": (_table_acknowledged_at, False, "acknowledgement time"),
    "action items table: owner edited": (_table_item, False, "action item #2's owner"),
    "incidents table: post-mortem edited": (_table_postmortem, False, "post-mortem root_cause"),
}


def check_tamper(path: Path, name: str, run: Callable[..., Any]) -> None:
    """Edit the honest file at ``path`` as TAMPERS[name] says; `verify` must refuse it naming the change."""
    change, with_head, names = TAMPERS[name]
    data = json.loads(path.read_bytes())
    head = data["meta"]["1"]["head"]
    change(data)
    path.write_text(json.dumps(data))
    done = run(path, "verify", *(("--head", head) if with_head else ()))
    message = one_line_error(done.stderr, status=done.returncode)
    assert done.returncode == 1, message
    assert names in message, f"{name}: {message}"
    assert str(path) in message, message


def tamper(workdir: Path, trials: int = 1, *, seed: int | None = None, strict: bool = False) -> Result:
    """``trials`` honest files (each with its own random spacing and length): each verifies intact, and
    each tamper case of a copy is refused by `verify` naming what disagrees. One trial per file and case."""
    seed = new_seed(seed)
    rng = random.Random(seed)
    tally = Tally(strict)
    folder = workdir / "tamper"
    folder.mkdir(parents=True, exist_ok=True)
    env = child_env(folder)

    def run(path: Path, *args: str) -> Any:
        done = run_cli(path, *args, workdir=folder, env=env)
        done.stdout, done.stderr = (done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace"))
        return done

    for number in range(trials):
        honest = folder / f"honest-{number}.json"
        with tally.trial(f"honest file {number} (seed {seed})"):
            honest_file(honest, random.Random(rng.random()))
            done = run(honest, "verify")
            assert done.returncode == 0 and "intact" in done.stdout, (done.returncode, done.stderr)
            assert "not checked" not in done.stdout and "clock problem" not in done.stdout, done.stdout
        for name in TAMPERS:
            with tally.trial(f"{name} (file {number}, seed {seed})"):
                copy = folder / f"tampered-{number}-{sorted(TAMPERS).index(name)}.json"
                copy.write_bytes(honest.read_bytes())
                check_tamper(copy, name, run)
    return tally.result(f"seed {seed}")


def hostile_json(workdir: Path, trials: int = 1, *, seed: int | None = None, strict: bool = False) -> Result:
    """Deep nesting and repeated keys, in a line and in a file read whole: every reading command refuses
    the file in one sentence (exit 1) and leaves it as it was. ``trials`` rounds over the cases."""
    from tests.unit.test_hostile_json import READING_COMMANDS, hostile_files

    tally = Tally(strict)
    folder = workdir / "hostile-json"
    folder.mkdir(parents=True, exist_ok=True)
    env = child_env(folder)
    cases = hostile_files(folder / "seed.json")
    for round_number in range(trials):
        for number, (name, content) in enumerate(sorted(cases.items())):
            with tally.trial(f"round {round_number} {name}"):
                path = folder / f"case-{round_number}-{number}.json"
                path.write_bytes(content)
                for args in READING_COMMANDS:
                    if args[0] == "export":  # the child runs in the checkout: the copy goes beside the case
                        args = ("export", "--out", str(folder / f"copy-{round_number}-{number}.json"))
                    done = run_cli(path, *args, workdir=folder, env=env)
                    message = one_line_error(done.stderr, status=done.returncode)
                    assert done.returncode == 1, (args, message)
                    assert "repeats the key" in message or "deeper than" in message, (args, message)
                    assert path.read_bytes() == content, f"{args} changed the file"
    return tally.result()


def clock_skew(workdir: Path, trials: int = 1, *, seed: int | None = None, strict: bool = False) -> Result:
    """A writer whose clock is ahead (by 10 minutes to 3 days, under ``faketime``) and writers with a
    correct clock share a file. Either the skewed one declares and a correct one acknowledges and
    sends an update (written "before detection"), or a correct one declares, the skewed one
    acknowledges and a correct one writes after it (the acknowledgement is "after the newest
    entry"). The entries are kept, `show --json` and `verify` name entry #2 as a clock problem, and
    neither the acknowledgement nor the update meets its timer. One trial per file."""
    if shutil.which("faketime") is None:
        raise Unavailable("faketime is not installed (apt-get install faketime)")
    seed = new_seed(seed)
    rng = random.Random(seed)
    tally = Tally(strict)
    folder = workdir / "skew"
    folder.mkdir(parents=True, exist_ok=True)
    env = child_env(folder)

    def run(path: Path, *args: str, skew: int | None = None) -> Any:
        python = ("faketime", "-f", f"+{skew}m", sys.executable) if skew is not None else (sys.executable,)
        done = subprocess.run(
            [*python, "-m", "incident_console", "--file", str(path), *args],
            capture_output=True, text=True, cwd=folder, env=env, timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 0, (skew, args, done.stderr)
        return done

    for number in range(trials):
        minutes = rng.randint(10, 3 * 24 * 60)
        skewed_declares = rng.random() < 0.5
        role = "declares" if skewed_declares else "acknowledges"
        with tally.trial(f"clock {minutes} min ahead, {role} (seed {seed})"):
            path = folder / f"skew-{number}.json"
            if skewed_declares:
                run(path, "new", "Checkout down", "--severity", "P1", "--impact", "payments fail", skew=minutes)
                run(path, "ack")
                run(path, "update", "update")
                expected = "before INC-1 was detected"
            else:
                run(path, "new", "Checkout down", "--severity", "P1", "--impact", "payments fail")
                run(path, "ack", skew=minutes)
                run(path, "log", "still looking")
                expected = "after the newest entry"
            shown = json.loads(run(path, "show", "--json").stdout)
            problems = {p["entry"]: p["problem"] for p in shown["clock_problems"]}
            assert expected in problems.get(2, ""), problems
            timers = {t["name"]: t for t in shown["timers"]}
            assert timers["acknowledge"]["met_at"] is None, timers["acknowledge"]
            assert timers["response"]["met_at"] is None, timers["response"]
            assert shown["incident"]["acknowledged_at"] is not None
            verified = run(path, "verify").stdout
            assert "intact" in verified and "clock problem: entry #2" in verified, verified
    return tally.result(f"seed {seed}")
