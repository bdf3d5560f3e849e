"""``archive``: move finished incidents, with their log entries and action items, into an archive file."""

from __future__ import annotations

import argparse
import os

from ...domain.errors import InputError
from ...domain.times import to_text
from ..registry import Context, Reply, command


def _archive_arguments(p: argparse.ArgumentParser) -> None:
    cut = p.add_mutually_exclusive_group()
    cut.add_argument("--before", metavar="DATE", help="incidents resolved before this date (2026-11-01) or time")
    cut.add_argument(
        "--resolved-older-than", metavar="AGE", help="incidents resolved longer ago than this (30d, 2w, 12h)"
    )
    p.add_argument("--out", metavar="FILE", help="the archive file (made, or added to when it is this file's archive)")


@command("archive", "move resolved incidents whose post-mortem is complete into an archive file", _archive_arguments)
def archive(ctx: Context) -> Reply:
    from ...domain import archiving

    args = ctx.args
    if args.before is None and args.resolved_older_than is None:
        raise InputError("archive needs the cut: give --before DATE or --resolved-older-than AGE (30d, say)")
    if not args.out or not args.out.strip():
        raise InputError("archive needs --out FILE, the archive file to write")
    if args.before is not None:
        cut = archiving.cut_before(args.before)
    else:
        cut = archiving.cut_older_than(args.resolved_older_than, ctx.now)
    out = os.path.abspath(os.path.expanduser(args.out))
    if os.path.realpath(out) == os.path.realpath(ctx.path):
        raise InputError(f"--out {args.out} is the working file itself; name another file for the archive")
    moved = ctx.desk.archive(out, cut)
    verb = "added to" if moved.appended else "moved to"
    text = (
        f"{_count(len(moved.incidents), 'incident')} ({', '.join(moved.incidents)}), "
        f"{_count(moved.entries, 'log entry', 'log entries')} and {_count(moved.items, 'action item')} "
        f"{verb} {moved.archive}\n"
        f"the archive holds {_count(moved.archive_entries, 'entry', 'entries')}; head {moved.head}"
    )
    data = {
        "archive": moved.archive,
        "recorded_as": moved.name,
        "cut": to_text(cut),
        "incidents": list(moved.incidents),
        "entries": moved.entries,
        "action_items": moved.items,
        "appended": moved.appended,
        "archive_entries": moved.archive_entries,
        "head": moved.head,
    }
    return Reply(text, data)


def _count(number: int, one: str, many: str | None = None) -> str:
    return f"{number} {one if number == 1 else many or one + 's'}"
