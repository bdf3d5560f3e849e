"""Reading the optional TOML config file: the SLA policy, the communications templates, the store's settings."""

from __future__ import annotations

import math
import os
from typing import Any, NamedTuple

from .domain.alert_rules import IngestRules
from .domain.errors import InputError
from .domain.policy import Policy
from .domain.templates import TEMPLATES, Template, merge
from .store.locations import config_file
from .store.lock import DEFAULT_TIMEOUT

# The longest a writer may be told to wait for the file's lock: an alert hook must not pile up.
_LONGEST_LOCK_WAIT = 3600


class Settings(NamedTuple):
    """Everything the config file sets."""

    policy: Policy
    templates: tuple[Template, ...]
    lock_timeout: float = DEFAULT_TIMEOUT  # seconds a writer waits for the file's lock
    chain_key: bytes | None = None  # the team's key for the log's keyed head, from [chain] key_file
    ingest: IngestRules = IngestRules()  # how alerts become incidents, from [ingest]
    pagerduty_secret: bytes | None = None  # PagerDuty's signing secret, from [ingest] pagerduty_secret_file


def load_settings(explicit: str | None = None) -> tuple[Policy, tuple[Template, ...]]:
    """The SLA policy and the communications templates, from the config file when there is one."""
    settings = load_config(explicit)
    return settings.policy, settings.templates


def load_config(explicit: str | None = None) -> Settings:
    """Everything the config file sets; the runbook's defaults without one."""
    path = config_file(explicit)
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        if explicit:
            raise InputError(f"config file {path} does not exist") from None
        return Settings(Policy(), TEMPLATES)
    except OSError as exc:
        raise InputError(f"config file {path} cannot be read: {exc.strerror}") from None
    data = _parse(raw, path)
    source = f"config file {path}"
    ingest = data.get("ingest", {})
    secret_file = ingest.pop("pagerduty_secret_file", None) if isinstance(ingest, dict) else None
    return Settings(
        Policy.from_mapping({k: v for k, v in data.items() if k not in ("chain", "ingest")}, source=source),
        merge(data.get("templates") or {}, source),
        _lock_timeout(data.get("store", {}), source),
        _chain_key(data.get("chain"), source, os.path.dirname(path)),
        IngestRules.from_mapping(ingest, source=source),
        _secret(secret_file, source, os.path.dirname(path)),
    )


def _secret(name: Any, source: str, folder: str) -> bytes | None:
    """The bytes of the file named by ``[ingest] pagerduty_secret_file`` (kept out of the config itself)."""
    if name is None:
        return None
    if not isinstance(name, str) or not name.strip():
        raise InputError(f'{source}: ingest.pagerduty_secret_file must be "PATH", a file holding the signing secret')
    path = os.path.join(folder, os.path.expanduser(name))
    try:
        with open(path, "rb") as handle:
            secret = handle.read().strip()
    except OSError as exc:
        raise InputError(f"{source}: ingest.pagerduty_secret_file {path} cannot be read: {exc.strerror}") from None
    if not secret:
        raise InputError(f"{source}: ingest.pagerduty_secret_file {path} is empty")
    return secret


def _lock_timeout(store: Any, source: str) -> float:
    """``[store] lock_timeout_seconds``: how long a writer waits for another one's lock (0: not at all)."""
    if not isinstance(store, dict):
        raise InputError(f"{source}: 'store' must be a table, not {store!r}")
    for key in store:
        if key != "lock_timeout_seconds":
            raise InputError(f"{source}: unknown key 'store.{key}'")
    value = store.get("lock_timeout_seconds", DEFAULT_TIMEOUT)
    name = "store.lock_timeout_seconds"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"{source}: {name} = {value!r} is not a number of seconds")
    if not math.isfinite(value) or value < 0:
        raise InputError(f"{source}: {name} = {value!r} must be zero or more seconds")
    if value > _LONGEST_LOCK_WAIT:
        raise InputError(f"{source}: {name} = {value!r} is too long (at most {_LONGEST_LOCK_WAIT} seconds)")
    return float(value)


# Shorter keys are refused: a key someone can guess makes a keyed head anyone can forge.
_SHORTEST_KEY = 16


def _chain_key(section: Any, source: str, folder: str) -> bytes | None:
    """The key in the file named by ``[chain] key_file`` (its bytes, without surrounding white space);
    a relative name is in the config file's folder."""
    if section is None:
        return None
    if not isinstance(section, dict) or set(section) != {"key_file"} or not isinstance(section["key_file"], str):
        raise InputError(f'{source}: [chain] takes one key, key_file = "PATH" (a file holding the team\'s key)')
    name = os.path.join(folder, os.path.expanduser(section["key_file"]))
    try:
        with open(name, "rb") as handle:
            key = handle.read().strip()
    except OSError as exc:
        raise InputError(f"{source}: [chain] key_file {name} cannot be read: {exc.strerror}") from None
    if len(key) < _SHORTEST_KEY:
        raise InputError(f"{source}: [chain] key_file {name} holds under {_SHORTEST_KEY} bytes; use a longer key")
    return key


def _parse(raw: bytes, source: str) -> dict[str, Any]:
    import tomllib  # only when there is a config file to read

    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"config file {source} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"config file {source} is not valid TOML ({exc})") from None


def load_policy(explicit: str | None = None) -> Policy:
    """The runbook's policy, overridden by the config file when there is one.

    A config named with ``--config`` must exist; the default one is optional.
    """
    return load_config(explicit).policy


def policy_from_bytes(raw: bytes, *, source: str) -> Policy:
    return Policy.from_mapping(_parse(raw, source), source=f"config file {source}")
