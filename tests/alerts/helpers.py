"""Running the command line and a real listener for the alert tests."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parents[1] / "fixtures"
ROOT = Path(__file__).parents[2]


def fixture(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INCIDENT_CONSOLE_")}
    env.update(
        INCIDENT_CONSOLE_USER="alice",
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        HOME=str(tmp_path),
        PYTHONPATH=str(ROOT),
    )
    return env


def cli(
    tmp_path: Path, *args: str, stdin: bytes | None = None, file: Path | None = None
) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "incident_console", "--file", str(file or tmp_path / "incidents.json"), *args]
    result = subprocess.run(argv, input=stdin, capture_output=True, cwd=tmp_path, env=environment(tmp_path), timeout=60)
    return subprocess.CompletedProcess(result.args, result.returncode, result.stdout.decode(), result.stderr.decode())


def show(tmp_path: Path, incident: str | None = None, file: Path | None = None) -> dict[str, Any]:
    args = ["show", "--json", "--lines", "1000"] + (["--incident", incident] if incident else [])
    result = cli(tmp_path, *args, file=file)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def listed(tmp_path: Path, file: Path | None = None) -> list[dict[str, Any]]:
    result = cli(tmp_path, "list", "--json", file=file)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["incidents"]


def intact(tmp_path: Path, file: Path | None = None) -> str:
    result = cli(tmp_path, "verify", file=file)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "intact" in result.stdout
    return result.stdout


class Listener:
    """``incident-console listen`` in a child process on 127.0.0.1, on a port it picks."""

    def __init__(self, tmp_path: Path, *args: str, file: Path | None = None, env: dict[str, str] | None = None) -> None:
        self.file = file or tmp_path / "incidents.json"
        argv = [sys.executable, "-m", "incident_console", "--file", str(self.file), "listen", "--port", "0", *args]
        self.process = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=tmp_path,
            env={**environment(tmp_path), **(env or {})},
        )
        self.lines: list[str] = []
        assert self.process.stderr is not None
        first = self.process.stderr.readline().decode()
        match = re.search(r"listening on http://[^:]+:(\d+)", first)
        if match is None:
            self.process.kill()
            rest = self.process.stderr.read().decode()
            raise AssertionError(f"the listener did not start: {first}{rest}")
        self.port = int(match.group(1))
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for raw in self.process.stderr:
            self.lines.append(raw.decode())

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def post(self, path: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(
            self.url(path), data=body, method="POST", headers={"Content-Type": "application/json", **(headers or {})}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=30)
        self._reader.join(timeout=10)
        return code

    def __enter__(self) -> Listener:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
