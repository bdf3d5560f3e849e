"""The console's forms: which fields each action asks for (the form screen itself is in screens/form.py)."""

from __future__ import annotations

from typing import NamedTuple

from textual.content import Content

from ..desk import RESPONSE_ACTIONS
from ..domain import limits, triage
from ..domain.errors import InputError
from ..domain.model import Incident, Severity, Status


# Here rather than with the form screen: the main screen imports this module at start-up, and the
# form's widgets need not be imported before a form is first opened.
class Field(NamedTuple):
    name: str
    label: str
    choices: tuple[tuple[str, str], ...] = ()  # (value, label); empty means a text field
    required: bool = False
    value: str = ""
    placeholder: str = ""
    limit: int = 0  # the most characters the Desk takes in it (checked before the form closes); 0: none


Values = dict[str, str]

SEVERITY_CHOICES = tuple((s.value, f"{s.value} {s.label} — {s.description}") for s in Severity)
YES_NO = (("yes", "Yes"), ("no", "No"))


def declare_fields() -> list[Field]:
    return [
        Field("title", "Title", required=True, placeholder="what is broken, in a few words", limit=limits.TITLE),
        Field("severity", "Severity", SEVERITY_CHOICES, required=True, value="P2"),
        Field("impact", "User impact", placeholder="who is affected and how", limit=limits.IMPACT),
        Field("services", "Services", placeholder="comma-separated, e.g. checkout, payments-api"),
        Field("commander", "Commander", placeholder="defaults to you", limit=limits.NAME),
        Field("started", "Impact started", placeholder="-20m, or 2026-11-28T03:04Z (default: now)"),
    ]


def severity_fields(incident: Incident) -> list[Field]:
    return [
        Field("severity", f"New severity (now {incident.severity.value})", SEVERITY_CHOICES, required=True),
        Field("reason", "Reason", required=True, placeholder="why the severity changes", limit=limits.REASON),
    ]


def status_fields(incident: Incident) -> list[Field]:
    choices = tuple((s.value, s.title) for s in Status if s is not incident.status)
    reopening = incident.status is Status.RESOLVED
    return [
        Field("status", f"New status (now {incident.status.title})", choices, required=True),
        Field(
            "note",
            "Reason (required to reopen)" if reopening else "Reason",
            required=reopening,
            placeholder="" if reopening else "for Identified: the cause, which its update names",
            limit=limits.REASON,
        ),
    ]


def respond_fields() -> list[Field]:
    return [
        Field("action", "Action", tuple((name, f"{name} — {when}") for name, when in RESPONSE_ACTIONS), required=True),
        Field(
            "detail",
            "Detail",
            required=True,
            placeholder="what exactly: e.g. rolled back api to v142",
            limit=limits.REASON,
        ),
    ]


def escalate_fields() -> list[Field]:
    return [
        Field("to", "Escalate to", required=True, placeholder="person or team", limit=limits.NAME),
        Field("why", "Why", required=True, placeholder="what you are blocked on", limit=limits.REASON),
    ]


def triage_fields(incident: Incident) -> list[Field]:
    fields = []
    previous = incident.triage
    for name, question, answers in triage.QUESTIONS:
        value = ""
        if previous is not None:
            current = getattr(previous, name)
            value = current.value if name == "users" else ("yes" if current else "no")
        fields.append(Field(name, question, tuple((a, a.capitalize()) for a in answers), required=True, value=value))
    fields.append(
        Field(
            "apply",
            "Set the suggested severity?",
            (("yes", "Yes, apply it"), ("no", "No, record only")),
            required=True,
            value="yes",
        )
    )
    return fields


def triage_hint(values: Values) -> Content:
    try:
        answers = triage.answers_from_text(
            values.get("users", ""),
            values.get("data_at_risk", ""),
            values.get("transactions_failing", ""),
            values.get("workaround", ""),
        )
    except InputError:
        return Content.styled("Answer all four questions to see the suggested severity.", "dim")
    severity, rule = triage.suggest(answers)
    return Content.assemble(
        ("Suggested: ", "bold"), (f"{severity.value} {severity.label}", "bold reverse"), f"  because {rule}"
    )
