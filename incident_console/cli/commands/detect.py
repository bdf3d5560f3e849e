"""Detect: monitoring webhooks, from a file or stdin (``ingest``) or over HTTP (``listen``)."""

from __future__ import annotations

import argparse
import os
import sys

from ...domain.errors import InputError
from ..json_out import print_json
from ..registry import Context, Reply, command

TOKEN_VARIABLE = "INCIDENT_CONSOLE_LISTEN_TOKEN"


def _ingest_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("payload", nargs="?", default="-", metavar="FILE", help="the JSON payload (default: stdin)")
    p.add_argument("--format", default="auto", choices=["alertmanager", "grafana", "pagerduty", "auto"])


@command(
    "ingest", "apply one Alertmanager, Grafana or PagerDuty webhook payload (a file, or - for stdin)", _ingest_arguments
)
def ingest(ctx: Context) -> Reply:
    from ...config import load_config
    from ...desk import decode

    settings = load_config(getattr(ctx.args, "config", None))
    body = _read(ctx.args.payload)
    outcome = ctx.desk.ingest(decode(body, ctx.args.format), settings.ingest, getattr(ctx.args, "author", None))
    data = {
        "incident": outcome.incident_id,
        "declared": outcome.declared,
        "logged": outcome.logged,
        "summary": outcome.summary,
    }
    return Reply(outcome.summary, data)


def _read(name: str) -> bytes:
    from ...desk import LARGEST_BODY

    if name == "-":
        body = sys.stdin.buffer.read(LARGEST_BODY + 1)
        where = "standard input"
    else:
        try:
            with open(name, "rb") as handle:
                body = handle.read(LARGEST_BODY + 1)
        except OSError as exc:
            raise InputError(f"payload file {name} cannot be read: {exc.strerror}") from None
        where = f"payload file {name}"
    if len(body) > LARGEST_BODY:
        raise InputError(f"{where} is over the limit of {LARGEST_BODY} bytes")
    return body


def _listen_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1; others need --token)")
    p.add_argument("--port", type=int, default=9095, help="port (default 9095)")
    p.add_argument("--token", default=None, help="token senders must give (default: $INCIDENT_CONSOLE_LISTEN_TOKEN)")


@command("listen", "receive Alertmanager, Grafana and PagerDuty webhooks over HTTP", _listen_arguments)
def listen(ctx: Context) -> Reply:
    """With ``--json``, one JSON line on stdout once the socket is bound: where it listens
    (``{"listening": "http://127.0.0.1:9095", "host": ..., "port": ...}``)."""
    from ... import listener  # aiohttp is imported by this command alone
    from ...config import load_config

    def started(host: str, port: int) -> None:
        print_json({"listening": f"http://{host}:{port}", "host": host, "port": port}, one_line=True)

    args = ctx.args
    status = listener.serve(
        ctx.desk,
        load_config(getattr(args, "config", None)),
        host=args.host,
        port=args.port,
        # From the environment, a token stays out of the process list that --token shows it in.
        token=args.token if args.token is not None else os.environ.get(TOKEN_VARIABLE) or None,
        author=getattr(args, "author", None),
        started=started if ctx.json else None,
    )
    return Reply("", None, status=status)
