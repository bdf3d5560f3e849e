"""SLA policy: the runbook's timings, optionally overridden by a TOML file."""

# No "from __future__ import annotations": see model.py (named tuples are made faster without it).

import math
from collections.abc import Mapping
from datetime import timedelta
from types import MappingProxyType
from typing import Any, NamedTuple

from .errors import InputError
from .model import Severity

# The largest number a policy value may be: big enough for any real deadline, small enough that
# every deadline it gives stays a representable date.
_LARGEST = 1_000_000


def _minutes(value: float) -> timedelta:
    return timedelta(minutes=value)


_RESPONSE: Mapping[Severity, timedelta] = MappingProxyType({s: s.response_time for s in Severity})
_UPDATE_EVERY: Mapping[Severity, timedelta] = MappingProxyType({Severity.P1: _minutes(30), Severity.P2: _minutes(60)})


class Policy(NamedTuple):
    """Every deadline the SLA timers use. The defaults are the runbook's."""

    acknowledge: timedelta = _minutes(5)
    triage: timedelta = _minutes(10)
    response: Mapping[Severity, timedelta] = _RESPONSE
    # How often a status update is due once the first one is out; absent means no cadence.
    update_every: Mapping[Severity, timedelta] = _UPDATE_EVERY
    monitoring: timedelta = _minutes(30)
    postmortem: timedelta = timedelta(hours=48)
    # A timer is "due soon" in the last fraction of its window.
    due_soon_fraction: float = 0.2

    @classmethod
    def from_mapping(cls, data: dict[str, Any], *, source: str = "config") -> "Policy":
        """Build a policy from parsed TOML, refusing any unknown key or bad value.

        The accepted shape (all optional, minutes unless the key says hours)::

            [sla]
            acknowledge_minutes = 5
            triage_minutes = 10
            monitoring_minutes = 30
            postmortem_hours = 48
            [sla.response_minutes]
            P1 = 15
            [sla.update_every_minutes]
            P1 = 30
            P3 = 0      # 0 turns the cadence off
        """
        unknown = set(data) - {"sla", "templates", "store", "ingest"}
        if unknown:
            key = sorted(unknown)[0]
            raise InputError(f"{source}: unknown section or key {key!r}")
        sla = data.get("sla", {})
        if not isinstance(sla, dict):
            raise InputError(f"{source}: 'sla' must be a table, not {sla!r}")
        base = cls()
        values: dict[str, Any] = {}
        simple = {
            "acknowledge_minutes": ("acknowledge", 1),
            "triage_minutes": ("triage", 1),
            "monitoring_minutes": ("monitoring", 1),
            "postmortem_hours": ("postmortem", 60),
        }
        for key, value in sla.items():
            if key in simple:
                name, scale = simple[key]
                values[name] = _minutes(_positive(source, f"sla.{key}", value) * scale)
            elif key == "response_minutes":
                response = dict(base.response)
                for sev, minutes in _severity_table(source, key, value).items():
                    response[sev] = _minutes(_positive(source, f"sla.{key}.{sev}", minutes))
                values["response"] = MappingProxyType(response)
            elif key == "update_every_minutes":
                cadence = dict(base.update_every)
                for sev, minutes in _severity_table(source, key, value).items():
                    checked = _positive(source, f"sla.{key}.{sev}", minutes, zero_ok=True)
                    if checked == 0:
                        cadence.pop(sev, None)
                    else:
                        cadence[sev] = _minutes(checked)
                values["update_every"] = MappingProxyType(cadence)
            elif key == "due_soon_percent":
                percent = _positive(source, f"sla.{key}", value)
                if percent >= 100:
                    raise InputError(f"{source}: sla.{key} = {value!r} must be below 100")
                values["due_soon_fraction"] = percent / 100
            else:
                raise InputError(f"{source}: unknown key 'sla.{key}'")
        return base._replace(**values)


def _positive(source: str, key: str, value: Any, *, zero_ok: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"{source}: {key} = {value!r} is not a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError(f"{source}: {key} = {value!r} is not a finite number")
    if value > _LARGEST:
        raise InputError(f"{source}: {key} = {value!r} is too large (at most {_LARGEST})")
    if value < 0 or (value == 0 and not zero_ok):
        raise InputError(f"{source}: {key} = {value!r} must be greater than zero")
    return float(value)


def _severity_table(source: str, key: str, value: Any) -> dict[Severity, Any]:
    if not isinstance(value, dict):
        raise InputError(f"{source}: sla.{key} must be a table of P1..P4, not {value!r}")
    table: dict[Severity, Any] = {}
    for name, minutes in value.items():
        try:
            table[Severity(str(name).upper())] = minutes
        except ValueError:
            raise InputError(f"{source}: sla.{key}.{name} is not a severity (P1..P4)") from None
    return table
