"""Who may come in: the token check every request and the websocket go through.

The first request brings the token in the address (``?token=``). The answer sets it in an
HttpOnly, SameSite=Strict cookie and sends the browser to the same address without it (so it does
not stay in the address bar or the history); every later request, the websocket included, is
checked against the cookie. A missing or wrong token gets 401, before any console process is
started. Tokens are compared in constant time. The viewer token lets in a read-only view.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

EDIT, VIEW = "edit", "view"
REFUSED = "401: this console needs its token. Open the address the server printed (it ends in ?token=...)."
# The request's role, EDIT or VIEW (a RequestKey from aiohttp 3.12; a plain key before).
ROLE: Any = web.RequestKey("role", str) if hasattr(web, "RequestKey") else "role"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def new_token() -> str:
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class Tokens:
    """The tokens a server accepts: ``edit`` opens a full console, ``viewer`` a read-only one."""

    edit: str
    viewer: str | None = None
    read_only: bool = False  # the whole server serves read-only views, whichever token came

    def role_of(self, given: str | None) -> str | None:
        """EDIT or VIEW for a token this server accepts, None for any other (or none)."""
        if not given:
            return None
        candidate = given.encode("utf-8", "surrogateescape")
        # Both compared every time, so the answer's timing does not say which one nearly matched.
        edit = hmac.compare_digest(candidate, self.edit.encode("utf-8"))
        viewer = self.viewer is not None and hmac.compare_digest(candidate, self.viewer.encode("utf-8"))
        if edit:
            return VIEW if self.read_only else EDIT
        if viewer:
            return VIEW
        return None


def cookie_name(port: int) -> str:
    # Cookies are per host, not per port: two servers on one host keep their own.
    return f"incident_console_{port}"


def token_check(tokens: Tokens, port: int, *, secure: bool) -> Callable[..., Awaitable[web.StreamResponse]]:
    """The aiohttp middleware: let a request in with its role in ``request["role"]``, or answer 401."""
    name = cookie_name(port)

    @web.middleware
    async def check(request: web.Request, handler: Handler) -> web.StreamResponse:
        given = request.query.get("token")
        if given is not None:
            role = tokens.role_of(given)
            if role is None:
                return _refused()
            # The same address without the token: the cookie carries it from now on.
            query = request.rel_url.query.copy()
            del query["token"]
            redirect = web.HTTPSeeOther(request.rel_url.with_query(query))
            redirect.set_cookie(name, given, httponly=True, samesite="Strict", secure=secure, path="/")
            raise redirect
        role = tokens.role_of(request.cookies.get(name))
        if role is None:
            return _refused()
        request[ROLE] = role
        return await handler(request)

    return check


def _refused() -> web.Response:
    return web.Response(status=401, text=REFUSED, content_type="text/plain", headers={"Cache-Control": "no-store"})
