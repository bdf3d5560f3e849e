"""The command line: argparse commands that build a Desk and call it. Never imports textual."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, NoReturn

from .config import load_config
from .desk import RESPONSE_ACTIONS, Desk, system_clock
from .domain import sla
from .domain import templates as comms
from .domain.errors import FileProblem, InputError
from .domain.model import POSTMORTEM_FIELDS, Incident, LogEntry, Severity, Snapshot, Status, parse_kind
from .domain.text import escape_json, visible
from .domain.timer_text import moment_on, timer_text
from .domain.times import clock_text, parse_when, to_text
from .domain.triage import answers_from_text
from .store.locations import state_file
from .store.repository import Repository, entry_to_doc, incident_to_doc, item_to_doc
from .store.storage import write_atomically

PROG = "incident-console"


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


COMMANDS = (
    "new",
    "list",
    "show",
    "log",
    "ack",
    "triage",
    "severity",
    "status",
    "commander",
    "escalate",
    "respond",
    "run",
    "handoff",
    "checklist",
    "postmortem",
    "action",
    "update",
    "export",
    "demo",
    "where",
    "verify",
    "ingest",
    "listen",
)
_VALUE_OPTIONS = {"--file", "--config", "--as", "--incident"}


class _Unused:
    """Stands in for the parsers of commands not being run, so their arguments cost nothing."""

    def add_argument(self, *args: Any, **kwargs: Any) -> None:
        return None


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


def command_in(argv: Sequence[str]) -> str | None:
    """The command word in ``argv`` (skipping global options and their values), if it is one we know."""
    word = _first_word(argv)
    return word if word in COMMANDS else None


def parser_wanted(argv: Sequence[str]) -> str | None:
    """Which command's parser ``build_parser`` needs to build for ``argv``: the command named; ""
    for none when there is no command and no help asked for (the console opens); None for all (the
    help lists them, and a word that is not a command is answered with their names)."""
    word = _first_word(argv)
    if word in COMMANDS:
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
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, help_text: str, *, json_output: bool = False) -> Any:
        if only is not None and name != only:
            return _Unused()
        p = sub.add_parser(name, parents=[common], help=help_text, description=help_text)
        if json_output:
            p.add_argument("--json", action="store_true", help="print JSON (stable keys, see README)")
        return p

    p = command("new", "declare a new incident and print its id")
    p.add_argument("title")
    p.add_argument("--severity", required=True, help="P1, P2, P3 or P4")
    p.add_argument("--impact", default="")
    p.add_argument("--service", action="append", default=[], metavar="NAME")
    p.add_argument("--commander", default="")
    p.add_argument("--started-at", metavar="T", help="when impact started (ISO-8601 with offset, or -20m)")
    p.add_argument("--detected-at", metavar="T", help="when it was detected (default: now)")

    command("list", "list incidents", json_output=True)
    p = command("show", "show an incident, its timers and the last log entries", json_output=True)
    p.add_argument("--lines", type=int, default=20, help="log entries to show (default 20)")

    p = command("log", "add an entry to the incident's log")
    p.add_argument("text", help="the entry; - reads it from stdin")
    p.add_argument("--kind", default="note", help="note, action, escalation, comms or correction")
    p.add_argument("--at", metavar="T", help="when it happened, if not now (ISO-8601 with offset, or -20m)")
    p.add_argument("--corrects", type=int, metavar="ENTRY", help="id of the entry this one corrects")

    command("ack", "acknowledge the incident")

    p = command("triage", "answer the four triage questions; prints the suggested severity", json_output=True)
    p.add_argument("--users", required=True, help="all, many or few")
    p.add_argument("--data-at-risk", required=True, help="yes or no")
    p.add_argument("--transactions-failing", required=True, help="yes or no")
    p.add_argument("--workaround", required=True, help="yes or no")
    p.add_argument("--apply", action="store_true", help="set the suggested severity")

    p = command("severity", "change the severity (a reason is required)")
    p.add_argument("level", help="P1, P2, P3 or P4")
    p.add_argument("--reason", required=True)

    p = command("status", "change the status")
    p.add_argument("state", help="investigating, identified, monitoring or resolved")
    p.add_argument(
        "--reason",
        "--note",
        dest="reason",
        default="",
        metavar="TEXT",
        help="why (required to reopen, or to resolve before the Resolve checklist is clear)",
    )

    p = command("commander", "hand command of the incident to someone")
    p.add_argument("name")

    p = command("escalate", "record an escalation")
    p.add_argument("to")
    p.add_argument("--why", required=True)

    p = command("respond", "record a runbook response action")
    p.add_argument("action", help="; ".join(name for name, _ in RESPONSE_ACTIONS))
    p.add_argument("detail")

    p = command("run", "run a command, pass its output through, and log it with its exit status")
    p.add_argument("argv", nargs=argparse.REMAINDER, metavar="-- CMD [ARGS...]")

    p = command("handoff", "brief the next person (Markdown) and hand the incident over")
    p.add_argument("--to", required=True, metavar="NAME")
    p.add_argument("--notes", default="", metavar="TEXT", help="what you would do next, open threads")

    p = command("checklist", "show the Resolve checklist, or tick Verify")
    p.add_argument("tick", nargs="?", choices=["verify"], help="verify: metrics are back to normal")
    p.add_argument("--note", default="")

    p = command("postmortem", "print the post-mortem Markdown, write a section, or mark it complete")
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

    p = command("action", "action items: add, list, done", json_output=True)
    p.add_argument("verb", choices=["add", "list", "done"])
    p.add_argument("arg", nargs="?", help="the item's text (add) or id (done)")
    p.add_argument("--owner", default="")
    p.add_argument("--due", metavar="DATE", help="deadline, YYYY-MM-DD")

    p = command("update", "render a status update from a template, log it as sent, optionally copy it")
    p.add_argument("template", help="initial, update, identified, monitoring, resolved (or one from the config)")
    p.add_argument("--cause", default="", help="the cause (Identified)")
    p.add_argument("--copy", action="store_true", help="also put it on the system clipboard")
    p.add_argument("--force", action="store_true", help="log it as sent even if it still holds a placeholder")

    p = command("export", "write a consistent copy of the state file")
    p.add_argument("--out", required=True, metavar="FILE")

    command("demo", "write a realistic demo incident into a new file (to try the console on)")
    command("where", "print the state file's path")
    p = command("verify", "check the log's hash chain and the tables against it (exit status 1 when not intact)")
    p.add_argument("path", nargs="?", metavar="FILE", help="file to check (default: the state file)")
    p.add_argument("--head", metavar="HASH", help="the log head the sender read out (show, handoff, export print it)")
    p = command("ingest", "apply one Alertmanager, Grafana or PagerDuty webhook payload (a file, or - for stdin)")
    p.add_argument("payload", nargs="?", default="-", metavar="FILE", help="the JSON payload (default: stdin)")
    p.add_argument("--format", default="auto", choices=["alertmanager", "grafana", "pagerduty", "auto"])
    p = command("listen", "receive Alertmanager, Grafana and PagerDuty webhooks over HTTP")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1; others need --token)")
    p.add_argument("--port", type=int, default=9095, help="port (default 9095)")
    p.add_argument("--token", default=None, help="token senders must give (default: $INCIDENT_CONSOLE_LISTEN_TOKEN)")
    return parser


def _moment(text: str | None, now: datetime) -> datetime | None:
    return parse_when(text, now) if text else None


def _out(text: str = "") -> None:
    sys.stdout.write(visible(text, multiline=True) + "\n")


def _incident_json(incident: Incident) -> dict[str, Any]:
    return incident_to_doc(incident)


def _alerts_json(log: Sequence[LogEntry]) -> list[dict[str, Any]]:
    from .domain.alert_plan import alerts_of

    return [{k: v for k, v in alert.items() if k != "entry"} for alert in alerts_of(log)]


def _timer_json(timer: sla.SlaTimer) -> dict[str, Any]:
    return {
        "name": timer.name,
        "state": timer.state.value,
        "due_at": to_text(timer.due_at) if timer.due_at else None,
        "remaining_s": None if timer.remaining is None else round(timer.remaining, 3),
        "met_at": to_text(timer.met_at) if timer.met_at else None,
        "ended_by": timer.ended_by or None,
    }


def _entry_json(entry: LogEntry) -> dict[str, Any]:
    doc = entry_to_doc(entry)
    doc["backfilled"] = entry.backfilled
    return doc


def _encodes_everything(stream: Any) -> bool:
    """False for a terminal or pipe whose encoding cannot write every character (LC_ALL=C: ASCII)."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    return encoding.lower().replace("-", "").replace("_", "") in ("utf8", "utf16", "utf32")


def _print_json(data: Any) -> None:
    # Where stdout cannot encode all of Unicode, \u escapes keep the JSON valid and the same; control,
    # bidi and invisible characters are always escaped, so a terminal showing the JSON never gets them.
    sys.stdout.write(escape_json(json.dumps(data, indent=2, ensure_ascii=not _encodes_everything(sys.stdout))) + "\n")


def timer_line(timer: sla.SlaTimer, now: datetime) -> str:
    """One timer as a person reads it: what is due and where it stands (times UTC)."""
    return timer_text(timer, moment_on(now)).line()


def entry_line(entry: LogEntry) -> str:
    back = f" (backfilled, written {clock_text(entry.recorded_at)})" if entry.backfilled else ""
    return f"#{entry.id:<4} {clock_text(entry.at)} {entry.author:<10} {entry.kind:<10} {entry.text}{back}"


def _show(desk: Desk, snap: Snapshot, incident: Incident, lines: int) -> None:
    _out(f"{incident.id}  {incident.severity.value} ({incident.severity.description})  {incident.status.value}")
    _out(f"  {incident.title}")
    if incident.impact:
        _out(f"  impact: {incident.impact}")
    if incident.services:
        _out(f"  services: {', '.join(incident.services)}")
    _out(f"  commander: {incident.commander or '-'}")
    _out(f"  detected: {to_text(incident.detected_at)}   impact start: {to_text(incident.impact_start)}")
    if incident.triage:
        _out(f"  triage: {incident.triage.describe()}")
    _out()
    _out("Timers (times UTC)")
    now = desk.clock()
    for timer in desk.timers(incident, snap, now):
        _out("  " + timer_line(timer, now))
    skewed = desk.clock_problems(incident, snap)
    if skewed:
        _out()
        _out("Clock problems (these entries meet no timer)")
        for problem in skewed.values():
            _out(f"  {problem}")
    log = snap.log_for(incident.id)
    _out()
    _out(f"Log (last {min(lines, len(log))} of {len(log)})")
    for entry in log[-lines:] if lines > 0 else ():
        _out("  " + entry_line(entry) + (" [clock problem]" if entry.id in skewed else ""))
    _out()
    _out(head_line(snap))


def _desk(args: argparse.Namespace, path: str) -> Desk:
    settings = load_config(getattr(args, "config", None))
    repository = Repository(path, lock_timeout=settings.lock_timeout, chain_key=settings.chain_key)
    return Desk(repository, author=getattr(args, "author", None), policy=settings.policy, templates=settings.templates)


def run_command(args: argparse.Namespace) -> int:
    path = state_file(getattr(args, "file", None))
    if args.command == "where":
        _out(str(path))
        return 0
    if args.command == "demo":
        from .demo import DEMO_LENGTH, build_demo

        if os.path.exists(path) and os.path.getsize(path) > 0:
            raise InputError(f"{path} already exists; the demo goes into a new file (use --file)")
        build_demo(path, start=system_clock() - DEMO_LENGTH)
        _out(f"wrote a demo incident to {path}; open it with: {PROG} --file {path}")
        return 0
    desk = _desk(args, path)
    if args.command in ("ingest", "listen"):
        from . import cli_alerts  # only here: the listener's server library is loaded by listen alone

        return cli_alerts.run(desk, args)
    incident_id = getattr(args, "incident", None)
    now = system_clock()

    if args.command == "new":
        incident = desk.declare(
            args.title,
            Severity.parse(args.severity),
            impact=args.impact,
            services=args.service,
            commander=args.commander,
            started_at=_moment(args.started_at, now),
            detected_at=_moment(args.detected_at, now),
        )
        _out(incident.id)
    elif args.command == "list":
        snap = desk.snapshot()
        if args.json:
            _print_json({"incidents": [_incident_json(i) for i in snap.incidents]})
        elif not snap.incidents:
            _out("No incidents in " + str(path))
        for incident in () if args.json else snap.incidents:
            _out(
                f"{incident.id:<7} {incident.severity.value}  {incident.status.value:<13} "
                f"{to_text(incident.declared_at)}  {incident.title}"
            )
    elif args.command == "show":
        snap = desk.snapshot()
        if not snap.incidents and not incident_id and not args.json:
            _out(f"No incidents in {path}. Declare one with: {PROG} new TITLE --severity P1")
            return 0
        incident = desk.incident(incident_id, snap)
        if args.json:
            _print_json(
                {
                    "incident": _incident_json(incident),
                    "timers": [_timer_json(t) for t in desk.timers(incident, snap)],
                    "log": [
                        _entry_json(e) for e in (snap.log_for(incident.id)[-args.lines :] if args.lines > 0 else ())
                    ],
                    "clock_problems": [
                        {"entry": ident, "problem": problem}
                        for ident, problem in desk.clock_problems(incident, snap).items()
                    ],
                    "head": snap.log[-1].hash if snap.log else None,
                    "alerts": _alerts_json(snap.log_for(incident.id)),
                }
            )
        else:
            _show(desk, snap, incident, args.lines)
    elif args.command == "log":
        entry = desk.log(
            _text_or_stdin(args.text),
            kind=parse_kind(args.kind),
            at=_moment(args.at, now),
            incident_id=incident_id,
            corrects=args.corrects,
        )
        _out(f"{entry.incident_id} #{entry.id}")
    elif args.command == "ack":
        entry = desk.acknowledge(incident_id)
        _out(f"{entry.incident_id} acknowledged")
    elif args.command == "triage":
        answers = answers_from_text(args.users, args.data_at_risk, args.transactions_failing, args.workaround)
        result = desk.triage(answers, apply_severity=args.apply, incident_id=incident_id)
        if args.json:
            _print_json(
                {
                    "incident": result.incident.id,
                    "suggested": result.suggested.value,
                    "rule": result.rule,
                    "applied": result.applied,
                    "severity": result.incident.severity.value,
                }
            )
        else:
            verb = "applied" if args.apply else "suggested (use --apply to set it)"
            _out(f"{result.suggested.value} {verb}: {result.rule}")
    elif args.command == "severity":
        incident = desk.set_severity(Severity.parse(args.level), args.reason, incident_id)
        _out(f"{incident.id} is now {incident.severity.value}")
    elif args.command == "status":
        incident = desk.set_status(Status.parse(args.state), note=args.reason, incident_id=incident_id)
        _out(f"{incident.id} is now {incident.status.value}")
    elif args.command == "commander":
        incident = desk.set_commander(args.name, incident_id)
        _out(f"{incident.id} commander: {incident.commander}")
    elif args.command == "escalate":
        entry = desk.escalate(args.to, args.why, incident_id)
        _out(f"{entry.incident_id} #{entry.id}")
    elif args.command == "respond":
        entry = desk.respond(args.action, args.detail, incident_id)
        _out(f"{entry.incident_id} #{entry.id}")
    elif args.command == "run":
        return _run(desk, args.argv, incident_id)
    elif args.command == "verify":
        repository = desk.repository
        if args.path:
            repository = Repository(state_file(args.path), chain_key=repository.chain_key)
            if not os.path.exists(repository.path):
                raise FileProblem(f"{repository.path} does not exist")
        return _verify(repository, args.head)
    elif args.command == "handoff":
        briefing, incident = desk.handoff(args.to, incident_id, notes=args.notes)
        _out(briefing)
        _out(head_line(desk.snapshot()))
    elif args.command == "checklist":
        if args.tick == "verify":
            desk.verify_metrics(args.note, incident_id)
        snap = desk.snapshot()
        incident = desk.incident(incident_id, snap)
        from .domain import checklist

        # How the command line takes a step the checklist calls for.
        way = {
            checklist.NOT_CONFIRMED: f"not confirmed ({PROG} checklist verify)",
            checklist.NOT_MONITORING: f"not in monitoring yet ({PROG} status monitoring)",
            checklist.NOT_SENT: f"not sent ({PROG} update resolved)",
        }
        for check in desk.resolve_checks(incident, snap):
            evidence = f"; {check.evidence}" if check.evidence else ""
            _out(f"[{'x' if check.done else ' '}] {check.title} — {way.get(check.detail, check.detail)}{evidence}")
    elif args.command == "postmortem":
        return _postmortem(desk, args, incident_id)
    elif args.command == "action":
        return _action(desk, args, incident_id)
    elif args.command == "update":
        text = desk.render_update(args.template, args.cause, incident_id)
        if not args.force and (unfilled := comms.unfilled(text)):
            raise InputError(
                f"the {args.template!r} update still says {', '.join(unfilled)}: fill it in "
                "(--cause, or the incident's impact), or add --force to log it as sent as it is"
            )
        copied = ""
        if args.copy:
            from .clipboard import PyperclipClipboard  # only here: it is the one command that copies

            outcome = PyperclipClipboard().copy(text)
            copied = "copied to the clipboard" if outcome.copied else f"not copied: {outcome.detail}"
        entry = desk.record_update(text, template=args.template, incident_id=incident_id)
        _out(text)
        sys.stderr.write(
            f"{PROG}: logged as sent ({entry.incident_id} #{entry.id})" + (f"; {copied}" if copied else "") + "\n"
        )
    elif args.command == "export":
        count = desk.export(args.out)
        _out(f"exported {count} entries to {args.out}")
        _out(head_line(Repository(args.out).snapshot()))
    return 0


def head_line(snap: Snapshot) -> str:
    """The log's head, for the recipient of the file to check it with ``verify --head``."""
    if not snap.log:
        return "Log head: none (the log is empty)"
    head = snap.log[-1].hash
    return f"Log head: {head} (entry {snap.log[-1].id}; check a copy with: {PROG} verify --head {head})"


def _verify(repository: Repository, expected_head: str | None) -> int:
    if expected_head is not None and not re.fullmatch(r"[0-9a-f]{64}", expected_head.strip().lower()):
        raise InputError(f"--head {expected_head!r} is not a log head (64 hexadecimal digits, as show prints it)")
    verdict = repository.check(expected_head.strip().lower() if expected_head else None)
    if verdict.problem:
        sys.stderr.write(f"{PROG}: {repository.path}: {visible(verdict.problem)}\n")
        return 1
    checked = "hash chain verified" + (", keyed head verified" if repository.chain_key else "")
    checked += ", tables agree with the log"
    _out(f"{repository.path}: intact ({verdict.entries} entries, {checked}; head {verdict.head})")
    if expected_head and verdict.head_entry is not None:
        later = verdict.entries - verdict.head_entry
        _out(f"  the expected head is entry {verdict.head_entry}'s; {later} entries were written after it")
    elif expected_head:
        _out("  the head is the one expected")
    if verdict.unchecked:
        _out(f"  not checked (written before the log carried these values): {'; '.join(verdict.unchecked)}")
    for problem in verdict.clock:
        _out(f"  clock problem: {problem}")
    return 0


def _text_or_stdin(text: str) -> str:
    """``text``, or for "-" what is on stdin, read as UTF-8 whatever the locale (as the arguments are)."""
    if text != "-":
        return text
    return sys.stdin.buffer.read().decode("utf-8", "surrogateescape")


def _postmortem(desk: Desk, args: argparse.Namespace, incident_id: str | None) -> int:
    if args.section:
        if args.text is None:
            raise InputError("--section needs --text with the section's content")
        desk.write_postmortem_section(args.section, _text_or_stdin(args.text), incident_id)
    elif args.text is not None:
        raise InputError("--text needs --section to say which section it is")
    if args.reason and not args.complete:
        raise InputError("--reason goes with --complete")
    if args.complete:
        desk.complete_postmortem(incident_id, reason=args.reason)
    markdown = desk.postmortem(incident_id)
    if args.out:
        target = os.path.expanduser(args.out)
        try:
            write_atomically(os.path.abspath(target), markdown.encode("utf-8"))
        except OSError as exc:
            raise FileProblem(f"could not write {target}: {exc.strerror or exc}") from None
        _out(f"wrote {target}")
    elif not (args.section or args.complete):
        _out(markdown)
    return 0


def _action(desk: Desk, args: argparse.Namespace, incident_id: str | None) -> int:
    if args.verb == "add":
        if not args.arg:
            raise InputError("action add needs the item's text")
        due = None
        if args.due:
            try:
                due = date.fromisoformat(args.due)
            except ValueError:
                raise InputError(f"deadline {args.due!r} is not a date like 2026-12-01") from None
        item = desk.add_action_item(args.arg, owner=args.owner, due=due, incident_id=incident_id)
        _out(f"#{item.id}")
    elif args.verb == "done":
        try:
            item_id = int(str(args.arg).lstrip("#"))
        except ValueError:
            raise InputError(f"action item id {args.arg!r} is not a number") from None
        item = desk.complete_action_item(item_id)
        _out(f"#{item.id} done")
    else:
        snap = desk.snapshot()
        items = snap.items_for(desk.incident(incident_id, snap).id) if incident_id else snap.action_items
        if args.json:
            _print_json({"action_items": [item_to_doc(i) for i in items]})
        for item in () if args.json else items:
            mark = "x" if item.done_at else " "
            deadline = item.due.isoformat() if item.due else "no deadline"
            _out(f"[{mark}] #{item.id:<3} {item.incident_id:<7} {item.text}  ({item.owner or 'unowned'}, {deadline})")
    return 0


def _run(desk: Desk, argv: Sequence[str], incident_id: str | None) -> int:
    argv = list(argv)
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        raise InputError("run needs a command after --, e.g. incident-console run -- kubectl rollout undo deploy/api")
    desk.incident(incident_id)  # refuse before running anything if there is no incident
    desk.command_line(argv)  # or if the command line is too long to log
    import subprocess  # only `run` starts a process; other commands stay quick to start

    started = system_clock()
    try:
        status = subprocess.call(argv)
    except FileNotFoundError:
        sys.stderr.write(f"{PROG}: command {argv[0]!r} not found\n")
        status = 127
    except PermissionError:
        sys.stderr.write(f"{PROG}: command {argv[0]!r} is not executable\n")
        status = 126
    except KeyboardInterrupt:
        status = -2  # SIGINT: logged, then exit 130 like the shell
    ended = system_clock()
    desk.record_command(argv, started, ended, status, incident_id)
    return status if status >= 0 else 128 - status


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
        if not _encodes_everything(stream) and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


def _utf8_arguments(argv: Sequence[str]) -> list[str]:
    """Arguments the locale could not decode (LC_ALL=C turns UTF-8 bytes into lone surrogates), read
    again as UTF-8; bytes that are not UTF-8 either stay lone surrogates, refused when stored."""
    return [
        os.fsencode(arg).decode("utf-8", "surrogateescape") if any("\udc80" <= ch <= "\udcff" for ch in arg) else arg
        for arg in argv
    ]


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:
        _tolerant_output()
    arguments = _join_relative_times(_utf8_arguments(sys.argv[1:]) if argv is None else argv)
    parser = build_parser(only=parser_wanted(arguments))
    args = parser.parse_args(arguments)
    try:
        if args.command is None:
            return _open_console(args)
        return run_command(args)
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


def _open_console(args: argparse.Namespace) -> int:
    path = state_file(getattr(args, "file", None))
    desk = _desk(args, path)
    # Refuse a file that is not ours before the screen opens. Only the newest part of a long log
    # is read here; the console reads the rest after its first frame (and closes if it is refused).
    desk.newest(getattr(args, "incident", None))
    try:
        from .ui.app import IncidentConsole
    except ImportError:  # the console is not installed: print what `show` prints
        args.command, args.json, args.lines = "show", False, 20
        return run_command(args)
    app = IncidentConsole(desk, incident_id=getattr(args, "incident", None))
    app.run()
    if app.refused:
        sys.stderr.write(f"{PROG}: {visible(app.refused)}\n")
        return 1
    return _report_unsaved(app.unsaved_at_exit, path)


def _report_unsaved(changes: Sequence[Any], path: str) -> int:
    """After quitting with changes that could not be saved: print them, so nothing typed is lost."""
    if not changes:
        return 0
    sys.stderr.write(f"{PROG}: {len(changes)} change(s) could not be saved to {path}:\n")
    for change in changes:
        entry = change.entry
        if entry is not None:
            line = f"  {entry.incident_id} {entry.kind} at {to_text(entry.at)}: {entry.text}"
        else:
            line = f"  {change.description}"
        sys.stderr.write(visible(line, multiline=True) + "\n")
    sys.stderr.write(f"{PROG}: add them again with `{PROG} log TEXT --at TIME` once the file can be written\n")
    return 1
