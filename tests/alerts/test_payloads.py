"""Payloads as the Desk reads them: any body is applied whole or refused in one sentence, never half-written."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incident_console.desk import Desk
from incident_console.desk import detect as ingest
from incident_console.domain.alert_plan import severity_for
from incident_console.domain.alert_rules import IngestRules
from incident_console.domain.errors import InputError
from incident_console.domain.model import Severity
from incident_console.store.repository import Repository

from .helpers import fixture

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
NAMES = [
    "alertmanager_firing",
    "alertmanager_new_alert",
    "alertmanager_resolved",
    "alertmanager_truncated",
    "grafana_firing",
    "grafana_resolved",
    "pagerduty_triggered",
    "pagerduty_acknowledged",
    "pagerduty_annotated",
    "pagerduty_resolved",
]
BASES = {name: json.loads(fixture(name)) for name in NAMES}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    """A real payload with a few of its values replaced by anything JSON can hold, or removed."""
    name = draw(st.sampled_from(NAMES))
    body = copy.deepcopy(BASES[name])
    paths = _paths(body)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths))
        parent = body
        try:
            for step in path[:-1]:
                parent = parent[step]
            if draw(st.booleans()) and isinstance(parent, dict):
                parent.pop(path[-1], None)
            else:
                parent[path[-1]] = draw(json_values)
        except (KeyError, IndexError, TypeError):
            continue
    return draw(st.sampled_from(["auto", name.split("_")[0]])), json.dumps(body).encode()


def desk_on(path: Path) -> Desk:
    return Desk(Repository(str(path)), author="alice", clock=lambda: NOW)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(st.lists(mutated() | st.tuples(st.just("auto"), st.binary(max_size=60)), min_size=1, max_size=4))
def test_any_payload_is_applied_whole_or_refused_in_one_sentence(tmp_path_factory: Any, bodies: list) -> None:
    path = tmp_path_factory.mktemp("hyp") / "incidents.json"
    desk = desk_on(path)
    desk.ingest(ingest.decode(fixture("alertmanager_firing"), "alertmanager"), IngestRules())
    for source, body in bodies:
        before = path.read_bytes()
        try:
            outcome = desk.ingest(ingest.decode(body, source), IngestRules())
        except InputError as exc:
            sentence = str(exc)
            assert sentence and "\n" not in sentence and "Traceback" not in sentence
            assert path.read_bytes() == before  # nothing half-written
        else:
            assert outcome.summary
    assert desk.repository.verify() is None


def test_the_severity_mapping_and_its_default() -> None:
    rules = IngestRules()
    assert severity_for({"severity": "critical"}, rules)[0] is Severity.P1
    assert severity_for({"severity": "High"}, rules)[0] is Severity.P2
    assert severity_for({"severity": "warning"}, rules)[0] is Severity.P3
    assert severity_for({"severity": "low"}, rules)[0] is Severity.P4
    severity, why = severity_for({"severity": "disaster"}, rules._replace(default_severity=Severity.P2))
    assert severity is Severity.P2 and why == "Severity P2 by default (severity='disaster' is not in the mapping)"


def test_pagerduty_urgency_is_used_without_a_priority(tmp_path: Path) -> None:
    body = copy.deepcopy(BASES["pagerduty_triggered"])
    body["event"]["data"]["priority"] = None
    body["event"]["data"]["urgency"] = "low"
    desk = desk_on(tmp_path / "f.json")
    desk.ingest(ingest.decode(json.dumps(body).encode(), "pagerduty"), IngestRules())
    assert desk.incident().severity is Severity.P4


def test_a_priority_update_suggests_but_never_changes_the_severity(tmp_path: Path) -> None:
    desk = desk_on(tmp_path / "f.json")
    desk.ingest(ingest.decode(fixture("pagerduty_triggered"), "pagerduty"), IngestRules())
    body = copy.deepcopy(BASES["pagerduty_acknowledged"])
    body["event"].update(id="01PRIORITY", event_type="incident.priority_updated")
    body["event"]["data"]["priority"]["summary"] = "P1"
    outcome = desk.ingest(ingest.decode(json.dumps(body).encode(), "pagerduty"), IngestRules())
    assert outcome.summary == "priority logged on INC-1"
    assert desk.incident().severity is Severity.P2
    assert desk.snapshot().log[-1].text == "PagerDuty priority is now P1: suggests P1; the severity is unchanged"


def test_escalated_and_reassigned_are_escalations(tmp_path: Path) -> None:
    desk = desk_on(tmp_path / "f.json")
    desk.ingest(ingest.decode(fixture("pagerduty_triggered"), "pagerduty"), IngestRules())
    for number, kind in enumerate(("incident.escalated", "incident.reassigned")):
        body = copy.deepcopy(BASES["pagerduty_acknowledged"])
        body["event"].update(id=f"01ESC{number}", event_type=kind)
        desk.ingest(ingest.decode(json.dumps(body).encode(), "pagerduty"), IngestRules())
    assert [e.kind for e in desk.snapshot().log[-2:]] == ["escalation", "escalation"]
    assert desk.repository.verify() is None


def test_a_repeat_is_answered_without_reading_the_file_again(tmp_path: Path, monkeypatch: Any) -> None:
    from incident_console.store import repository

    desk = desk_on(tmp_path / "f.json")
    desk.ingest(ingest.decode(fixture("alertmanager_firing"), "alertmanager"), IngestRules())

    def no_reading(*args: Any) -> Any:
        raise AssertionError("the file was parsed again for a repeat")

    monkeypatch.setattr(repository, "decode", no_reading)
    outcome = desk.ingest(ingest.decode(fixture("alertmanager_repeat"), "alertmanager"), IngestRules())
    assert outcome.summary == "duplicate, nothing to do"
