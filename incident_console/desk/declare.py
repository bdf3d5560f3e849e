"""Declare and triage (runbook steps 1 and 2): open an incident, answer the four questions, set severity,
commander and impact."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from ..domain import limits, triage
from ..domain.errors import InputError
from ..domain.model import (
    Incident,
    Severity,
    Status,
    TriageAnswers,
)
from ..domain.text import clean_input
from .core import _optional, _required, _services
from .reading import Reading

if TYPE_CHECKING:
    from ..store.repository import Transaction


class TriageResult(NamedTuple):
    suggested: Severity
    rule: str
    applied: bool
    incident: Incident


class Declaring(Reading):
    """Declaring an incident and triaging it."""

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
        with self._transaction(now) as tx:
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
