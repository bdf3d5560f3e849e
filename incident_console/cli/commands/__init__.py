"""The commands, one module per runbook step, and which module registers which command.

``MODULES`` is in the runbook's order, the order ``--help`` lists the commands in. A run of one
command imports only the module that registers it (``load``): an alert hook's ``log`` does not load
the other nine. ``load_all`` imports every module and gives the whole table in that order. A test
checks that ``MODULES`` names exactly the commands each module registers.
"""

from __future__ import annotations

from importlib import import_module

from ..registry import COMMANDS, Command

MODULES = {
    "new": "declare",
    "triage": "declare",
    "severity": "declare",
    "commander": "declare",
    "log": "respond",
    "ack": "respond",
    "escalate": "respond",
    "respond": "respond",
    "run": "respond",
    "update": "communicate",
    "status": "resolve",
    "checklist": "resolve",
    "handoff": "handoff",
    "postmortem": "postmortem",
    "action": "postmortem",
    "list": "files",
    "show": "files",
    "export": "files",
    "demo": "files",
    "where": "files",
    "verify": "files",
    "archive": "archive",
    "ingest": "detect",
    "listen": "detect",
    "serve": "serve",
    "completion": "completion",
}


def load(name: str) -> Command:
    """The command ``name`` (one of ``MODULES``), its module imported if it was not yet."""
    import_module(f"{__name__}.{MODULES[name]}")
    return COMMANDS[name]


def load_all() -> dict[str, Command]:
    """Every command, in ``MODULES``'s order."""
    for module in dict.fromkeys(MODULES.values()):
        import_module(f"{__name__}.{module}")
    return {name: COMMANDS[name] for name in MODULES}
