"""Communicate: ``update`` renders a status update from a template and logs it as sent."""

from __future__ import annotations

import argparse

from ...domain import templates as comms
from ...domain.errors import InputError
from ..json_out import entry_json
from ..registry import PROG, Context, Reply, command


def _update_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("template", help="initial, update, identified, monitoring, resolved (or one from the config)")
    p.add_argument("--cause", default="", help="the cause (Identified)")
    p.add_argument("--copy", action="store_true", help="also put it on the system clipboard")
    p.add_argument("--force", action="store_true", help="log it as sent even if it still holds a placeholder")


@command("update", "render a status update from a template, log it as sent, optionally copy it", _update_arguments)
def update(ctx: Context) -> Reply:
    args, desk = ctx.args, ctx.desk
    text = desk.render_update(args.template, args.cause, ctx.incident_id)
    if not args.force and (unfilled := comms.unfilled(text)):
        raise InputError(
            f"the {args.template!r} update still says {', '.join(unfilled)}: fill it in "
            "(--cause, or the incident's impact), or add --force to log it as sent as it is"
        )
    copied = ""
    copied_ok: bool | None = None
    if args.copy:
        from ...clipboard import PyperclipClipboard  # only here: it is the one command that copies

        outcome = PyperclipClipboard().copy(text)
        copied_ok = outcome.copied
        copied = "copied to the clipboard" if outcome.copied else f"not copied: {outcome.detail}"
    entry = desk.record_update(text, template=args.template, incident_id=ctx.incident_id)
    note = f"{PROG}: logged as sent ({entry.incident_id} #{entry.id})" + (f"; {copied}" if copied else "")
    data = {"text": text, "template": args.template, "copied": copied_ok, "entry": entry_json(entry)}
    return Reply(text, data, note=note)
