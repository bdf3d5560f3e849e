"""``serve``: the console in web browsers, a console per tab, behind a token (``incident_console.serving``)."""

from __future__ import annotations

import argparse

from ..registry import Context, Reply, command


def _arguments(parser: argparse.ArgumentParser) -> None:
    from ...serving import command as serving

    serving.add_arguments(parser)


@command("serve", "serve the console to browsers: a console per tab, behind a token", _arguments)
def serve(ctx: Context) -> Reply:
    # The server prints its own start (one JSON object with --json) and runs until interrupted.
    from ...serving import command as serving

    return Reply("", None, status=serving.run(ctx.args, ctx.path))
