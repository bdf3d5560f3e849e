"""The web server: textual-serve's Server, with the token check, size caps, and one console per tab.

What this adds to textual-serve's Server: every request goes through the token check
(access.py); each tab's console runs as the person the address names (``?as=NAME``, carried to
the websocket by a one-time ticket in its path, since the page's script adds its own query to the
websocket address) and read-only for a viewer; a console that does not quit when its tab goes is
ended; requests and websocket messages have a size cap.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import socket
import time
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from ..domain import names
from .access import ROLE, VIEW, Tokens, token_check
from .tab import TabSettings, tab_command

log = logging.getLogger("incident-console-serve")

LARGEST_REQUEST = 64 * 1024  # bytes: no page of this server takes a body
LARGEST_MESSAGE = 1024 * 1024  # bytes: one websocket message (a paste is sent as one)
QUIT_GRACE = 5.0  # seconds a tab's console has to quit (and finish a save) before it is ended
TICKET_SECONDS = 120.0
TICKETS = 1000  # unused tickets kept at most (a page that never opened its websocket)


class TabService(AppService):
    """One tab's console process; stopping it ends the process if it does not quit by itself."""

    async def stop(self) -> None:
        if self._task is None:
            return
        task = self._task
        await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
        await self.send_meta({"type": "quit"})
        try:
            await asyncio.wait_for(asyncio.shield(task), QUIT_GRACE)
        except TimeoutError:
            process = self._process
            if process is not None and process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
            await task
        if self._process is not None:
            with contextlib.suppress(ProcessLookupError):
                await asyncio.wait_for(self._process.wait(), QUIT_GRACE)
        self._task = None


class ConsoleServer(Server):
    """Serves the console to browsers on an already-bound socket."""

    def __init__(
        self,
        settings: TabSettings,
        tokens: Tokens,
        *,
        host: str,
        port: int,
        public_url: str,
        announce: list[str],
    ) -> None:
        super().__init__("incident-console", host=host, port=port, title="incident-console", public_url=public_url)
        self.settings = settings
        self.tokens = tokens
        self.announce = announce
        self.tabs: set[TabService] = set()
        self._tickets: dict[str, tuple[float, str | None]] = {}

    def initialize_logging(self) -> None:
        logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")

    async def _make_app(self) -> web.Application:
        secure = self.public_url.startswith("https:")
        app = web.Application(
            middlewares=[token_check(self.tokens, self.port, secure=secure)], client_max_size=LARGEST_REQUEST
        )
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
        app.add_routes(
            [
                web.get("/", self.handle_index, name="index"),
                web.get("/ws/{ticket}", self.handle_websocket, name="websocket"),
                web.static("/static", self.statics_path, name="static"),
            ]
        )
        app.on_startup.append(self.on_startup)
        app.on_shutdown.append(self.on_shutdown)
        return app

    async def on_startup(self, app: web.Application) -> None:
        for line in self.announce:
            print(line, flush=True)

    async def on_shutdown(self, app: web.Application) -> None:
        await asyncio.gather(*(tab.stop() for tab in list(self.tabs)), return_exceptions=True)

    # the page

    def _ticket(self, name: str | None) -> str:
        now = time.monotonic()
        for key, (made, _) in list(self._tickets.items()):
            if now - made > TICKET_SECONDS:
                del self._tickets[key]
        while len(self._tickets) >= TICKETS:
            del self._tickets[next(iter(self._tickets))]
        ticket = secrets.token_urlsafe(18)
        self._tickets[ticket] = (now, name)
        return ticket

    async def handle_index(self, request: web.Request) -> web.StreamResponse:  # type: ignore[override]
        name = request.query.get("as")
        if name is not None:
            refused = names.problem(name, "the name in ?as=")
            if refused:
                return web.Response(status=400, text=f"400: {refused}.", content_type="text/plain")
            name = names.person(name)
        ticket = self._ticket(name)
        router = request.app.router
        websocket = f"{self.public_url}{router['websocket'].url_for(ticket=ticket)}"
        scheme = "wss:" if self.public_url.startswith("https") else "ws:"
        statics = f"{self.public_url}{router['static'].url_for(filename='/')}".rstrip("/") + "/"
        context: dict[str, Any] = {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": scheme + websocket.split(":", 1)[1],
            "config": {"static": {"url": statics}},
            "application": {"name": self.title},
        }
        response = aiohttp_jinja2.render_template("app_index.html", request, context)
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    # a tab

    def tab_command(self, name: str | None, read_only: bool) -> str:
        return tab_command(self.settings, name=name, read_only=read_only)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        ticket = self._tickets.pop(request.match_info["ticket"], None)
        if ticket is None:
            raise web.HTTPNotFound(text="404: this page is old; reload it to open a console.")
        _, name = ticket
        read_only = request[ROLE] == VIEW
        websocket = web.WebSocketResponse(heartbeat=15, max_msg_size=LARGEST_MESSAGE)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        tab: TabService | None = None
        try:
            await websocket.prepare(request)
            tab = TabService(
                self.tab_command(name, read_only),
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=websocket.close,  # type: ignore[arg-type]  # returns a bool no one reads
                download_manager=self.download_manager,
            )
            self.tabs.add(tab)
            await tab.start(width, height)
            await self._process_messages(websocket, tab)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:  # one tab's fault must not take the server down
            log.warning("a tab ended on an error: %s", error)
        finally:
            if tab is not None:
                await tab.stop()
                self.tabs.discard(tab)
        return websocket

    def serve_on(self, sock: socket.socket) -> None:
        """Serve until SIGINT or SIGTERM, on ``sock`` (bound already, so a port in use is found first)."""
        import signal

        self.initialize_logging()
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self.request_exit)
        web.run_app(self._make_app(), sock=sock, handle_signals=False, loop=loop, print=lambda *args: None)
