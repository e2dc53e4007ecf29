"""The go-live page: the gate table ``shopbridge golive check`` prints (each gate pass or fail, what it
found, what to do), for the flows in dry run or the one asked for, and which flows are live.

The gates judged from shopbridge's own records (dry run, parity, alerts, owners) are checked on every
view. Those that ask Shopify and the ERP (connection, webhooks, lookups, catalogue) are checked when
the "check Shopify and the ERP" button asks (``?systems=check``), as ``golive check`` checks them: a
plain view sends nothing to either system and waits for neither. Any signed-in role may read it;
switching a flow live stays a command (``golive enable``), audited with its actor.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from shopbridge.bootstrap import Services
from shopbridge.dryrun.mode import dry_run_flows
from shopbridge.engine import golive_state
from shopbridge.errors import BadInput
from shopbridge.golive.gates import SYSTEM_GATES, Gate, record_gates, system_gates
from shopbridge.golive.switch import FLOW_NAMES, known_flow
from shopbridge.web.api import services_of
from shopbridge.web.dashboard import templates

__all__ = ["GateRow", "routes"]

CHECK_SYSTEMS = "check"  # ?systems=check
UNCHECKED = "not checked"


@dataclass(frozen=True)
class GateRow:
    """A gate as the page shows it: ``status`` is pass, fail, or not checked (a system gate)."""

    name: str
    status: str
    detail: str
    fix: str

    @classmethod
    def of(cls, gate: Gate) -> GateRow:
        return cls(gate.name, "pass" if gate.passed else "fail", gate.detail, gate.fix)


def gate_rows(services: Services, switches: list[str], *, systems: bool) -> list[GateRow]:
    """Every gate in ``golive check``'s order; the system gates only when ``systems`` asks for them."""
    if systems:
        checked = [GateRow.of(gate) for gate in system_gates(services)]
    else:
        fix = "press “check Shopify and the ERP” (or run `shopbridge golive check`)"
        checked = [
            GateRow(name, UNCHECKED, "Shopify and the ERP were not asked on this view", fix)
            for name in SYSTEM_GATES
        ]
    return [*checked, *(GateRow.of(gate) for gate in record_gates(services, switches))]


def golive_page(request: Request) -> Response:
    services = services_of(request)
    flow = request.query_params.get("flow", "").strip()
    systems = request.query_params.get("systems", "") == CHECK_SYSTEMS
    try:
        switches = [known_flow(flow)] if flow else sorted(dry_run_flows(services.settings, services.store))
    except BadInput as exc:
        return Response(str(exc), status_code=400, media_type="text/plain")
    rows = gate_rows(services, switches, systems=systems)
    with services.store.begin() as conn:
        live = golive_state.flow_switches(conn)
    context = {
        "rows": rows,
        "failing": sum(row.status == "fail" for row in rows),
        "unchecked": sum(row.status == UNCHECKED for row in rows),
        "flow": flow,
        "judged": switches,
        "flow_names": FLOW_NAMES,
        "switches": [live[name] for name in FLOW_NAMES if name in live],
    }
    return templates.TemplateResponse(request, "golive.html", context)


def routes() -> list[BaseRoute]:
    return [Route("/golive", golive_page, name="golive")]
