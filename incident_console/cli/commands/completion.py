"""``completion bash|zsh|fish``: a static shell-completion script, made from the same parsers.

The script is generated once and sourced by the shell, so pressing Tab starts no Python. bash and
zsh come from shtab; fish is written here from the parser tree (shtab added fish only in later
versions than the project requires).
"""

from __future__ import annotations

import argparse

from ..parser import build_parser
from ..registry import PROG, Context, Reply, command

SHELLS = ("bash", "zsh", "fish")


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("shell", choices=SHELLS, help="the shell to complete for")


@command("completion", "print a shell-completion script for bash, zsh or fish", _arguments)
def completion(ctx: Context) -> Reply:
    script = completion_script(ctx.args.shell)
    return Reply(script.rstrip("\n"), {"shell": ctx.args.shell, "script": script})


def completion_script(shell: str) -> str:
    """The completion script for ``shell``, covering every command and its options."""
    parser = build_parser()
    if shell == "fish":
        return fish_script(parser)
    import shtab

    return str(shtab.complete(parser, shell=shell))


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, tuple[str, argparse.ArgumentParser]]:
    found: dict[str, tuple[str, argparse.ArgumentParser]] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
            for name, sub in action.choices.items():
                found[name] = (helps.get(name, ""), sub)
    return found


def _quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _option_lines(prefix: str, parser: argparse.ArgumentParser) -> list[str]:
    lines = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction | argparse._HelpAction) or not action.option_strings:
            continue
        for option in action.option_strings:
            if not option.startswith("--"):
                continue
            line = f"{prefix} -l {option[2:]}"
            if action.nargs != 0:
                line += " -r"
                if action.choices:
                    line += " -f -a " + _quote(" ".join(str(c) for c in action.choices))
                elif action.metavar in ("PATH", "FILE"):
                    line += " -F"  # a file name
            if action.help and action.help != argparse.SUPPRESS:
                line += " -d " + _quote(action.help)
            lines.append(line)
    return lines


def fish_script(parser: argparse.ArgumentParser) -> str:
    """A fish completion script: the commands after ``PROG``, then each command's options and choices."""
    subs = _subparsers(parser)
    names = " ".join(subs)
    head = f"complete -c {PROG}"
    lines = [
        f"# fish completion for {PROG}; install: {PROG} completion fish > ~/.config/fish/completions/{PROG}.fish",
        f"complete -c {PROG} -f",
    ]
    lines += _option_lines(f"{head} -n 'not __fish_seen_subcommand_from {names}'", parser)
    for name, (help_text, _) in subs.items():
        lines.append(f"{head} -n 'not __fish_seen_subcommand_from {names}' -a {name} -d {_quote(help_text)}")
    for name, (_, sub) in subs.items():
        when = f"{head} -n '__fish_seen_subcommand_from {name}'"
        lines += _option_lines(when, sub)
        for action in sub._actions:
            if not action.option_strings and action.choices:
                lines.append(f"{when} -a {_quote(' '.join(str(c) for c in action.choices))}")
    return "\n".join(lines) + "\n"
