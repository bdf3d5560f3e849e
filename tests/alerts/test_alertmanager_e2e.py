"""End to end with a real Alertmanager: its webhook receiver is our listener.

Alertmanager is posted alerts on its own API; the test waits for the incident to be declared with
the alerts logged, then for the resolved alerts once their endsAt has passed.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from .helpers import Listener, intact, listed, show

BINARY = shutil.which("alertmanager") or shutil.which("prometheus-alertmanager")
pytestmark = pytest.mark.skipif(
    BINARY is None,
    reason="alertmanager is not on PATH (Debian: apt-get install -y prometheus-alertmanager)",
)

CONFIG = """\
global:
  resolve_timeout: 5m
route:
  receiver: incident-console
  group_by: [alertname, service]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: incident-console
    webhook_configs:
      - url: http://127.0.0.1:{port}/alertmanager
        send_resolved: true
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(what: str, check: Callable[[], Any], seconds: float = 60) -> Any:
    """Poll ``check`` until it answers something true; the limit only stops a broken run."""
    give_up = time.monotonic() + seconds
    while True:
        answer = check()
        if answer:
            return answer
        if time.monotonic() > give_up:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.25)


@pytest.fixture
def alertmanager(tmp_path: Path) -> Iterator[tuple[Listener, str]]:
    with Listener(tmp_path) as listener:
        config = tmp_path / "alertmanager.yml"
        config.write_text(CONFIG.format(port=listener.port))
        port = free_port()
        process = subprocess.Popen(
            [
                str(BINARY),
                f"--config.file={config}",
                f"--storage.path={tmp_path / 'am-data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--cluster.listen-address=",
                "--log.level=warn",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        url = f"http://127.0.0.1:{port}"

        def ready() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"alertmanager exited: {process.stderr.read().decode()}")  # type: ignore[union-attr]
            try:
                with urllib.request.urlopen(f"{url}/-/ready", timeout=2) as response:
                    return response.status == 200
            except (urllib.error.URLError, OSError):
                return False

        try:
            wait_for("alertmanager to be ready", ready)
            yield listener, url
        finally:
            process.terminate()
            process.wait(timeout=30)


def post_alerts(url: str, alerts: list[dict[str, Any]]) -> None:
    request = urllib.request.Request(
        f"{url}/api/v2/alerts", data=json.dumps(alerts).encode(), method="POST",
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def alert(instance: str, ends: datetime | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "labels": {"alertname": "HighErrorRate", "service": "checkout", "severity": "critical", "instance": instance},
        "annotations": {"summary": "Checkout error rate above 5%", "description": f"5xx above 5% on {instance}"},
        "generatorURL": "http://prometheus.example.com:9090/graph?g0.expr=error_ratio",
        "startsAt": (datetime.now(UTC) - timedelta(minutes=2)).isoformat().replace("+00:00", "Z"),
    }
    if ends is not None:
        body["endsAt"] = ends.isoformat().replace("+00:00", "Z")
    return body


def test_alertmanager_declares_logs_and_then_logs_the_resolution(tmp_path: Path, alertmanager: Any) -> None:
    listener, url = alertmanager
    firing = [alert("checkout-1:8080"), alert("checkout-2:8080")]
    post_alerts(url, firing)

    def alerts_logged(status: str) -> Callable[[], list[dict[str, Any]] | None]:
        def check() -> list[dict[str, Any]] | None:
            if not (tmp_path / "incidents.json").exists():
                return None
            alerts = show(tmp_path)["alerts"]
            return alerts if len(alerts) == 2 and all(a["status"] == status for a in alerts) else None

        return check

    wait_for("the incident to be declared with both alerts", alerts_logged("firing"))
    incident = show(tmp_path)["incident"]
    assert incident["title"] == "Checkout error rate above 5%"
    assert incident["severity"] == "P1" and incident["services"] == ["checkout"]
    ends = datetime.now(UTC) + timedelta(seconds=2)
    for item in firing:
        item["endsAt"] = ends.isoformat().replace("+00:00", "Z")
    post_alerts(url, firing)
    resolved = wait_for("the resolved alerts", alerts_logged("resolved"))
    assert {a["links"]["generatorURL"] for a in resolved} == {
        "http://prometheus.example.com:9090/graph?g0.expr=error_ratio"
    }
    assert len(listed(tmp_path)) == 1
    log = show(tmp_path)["log"]
    assert sum(e["kind"] == "alert" for e in log) == 4  # two firing, two resolved: no repeats logged
    assert show(tmp_path)["incident"]["status"] == "investigating"
    intact(tmp_path)
    assert any("POST /alertmanager 200 declared INC-1" in line for line in listener.lines)
