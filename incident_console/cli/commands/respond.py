"""Log, respond and escalate: ``log``, ``ack``, ``escalate``, ``respond``, ``run``."""

from __future__ import annotations

import argparse
import sys

from ...desk import RESPONSE_ACTIONS, system_clock
from ...domain.errors import InputError
from ...domain.model import parse_kind
from ..json_out import entry_json
from ..registry import PROG, Context, Reply, command
from ._common import moment, text_or_stdin


def _log_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("text", help="the entry; - reads it from stdin")
    p.add_argument("--kind", default="note", help="note, action, escalation, comms or correction")
    p.add_argument("--at", metavar="T", help="when it happened, if not now (ISO-8601 with offset, or -20m)")
    p.add_argument("--corrects", type=int, metavar="ENTRY", help="id of the entry this one corrects")


@command("log", "add an entry to the incident's log", _log_arguments)
def log(ctx: Context) -> Reply:
    args = ctx.args
    entry = ctx.desk.log(
        text_or_stdin(args.text),
        kind=parse_kind(args.kind),
        at=moment(args.at, ctx.now),
        incident_id=ctx.incident_id,
        corrects=args.corrects,
    )
    return Reply(f"{entry.incident_id} #{entry.id}", entry_json(entry))


@command("ack", "acknowledge the incident")
def ack(ctx: Context) -> Reply:
    entry = ctx.desk.acknowledge(ctx.incident_id)
    return Reply(f"{entry.incident_id} acknowledged", entry_json(entry))


def _escalate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("to")
    p.add_argument("--why", required=True)


@command("escalate", "record an escalation", _escalate_arguments)
def escalate(ctx: Context) -> Reply:
    entry = ctx.desk.escalate(ctx.args.to, ctx.args.why, ctx.incident_id)
    return Reply(f"{entry.incident_id} #{entry.id}", entry_json(entry))


def _respond_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", help="; ".join(name for name, _ in RESPONSE_ACTIONS))
    p.add_argument("detail")


@command("respond", "record a runbook response action", _respond_arguments)
def respond(ctx: Context) -> Reply:
    entry = ctx.desk.respond(ctx.args.action, ctx.args.detail, ctx.incident_id)
    return Reply(f"{entry.incident_id} #{entry.id}", entry_json(entry))


def _run_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("argv", nargs=argparse.REMAINDER, metavar="-- CMD [ARGS...]")


@command("run", "run a command, pass its output through, and log it with its exit status", _run_arguments)
def run(ctx: Context) -> Reply:
    """With ``--json`` the command's own output goes to stderr, so stdout holds the one JSON object."""
    argv = list(ctx.args.argv)
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        raise InputError("run needs a command after --, e.g. incident-console run -- kubectl rollout undo deploy/api")
    desk = ctx.desk
    desk.incident(ctx.incident_id)  # refuse before running anything if there is no incident
    desk.command_line(argv)  # or if the command line is too long to log
    import subprocess  # only `run` starts a process; other commands stay quick to start

    started = system_clock()
    try:
        sys.stdout.flush()
        status = subprocess.call(argv, stdout=_stderr_descriptor() if ctx.json else None)
    except FileNotFoundError:
        sys.stderr.write(f"{PROG}: command {argv[0]!r} not found\n")
        status = 127
    except PermissionError:
        sys.stderr.write(f"{PROG}: command {argv[0]!r} is not executable\n")
        status = 126
    except KeyboardInterrupt:
        status = -2  # SIGINT: logged, then exit 130 like the shell
    ended = system_clock()
    entry = desk.record_command(argv, started, ended, status, ctx.incident_id)
    exit_status = status if status >= 0 else 128 - status
    return Reply("", {"exit_status": status, "entry": entry_json(entry)}, status=exit_status)


def _stderr_descriptor() -> int | None:
    """Where ``run --json`` sends the command's output: stderr's file descriptor (None, stdout's, when
    stderr has none, as when it is captured in memory)."""
    try:
        sys.stderr.flush()
        return sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both of the last two
        return None
