"""Resolve: ``status`` changes, and the Resolve ``checklist``."""

from __future__ import annotations

import argparse

from ...domain.model import Status
from ..json_out import incident_json
from ..registry import PROG, Context, Reply, command


def _status_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("state", help="investigating, identified, monitoring or resolved")
    p.add_argument(
        "--reason",
        "--note",
        dest="reason",
        default="",
        metavar="TEXT",
        help="why (required to reopen, or to resolve before the Resolve checklist is clear)",
    )


@command("status", "change the status", _status_arguments)
def status(ctx: Context) -> Reply:
    incident = ctx.desk.set_status(Status.parse(ctx.args.state), note=ctx.args.reason, incident_id=ctx.incident_id)
    return Reply(f"{incident.id} is now {incident.status.value}", incident_json(incident))


def _checklist_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("tick", nargs="?", choices=["verify"], help="verify: metrics are back to normal")
    p.add_argument("--note", default="")


@command("checklist", "show the Resolve checklist, or tick Verify", _checklist_arguments)
def checklist(ctx: Context) -> Reply:
    from ...domain import checklist as checks

    desk = ctx.desk
    if ctx.args.tick == "verify":
        desk.verify_metrics(ctx.args.note, ctx.incident_id)
    snap = desk.snapshot()
    incident = desk.incident(ctx.incident_id, snap)
    # How the command line takes a step the checklist calls for.
    way = {
        checks.NOT_CONFIRMED: f"not confirmed ({PROG} checklist verify)",
        checks.NOT_MONITORING: f"not in monitoring yet ({PROG} status monitoring)",
        checks.NOT_SENT: f"not sent ({PROG} update resolved)",
    }
    found = desk.resolve_checks(incident, snap)
    lines = []
    for check in found:
        evidence = f"; {check.evidence}" if check.evidence else ""
        lines.append(f"[{'x' if check.done else ' '}] {check.title} — {way.get(check.detail, check.detail)}{evidence}")
    data = {
        "incident": incident.id,
        "checks": [
            {"key": c.key, "title": c.title, "done": c.done, "detail": c.detail, "evidence": c.evidence} for c in found
        ],
    }
    return Reply("\n".join(lines), data)
