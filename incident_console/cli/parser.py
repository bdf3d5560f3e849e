"""The argparse parsers, built from the table of commands: the common options and ``--json`` on each.

Only the modules of the commands a parser needs are imported (``cli.commands.load``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from .commands import MODULES, load, load_all
from .registry import PROG

_VALUE_OPTIONS = {"--file", "--config", "--as", "--incident"}


def _columns() -> int:
    """The terminal's width, as shutil would find it (shutil is not imported: it loads three
    compression libraries, a few milliseconds on every command an alert hook runs)."""
    try:
        return int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        pass
    try:
        return os.get_terminal_size(sys.__stdout__.fileno() if sys.__stdout__ else 1).columns
    except (AttributeError, ValueError, OSError):
        return 80


class _Help(argparse.HelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=max(_columns() - 2, 20))


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line on stderr and exit status 2."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Help)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _common() -> _Parser:
    common = _Parser(add_help=False)
    suppress = argparse.SUPPRESS
    common.add_argument(
        "--file",
        metavar="PATH",
        default=suppress,
        help="state file (default: $INCIDENT_CONSOLE_FILE, else the user data folder)",
    )
    common.add_argument("--config", metavar="PATH", default=suppress, help="TOML policy file")
    common.add_argument(
        "--as",
        dest="author",
        metavar="NAME",
        default=suppress,
        help="author of the entries (default: $INCIDENT_CONSOLE_USER, else the login name)",
    )
    common.add_argument(
        "--incident",
        metavar="ID",
        default=suppress,
        help="incident to act on (default: the most recently declared open one)",
    )
    return common


def _first_word(argv: Sequence[str]) -> str | None:
    """The first item of ``argv`` that is not a global option or its value ("--" counts)."""
    skip = False
    for item in argv:
        if skip:
            skip = False
        elif item in _VALUE_OPTIONS:
            skip = True
        elif item == "--" or not item.startswith("-"):
            return item
    return None


def parser_wanted(argv: Sequence[str]) -> str | None:
    """Which command's parser ``build_parser`` needs to build for ``argv``: the command named; ""
    for none when there is no command and no help asked for (the console opens); None for all (the
    help lists them, and a word that is not a command is answered with their names)."""
    word = _first_word(argv)
    if word in MODULES:
        return word
    if word is not None or "-h" in argv or "--help" in argv:
        return None
    return ""


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole parser, or, with ``only``, one whose other commands are left out ("": all of them).

    An alert hook runs one command: building the other twenty parsers would double its start-up.
    """
    common = _common()
    parser = _Parser(
        prog=PROG,
        parents=[common],
        description="Run a production incident by the runbook. With no command, opens the console.",
    )
    suppress = argparse.SUPPRESS
    parser.add_argument("--read-only", action="store_true", default=suppress, help="open a read-only view")
    parser.add_argument("--served", action="store_true", default=suppress, help=suppress)  # a `serve` tab
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    table = load_all() if only is None else {only: load(only)} if only else {}
    for name, entry in table.items():
        p = sub.add_parser(name, parents=[common], help=entry.help, description=entry.help)
        if entry.arguments is not None:
            entry.arguments(p)
        p.add_argument("--json", action="store_true", help="print one JSON object (stable keys, see README)")
        p.set_defaults(func=entry.run)
    return parser
