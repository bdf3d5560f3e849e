"""How alerts become incidents: the ``[ingest]`` section of the config file (severity mapping,
the default, the label names), checked like every other config key."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from .errors import InputError
from .model import Severity


class IngestRules(NamedTuple):
    """How alerts become incidents: the ``[ingest]`` section of the config file."""

    severity: Mapping[str, Severity] = MappingProxyType(
        {
            "critical": Severity.P1,
            "error": Severity.P2,
            "high": Severity.P2,
            "warning": Severity.P3,
            "info": Severity.P4,
            "low": Severity.P4,
        }
    )
    default_severity: Severity = Severity.P3
    severity_label: str = "severity"
    service_labels: tuple[str, ...] = ("service", "job", "app")
    # PagerDuty's priorities P1..P5 (five of them) onto ours.
    pagerduty_priority: Mapping[str, Severity] = MappingProxyType(
        {"P1": Severity.P1, "P2": Severity.P2, "P3": Severity.P3, "P4": Severity.P4, "P5": Severity.P4}
    )

    @classmethod
    def from_mapping(cls, data: Any, *, source: str = "config") -> IngestRules:
        """Read ``[ingest]``, refusing any unknown key or bad value::

        [ingest]
        default_severity = "P3"
        severity_label = "severity"
        service_labels = ["service", "job", "app"]
        [ingest.severity]
        critical = "P1"
        [ingest.pagerduty_priority]
        P5 = "P4"
        """
        if not isinstance(data, dict):
            raise InputError(f"{source}: 'ingest' must be a table, not {data!r}")
        base = cls()
        values: dict[str, Any] = {}
        for key, value in data.items():
            name = f"ingest.{key}"
            if key == "default_severity":
                values[key] = _severity(source, name, value)
            elif key == "severity_label":
                if not isinstance(value, str) or not value.strip():
                    raise InputError(f"{source}: {name} = {value!r} must be a label name")
                values[key] = value.strip()
            elif key == "service_labels":
                if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                    raise InputError(f"{source}: {name} must be a list of label names, not {value!r}")
                values[key] = tuple(v.strip() for v in value)
            elif key in ("severity", "pagerduty_priority"):
                if not isinstance(value, dict):
                    raise InputError(f"{source}: {name} must be a table of values to P1..P4, not {value!r}")
                table = dict(getattr(base, key))
                for label_value, sev in value.items():
                    table[str(label_value).strip().lower() if key == "severity" else str(label_value).upper()] = (
                        _severity(source, f"{name}.{label_value}", sev)
                    )
                values[key] = MappingProxyType(table)
            else:
                raise InputError(f"{source}: unknown key {name!r}")
        return base._replace(**values)


def _severity(source: str, name: str, value: Any) -> Severity:
    try:
        return Severity(str(value).strip().upper())
    except ValueError:
        raise InputError(f"{source}: {name} = {value!r} is not a severity (P1..P4)") from None
