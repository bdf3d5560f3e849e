"""The use cases: one API that both the command line and the console call.

Every action goes through a ``Desk`` method, so every action is checked and logged the same
way wherever it came from. Each change is one transaction: the incident and the log entries
that record the change are saved together, or not at all.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from .domain import limits, sla, triage
from .domain import templates as comms
from .domain.errors import InputError
from .domain.model import (
    POSTMORTEM_FIELDS,
    ActionItem,
    Incident,
    LogEntry,
    NewEntry,
    Severity,
    Snapshot,
    Status,
    TriageAnswers,
)
from .domain.policy import Policy
from .domain.templates import TEMPLATES, Template
from .domain.text import clean_input
from .store.repository import Repository, Transaction

if TYPE_CHECKING:
    from . import ingest
    from .domain import alerts, checklist
    from .domain.alert_rules import IngestRules

Clock = Callable[[], datetime]
USER_VARIABLE = "INCIDENT_CONSOLE_USER"

# The runbook's step 4, "Respond": the catalog of immediate actions and when each applies.
RESPONSE_ACTIONS: tuple[tuple[str, str], ...] = (
    ("Rollback", "Deployment caused issue"),
    ("Disable feature flag", "Feature causing issue"),
    ("Scale resources", "Capacity issue"),
    ("Restart services", "Transient failure"),
    ("Failover", "Region/zone failure"),
)


def system_clock() -> datetime:
    return datetime.now(UTC)


def default_author(explicit: str | None = None) -> str:
    """``--as NAME``, else ``$INCIDENT_CONSOLE_USER``, else the login name."""
    if explicit and explicit.strip():
        return limits.check("the author's name (--as)", clean_input(explicit), limits.NAME)
    from_env = os.environ.get(USER_VARIABLE, "").strip()
    if from_env:
        return limits.check(f"the author's name (${USER_VARIABLE})", clean_input(from_env), limits.NAME)
    return _login_name()


def _login_name() -> str:
    """What getpass.getuser() answers, without importing getpass (and termios) on every command."""
    for variable in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        name = os.environ.get(variable)
        if name:
            return name
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError, OSError):  # no login name in some containers, or no pwd (Windows)
        return "unknown"


class TriageResult(NamedTuple):
    suggested: Severity
    rule: str
    applied: bool
    incident: Incident


def _required(label: str, value: str, limit: int, *, multiline: bool = False, wants: str = "") -> str:
    cleaned = clean_input(value, multiline=multiline)
    if not cleaned.strip():
        raise InputError(f"{label} is empty; write what it should say", wants=wants)
    return limits.check(label, cleaned, limit)


def _optional(label: str, value: str, limit: int) -> str:
    return limits.check(label, clean_input(value), limit)


def _services(names: Sequence[str]) -> tuple[str, ...]:
    services = tuple(s for s in (_optional("a service name", x, limits.SERVICE) for x in names) if s)
    if len(services) > limits.SERVICES:
        raise InputError(f"{len(services)} services are named; the limit is {limits.SERVICES}")
    return services


class Desk:
    """The incident desk: reads the state file and records every action in it."""

    def __init__(
        self,
        repository: Repository,
        *,
        author: str | None = None,
        policy: Policy | None = None,
        clock: Clock = system_clock,
        templates: Sequence[Template] = TEMPLATES,
    ) -> None:
        self.repository = repository
        self.author = default_author(author)
        self.policy = policy or Policy()
        self.clock = clock
        self.templates = tuple(templates)
        # Update times per incident, for the log tuple they were read from (logs are immutable).
        self._sent: dict[str, tuple[tuple[LogEntry, ...], list[datetime]]] = {}
        self._skewed: dict[str, tuple[tuple[LogEntry, ...], tuple[datetime | None, datetime], dict[int, str]]] = {}

    # reading -----------------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """The state file's content now (re-read only when it changed on disk)."""
        return self.repository.snapshot()

    def newest(self, incident_id: str | None = None) -> Snapshot:
        """The state file with only the newest part of a long log read: enough to draw the console's
        first frame (see ``Repository.newest``); ``snapshot()`` reads the rest."""
        return self.repository.newest(incident_id=incident_id)

    def incident(self, incident_id: str | None = None, snapshot: Snapshot | None = None) -> Incident:
        """The incident named by ``incident_id``, else the most recently declared open one."""
        snap = snapshot or self.snapshot()
        if incident_id:
            found = snap.incident(incident_id)
            if found is None:
                known = ", ".join(i.id for i in snap.incidents) or "none yet"
                raise InputError(f"incident {incident_id!r} does not exist (known: {known})")
            return found
        current = snap.current()
        if current is None:
            raise InputError("there is no incident yet", wants="incident")
        return current

    def timers(
        self, incident: Incident, snapshot: Snapshot | None = None, now: datetime | None = None
    ) -> list[sla.SlaTimer]:
        """The SLA timers of ``incident`` at ``now`` (the clock's now by default)."""
        snap = snapshot or self.snapshot()
        log = snap.log_for(incident.id)
        skewed = self.clock_problems(incident, snap)
        if skewed:  # what an entry with a clock problem recorded meets no timer
            from .domain.clock import without_skewed

            incident, log = without_skewed(incident, log, skewed)
            return sla.timers(incident, log, self.policy, now or self.clock())
        return sla.timers(incident, log, self.policy, now or self.clock(), sent=self._update_times(incident.id, log))

    def clock_problems(self, incident: Incident, snapshot: Snapshot | None = None) -> Mapping[int, str]:
        """The incident's entries whose time of writing cannot be right: entry id -> what is wrong.

        Remembered for the log tuple it was found in, so a console ticking every second looks once.
        """
        snap = snapshot or self.snapshot()
        log = snap.log_for(incident.id)
        newest = snap.log[-1].recorded_at if snap.log else None
        cached = self._skewed.get(incident.id)
        if cached is not None and cached[0] is log and cached[1] == (newest, incident.detected_at):
            return cached[2]
        from .domain.clock import clock_problems  # here: an alert hook's `log` never looks at timers

        found = clock_problems(incident, log, newest)
        self._skewed[incident.id] = (log, (newest, incident.detected_at), found)
        return found

    def _update_times(self, incident_id: str, log: tuple[LogEntry, ...]) -> list[datetime]:
        """When updates went out, remembered between calls: a log that only grew is read from where it
        was left, so a console ticking every second never rescans a 50,000-entry log."""
        cached = self._sent.get(incident_id)
        if cached is not None and cached[0] is log:
            return cached[1]
        if cached is not None and cached[0] and len(log) >= len(cached[0]) and log[len(cached[0]) - 1] is cached[0][-1]:
            sent = sorted(cached[1] + sla.comms_times(log[len(cached[0]) :]))
        else:
            sent = sla.comms_times(log)
        self._sent[incident_id] = (log, sent)
        return sent

    # changes -------------------------------------------------------------------------------

    def _change(self, incident_id: str | None, apply: Callable[[Transaction, Incident, datetime], Any]) -> Any:
        now = self.clock()
        with self.repository.transaction(now) as tx:
            incident = self.incident(incident_id, tx.snapshot)
            return apply(tx, incident, now)

    def _entry(self, incident: Incident, kind: str, text: str, at: datetime, /, **details: Any) -> NewEntry:
        corrects = details.pop("corrects", None)
        return NewEntry(incident.id, kind, text, self.author, at, details, corrects)

    def declare(
        self,
        title: str,
        severity: Severity,
        *,
        impact: str = "",
        services: Sequence[str] = (),
        commander: str = "",
        started_at: datetime | None = None,
        detected_at: datetime | None = None,
    ) -> Incident:
        """Declare a new incident; its id is the next ``INC-N`` in the file."""
        title = _required("the incident title", title, limits.TITLE)
        impact = _optional("the impact", impact, limits.IMPACT)
        service_names = _services(services)
        commander = _optional("the commander's name", commander, limits.NAME)
        now = self.clock()
        detected = detected_at or now
        if started_at is not None and started_at > detected:
            raise InputError("the impact start is after the detection time", wants="started_at")
        if detected > now:
            raise InputError("the detection time is in the future")
        with self.repository.transaction(now) as tx:
            return self.declare_in(
                tx, now, title, severity, impact=impact, services=service_names, commander=commander,
                started_at=started_at, detected_at=detected,
            )  # fmt: skip

    def declare_in(
        self,
        tx: Transaction,
        now: datetime,
        title: str,
        severity: Severity,
        *,
        impact: str = "",
        services: Sequence[str] = (),
        commander: str = "",
        started_at: datetime | None = None,
        detected_at: datetime,
        author: str | None = None,
        **extra: Any,
    ) -> Incident:
        """Declare within ``tx``, whose caller has checked the times; ``author`` (when given) writes
        the declaration and no one is commander yet; ``extra`` goes into the declaration's details."""
        if len(title) > limits.TITLE:  # a summary from monitoring; the alert entries keep it whole
            title = title[: limits.TITLE - 1] + "…"
        incident = Incident(
            id=tx.next_incident_id(),
            title=title,
            severity=severity,
            highest_severity=severity,
            status=Status.INVESTIGATING,
            detected_at=detected_at,
            declared_at=now,
            started_at=started_at,
            impact=clean_input(impact),
            services=tuple(s for s in (clean_input(x) for x in services) if s),
            commander=clean_input(commander) or ("" if author is not None else self.author),
        )
        tx.put_incident(incident)
        entry = self._entry(
            incident,
            "declare",
            f"Declared {severity.value} ({severity.description}): {title}",
            now,
            **extra,
            severity=severity.value,
            detected_at=detected_at.isoformat(),
            # The record's values, so the incidents table can be checked against the log.
            title=incident.title,
            impact=incident.impact,
            services=list(incident.services),
            commander=incident.commander,
            started_at=started_at.isoformat() if started_at else None,
        )
        tx.append(entry._replace(author=author) if author is not None else entry)
        return incident

    def ingest(self, payload: alerts.Payload, rules: IngestRules, author: str | None = None) -> ingest.Outcome:
        """Apply a monitoring webhook (see ``ingest.apply``): declare, log its alerts, or nothing."""
        from . import ingest

        return ingest.apply(self, payload, rules, author)

    def log(
        self,
        text: str,
        *,
        kind: str = "note",
        at: datetime | None = None,
        incident_id: str | None = None,
        corrects: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> LogEntry:
        """Append an entry to the incident's log; ``at`` backdates it (the entry shows it)."""
        text = _required("the log entry", text, limits.ENTRY, multiline=kind == "comms")

        def apply(tx: Transaction, incident: Incident, now: datetime) -> LogEntry:
            when = at or now
            if when > now:
                raise InputError("the entry's time is in the future")
            if corrects is not None and not any(e.id == corrects for e in tx.snapshot.log_for(incident.id)):
                raise InputError(f"entry {corrects} is not in {incident.id}'s log, so it cannot be corrected")
            return tx.append(NewEntry(incident.id, kind, text, self.author, when, dict(details or {}), corrects))

        return self._change(incident_id, apply)

    def acknowledge(self, incident_id: str | None = None) -> LogEntry:
        """Acknowledge the incident: meets the acknowledge timer."""

        def apply(tx: Transaction, incident: Incident, now: datetime) -> LogEntry:
            if incident.acknowledged_at is not None:
                raise InputError(f"{incident.id} was already acknowledged")
            tx.put_incident(incident.with_changes(acknowledged_at=now))
            return tx.append(self._entry(incident, "ack", f"Acknowledged by {self.author}", now))

        return self._change(incident_id, apply)

    def triage(
        self, answers: TriageAnswers, *, apply_severity: bool = False, incident_id: str | None = None
    ) -> TriageResult:
        """Record the four answers, log the suggested severity and, when asked, apply it."""

        def apply(tx: Transaction, incident: Incident, now: datetime) -> TriageResult:
            suggested, rule = triage.suggest(answers)
            changed = incident.with_changes(triage=answers, triaged_at=incident.triaged_at or now)
            tx.append(
                self._entry(
                    incident,
                    "triage",
                    f"Triage: {answers.describe()} -> suggests {suggested.value} ({rule})",
                    now,
                    suggested=suggested.value,
                    applied=apply_severity,
                    users=answers.users.value,
                    data_at_risk=answers.data_at_risk,
                    transactions_failing=answers.transactions_failing,
                    workaround=answers.workaround,
                )
            )
            if apply_severity and suggested is not incident.severity:
                changed = self._severity_change(tx, changed, suggested, f"triage suggested {suggested.value}", now)
            tx.put_incident(changed)
            return TriageResult(suggested, rule, apply_severity, changed)

        return self._change(incident_id, apply)

    def _severity_change(
        self, tx: Transaction, incident: Incident, severity: Severity, reason: str, now: datetime
    ) -> Incident:
        peak = incident.peak_severity
        if severity.rank < peak.rank:
            peak = severity
        tx.append(
            self._entry(
                incident,
                "severity",
                f"Severity {incident.severity.value} -> {severity.value}: {reason}",
                now,
                previous=incident.severity.value,
                severity=severity.value,
            )
        )
        return incident.with_changes(severity=severity, highest_severity=peak)

    def set_severity(self, severity: Severity, reason: str, incident_id: str | None = None) -> Incident:
        """Change the severity; a reason is required and logged. Deadlines follow the new severity."""
        reason = _required("the reason for the severity change", reason, limits.REASON, wants="reason")

        def apply(tx: Transaction, incident: Incident, now: datetime) -> Incident:
            if severity is incident.severity:
                raise InputError(f"{incident.id} is already {severity.value}")
            changed = self._severity_change(tx, incident, severity, reason, now)
            tx.put_incident(changed)
            return changed

        return self._change(incident_id, apply)

    def set_status(self, status: Status, *, note: str = "", incident_id: str | None = None) -> Incident:
        """Move the incident to ``status``.

        Reopening a resolved incident needs a note saying why. Resolving before the Resolve
        checklist is clear (metrics verified, 30 minutes of monitoring) needs a note too, and
        the change is logged as an override with what was skipped.
        """
        note = _optional("the note", note, limits.REASON)

        def apply(tx: Transaction, incident: Incident, now: datetime) -> Incident:
            if status is incident.status:
                raise InputError(f"{incident.id} is already {status.value}")
            if incident.status is Status.RESOLVED and not note:
                raise InputError(f"{incident.id} is resolved; reopening it needs a reason", wants="reason")
            skipped: list[str] = []
            if status is Status.RESOLVED:
                from .domain import checklist

                log = tx.snapshot.log_for(incident.id)
                skipped = checklist.early_resolve_problems(incident, log, sla.timers(incident, log, self.policy, now))
                if skipped and not note:
                    raise InputError(
                        f"{incident.id} cannot be resolved yet: {'; '.join(skipped)}. "
                        "Resolving it anyway needs a reason, logged as an override",
                        wants="reason",
                    )
            changes: dict[str, Any] = {"status": status}
            if status is Status.MONITORING:
                changes["monitoring_since"] = now
            elif status is Status.RESOLVED:
                changes["resolved_at"] = now
            else:
                changes["monitoring_since"] = None
            if incident.status is Status.RESOLVED:
                changes["resolved_at"] = None
                changes["postmortem_done_at"] = None
            verb = "Reopened" if incident.status is Status.RESOLVED else "Status"
            if skipped:
                verb = "Resolved early (override)"
            text = f"{verb}: {incident.status.value} -> {status.value}" + (f": {note}" if note else "")
            details: dict[str, Any] = {"previous": incident.status.value, "status": status.value}
            if note and status is Status.IDENTIFIED and incident.status is not Status.RESOLVED:
                details["cause"] = note  # what the Identified update names
            if skipped:
                details.update(override=True, skipped=skipped)
            tx.append(self._entry(incident, "status", text, now, **details))
            changed = incident.with_changes(**changes)
            tx.put_incident(changed)
            return changed

        return self._change(incident_id, apply)

    def set_commander(self, name: str, incident_id: str | None = None) -> Incident:
        """Hand command to ``name``."""
        name = _required("the commander's name", name, limits.NAME)

        def apply(tx: Transaction, incident: Incident, now: datetime) -> Incident:
            tx.append(
                self._entry(
                    incident,
                    "commander",
                    f"Commander: {incident.commander or '-'} -> {name}",
                    now,
                    previous=incident.commander,
                    commander=name,
                )
            )
            changed = incident.with_changes(commander=name)
            tx.put_incident(changed)
            return changed

        return self._change(incident_id, apply)

    def set_impact(self, impact: str, incident_id: str | None = None) -> Incident:
        """Describe the user impact anew."""
        impact = _required("the impact", impact, limits.IMPACT)

        def apply(tx: Transaction, incident: Incident, now: datetime) -> Incident:
            tx.append(
                self._entry(incident, "impact", f"Impact: {impact}", now, previous=incident.impact, impact=impact)
            )
            changed = incident.with_changes(impact=impact)
            tx.put_incident(changed)
            return changed

        return self._change(incident_id, apply)

    def escalate(self, to: str, why: str, incident_id: str | None = None) -> LogEntry:
        """Record an escalation: to whom, and why."""
        to = _required("who the incident is escalated to", to, limits.NAME)
        why = _required("why it is escalated", why, limits.REASON)
        return self.log(f"Escalated to {to}: {why}", kind="escalation", incident_id=incident_id, details={"to": to})

    def respond(self, action: str, detail: str, incident_id: str | None = None) -> LogEntry:
        """Record one of the runbook's response actions (Rollback, Failover, ...) with its detail."""
        names = [name for name, _ in RESPONSE_ACTIONS]
        canonical = next((name for name in names if name.lower() == action.strip().lower()), None)
        if canonical is None:
            raise InputError(f"response action {action!r} is not one of {', '.join(names)}")
        action = canonical
        detail = _required(f"the detail of {action}", detail, limits.REASON)
        return self.log(f"{action}: {detail}", kind="action", incident_id=incident_id, details={"action": action})

    def record_command(
        self, argv: Sequence[str], started: datetime, ended: datetime, exit_status: int, incident_id: str | None = None
    ) -> LogEntry:
        """Log a command that was run, with its start, end and exit status.

        The entry is dated when the command ended (when its outcome was known); the start is in
        the details, so a long command does not read as a backfilled entry.
        """
        line = self.command_line(argv)
        text = f"$ {line} -> exit {exit_status} ({(ended - started).total_seconds():.1f}s)"
        return self.log(
            text,
            kind="command",
            at=ended,
            incident_id=incident_id,
            details={
                "argv": [clean_input(a) for a in argv],
                "exit_status": exit_status,
                "started_at": started.isoformat(),
                "ended_at": ended.isoformat(),
            },
        )

    def command_line(self, argv: Sequence[str]) -> str:
        """The command line ``record_command`` logs for ``argv``; refused when too long to log (``run``
        asks before it starts the command)."""
        return limits.check("the command line", clean_input(" ".join(_quote(a) for a in argv)), limits.COMMAND_LINE)

    def record_update(
        self, text: str, *, template: str = "", channel: str = "", incident_id: str | None = None
    ) -> LogEntry:
        """Log a status update as sent: meets the response timer and restarts the update cadence."""
        limits.check("the status update", text, limits.ENTRY)
        return self.log(text, kind="comms", incident_id=incident_id, details={"template": template, "channel": channel})

    def record_breach(self, timer: sla.SlaTimer, incident_id: str) -> LogEntry | None:
        """Log that ``timer`` breached, once per deadline; None when it was already logged."""

        def apply(tx: Transaction, incident: Incident, now: datetime) -> LogEntry | None:
            due = timer.due_at.isoformat() if timer.due_at else ""
            for entry in tx.snapshot.log_for(incident.id):
                if (
                    entry.kind == "breach"
                    and entry.details.get("timer") == timer.name
                    and entry.details.get("due_at") == due
                ):
                    return None
            overdue = sla.format_duration(timer.remaining or 0)
            return tx.append(
                self._entry(
                    incident,
                    "breach",
                    f"{timer.title} deadline breached ({overdue} overdue)",
                    now,
                    timer=timer.name,
                    due_at=due,
                )
            )

        return self._change(incident_id, apply)

    # --- Resolve, handoff, post-mortem, action items, updates -----------------------------------

    def verify_metrics(self, note: str = "", incident_id: str | None = None) -> LogEntry:
        """Tick Resolve's first step: metrics are back to normal."""
        note = _optional("the note", note, limits.REASON)

        def apply(tx: Transaction, incident: Incident, now: datetime) -> LogEntry:
            text = "Checklist: verified metrics returned to normal" + (f": {note}" if note else "")
            return tx.append(self._entry(incident, "checklist", text, now, item="verify"))

        return self._change(incident_id, apply)

    def resolve_checks(self, incident: Incident, snapshot: Snapshot | None = None) -> list[checklist.Check]:
        from .domain import checklist

        snap = snapshot or self.snapshot()
        log = snap.log_for(incident.id)
        return checklist.checks(incident, log, self.timers(incident, snap))

    def handoff(self, to: str, incident_id: str | None = None, *, notes: str = "") -> tuple[str, Incident]:
        """Brief the next person: returns the Markdown briefing; logs the handoff with ``notes`` (what
        the outgoing person would do next, open threads); ``to`` takes command."""
        to = _required("who takes over", to, limits.NAME, wants="to")
        notes = limits.check("the handoff notes", clean_input(notes, multiline=True).strip(), limits.REASON)

        def apply(tx: Transaction, incident: Incident, now: datetime) -> tuple[str, Incident]:
            log = tx.snapshot.log_for(incident.id)
            from .domain import reports

            briefing = reports.handoff_markdown(
                incident,
                log,
                sla.timers(incident, log, self.policy, now),
                tx.snapshot.items_for(incident.id),
                from_name=self.author,
                to_name=to,
                now=now,
                notes=notes,
            )
            text = f"Handed off from {self.author} to {to}" + (f"\nNext / open threads: {notes}" if notes else "")
            details = {"from": self.author, "to": to, "previous_commander": incident.commander}
            tx.append(self._entry(incident, "handoff", text, now, **details, **({"notes": notes} if notes else {})))
            changed = incident.with_changes(commander=to)
            tx.put_incident(changed)
            return briefing, changed

        return self._change(incident_id, apply)

    def since_last_handoff(self, incident: Incident, snapshot: Snapshot | None = None) -> tuple[LogEntry, ...]:
        """The log since the last handoff before the latest one: what the incoming person should review."""
        from .domain import reports

        return reports.review_window((snapshot or self.snapshot()).log_for(incident.id))[1]

    def review(self, incident: Incident, snapshot: Snapshot | None = None) -> str:
        """The review Markdown: the entries of since_last_handoff, and from where they start."""
        from .domain import reports

        since, entries = reports.review_window((snapshot or self.snapshot()).log_for(incident.id))
        return reports.review_markdown(incident, entries, since=since)

    def postmortem(self, incident_id: str | None = None, snapshot: Snapshot | None = None) -> str:
        """The post-mortem Markdown in the runbook's layout, prefilled from the file (or ``snapshot``)."""
        snap = snapshot or self.snapshot()
        incident = self.incident(incident_id, snap)
        from .domain import reports

        return reports.postmortem_markdown(
            incident, snap.log_for(incident.id), snap.items_for(incident.id), self.clock()
        )

    def write_postmortem_section(self, key: str, text: str, incident_id: str | None = None) -> Incident:
        """Save one free-text section of the post-mortem (Summary, Root Cause, ...)."""
        titles = dict(POSTMORTEM_FIELDS)
        if key not in titles:
            raise InputError(f"post-mortem section {key!r} is not one of {', '.join(titles)}")
        text = clean_input(text, multiline=True).strip()
        limits.check(f"the post-mortem's {titles[key]} section", text, limits.SECTION)

        def apply(tx: Transaction, incident: Incident, now: datetime) -> Incident:
            if incident.postmortem.get(key, "") == text:
                return incident
            sections = {**incident.postmortem, key: text}
            tx.append(
                self._entry(incident, "postmortem", f"Post-mortem: {titles[key]} written", now, section=key, text=text)
            )
            changed = incident.with_changes(postmortem=sections)
            tx.put_incident(changed)
            return changed

        return self._change(incident_id, apply)

    def complete_postmortem(self, incident_id: str | None = None, *, reason: str = "") -> Incident:
        """Mark the post-mortem complete: meets the 48-hour timer.

        With sections still TODO it is refused, unless a reason is given: then it is logged as an
        override naming what is missing, and the timer shows the override.
        """
        reason = clean_input(reason).strip()

        def apply(tx: Transaction, incident: Incident, now: datetime) -> Incident:
            if incident.status is not Status.RESOLVED:
                raise InputError(f"{incident.id} is not resolved yet; the post-mortem follows resolution")
            if incident.postmortem_done_at is not None:
                raise InputError(f"{incident.id}'s post-mortem is already complete")
            missing = list(incident.postmortem_todo)
            if missing and not reason:
                raise InputError(
                    f"{incident.id}'s post-mortem still has TODO sections: {', '.join(missing)}. "
                    "Marking it complete anyway needs a reason, logged as an override",
                    wants="reason",
                )
            text = "Post-mortem marked complete"
            details: dict[str, Any] = {"complete": True}
            if missing:
                text += f" (override, still TODO: {', '.join(missing)}): {reason}"
                details.update(override=True, missing=missing)
            elif reason:
                text += f": {reason}"
            tx.append(self._entry(incident, "postmortem", text, now, **details))
            changed = incident.with_changes(postmortem_done_at=now)
            tx.put_incident(changed)
            return changed

        return self._change(incident_id, apply)

    def add_action_item(
        self, text: str, *, owner: str = "", due: date | None = None, incident_id: str | None = None
    ) -> ActionItem:
        """Add a follow-up with an owner and a deadline."""
        text = _required("the action item", text, limits.ACTION_ITEM)
        owner = _optional("the owner's name", owner, limits.NAME)

        def apply(tx: Transaction, incident: Incident, now: datetime) -> ActionItem:
            item = ActionItem(tx.next_item_id(), incident.id, text, owner, due, now)
            tx.put_item(item)
            when = due.isoformat() if due else "no deadline"
            tx.append(
                self._entry(
                    incident,
                    "action_item",
                    f"Action item #{item.id} added: {text} (owner {owner or 'none'}, {when})",
                    now,
                    item=item.id,
                    text=text,
                    owner=owner,
                    due=due.isoformat() if due else None,
                )
            )
            return item

        return self._change(incident_id, apply)

    def complete_action_item(self, item_id: int) -> ActionItem:
        """Mark action item ``item_id`` done."""
        now = self.clock()
        with self.repository.transaction(now) as tx:
            item = next((i for i in tx.snapshot.action_items if i.id == item_id), None)
            if item is None:
                raise InputError(f"action item {item_id} does not exist")
            if item.done_at is not None:
                raise InputError(f"action item {item_id} is already done")
            incident = self.incident(item.incident_id, tx.snapshot)
            done = ActionItem(item.id, item.incident_id, item.text, item.owner, item.due, item.created_at, now)
            tx.put_item(done)
            tx.append(
                self._entry(
                    incident, "action_item", f"Action item #{item.id} done: {item.text}", now, item=item.id, done=True
                )
            )
            return done

    def stated_cause(self, incident: Incident, snapshot: Snapshot | None = None) -> str:
        """The cause given when ``incident`` was moved to identified (the status change's note), or ''."""
        snap = snapshot or self.snapshot()
        return comms.stated_cause(snap.log_for(incident.id))

    def render_update(self, template_key: str, cause: str = "", incident_id: str | None = None) -> str:
        """The filled text of a communications template for the incident, now.

        A template that names the cause (Identified) takes it from ``cause``, else from the note of the
        change to identified; with neither it is refused, so no update goes out saying "[cause]".
        """
        needs_cause = comms.template(template_key, self.templates).needs_cause
        cause = _optional("the cause", cause, limits.REASON)
        incident = self.incident(incident_id)
        cause = cause or (self.stated_cause(incident) if needs_cause else "")
        if needs_cause and not cause.strip():
            raise InputError(
                f"template {template_key!r} needs the cause, given here or with the change of status to identified",
                wants="cause",
            )
        return comms.render(template_key, incident, self.policy, self.clock(), cause, self.templates)

    def export(self, out: str) -> int:
        """Write a consistent copy of the state file to ``out`` (atomic, 0600); returns its entry count."""
        return self.repository.export_to(out)


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)
