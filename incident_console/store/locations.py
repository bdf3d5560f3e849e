"""Where the state file and the config file live: --file, $INCIDENT_CONSOLE_FILE, platform folders."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "incident-console"
FILE_VARIABLE = "INCIDENT_CONSOLE_FILE"
CONFIG_VARIABLE = "INCIDENT_CONSOLE_CONFIG"


def state_file(explicit: str | None = None) -> Path:
    """``--file PATH``, else ``$INCIDENT_CONSOLE_FILE``, else ``incidents.json`` in the user data folder."""
    chosen = explicit or os.environ.get(FILE_VARIABLE)
    if chosen:
        return Path(chosen).expanduser().absolute()
    import platformdirs  # not needed when the file is named, as in alert hooks

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "incidents.json"


def config_file(explicit: str | None = None) -> Path:
    """``--config PATH``, else ``$INCIDENT_CONSOLE_CONFIG``, else ``config.toml`` in the user config folder."""
    chosen = explicit or os.environ.get(CONFIG_VARIABLE)
    if chosen:
        return Path(chosen).expanduser().absolute()
    if sys.platform.startswith("linux"):
        # Every command looks for the config, so on Linux the XDG rule is applied here directly
        # (the same rule platformdirs applies) rather than importing it on every alert hook.
        base = os.environ.get("XDG_CONFIG_HOME", "").strip() or os.path.expanduser("~/.config")
        return Path(base) / APP_NAME / "config.toml"
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"
