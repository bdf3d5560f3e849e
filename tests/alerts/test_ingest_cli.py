"""`incident-console ingest`: each saved webhook payload through the command line, as a bridge runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .helpers import FIXTURES, cli, fixture, intact, listed, show


def ingest(tmp_path: Path, name: str, *args: str) -> str:
    result = cli(tmp_path, "ingest", str(FIXTURES / f"{name}.json"), *args)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout.strip()


def test_a_firing_group_declares_an_incident_with_its_alerts(tmp_path: Path) -> None:
    assert ingest(tmp_path, "alertmanager_firing") == "declared INC-1, 2 alerts logged"
    shown = show(tmp_path)
    incident = shown["incident"]
    assert incident["title"] == "Checkout error rate above 5%"
    assert incident["severity"] == "P1"  # severity="critical"
    assert incident["services"] == ["checkout-api", "checkout"]  # the service label, then job
    assert incident["detected_at"] == incident["started_at"] == "2026-12-02T09:58:12.123456Z"
    log = shown["log"]
    assert [e["kind"] for e in log] == ["declare", "note", "alert", "alert"]
    assert {e["author"] for e in log} == {"alertmanager"}
    assert "Severity P1 from alert label severity='critical'" in log[1]["text"]
    alerts = shown["alerts"]
    assert [a["fingerprint"] for a in alerts] == ["3f7c2a9e1b5d4c60", "8a1e6d0c2f9b7e31"]
    first = alerts[0]
    assert first["name"] == "HighErrorRate" and first["status"] == "firing"
    assert first["starts_at"] == "2026-12-02T09:58:12.123456Z" and first["ends_at"] is None
    assert first["links"]["generatorURL"].startswith("http://prometheus.example.com:9090/graph")
    assert first["links"]["runbook_url"] == "https://runbooks.example.com/high-error-rate"
    details = log[2]["details"]
    assert details["labels"]["instance"] == "checkout-1:8080"
    assert details["description"].startswith("5xx ratio above 5% on checkout-1:8080")
    intact(tmp_path)


def test_a_repeat_adds_nothing_and_the_same_payload_twice_changes_nothing(tmp_path: Path) -> None:
    ingest(tmp_path, "alertmanager_firing")
    before = (tmp_path / "incidents.json").read_bytes()
    assert ingest(tmp_path, "alertmanager_repeat") == "duplicate, nothing to do"
    assert ingest(tmp_path, "alertmanager_firing") == "duplicate, nothing to do"
    assert (tmp_path / "incidents.json").read_bytes() == before
    assert len(listed(tmp_path)) == 1


def test_a_new_alert_then_resolution_each_add_one_entry_per_alert_and_never_resolve(tmp_path: Path) -> None:
    ingest(tmp_path, "alertmanager_firing")
    assert ingest(tmp_path, "alertmanager_new_alert") == "1 alert logged on INC-1"
    assert ingest(tmp_path, "alertmanager_new_alert") == "duplicate, nothing to do"
    assert ingest(tmp_path, "alertmanager_resolved") == "3 alerts logged on INC-1"
    assert ingest(tmp_path, "alertmanager_resolved") == "duplicate, nothing to do"
    shown = show(tmp_path)
    assert shown["incident"]["status"] == "investigating"  # the resolve gate decides, not the alerts
    assert [a["status"] for a in shown["alerts"]] == ["resolved"] * 3
    assert shown["alerts"][2]["ends_at"] == "2026-12-02T10:21:12Z"
    assert sum(e["kind"] == "alert" for e in shown["log"]) == 6
    intact(tmp_path)


def test_the_verify_step_counts_the_alerts_still_firing(tmp_path: Path) -> None:
    ingest(tmp_path, "alertmanager_new_alert")
    checklist = cli(tmp_path, "checklist")
    assert "3 of 3 alerts still firing: HighErrorRate" in checklist.stdout, checklist.stdout
    ingest(tmp_path, "alertmanager_resolved")
    assert "all 3 alerts resolved" in cli(tmp_path, "checklist").stdout


def test_a_truncated_group_says_how_many_alerts_were_left_out(tmp_path: Path) -> None:
    ingest(tmp_path, "alertmanager_truncated")
    texts = [e["text"] for e in show(tmp_path)["log"]]
    assert "7 more alerts of the group were left out by alertmanager" in texts


def test_a_resolved_incident_that_fires_again_gets_a_recurrence_not_a_reopening(tmp_path: Path) -> None:
    ingest(tmp_path, "alertmanager_firing")
    ingest(tmp_path, "alertmanager_resolved")
    done = cli(tmp_path, "status", "resolved", "--reason", "rolled back")
    assert done.returncode == 0, done.stderr
    assert ingest(tmp_path, "alertmanager_firing").startswith("recurrence on INC-1")
    shown = show(tmp_path)
    assert shown["incident"]["status"] == "resolved"
    assert any(e["kind"] == "recurrence" for e in shown["log"])
    assert len(listed(tmp_path)) == 1
    intact(tmp_path)


def test_grafana_firing_then_resolved(tmp_path: Path) -> None:
    assert ingest(tmp_path, "grafana_firing") == "declared INC-1, 1 alert logged"
    shown = show(tmp_path)
    assert shown["incident"]["title"] == "Replica lag above 30s on orders-db-2"
    assert shown["incident"]["severity"] == "P3"  # severity="warning"
    assert shown["log"][0]["author"] == "grafana"
    links = shown["alerts"][0]["links"]
    assert links["dashboardURL"] == "https://grafana.example.com/d/db-overview"
    assert links["panelURL"].endswith("viewPanel=4") and "silenceURL" in links
    assert ingest(tmp_path, "grafana_resolved") == "1 alert logged on INC-1"
    assert show(tmp_path)["alerts"][0]["status"] == "resolved"
    intact(tmp_path)


def test_pagerduty_triggered_acknowledged_annotated_resolved(tmp_path: Path) -> None:
    assert ingest(tmp_path, "pagerduty_triggered") == "declared INC-1"
    assert show(tmp_path)["incident"]["severity"] == "P2"  # PagerDuty priority P2
    assert ingest(tmp_path, "pagerduty_acknowledged") == "acknowledged INC-1"
    assert ingest(tmp_path, "pagerduty_acknowledged") == "duplicate, nothing to do"
    ingest(tmp_path, "pagerduty_annotated")
    ingest(tmp_path, "pagerduty_resolved")
    shown = show(tmp_path)
    timers = {t["name"]: t for t in shown["timers"]}
    assert timers["acknowledge"]["state"] in ("met", "breached")  # met by Dana's acknowledgement
    assert timers["acknowledge"]["met_at"] == shown["incident"]["acknowledged_at"]
    by_kind = {e["kind"]: e for e in shown["log"]}
    assert by_kind["ack"]["author"] == "Dana Okafor"
    assert "Rolled back payments-api to v2.14.3" in by_kind["note"]["text"]
    assert shown["incident"]["status"] != "resolved"
    assert shown["alerts"][0]["links"]["html_url"] == "https://acme.pagerduty.com/incidents/Q2LXKJ5NBZ7UWE"
    intact(tmp_path)


def test_as_names_the_author_and_stdin_is_read(tmp_path: Path) -> None:
    result = cli(tmp_path, "ingest", "-", "--as", "am-bridge", stdin=fixture("alertmanager_firing"))
    assert result.returncode == 0, result.stderr
    assert {e["author"] for e in show(tmp_path)["log"]} == {"am-bridge"}


def test_the_severity_mapping_comes_from_config(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[ingest]\nseverity_label = "priority"\ndefault_severity = "P2"\n[ingest.severity]\ncritical = "P4"\n'
    )
    result = cli(tmp_path, "--config", str(config), "ingest", str(FIXTURES / "alertmanager_firing.json"))
    assert result.returncode == 0, result.stderr
    shown = show(tmp_path)
    assert shown["incident"]["severity"] == "P2"  # no "priority" label: the configured default
    assert "by default (no priority label)" in shown["log"][1]["text"]


@pytest.mark.parametrize(
    ("config", "says"),
    [
        ('[ingest.severity]\ncritical = "P9"\n', "ingest.severity.critical = 'P9' is not a severity"),
        ("[ingest]\nservice_labels = 3\n", "ingest.service_labels must be a list of label names"),
        ("[ingest]\ncolour = 1\n", "unknown key 'ingest.colour'"),
        ('[ingest]\npagerduty_secret_file = "missing.secret"\n', "ingest.pagerduty_secret_file"),
    ],
)
def test_a_bad_ingest_config_is_refused_in_one_sentence(tmp_path: Path, config: str, says: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(config)
    result = cli(tmp_path, "--config", str(path), "ingest", str(FIXTURES / "alertmanager_firing.json"))
    assert result.returncode == 2
    assert says in result.stderr and len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "incidents.json").exists()


@pytest.mark.parametrize(
    ("body", "args", "says"),
    [
        (b"not json", (), "the payload is not JSON"),
        (b"[1, 2]", (), "the payload is not one that is known"),
        (b'{"version": "3", "groupKey": "g", "status": "firing", "alerts": []}', ("--format", "alertmanager"),
         "has version '3'"),
        (b'{"version": "4", "status": "firing", "alerts": []}', ("--format", "alertmanager"), "has no groupKey"),
        (b'{"version": "4", "groupKey": "g", "status": "firing", "alerts": [{"status": "on"}]}', (),
         "alerts[0].status 'on'"),
        (b'{"version": "4", "groupKey": "g", "status": "firing", "alerts": [{"status": "firing", "startsAt": "x"}]}',
         (), "is not an ISO-8601 time"),
        (b'{"event": {"id": "e", "event_type": "incident.triggered"}}', (), "has no event.data object"),
        (b"\xff\xfe", (), "not UTF-8"),
    ],
)  # fmt: skip
def test_bad_input_exits_2_with_one_sentence_and_writes_nothing(
    tmp_path: Path, body: bytes, args: tuple[str, ...], says: str
) -> None:
    ingest(tmp_path, "alertmanager_firing")
    before = (tmp_path / "incidents.json").read_bytes()
    result = cli(tmp_path, "ingest", *args, stdin=body)
    assert result.returncode == 2, result.stderr
    assert says in result.stderr and len(result.stderr.splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert (tmp_path / "incidents.json").read_bytes() == before


def test_a_payload_over_1_mib_is_refused(tmp_path: Path) -> None:
    payload = json.loads(fixture("alertmanager_firing"))
    payload["commonAnnotations"]["padding"] = "x" * (1024 * 1024)
    result = cli(tmp_path, "ingest", stdin=json.dumps(payload).encode())
    assert result.returncode == 2
    assert "over the limit of 1048576 bytes" in result.stderr
    assert not (tmp_path / "incidents.json").exists()


def test_a_missing_payload_file_is_named(tmp_path: Path) -> None:
    result = cli(tmp_path, "ingest", str(tmp_path / "nope.json"))
    assert result.returncode == 2
    assert f"payload file {tmp_path / 'nope.json'} cannot be read" in result.stderr


def test_alert_text_is_kept_literally_and_control_characters_made_visible(tmp_path: Path) -> None:
    payload = json.loads(fixture("alertmanager_firing"))
    payload["commonAnnotations"]["summary"] = "[bold red]boom[/] \x1b[31mred"
    result = cli(tmp_path, "ingest", stdin=json.dumps(payload).encode())
    assert result.returncode == 0, result.stderr
    assert show(tmp_path)["incident"]["title"] == "[bold red]boom[/] \x1b[31mred"  # stored as written
    printed = cli(tmp_path, "show").stdout
    assert "[bold red]boom[/] \u241b[31mred" in printed and "\x1b" not in printed  # shown with ESC visible
