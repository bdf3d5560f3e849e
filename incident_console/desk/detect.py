"""Detect (runbook step 1): a monitoring webhook applied to the state file, in one transaction under the file's lock.

Every entry point (``ingest``, the listener) comes here through ``Desk.ingest``, so a payload does
the same whichever way it arrived, and delivering it twice changes nothing the second time.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, NamedTuple

from ..domain.errors import InputError
from .declare import Declaring

if TYPE_CHECKING:
    from ..domain import alert_plan, alerts
    from ..domain.alert_rules import IngestRules
    from ..domain.model import Incident
    from ..store.repository import Transaction

LARGEST_BODY = 1024 * 1024  # 1 MiB: far above a real notification, far below what would hurt


class Outcome(NamedTuple):
    """What one payload did."""

    incident_id: str | None
    declared: bool
    logged: int
    summary: str  # "declared INC-4", "2 alerts logged on INC-3", "duplicate, nothing to do"


def decode(body: bytes, source: str) -> alerts.Payload:
    """Read a raw webhook body (JSON) of ``source``; one sentence for anything wrong with it."""
    if len(body) > LARGEST_BODY:
        raise InputError(f"the payload is {len(body)} bytes, over the limit of {LARGEST_BODY} bytes")
    try:
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError("the payload is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"the payload is not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except RecursionError:
        raise InputError("the payload is nested too deeply to be an alert") from None
    from ..domain import alerts  # here: the commands an alert hook does not run never parse alerts

    return alerts.parse(data, source)


class Detecting(Declaring):
    """Alerts from monitoring: declare, log, or nothing when the payload repeats one already applied."""

    def ingest(self, payload: alerts.Payload, rules: IngestRules, author: str | None = None) -> Outcome:
        """Apply ``payload`` in one transaction: declare, log its alerts, or nothing when it is a repeat."""
        from ..domain import alert_plan, alerts

        now = self.clock()
        with self._transaction(now) as tx:
            snap = tx.snapshot
            linked = alert_plan.linked_incident(payload.key, snap.incidents, snap.log_by_incident)
            log = snap.log_for(linked.id) if linked else ()
            if isinstance(payload, alerts.AlertGroup):
                plan = alert_plan.plan_group(payload, linked, alert_plan.alert_states(log, payload.key), rules)
            else:
                plan = alert_plan.plan_pagerduty(payload, linked, alert_plan.pagerduty_events(log), rules)
            incident: Incident | None = linked
            declared = False
            if plan.declare is not None:
                incident = self._declare_alerted(tx, payload, plan.declare, now, author)
                declared = True
            if incident is None or not plan.lines:
                return Outcome(incident.id if incident else None, False, 0, plan.summary)
            for line in plan.lines:
                tx.append(
                    self._entry(incident, line.kind, line.text, now, **line.details)._replace(
                        author=author or line.author or payload.source
                    )
                )
            if plan.acknowledge:
                tx.put_incident(incident.with_changes(acknowledged_at=now))
            summary = plan.summary.replace("declared", f"declared {incident.id}", 1) if declared else plan.summary
            return Outcome(incident.id, declared, len(plan.lines), summary)

    def _declare_alerted(
        self,
        tx: Transaction,
        payload: alerts.Payload,
        declaration: alert_plan.Declaration,
        now: Any,
        author: str | None,
    ) -> Incident:
        # A sender's clock ahead of ours would date the detection in the future: it is now at the latest.
        detected = min(declaration.started_at or now, now)
        started = min(declaration.started_at, now) if declaration.started_at else None
        writer = author or payload.source
        incident = self.declare_in(
            tx,
            now,
            declaration.title,
            declaration.severity,
            services=declaration.services,
            started_at=started,
            detected_at=detected,
            author=writer,
            alert_source=payload.source,
            alert_key=payload.key,
        )
        tx.append(self._entry(incident, "note", declaration.why, now, source=payload.source)._replace(author=writer))
        return incident
