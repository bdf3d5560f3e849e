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


def resolved(path: str) -> str:
    """The file ``path`` names, with every symbolic link followed, so that reading, writing and
    locking all use the one real file (a link keeps working, and two names of one file share a lock).

    A link in a shared sticky folder (such as /tmp) is followed only when it belongs to this user or
    to the folder's owner, the rule Linux applies itself with ``fs.protected_symlinks``: a link another
    user planted there is refused with a sentence (FileProblem).
    """
    import stat

    from ..domain.errors import FileProblem

    current = os.path.join(os.path.realpath(os.path.dirname(os.path.abspath(path))), os.path.basename(path))
    for _ in range(40):
        try:
            st = os.lstat(current)
        except OSError:
            return current  # not there yet (a new file), or unreadable: opening it says why
        if not stat.S_ISLNK(st.st_mode):
            return current
        folder = os.path.dirname(current)
        try:
            shared = os.stat(folder)
        except OSError:
            shared = None
        if (
            shared is not None
            and shared.st_mode & stat.S_ISVTX
            and shared.st_mode & stat.S_IWOTH
            and st.st_uid not in (os.geteuid(), shared.st_uid)
        ):
            from .lock import user_name

            raise FileProblem(
                f"{path} is a symbolic link that user {user_name(st.st_uid)} made in the shared folder "
                f"{folder}; it is not followed (a link there must be yours or the folder owner's)"
            )
        following = os.path.join(folder, os.readlink(current))
        current = os.path.join(os.path.realpath(os.path.dirname(following)), os.path.basename(following))
    raise FileProblem(f"{path} is a symbolic link with too many links after it; it is not followed")
