"""The ``ingest`` and ``listen`` commands: monitoring webhooks from a file, stdin or HTTP."""

from __future__ import annotations

import argparse
import os
import sys

from .config import load_config
from .desk import Desk
from .desk import detect as ingest
from .domain.errors import InputError

TOKEN_VARIABLE = "INCIDENT_CONSOLE_LISTEN_TOKEN"


def run(desk: Desk, args: argparse.Namespace) -> int:
    settings = load_config(getattr(args, "config", None))
    author = getattr(args, "author", None)
    if args.command == "ingest":
        body = _read(args.payload)
        outcome = desk.ingest(ingest.decode(body, args.format), settings.ingest, author)
        sys.stdout.write(outcome.summary + "\n")
        return 0
    from . import listener  # aiohttp is imported by this command alone

    return listener.serve(
        desk,
        settings,
        host=args.host,
        port=args.port,
        # From the environment, a token stays out of the process list that --token shows it in.
        token=args.token if args.token is not None else os.environ.get(TOKEN_VARIABLE) or None,
        author=author,
    )


def _read(name: str) -> bytes:
    if name == "-":
        body = sys.stdin.buffer.read(ingest.LARGEST_BODY + 1)
        where = "standard input"
    else:
        try:
            with open(name, "rb") as handle:
                body = handle.read(ingest.LARGEST_BODY + 1)
        except OSError as exc:
            raise InputError(f"payload file {name} cannot be read: {exc.strerror}") from None
        where = f"payload file {name}"
    if len(body) > ingest.LARGEST_BODY:
        raise InputError(f"{where} is over the limit of {ingest.LARGEST_BODY} bytes")
    return body
