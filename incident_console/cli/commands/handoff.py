"""Hand off: ``handoff`` briefs the next person and hands the incident over."""

from __future__ import annotations

import argparse

from ..json_out import incident_json
from ..registry import Context, Reply, command
from ..render import head_line


def _handoff_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--to", required=True, metavar="NAME")
    p.add_argument("--notes", default="", metavar="TEXT", help="what you would do next, open threads")


@command("handoff", "brief the next person (Markdown) and hand the incident over", _handoff_arguments)
def handoff(ctx: Context) -> Reply:
    desk = ctx.desk
    briefing, incident = desk.handoff(ctx.args.to, ctx.incident_id, notes=ctx.args.notes)
    snap = desk.snapshot()
    data = {"briefing": briefing, "incident": incident_json(incident), "head": snap.log[-1].hash if snap.log else None}
    return Reply(briefing + "\n" + head_line(snap), data)
