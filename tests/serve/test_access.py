"""Who may come in, over HTTP (aiohttp's test client, no browser): the token, its cookie, 401 without it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from incident_console.serving import server as serving
from incident_console.serving.access import Tokens, cookie_name
from incident_console.serving.server import ConsoleServer
from incident_console.serving.tab import TabSettings, tab_command

EDIT = "edit-token-0123456789abcdef"
VIEW = "view-token-0123456789abcdef"
PORT = 8000


@pytest.fixture
async def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[TestClient, list[str]]]:
    started: list[str] = []

    async def start(self: serving.TabService, width: int, height: int) -> None:
        started.append(self.command)  # no console process: the command it would run is enough here

    monkeypatch.setattr(serving.TabService, "start", start)
    server = ConsoleServer(
        TabSettings(str(tmp_path / "incidents.json")),
        Tokens(EDIT, VIEW),
        host="127.0.0.1",
        port=PORT,
        public_url=f"http://127.0.0.1:{PORT}",
        announce=[],
    )
    async with TestClient(TestServer(await server._make_app())) as test_client:
        yield test_client, started


@pytest.mark.parametrize("token", [None, "wrong-token-0123456789abc", EDIT[:-1], EDIT + "x"], ids=str)
async def test_a_missing_or_wrong_token_gets_401_and_starts_no_console(client, token):
    http, started = client
    page = await http.get("/", params={"token": token} if token else None, allow_redirects=False)
    assert page.status == 401
    assert "token" in await page.text()
    socket = await http.get("/ws/anything", allow_redirects=False)
    assert socket.status == 401
    assert started == []


async def test_a_wrong_cookie_gets_401(client):
    http, started = client
    page = await http.get("/", cookies={cookie_name(PORT): "wrong-token-0123456789abc"})
    assert page.status == 401
    assert started == []


async def test_the_token_becomes_a_strict_http_only_cookie_and_leaves_the_address(client):
    http, _ = client
    first = await http.get("/", params={"token": EDIT, "as": "bob"}, allow_redirects=False)
    assert first.status == 303
    assert first.headers["Location"] == "/?as=bob"
    cookie = first.headers["Set-Cookie"]
    assert cookie.startswith(f"{cookie_name(PORT)}={EDIT};")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    page = await http.get("/?as=bob")  # the client keeps the cookie, as a browser would
    assert page.status == 200
    assert 'data-session-websocket-url="ws://127.0.0.1:8000/ws/' in await page.text()
    static = await http.get("/static/css/xterm.css")
    assert static.status == 200


async def _open_tab(http: TestClient, token: str, name: str | None = None) -> None:
    await http.get("/", params={"token": token}, allow_redirects=False)
    page = await http.get("/", params={"as": name} if name else None)
    text = await page.text()
    ticket = text.split("/ws/", 1)[1].split('"', 1)[0]
    socket = await http.ws_connect(f"/ws/{ticket}?width=80&height=24")
    await socket.close()


async def test_the_websocket_with_the_cookie_starts_the_console_as_the_named_person(client, tmp_path):
    http, started = client
    await _open_tab(http, EDIT, "bob")
    assert started == [tab_command(TabSettings(str(tmp_path / "incidents.json")), name="bob", read_only=False)]
    assert "--as bob" in started[0] and "--read-only" not in started[0]


async def test_the_viewer_token_starts_a_read_only_console(client):
    http, started = client
    await _open_tab(http, VIEW)
    assert len(started) == 1 and started[0].endswith("--served --read-only")


async def test_a_ticket_opens_one_tab_only(client):
    http, started = client
    await http.get("/", params={"token": EDIT}, allow_redirects=False)
    text = await (await http.get("/")).text()
    ticket = text.split("/ws/", 1)[1].split('"', 1)[0]
    await (await http.ws_connect(f"/ws/{ticket}")).close()
    again = await http.get(f"/ws/{ticket}")
    assert again.status == 404
    assert len(started) == 1


async def test_an_empty_name_in_the_address_is_refused_with_a_sentence(client):
    http, started = client
    await http.get("/", params={"token": EDIT}, allow_redirects=False)
    page = await http.get("/", params={"as": "   "})
    assert page.status == 400
    assert "the name in ?as= is empty" in await page.text()


def test_a_name_with_shell_characters_is_one_argument():
    import shlex

    command = tab_command(TabSettings("/tmp/f.json"), name="bob; rm -rf / $(x)", read_only=False)
    words = shlex.split(command)
    assert words[words.index("--as") + 1] == "bob; rm -rf / $(x)"
    assert words[0] == "exec"


def test_tokens_are_compared_in_constant_time(monkeypatch):
    import hmac

    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    tokens = Tokens(EDIT, VIEW)
    assert tokens.role_of(VIEW) == "view" and tokens.role_of(EDIT) == "edit" and tokens.role_of("x" * 20) is None
    assert len(calls) == 6
    assert Tokens(EDIT, VIEW, read_only=True).role_of(EDIT) == "view"
