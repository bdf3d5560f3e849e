"""The commands, one module per runbook step; importing this package registers them all, in this order.

The order is the runbook's, and the order ``--help`` lists the commands in.
"""

# isort: skip_file

from . import (  # noqa: F401  (each module registers its commands)
    declare,
    respond,
    communicate,
    resolve,
    handoff,
    postmortem,
    files,
    archive,
    detect,
    serve,
    completion,
)
