"""`serve`'s refusals, each one sentence and exit status 2, before anything is served."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from incident_console import cli
from incident_console.serving.command import public_url_of
from incident_console.serving.tab import finish_saves


@pytest.fixture
def state_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.delenv("INCIDENT_CONSOLE_SERVE_TOKEN", raising=False)
    return tmp_path / "incidents.json"


def refused(capsys: pytest.CaptureFixture[str], state_file: Path, *args: str) -> str:
    status = cli.main(["--file", str(state_file), "serve", *args])
    err = capsys.readouterr().err
    assert status == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err
    return err


def test_binding_beyond_loopback_without_a_token_is_refused_with_the_reason(capsys, state_file):
    err = refused(capsys, state_file, "--host", "0.0.0.0")
    assert "--host 0.0.0.0 is reachable from other machines" in err and "--token" in err


def test_a_port_in_use_is_one_sentence(capsys, state_file):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        err = refused(capsys, state_file, "--port", str(port))
    assert f"port {port} on 127.0.0.1 is in use" in err


@pytest.mark.parametrize(
    ("url", "wrong"),
    [
        ("ftp://example.com", "must start with http:// or https://"),
        ("https://", "name a host"),
        ("https://console.example.com/incidents?x=1", "must be the site's root"),
        ("http://example.com:99999", "is not a URL"),
    ],
)
def test_a_bad_public_url_is_one_sentence(capsys, state_file, url, wrong):
    assert wrong in refused(capsys, state_file, "--public-url", url)


def test_a_host_that_does_not_resolve_is_one_sentence(capsys, state_file):
    assert "is not an address this machine can bind" in refused(capsys, state_file, "--host", "no such host.invalid")


def test_a_short_token_is_refused(capsys, state_file):
    assert "--token must be 16 to 200" in refused(capsys, state_file, "--token", "secret")


def test_the_viewer_token_may_not_be_the_edit_token(capsys, state_file):
    token = "same-token-0123456789"
    assert "a viewer could then edit" in refused(capsys, state_file, "--token", token, "--viewer-token", token)


def test_a_public_url_behind_a_proxy_is_kept_as_its_root():
    assert public_url_of("https://console.example.com/", "127.0.0.1", 8000) == "https://console.example.com"
    assert public_url_of(None, "::1", 8000) == "http://[::1]:8000"


class _Queue:
    """A save queue as a closing tab leaves it: no save under way, two changes still queued."""

    _draining = False

    def __init__(self, changes: list) -> None:  # type: ignore[type-arg]
        self.changes = changes

    def pending(self) -> list:  # type: ignore[type-arg]
        return list(self.changes)


class _Change:
    def __init__(self, saved: list[str], text: str, fails: bool = False) -> None:
        self.saved, self.text, self.fails = saved, text, fails

    def run(self) -> None:
        if self.fails:
            raise OSError("disk full")
        self.saved.append(self.text)


def test_a_closing_tab_saves_what_it_still_had_queued_and_returns_what_it_could_not():
    saved: list[str] = []
    first, second, third = _Change(saved, "one"), _Change(saved, "two", fails=True), _Change(saved, "three")
    assert finish_saves(_Queue([first, second, third])) == [second, third]
    assert saved == ["one"]
    assert finish_saves(_Queue([_Change(saved, "four")])) == []
    assert saved == ["one", "four"]
