"""Triage: the runbook's four questions and the rule table that suggests a severity.

The rules are read top to bottom; the first that matches gives the suggestion:

| # | When                                             | Suggests |
|---|--------------------------------------------------|----------|
| 1 | data is at risk                                  | P1       |
| 2 | all users affected and transactions failing      | P1       |
| 3 | all users affected and no workaround             | P1       |
| 4 | all users affected (a workaround exists)         | P2       |
| 5 | transactions failing                             | P2       |
| 6 | many users affected and no workaround            | P2       |
| 7 | many users affected (a workaround exists)        | P3       |
| 8 | few users affected and no workaround             | P3       |
| 9 | few users affected (a workaround exists)         | P4       |
"""

# No "from __future__ import annotations": see model.py (named tuples are made faster without it).

from collections.abc import Callable
from typing import NamedTuple

from .errors import InputError
from .model import Severity, TriageAnswers, Users

QUESTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("users", "How many users affected?", ("all", "many", "few")),
    ("data_at_risk", "Is data at risk?", ("yes", "no")),
    ("transactions_failing", "Are transactions failing?", ("yes", "no")),
    ("workaround", "Is there a workaround?", ("yes", "no")),
)


class Rule(NamedTuple):
    when: str
    matches: Callable[[TriageAnswers], bool]
    severity: Severity


RULES: tuple[Rule, ...] = (
    Rule("data is at risk", lambda a: a.data_at_risk, Severity.P1),
    Rule(
        "all users affected and transactions failing",
        lambda a: a.users is Users.ALL and a.transactions_failing,
        Severity.P1,
    ),
    Rule("all users affected and no workaround", lambda a: a.users is Users.ALL and not a.workaround, Severity.P1),
    Rule("all users affected (a workaround exists)", lambda a: a.users is Users.ALL, Severity.P2),
    Rule("transactions failing", lambda a: a.transactions_failing, Severity.P2),
    Rule("many users affected and no workaround", lambda a: a.users is Users.MANY and not a.workaround, Severity.P2),
    Rule("many users affected (a workaround exists)", lambda a: a.users is Users.MANY, Severity.P3),
    Rule("few users affected and no workaround", lambda a: not a.workaround, Severity.P3),
    Rule("few users affected (a workaround exists)", lambda a: True, Severity.P4),
)


def suggest(answers: TriageAnswers) -> tuple[Severity, str]:
    """The suggested severity for ``answers`` and the rule that gave it."""
    for rule in RULES:
        if rule.matches(answers):
            return rule.severity, rule.when
    raise AssertionError("the last rule matches everything")  # pragma: no cover


def parse_yes_no(question: str, text: str) -> bool:
    """Read yes/no (or y/n, true/false) for ``question``, or refuse with a sentence."""
    value = text.strip().lower()
    if value in {"yes", "y", "true"}:
        return True
    if value in {"no", "n", "false"}:
        return False
    raise InputError(f"{question} {text!r} is not yes or no")


def answers_from_text(users: str, data_at_risk: str, transactions_failing: str, workaround: str) -> TriageAnswers:
    """Build answers from the words a person typed."""
    return TriageAnswers(
        users=Users.parse(users),
        data_at_risk=parse_yes_no("data at risk", data_at_risk),
        transactions_failing=parse_yes_no("transactions failing", transactions_failing),
        workaround=parse_yes_no("workaround", workaround),
    )
