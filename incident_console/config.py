"""Reading the optional TOML config file: the SLA policy and the communications templates."""

from __future__ import annotations

from typing import Any

from .domain.errors import InputError
from .domain.policy import Policy
from .domain.templates import TEMPLATES, Template, merge
from .store.locations import config_file


def load_settings(explicit: str | None = None) -> tuple[Policy, tuple[Template, ...]]:
    """The SLA policy and the communications templates, from the config file when there is one."""
    path = config_file(explicit)
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        if explicit:
            raise InputError(f"config file {path} does not exist") from None
        return Policy(), TEMPLATES
    except OSError as exc:
        raise InputError(f"config file {path} cannot be read: {exc.strerror}") from None
    data = _parse(raw, path)
    source = f"config file {path}"
    return Policy.from_mapping(data, source=source), merge(data.get("templates") or {}, source)


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
    return load_settings(explicit)[0]


def policy_from_bytes(raw: bytes, *, source: str) -> Policy:
    return Policy.from_mapping(_parse(raw, source), source=f"config file {source}")
