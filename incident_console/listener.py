"""The webhook listener: Alertmanager, Grafana and PagerDuty POST their alerts here, and each one is
applied to the state file through the Desk, like ``ingest``. The only module that imports aiohttp.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import signal
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from aiohttp import web

from .config import Settings
from .desk import Desk
from .desk import detect as ingest
from .domain.errors import FileProblem, InputError
from .domain.text import visible

ENDPOINTS = {"/alertmanager": "alertmanager", "/grafana": "grafana", "/pagerduty": "pagerduty"}


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def signature_ok(secret: bytes, body: bytes, header: str) -> bool:
    """PagerDuty's ``X-PagerDuty-Signature``: ``v1=<hex HMAC-SHA256 of the body>``, possibly several
    (a secret being rotated), comma-separated. Every one is compared in constant time."""
    expected = "v1=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    found = False
    for given in header.split(","):
        if hmac.compare_digest(given.strip().encode(), expected.encode()):
            found = True
    return found


class Listener:
    """The request handlers, with the Desk they apply payloads through."""

    def __init__(self, desk: Desk, settings: Settings, *, token: str | None, author: str | None) -> None:
        self.desk = desk
        self.settings = settings
        self.token = token
        self.author = author
        # One writer thread: the store blocks, and requests are applied in the order they came.
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest")

    def app(self) -> web.Application:
        application = web.Application(client_max_size=ingest.LARGEST_BODY)
        for path in ENDPOINTS:
            application.router.add_post(path, self.receive)
        application.router.add_get("/healthz", self.health)
        return application

    async def health(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    def _authorised(self, request: web.Request) -> bool:
        if self.token is None:
            return True
        header = request.headers.get("Authorization", "")
        bearer = header.startswith("Bearer ")
        given = header[len("Bearer ") :].strip() if bearer else request.query.get("token", "")
        return hmac.compare_digest(given.encode(), self.token.encode())

    async def receive(self, request: web.Request) -> web.Response:
        source = ENDPOINTS[request.path]
        if not self._authorised(request):
            return self._answer(request, 401, "refused: wrong or missing token")
        if request.content_length is not None and request.content_length > ingest.LARGEST_BODY:
            return self._answer(request, 413, f"refused: the body is over {ingest.LARGEST_BODY} bytes")
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return self._answer(request, 413, f"refused: the body is over {ingest.LARGEST_BODY} bytes")
        if source == "pagerduty" and self.settings.pagerduty_secret is not None:
            header = request.headers.get("X-PagerDuty-Signature", "")
            if not signature_ok(self.settings.pagerduty_secret, body, header):
                return self._answer(request, 401, "refused: the X-PagerDuty-Signature is wrong or missing")
        try:
            payload = ingest.decode(body, source)
        except InputError as exc:
            return self._answer(request, 400, f"refused: {exc}")
        loop = asyncio.get_running_loop()
        try:
            outcome = await loop.run_in_executor(
                self.executor, self.desk.ingest, payload, self.settings.ingest, self.author
            )
        except InputError as exc:
            return self._answer(request, 400, f"refused: {exc}")
        except (FileProblem, OSError) as exc:
            # Nothing was applied: the sender retries a 503, by which time the file may be back.
            return self._answer(request, 503, f"not saved: {exc}")
        return self._answer(request, 200, outcome.summary, incident=outcome.incident_id)

    def _answer(self, request: web.Request, status: int, said: str, incident: str | None = None) -> web.Response:
        when = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        sys.stderr.write(visible(f"{when} {request.method} {request.path} {status} {said}") + "\n")
        sys.stderr.flush()
        body: dict[str, object] = {"status": status, "message": said}
        if incident:
            body["incident"] = incident
        return web.json_response(body, status=status)


def serve(
    desk: Desk,
    settings: Settings,
    *,
    host: str,
    port: int,
    token: str | None,
    author: str | None,
    started: Callable[[str, int], None] | None = None,
) -> int:
    """Run until SIGTERM or Ctrl-C; 0 after a clean stop. ``started(host, port)`` is called once the
    socket is bound (with the port picked, for port 0)."""
    if token is not None and not token.strip():
        raise InputError("the token is empty; give a secret senders must present")
    if not is_loopback(host) and token is None:
        raise InputError(
            f"refusing to listen on {host}, which is not a loopback address, without a token: "
            "anyone who can reach it could declare incidents (give --token)"
        )
    if not 0 <= port <= 65535:
        raise InputError(f"port {port} is not between 0 and 65535")
    listener = Listener(desk, settings, token=token, author=author)
    try:
        asyncio.run(_run(listener, host, port, started))
    finally:
        listener.executor.shutdown(wait=True)  # a save under way finishes before the process exits
    return 0


async def _run(listener: Listener, host: str, port: int, started: Callable[[str, int], None] | None = None) -> None:
    runner = web.AppRunner(listener.app(), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    sockets = getattr(site._server, "sockets", None) or ()
    bound = sockets[0].getsockname()[1] if sockets else port  # the port given, or the one picked for 0
    sys.stderr.write(f"listening on http://{host}:{bound} (POST /alertmanager, /grafana, /pagerduty; GET /healthz)\n")
    sys.stderr.flush()
    if started is not None:
        started(host, bound)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        sys.stderr.write("stopped\n")
