"""The ``serve`` command: its options, the checks made before anything is bound, and the server's start.

Every mistake is one sentence and exit status 2: a host that does not resolve, a non-loopback
address without a token, a bad ``--public-url``, a port in use, a token that would not survive a
cookie. Nothing here imports textual: the tabs' consoles do, in their own processes.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import ipaddress
import os
import re
import socket
import sys
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..domain.errors import InputError

if TYPE_CHECKING:  # aiohttp is loaded only when the server starts, not when `--help` lists the commands
    from .access import Tokens

TOKEN_VARIABLE = "INCIDENT_CONSOLE_SERVE_TOKEN"
VIEWER_VARIABLE = "INCIDENT_CONSOLE_VIEWER_TOKEN"
_TOKEN = re.compile(r"[A-Za-z0-9._~-]{16,200}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1; others need --token)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    parser.add_argument(
        "--token", default=None, help=f"token for a full console (default: ${TOKEN_VARIABLE}, else one is generated)"
    )
    parser.add_argument(
        "--viewer-token",
        default=None,
        metavar="TOKEN",
        help=f"token for a read-only view (default: ${VIEWER_VARIABLE}, else none)",
    )
    parser.add_argument("--read-only", action="store_true", help="every tab is a read-only view")
    parser.add_argument(
        "--public-url", default=None, metavar="URL", help="the address people open, when behind a TLS proxy"
    )


def _token(label: str, given: str | None) -> str | None:
    if given is None or given == "":
        return None
    if not _TOKEN.fullmatch(given):
        raise InputError(f"{label} must be 16 to 200 letters, digits or . _ ~ - (it goes in an address and a cookie)")
    return given


def is_loopback(host: str) -> bool:
    """True when every address ``host`` resolves to is a loopback one."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise InputError(f"--host {host!r} is not an address this machine can bind ({exc})") from None
    return all(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]).is_loopback for info in infos)


def public_url_of(given: str | None, host: str, port: int) -> str:
    """``--public-url`` checked (http or https, a host, no query), or the bound address's URL."""
    if given is None:
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}"
    try:
        parts = urlsplit(given)
        parts.port  # noqa: B018 (raises on a bad port)
    except ValueError as exc:
        raise InputError(f"--public-url {given!r} is not a URL ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"--public-url {given!r} must start with http:// or https:// and name a host")
    if parts.query or parts.fragment or parts.path not in ("", "/"):
        raise InputError(f"--public-url {given!r} must be the site's root, with no path, query or fragment")
    return f"{parts.scheme}://{parts.netloc}"


def bind(host: str, port: int) -> socket.socket:
    """The listening socket; a port in use is a sentence, not a traceback."""
    if not 0 <= port <= 65535:
        raise InputError(f"--port {port} is not a port (0 to 65535)")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
        family = infos[0][0]
        return socket.create_server((host, port), family=family, backlog=128)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise InputError(f"port {port} on {host} is in use: stop what holds it, or choose another --port") from exc
        if exc.errno == errno.EACCES:
            raise InputError(f"port {port} on {host} needs privileges: pick one above 1023 with --port") from None
        raise InputError(f"cannot listen on {host} port {port}: {exc.strerror or exc}") from None


def run(args: argparse.Namespace, path: str) -> int:
    """Check everything, bind, print the addresses, then serve until interrupted."""
    from ..desk import Desk
    from .access import Tokens, new_token

    edit = _token("--token", args.token if args.token is not None else os.environ.get(TOKEN_VARIABLE))
    viewer = _token(
        "--viewer-token", args.viewer_token if args.viewer_token is not None else os.environ.get(VIEWER_VARIABLE)
    )
    loopback = is_loopback(args.host)
    if not loopback and edit is None:
        raise InputError(
            f"--host {args.host} is reachable from other machines, and the console would be open to anyone "
            "who finds it: give --token TOKEN, or keep the default 127.0.0.1 and use SSH port forwarding"
        )
    if edit is not None and viewer == edit:
        raise InputError("--viewer-token is the same as --token: a viewer could then edit")
    generated = edit is None
    tokens = Tokens(edit or new_token(), viewer, read_only=args.read_only)
    if args.public_url is not None:
        public_url_of(args.public_url, args.host, args.port)  # a bad one is refused before binding
    # A file that is not ours is refused now, not in every tab.
    Desk.open(path, config=getattr(args, "config", None)).newest(getattr(args, "incident", None))
    sock = bind(args.host, args.port)
    port = sock.getsockname()[1]
    public_url = public_url_of(args.public_url, args.host, port)
    return _serve(args, path, sock, port, public_url, tokens, generated)


def _serve(
    args: argparse.Namespace,
    path: str,
    sock: socket.socket,
    port: int,
    public_url: str,
    tokens: Tokens,
    generated: bool,
) -> int:
    from .server import ConsoleServer
    from .tab import TabSettings

    mode = " (read-only views)" if tokens.read_only else ""
    lines = [f"Serving the console on {path}{mode}", f"  open: {public_url}/?token={tokens.edit}"]
    if generated:
        lines.append("  (a token was generated for this run; give --token to keep one across restarts)")
    if tokens.viewer:
        lines.append(f"  view: {public_url}/?token={tokens.viewer}")
    lines.append("  add &as=NAME to say who is typing; Ctrl+C stops the server")
    if getattr(args, "json", False):  # one JSON object, as every command prints with --json
        lines = [_start_json(path, public_url, tokens, generated)]
    settings = TabSettings(path, config=getattr(args, "config", None), incident=getattr(args, "incident", None))
    server = ConsoleServer(settings, tokens, host=args.host, port=port, public_url=public_url, announce=lines)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_on(sock)
    sys.stdout.flush()
    return 0


def _start_json(path: str, public_url: str, tokens: Tokens, generated: bool) -> str:
    import json

    return json.dumps(
        {
            "serving": path,
            "url": f"{public_url}/?token={tokens.edit}",
            "viewer_url": f"{public_url}/?token={tokens.viewer}" if tokens.viewer else None,
            "read_only": tokens.read_only,
            "token_generated": generated,
        }
    )
