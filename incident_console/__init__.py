"""incident-console: a terminal console for running a production incident by the runbook."""

__version__ = "0.1.0"
