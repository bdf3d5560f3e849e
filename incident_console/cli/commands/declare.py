"""Declare and triage: ``new``, ``triage``, ``severity``, ``commander``."""

from __future__ import annotations

import argparse

from ...domain.model import Severity
from ..json_out import incident_json
from ..registry import Context, Reply, command
from ._common import moment


def _new_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("title")
    p.add_argument("--severity", required=True, help="P1, P2, P3 or P4")
    p.add_argument("--impact", default="")
    p.add_argument("--service", action="append", default=[], metavar="NAME")
    p.add_argument("--commander", default="")
    p.add_argument("--started-at", metavar="T", help="when impact started (ISO-8601 with offset, or -20m)")
    p.add_argument("--detected-at", metavar="T", help="when it was detected (default: now)")


@command("new", "declare a new incident and print its id", _new_arguments)
def new(ctx: Context) -> Reply:
    args = ctx.args
    incident = ctx.desk.declare(
        args.title,
        Severity.parse(args.severity),
        impact=args.impact,
        services=args.service,
        commander=args.commander,
        started_at=moment(args.started_at, ctx.now),
        detected_at=moment(args.detected_at, ctx.now),
    )
    return Reply(incident.id, incident_json(incident))


def _triage_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--users", required=True, help="all, many or few")
    p.add_argument("--data-at-risk", required=True, help="yes or no")
    p.add_argument("--transactions-failing", required=True, help="yes or no")
    p.add_argument("--workaround", required=True, help="yes or no")
    p.add_argument("--apply", action="store_true", help="set the suggested severity")


@command("triage", "answer the four triage questions; prints the suggested severity", _triage_arguments)
def triage(ctx: Context) -> Reply:
    from ...domain.triage import answers_from_text

    args = ctx.args
    answers = answers_from_text(args.users, args.data_at_risk, args.transactions_failing, args.workaround)
    result = ctx.desk.triage(answers, apply_severity=args.apply, incident_id=ctx.incident_id)
    verb = "applied" if args.apply else "suggested (use --apply to set it)"
    data = {
        "incident": result.incident.id,
        "suggested": result.suggested.value,
        "rule": result.rule,
        "applied": result.applied,
        "severity": result.incident.severity.value,
    }
    return Reply(f"{result.suggested.value} {verb}: {result.rule}", data)


def _severity_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("level", help="P1, P2, P3 or P4")
    p.add_argument("--reason", required=True)


@command("severity", "change the severity (a reason is required)", _severity_arguments)
def severity(ctx: Context) -> Reply:
    incident = ctx.desk.set_severity(Severity.parse(ctx.args.level), ctx.args.reason, ctx.incident_id)
    return Reply(f"{incident.id} is now {incident.severity.value}", incident_json(incident))


def _commander_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("name")


@command("commander", "hand command of the incident to someone", _commander_arguments)
def commander(ctx: Context) -> Reply:
    incident = ctx.desk.set_commander(ctx.args.name, ctx.incident_id)
    return Reply(f"{incident.id} commander: {incident.commander}", incident_json(incident))
