"""Reading the optional TOML config file into a Policy."""

from __future__ import annotations

import tomllib

from .domain.errors import InputError
from .domain.policy import Policy
from .store.locations import config_file


def load_policy(explicit: str | None = None) -> Policy:
    """The runbook's policy, overridden by the config file when there is one.

    A config named with ``--config`` must exist; the default one is optional.
    """
    path = config_file(explicit)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if explicit:
            raise InputError(f"config file {path} does not exist") from None
        return Policy()
    except OSError as exc:
        raise InputError(f"config file {path} cannot be read: {exc.strerror}") from None
    return policy_from_bytes(raw, source=str(path))


def policy_from_bytes(raw: bytes, *, source: str) -> Policy:
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"config file {source} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"config file {source} is not valid TOML ({exc})") from None
    return Policy.from_mapping(data, source=f"config file {source}")
