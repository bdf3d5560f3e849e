"""The command line: a table of small commands (``registry``), each calling the Desk. Never imports textual.

``main(argv)`` parses the arguments, runs the command named (or opens the console with none), and
prints its reply: text, or with ``--json`` one JSON object. An error the user can cause is one
sentence on stderr and exit status 2 (usage) or 1 (the file).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from ..domain.errors import FileProblem, InputError
from ..domain.text import visible
from .commands import load_all
from .console import _open_console, _report_unsaved
from .json_out import encodes_everything, print_json
from .parser import build_parser, parser_wanted
from .registry import PROG, Context, Reply
from .render import entry_line, head_line, out, timer_line

__all__ = [
    "PROG",
    "Context",
    "Reply",
    "_report_unsaved",
    "build_parser",
    "entry_line",
    "head_line",
    "load_all",
    "main",
    "parser_wanted",
    "timer_line",
]

_TIME_OPTIONS = ("--at", "--started-at", "--detected-at")


def _join_relative_times(argv: Sequence[str]) -> list[str]:
    """Let ``--at -20m`` through: argparse would take ``-20m`` for an option."""
    joined: list[str] = []
    items = list(argv)
    index = 0
    while index < len(items):
        item = items[index]
        if item == "--":
            joined.extend(items[index:])
            break
        following = items[index + 1] if index + 1 < len(items) else None
        if item in _TIME_OPTIONS and following is not None and following.startswith("-"):
            joined.append(f"{item}={following}")
            index += 2
            continue
        joined.append(item)
        index += 1
    return joined


def _tolerant_output() -> None:
    """Under a locale that cannot encode every character (LC_ALL=C without UTF-8 mode), print the
    ones it cannot as escapes instead of stopping part-way with an error."""
    for stream in (sys.stdout, sys.stderr):
        if not encodes_everything(stream) and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


def _utf8_arguments(argv: Sequence[str]) -> list[str]:
    """Arguments the locale could not decode (LC_ALL=C turns UTF-8 bytes into lone surrogates), read
    again as UTF-8; bytes that are not UTF-8 either stay lone surrogates, refused when stored."""
    return [
        os.fsencode(arg).decode("utf-8", "surrogateescape") if any("\udc80" <= ch <= "\udcff" for ch in arg) else arg
        for arg in argv
    ]


def _say(ctx: Context, reply: Reply) -> int:
    """Print what a command replied: its text, or with ``--json`` its one JSON object; its note on stderr."""
    if ctx.json:
        if reply.data is not None:
            print_json(reply.data)
    elif reply.text:
        out(reply.text)
    if reply.note:
        sys.stderr.write(visible(reply.note) + "\n")
    return reply.status


def _read_only(args: argparse.Namespace) -> bool:
    """``--read-only`` before the command word: the Desk refuses every change."""
    return bool(getattr(args, "read_only", False))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line on ``argv`` (default: the process's arguments); returns the exit status."""
    if argv is None:
        _tolerant_output()
    arguments = _join_relative_times(_utf8_arguments(sys.argv[1:]) if argv is None else argv)
    parser = build_parser(only=parser_wanted(arguments))
    args = parser.parse_args(arguments)
    try:
        from ..desk import state_path, system_clock

        path = state_path(getattr(args, "file", None))
        if args.command is None:
            return _open_console(args, path, system_clock())
        ctx = Context(args, path, system_clock(), read_only=args.command != "serve" and _read_only(args))
        return _say(ctx, args.func(ctx))
    except InputError as exc:
        sys.stderr.write(f"{PROG}: {visible(_cli_words(exc))}\n")
        return 2
    except FileProblem as exc:
        sys.stderr.write(f"{PROG}: {visible(str(exc))}\n")
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `| head`); nothing more to say.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # a bug: one line, not a traceback, unless asked for
        if os.environ.get("INCIDENT_CONSOLE_DEBUG"):
            raise
        sys.stderr.write(
            f"{PROG}: unexpected error: {type(exc).__name__}: {visible(str(exc))} "
            "(set INCIDENT_CONSOLE_DEBUG=1 to see where)\n"
        )
        return 70


# How the command line gives what a refusal wants (the Desk's sentences name no flags).
_HOW_TO_GIVE = {
    "reason": ": give it with --reason TEXT",
    "to": ": give it with --to NAME",
    "cause": ": give it with --cause TEXT",
    "incident": f"; declare one with: {PROG} new TITLE --severity P1",
    "started_at": "; check --started-at and --detected-at",
}


def _cli_words(exc: InputError) -> str:
    return str(exc) + _HOW_TO_GIVE.get(getattr(exc, "wants", ""), "")
