"""Switching a flow from dry run to live (only through its gates, or overridden with a reason, audited),
and the test alert each route must deliver before go-live."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import get_args

from shopbridge.alerts import channels
from shopbridge.bootstrap import Services
from shopbridge.config.golive import FlowName
from shopbridge.domain.alerting import AlertMessage
from shopbridge.engine import audit, golive_state
from shopbridge.errors import BadInput, ShopbridgeError
from shopbridge.flows.order_to_sales_order import FLOW as ORDER_FLOW
from shopbridge.golive.catch_up import CaughtUp, catch_up_orders, enqueue_catch_up_again
from shopbridge.golive.gates import Gate, check_gates

__all__ = ["FLOW_NAMES", "Refused", "Switched", "enable_flow", "send_test_alerts"]

FLOW_NAMES: tuple[str, ...] = get_args(FlowName)
AUDIT_ENTITY = "flow"


class Refused(ShopbridgeError):
    """A flow's gates failed and no override was given."""

    def __init__(self, flow: str, failed: Sequence[Gate]) -> None:
        self.failed = tuple(failed)
        names = ", ".join(gate.name for gate in failed)
        super().__init__(
            f"{flow} stays in dry run: gate(s) failing: {names} "
            f'(fix them, or pass --override --reason "..." to go live anyway, audited)'
        )


@dataclass(frozen=True)
class Switched:
    flow: str
    gates: tuple[Gate, ...]
    override: bool
    caught_up: tuple[CaughtUp, ...] = ()  # orders only the dry run would have posted, now enqueued


def known_flow(flow: str) -> str:
    if flow not in FLOW_NAMES:
        raise BadInput(f"no flow is named {flow!r}; the flows are: {', '.join(FLOW_NAMES)}")
    return flow


def enable_flow(
    services: Services, flow: str, *, actor: str, override: bool = False, reason: str = ""
) -> Switched:
    """Switch ``flow`` live when its gates pass; with ``override`` (and a reason) whatever they say."""
    known_flow(flow)
    if override and not reason.strip():
        raise BadInput('an override needs a reason: --override --reason "why it may go live now"')
    gates = tuple(check_gates(services, [flow]))
    failed = [gate for gate in gates if not gate.passed]
    if failed and not override:
        raise Refused(flow, failed)
    overridden = bool(failed) and override
    detail = {
        "override": overridden,
        "reason": reason,
        "failed_gates": [{"gate": g.name, "detail": g.detail} for g in failed],
    }
    with services.store.begin() as conn:
        now = services.clock.now()
        golive_state.switch_flow(
            conn, flow, live=True, actor=actor, override=overridden, reason=reason, now=now
        )
        audit.record(
            conn,
            actor=actor,
            action="golive_enable",
            entity_type=AUDIT_ENTITY,
            entity_id=flow,
            detail=detail,
            now=now,
        )
        caught_up = []
        if flow == ORDER_FLOW.switch:
            caught_up = catch_up_orders(conn, now=now)
            enqueue_catch_up_again(conn, now=now)
    return Switched(flow, gates, overridden, tuple(caught_up))


def send_test_alerts(services: Services, route_names: Sequence[str] = ()) -> list[golive_state.AlertTest]:
    """A test message through each route (or those named); each delivery, or its failure, recorded.

    A delivery the channel accepted (SMTP accepted the mail, the webhook answered 2xx) counts as
    acknowledged: that is what the go-live gate checks.
    """
    settings = services.settings
    routes = [r for r in settings.alerts.routes if not route_names or r.name in route_names]
    unknown = sorted(set(route_names) - {r.name for r in settings.alerts.routes})
    if unknown:
        known = ", ".join(r.name for r in settings.alerts.routes) or "none"
        raise BadInput(f"no alert route named {', '.join(unknown)} (configured: {known})")
    results = []
    for route in routes:
        message = AlertMessage(route.name, False, "shopbridge test alert: this route works", ())
        try:
            channels.send(message, route, settings.alerts.smtp)
            ok, detail = True, "delivered"
        except ShopbridgeError as exc:
            ok, detail = False, str(exc)
        with services.store.begin() as conn:
            now = services.clock.now()
            golive_state.record_alert_test(conn, route.name, ok=ok, detail=detail, now=now)
        results.append(golive_state.AlertTest(route.name, now, ok, detail))
    return results
