"""The file itself: ``list``, ``show``, ``export``, ``demo``, ``where``, ``verify``."""

from __future__ import annotations

import argparse
import os
import re
import sys

from ...domain.errors import FileProblem, InputError
from ...domain.text import visible
from ...domain.times import to_text
from ..json_out import alerts_json, entry_json, incident_json, timer_json
from ..registry import PROG, Context, Reply, command
from ..render import head_line, show_text, verify_text


@command("list", "list incidents")
def list_incidents(ctx: Context) -> Reply:
    snap = ctx.desk.snapshot()
    lines = [
        f"{i.id:<7} {i.severity.value}  {i.status.value:<13} {to_text(i.declared_at)}  {i.title}"
        for i in snap.incidents
    ]
    text = "\n".join(lines) if lines else f"No incidents in {ctx.path}"
    return Reply(text, {"incidents": [incident_json(i) for i in snap.incidents]})


def _show_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lines", type=int, default=20, help="log entries to show (default 20)")


@command("show", "show an incident, its timers and the last log entries", _show_arguments)
def show(ctx: Context) -> Reply:
    desk, lines = ctx.desk, ctx.args.lines
    snap = desk.incident_view(ctx.incident_id)
    if not snap.incidents and not ctx.incident_id and not ctx.json:
        return Reply(f"No incidents in {ctx.path}. Declare one with: {PROG} new TITLE --severity P1", None)
    incident = desk.incident(ctx.incident_id, snap)
    if not ctx.json:
        return Reply(show_text(desk, snap, incident, lines), None)
    log = snap.log_for(incident.id)
    data = {
        "incident": incident_json(incident),
        "timers": [timer_json(t) for t in desk.timers(incident, snap)],
        "log": [entry_json(e) for e in (log[-lines:] if lines > 0 else ())],
        "clock_problems": [
            {"entry": ident, "problem": problem} for ident, problem in desk.clock_problems(incident, snap).items()
        ],
        "head": snap.log[-1].hash if snap.log else None,
        "alerts": alerts_json(log),
    }
    return Reply("", data)


def _export_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, metavar="FILE")


@command("export", "write a consistent copy of the state file", _export_arguments)
def export(ctx: Context) -> Reply:
    out = ctx.args.out
    count = ctx.desk.export(out)
    copy = ctx.desk.snapshot_of(out)
    data = {"path": os.path.abspath(out), "entries": count, "head": copy.log[-1].hash if copy.log else None}
    return Reply(f"exported {count} entries to {out}\n{head_line(copy)}", data)


@command("demo", "write a realistic demo incident into a new file (to try the console on)")
def demo(ctx: Context) -> Reply:
    from ...demo import DEMO_LENGTH, build_demo
    from ...desk import system_clock

    path = ctx.path
    if os.path.exists(path) and os.path.getsize(path) > 0:
        raise InputError(f"{path} already exists; the demo goes into a new file (use --file)")
    build_demo(path, start=system_clock() - DEMO_LENGTH)
    return Reply(f"wrote a demo incident to {path}; open it with: {PROG} --file {path}", {"path": path})


@command("where", "print the state file's path")
def where(ctx: Context) -> Reply:
    return Reply(str(ctx.path), {"path": str(ctx.path)})


def _verify_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", nargs="?", metavar="FILE", help="file to check (default: the state file)")
    p.add_argument("--head", metavar="HASH", help="the log head the sender read out (show, handoff, export print it)")
    p.add_argument(
        "--with-archive", metavar="ARCHIVE", help="check the hash chain across the file and this archive of it"
    )


@command(
    "verify", "check the log's hash chain and the tables against it (exit status 1 when not intact)", _verify_arguments
)
def verify(ctx: Context) -> Reply:
    from ...desk import state_path

    expected = ctx.args.head
    if expected is not None and not re.fullmatch(r"[0-9a-f]{64}", expected.strip().lower()):
        raise InputError(f"--head {expected!r} is not a log head (64 hexadecimal digits, as show prints it)")
    expected = expected.strip().lower() if expected else None
    desk = ctx.desk
    archive = getattr(ctx.args, "with_archive", None)
    if ctx.args.path:
        from ...desk import Desk

        path = state_path(ctx.args.path)
        if not os.path.exists(path):
            raise FileProblem(f"{path} does not exist")
        desk = Desk.open(path, config=getattr(ctx.args, "config", None), read_only=ctx.read_only)
    else:
        path = desk.path
    # A crash in the middle of `archive` may have left a rename due: done first, then checked.
    finished = [] if ctx.read_only else desk.finish_archiving()
    if archive:
        verdict = desk.check_with_archive(os.path.abspath(os.path.expanduser(archive)), expected)
    else:
        verdict = desk.check(expected)
    data = {
        "path": path,
        "intact": verdict.problem is None,
        "problem": verdict.problem,
        "entries": verdict.entries,
        "head": verdict.head,
        "keyed": desk.chain_key is not None,
        "expected_head_entry": verdict.head_entry,
        "unchecked": list(verdict.unchecked),
        "clock_problems": list(verdict.clock),
        "with_archive": os.path.abspath(archive) if archive else None,
        "archived": [{"archive": name, "entries": count} for name, count in verdict.archived],
        "finished": finished,
    }
    if verdict.problem:
        sys.stderr.write(f"{PROG}: {path}: {visible(verdict.problem)}\n")
        return Reply("", data, status=1)
    text = verify_text(path, verdict, expected, desk.chain_key is not None, archive)
    return Reply("\n".join([*(f"{path}: {line}" for line in finished), text]), data)
