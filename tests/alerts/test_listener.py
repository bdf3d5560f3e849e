"""`incident-console listen`: a real listener on 127.0.0.1, posted to with a real HTTP client."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import Listener, cli, environment, fixture, intact, listed, show

SECRET = b"whsec-0123456789abcdef"


def signed(body: bytes, secret: bytes = SECRET) -> str:
    return "v1=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


@pytest.fixture
def listener(tmp_path: Path):
    with Listener(tmp_path) as running:
        yield running


def test_each_fixture_through_the_listener(tmp_path: Path, listener: Listener) -> None:
    assert listener.post("/alertmanager", fixture("alertmanager_firing")) == (
        200,
        {"status": 200, "message": "declared INC-1, 2 alerts logged", "incident": "INC-1"},
    )
    assert listener.post("/alertmanager", fixture("alertmanager_repeat"))[1]["message"] == "duplicate, nothing to do"
    assert listener.post("/alertmanager", fixture("alertmanager_new_alert"))[1]["message"] == "1 alert logged on INC-1"
    assert listener.post("/alertmanager", fixture("alertmanager_resolved"))[1]["message"] == "3 alerts logged on INC-1"
    assert listener.post("/alertmanager", fixture("alertmanager_truncated"))[0] == 200
    assert listener.post("/grafana", fixture("grafana_firing"))[1]["message"] == "declared INC-2, 1 alert logged"
    assert listener.post("/grafana", fixture("grafana_resolved"))[1]["message"] == "1 alert logged on INC-2"
    for name in ("triggered", "acknowledged", "annotated", "resolved"):
        status, _ = listener.post("/pagerduty", fixture(f"pagerduty_{name}"))
        assert status == 200
    assert listener.stop() == 0
    incidents = listed(tmp_path)
    assert [i["title"] for i in incidents] == [
        "Checkout error rate above 5%",
        "Replica lag above 30s on orders-db-2",
        "Payments API latency p99 above 2s",
    ]
    assert show(tmp_path, "INC-3")["incident"]["acknowledged_at"] is not None
    intact(tmp_path)
    # One line per request on stderr: time, endpoint, outcome and what was done.
    requests = [line for line in listener.lines if " POST " in line]
    assert len(requests) == 11
    assert "POST /alertmanager 200 declared INC-1, 2 alerts logged" in requests[0]
    assert "POST /alertmanager 200 duplicate, nothing to do" in requests[1]
    assert listener.lines[-1] == "stopped\n"


def test_healthz(listener: Listener) -> None:
    import urllib.request

    with urllib.request.urlopen(listener.url("/healthz"), timeout=10) as response:
        assert response.status == 200 and json.loads(response.read()) == {"ok": True}


@pytest.mark.parametrize(
    ("path", "body", "says"),
    [
        ("/alertmanager", b"{not json", "the payload is not JSON"),
        ("/alertmanager", fixture("grafana_firing"), "has version '1'; the version read here is '4'"),
        ("/grafana", b'{"version": "1", "status": "firing", "alerts": []}', "has no groupKey"),
        ("/pagerduty", b'{"event": {}}', "has no event.event_type"),
        ("/alertmanager", b'{"version": "4", "groupKey": "g", "status": "firing", "alerts": {}}', "has no alerts list"),
    ],
)
def test_bad_input_is_a_400_with_one_sentence_and_writes_nothing(
    tmp_path: Path, listener: Listener, path: str, body: bytes, says: str
) -> None:
    status, answer = listener.post(path, body)
    assert status == 400
    assert says in answer["message"]
    assert not (tmp_path / "incidents.json").exists()


def test_a_body_over_1_mib_is_a_413(tmp_path: Path, listener: Listener) -> None:
    payload = json.loads(fixture("alertmanager_firing"))
    payload["commonAnnotations"]["padding"] = "x" * (1024 * 1024)
    status, _ = listener.post("/alertmanager", json.dumps(payload).encode())
    assert status == 413
    assert not (tmp_path / "incidents.json").exists()


def test_the_token_is_required_by_header_or_query(tmp_path: Path) -> None:
    with Listener(tmp_path, "--token", "s3cret-token") as listener:
        assert listener.post("/alertmanager", fixture("alertmanager_firing"))[0] == 401
        wrong = {"Authorization": "Bearer nope"}
        assert listener.post("/alertmanager", fixture("alertmanager_firing"), wrong)[0] == 401
        assert listener.post("/alertmanager?token=nope", fixture("alertmanager_firing"))[0] == 401
        assert not (tmp_path / "incidents.json").exists()
        right = {"Authorization": "Bearer s3cret-token"}
        assert listener.post("/alertmanager", fixture("alertmanager_firing"), right)[0] == 200
        assert listener.post("/grafana?token=s3cret-token", fixture("grafana_firing"))[0] == 200
    assert len(listed(tmp_path)) == 2


def test_a_non_loopback_address_is_refused_without_a_token(tmp_path: Path) -> None:
    result = cli(tmp_path, "listen", "--host", "0.0.0.0", "--port", "0")
    assert result.returncode == 2
    assert "refusing to listen on 0.0.0.0, which is not a loopback address, without a token" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_a_port_in_use_is_one_sentence(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli(tmp_path, "listen", "--port", str(port))
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr and "Traceback" not in result.stderr


def _with_secret(tmp_path: Path) -> Path:
    (tmp_path / "pd.secret").write_bytes(SECRET + b"\n")
    config = tmp_path / "config.toml"
    config.write_text('[ingest]\npagerduty_secret_file = "pd.secret"\n')
    return config


def test_pagerduty_signatures_are_checked_when_a_secret_is_configured(tmp_path: Path) -> None:
    config = _with_secret(tmp_path)
    body = fixture("pagerduty_triggered")
    with Listener(tmp_path, "--config", str(config)) as listener:
        assert listener.post("/pagerduty", body)[0] == 401
        bad = {"X-PagerDuty-Signature": signed(body, b"another secret")}
        assert listener.post("/pagerduty", body, bad)[0] == 401
        assert listener.post("/pagerduty", body, {"X-PagerDuty-Signature": signed(body + b" ")})[0] == 401
        assert not (tmp_path / "incidents.json").exists()
        # During a rotation PagerDuty sends one signature per secret.
        rotated = {"X-PagerDuty-Signature": f"{signed(body, b'old secret')},{signed(body)}"}
        status, answer = listener.post("/pagerduty", body, rotated)
        assert (status, answer["message"]) == (200, "declared INC-1")
        ack = fixture("pagerduty_acknowledged")
        assert listener.post("/pagerduty", ack, {"X-PagerDuty-Signature": signed(ack)})[0] == 200
    assert show(tmp_path)["incident"]["acknowledged_at"] is not None


def test_a_save_that_fails_is_a_503_and_the_retry_succeeds(tmp_path: Path) -> None:
    folder = tmp_path / "state"
    folder.mkdir()
    file = folder / "incidents.json"
    with Listener(tmp_path, file=file) as listener:
        listener.post("/alertmanager", fixture("alertmanager_firing"))
        before = file.read_bytes()
        mode = folder.stat().st_mode
        folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
        file.chmod(stat.S_IRUSR)
        try:
            if os.access(file, os.W_OK):
                pytest.skip("running as a user who can write a read-only file (root)")
            status, answer = listener.post("/alertmanager", fixture("alertmanager_new_alert"))
            assert status == 503, answer
            assert file.read_bytes() == before
        finally:
            folder.chmod(mode)
            file.chmod(stat.S_IRUSR | stat.S_IWUSR)
        status, answer = listener.post("/alertmanager", fixture("alertmanager_new_alert"))
        assert (status, answer["message"]) == (200, "1 alert logged on INC-1")
    intact(tmp_path, file=file)


def test_sigint_stops_it_cleanly(tmp_path: Path) -> None:
    import signal

    with Listener(tmp_path) as listener:
        listener.post("/alertmanager", fixture("alertmanager_firing"))
        listener.process.send_signal(signal.SIGINT)
        assert listener.process.wait(timeout=30) == 0
        listener._reader.join(timeout=10)
    assert listener.lines[-1] == "stopped\n"
    assert not any("Traceback" in line for line in listener.lines)


def test_only_listen_imports_aiohttp(tmp_path: Path) -> None:
    payload = Path(__file__).parents[1] / "fixtures" / "alertmanager_firing.json"
    script = (
        "import sys, json\n"
        "from incident_console import cli\n"
        f"cli.main(['--file', {str(tmp_path / 'f.json')!r}, 'ingest', {str(payload)!r}])\n"
        "print(json.dumps({m: m in sys.modules for m in ('aiohttp', 'textual')}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=environment(tmp_path), timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == {"aiohttp": False, "textual": False}


def test_a_file_held_too_long_by_another_writer_is_a_503_and_the_retry_succeeds(tmp_path: Path) -> None:
    from incident_console.store.lock import FileLock

    config = tmp_path / "config.toml"
    config.write_text("[store]\nlock_timeout_seconds = 0.2\n")
    file = tmp_path / "incidents.json"
    with Listener(tmp_path, "--config", str(config)) as listener:
        listener.post("/alertmanager", fixture("alertmanager_firing"))
        before = file.read_bytes()
        with FileLock(str(file), 5):
            status, answer = listener.post("/alertmanager", fixture("alertmanager_new_alert"))
        assert status == 503, answer
        assert "nothing was saved" in answer["message"]
        assert file.read_bytes() == before
        status, answer = listener.post("/alertmanager", fixture("alertmanager_new_alert"))
        assert (status, answer["message"]) == (200, "1 alert logged on INC-1")
    intact(tmp_path)


def test_the_token_can_come_from_the_environment(tmp_path: Path) -> None:
    with Listener(tmp_path, "--host", "0.0.0.0", env={"INCIDENT_CONSOLE_LISTEN_TOKEN": "from-env"}) as listener:
        assert listener.post("/alertmanager", fixture("alertmanager_firing"))[0] == 401
        right = {"Authorization": "Bearer from-env"}
        assert listener.post("/alertmanager", fixture("alertmanager_firing"), right)[0] == 200
