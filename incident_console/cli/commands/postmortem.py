"""Post-mortem and action items: ``postmortem``, ``action add|list|done``."""

from __future__ import annotations

import argparse
import os
from datetime import date

from ...domain.errors import InputError
from ...domain.model import POSTMORTEM_FIELDS
from ..json_out import item_json
from ..registry import Context, Reply, command
from ._common import text_or_stdin


def _postmortem_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", metavar="FILE", help="write the Markdown to FILE instead of printing it")
    p.add_argument(
        "--section",
        choices=[key for key, _ in POSTMORTEM_FIELDS],
        help="section to write (lead: who led the incident, if not whoever was commander longest)",
    )
    p.add_argument("--text", help="the section's text (with --section); - reads it from stdin")
    p.add_argument("--complete", action="store_true", help="mark the post-mortem complete")
    p.add_argument(
        "--reason", default="", metavar="TEXT", help="why it is complete with sections still TODO (--complete)"
    )


@command("postmortem", "print the post-mortem Markdown, write a section, or mark it complete", _postmortem_arguments)
def postmortem(ctx: Context) -> Reply:
    args, desk = ctx.args, ctx.desk
    if args.section:
        if args.text is None:
            raise InputError("--section needs --text with the section's content")
        desk.write_postmortem_section(args.section, text_or_stdin(args.text), ctx.incident_id)
    elif args.text is not None:
        raise InputError("--text needs --section to say which section it is")
    if args.reason and not args.complete:
        raise InputError("--reason goes with --complete")
    if args.complete:
        desk.complete_postmortem(ctx.incident_id, reason=args.reason)
    snap = desk.snapshot()
    incident = desk.incident(ctx.incident_id, snap)
    markdown = desk.postmortem(incident.id, snap)
    data = {
        "incident": incident.id,
        "complete": incident.postmortem_done_at is not None,
        "markdown": markdown,
        "written_to": None,
    }
    if args.out:
        target = os.path.expanduser(args.out)
        desk.save_document(target, markdown)
        return Reply(f"wrote {target}", {**data, "written_to": os.path.abspath(target)})
    return Reply("" if args.section or args.complete else markdown, data)


def _action_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("verb", choices=["add", "list", "done"])
    p.add_argument("arg", nargs="?", help="the item's text (add) or id (done)")
    p.add_argument("--owner", default="")
    p.add_argument("--due", metavar="DATE", help="deadline, YYYY-MM-DD")


@command("action", "action items: add, list, done", _action_arguments)
def action(ctx: Context) -> Reply:
    args, desk = ctx.args, ctx.desk
    if args.verb == "add":
        if not args.arg:
            raise InputError("action add needs the item's text")
        due = None
        if args.due:
            try:
                due = date.fromisoformat(args.due)
            except ValueError:
                raise InputError(f"deadline {args.due!r} is not a date like 2026-12-01") from None
        item = desk.add_action_item(args.arg, owner=args.owner, due=due, incident_id=ctx.incident_id)
        return Reply(f"#{item.id}", item_json(item))
    if args.verb == "done":
        try:
            item_id = int(str(args.arg).lstrip("#"))
        except ValueError:
            raise InputError(f"action item id {args.arg!r} is not a number") from None
        item = desk.complete_action_item(item_id)
        return Reply(f"#{item.id} done", item_json(item))
    snap = desk.snapshot()
    items = snap.items_for(desk.incident(ctx.incident_id, snap).id) if ctx.incident_id else snap.action_items
    lines = []
    for item in items:
        mark = "x" if item.done_at else " "
        deadline = item.due.isoformat() if item.due else "no deadline"
        lines.append(
            f"[{mark}] #{item.id:<3} {item.incident_id:<7} {item.text}  ({item.owner or 'unowned'}, {deadline})"
        )
    return Reply("\n".join(lines), {"action_items": [item_json(i) for i in items]})
