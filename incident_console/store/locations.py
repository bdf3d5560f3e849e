"""Where the state file and the config file live: --file, $INCIDENT_CONSOLE_FILE, platform folders."""

from __future__ import annotations

import os
import sys

APP_NAME = "incident-console"
FILE_VARIABLE = "INCIDENT_CONSOLE_FILE"
CONFIG_VARIABLE = "INCIDENT_CONSOLE_CONFIG"


def state_file(explicit: str | None = None) -> str:
    """``--file PATH``, else ``$INCIDENT_CONSOLE_FILE``, else ``incidents.json`` in the user data folder."""
    chosen = explicit or os.environ.get(FILE_VARIABLE)
    if chosen:
        return os.path.abspath(os.path.expanduser(chosen))
    import platformdirs  # not needed when the file is named, as in alert hooks

    return os.path.join(platformdirs.user_data_dir(APP_NAME, appauthor=False), "incidents.json")


def config_file(explicit: str | None = None) -> str:
    """``--config PATH``, else ``$INCIDENT_CONSOLE_CONFIG``, else ``config.toml`` in the user config folder."""
    chosen = explicit or os.environ.get(CONFIG_VARIABLE)
    if chosen:
        return os.path.abspath(os.path.expanduser(chosen))
    if sys.platform.startswith("linux"):
        # Every command looks for the config, so on Linux the XDG rule is applied here directly
        # (the same rule platformdirs applies) rather than importing it on every alert hook.
        base = os.environ.get("XDG_CONFIG_HOME", "").strip() or os.path.expanduser("~/.config")
        return os.path.join(base, APP_NAME, "config.toml")
    import platformdirs

    return os.path.join(platformdirs.user_config_dir(APP_NAME, appauthor=False), "config.toml")
