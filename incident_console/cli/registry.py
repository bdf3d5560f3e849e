"""The table of commands: each command is a small function registered here once, with its arguments.

A command is a function ``(ctx: Context) -> Reply``. It reads its arguments from ``ctx.args``, asks
``ctx.desk`` to do the work, and returns what to say: ``Reply.text`` for people, ``Reply.data`` (one
JSON object) for ``--json``. It never prints its result itself, so every command answers ``--json``
the same way. The parser (``parser.py``) builds one subparser per entry of ``COMMANDS`` and adds the
common options and ``--json`` to each; a run of one command imports only the module registering it.

Adding a command:

1. Write the function in the module of its runbook step under ``cli/commands/`` (or a new module
   there), decorated with ``@command(name, help, arguments)``, and name its module in
   ``commands.MODULES`` at its place in the runbook's order,
   where ``arguments(parser)`` adds its own options. Import what only it needs inside the function,
   so the other commands stay quick to start.
2. Return ``Reply(text, data)``; an error the user can cause is an ``InputError`` (exit 2) or a
   ``FileProblem`` (exit 1) with one sentence, which ``main`` prints.

A command written elsewhere with the ``add_arguments(parser)`` / ``run(args, path) -> int`` shape (the
served console's ``incident_console/serving/command.py``, say) is registered with a small adapter in
a module of ``cli/commands/``::

    def _arguments(parser):
        from ...serving import command as serving
        serving.add_arguments(parser)

    @command("serve", "serve the console in a web browser", _arguments)
    def serve(ctx: Context) -> Reply:
        from ...serving import command as serving
        return Reply("", None, status=serving.run(ctx.args, ctx.path))

(``data=None`` says the command wrote its own output; with ``--json`` it should then print one JSON
object itself, as ``listen`` does.)
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from ..desk import Desk

PROG = "incident-console"


class Reply(NamedTuple):
    """What a command says: ``text`` for a person, ``data`` for ``--json`` (None: already written),
    the exit status, and a ``note`` for stderr in both modes."""

    text: str
    data: Any
    status: int = 0
    note: str | None = None


class Context:
    """What a command is given: its parsed arguments, the state file's path, the moment it started."""

    __slots__ = ("args", "path", "now", "read_only", "_desk")

    def __init__(self, args: argparse.Namespace, path: str, now: datetime, read_only: bool = False) -> None:
        self.args = args
        self.path = path
        self.now = now
        self.read_only = read_only
        self._desk: Desk | None = None

    @property
    def desk(self) -> Desk:
        """The Desk on ``path``, opened the first time a command asks for it."""
        if self._desk is None:
            from ..desk import Desk

            self._desk = Desk.open(
                self.path,
                author=getattr(self.args, "author", None),
                config=getattr(self.args, "config", None),
                read_only=self.read_only,
            )
        return self._desk

    @property
    def incident_id(self) -> str | None:
        """``--incident ID``, if given."""
        return getattr(self.args, "incident", None)

    @property
    def json(self) -> bool:
        """Whether ``--json`` was given."""
        return bool(getattr(self.args, "json", False))


Arguments = Callable[[argparse.ArgumentParser], None]
Run = Callable[[Context], Reply]


class Command(NamedTuple):
    """One command: its name, its one-line help, what adds its arguments, and the function that runs it."""

    name: str
    help: str
    arguments: Arguments | None
    run: Run


COMMANDS: dict[str, Command] = {}


def command(name: str, help: str, arguments: Arguments | None = None) -> Callable[[Run], Run]:
    """Register the decorated function as the command ``name``; a name is registered once."""

    def register(run: Run) -> Run:
        if name in COMMANDS:
            raise ValueError(f"the command {name!r} is registered twice")
        COMMANDS[name] = Command(name, help, arguments, run)
        return run

    return register
