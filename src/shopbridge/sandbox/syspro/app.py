"""The SYSPRO sandbox's web app: e.net REST routes, faults, and levers under ``/_sandbox/``.

Business objects answer as e.net does: HTTP 200 with XmlOut, or HTTP 200 with ``ERROR: ...``.
Logon answers the session id as a JSON string (a live integration reads it that way first). A
business object name SYSPRO does not know, like one not licensed, is "e.net exception 100000".
Injected faults (latency, HTTP 5xx, hangs) apply to the e.net routes only, never to the levers.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from shopbridge.sandbox.levers import ErpLevers, Lever, lever_route
from shopbridge.sandbox.syspro.queries import QUERIES
from shopbridge.sandbox.syspro.state import Company, seeded
from shopbridge.sandbox.syspro.transactions import POSTS, SETUPS, despatch
from shopbridge.sandbox.syspro.xmlio import BoError, parse_in
from shopbridge.sandbox.webfaults import WebFaults

KNOWN_OBJECTS = frozenset(QUERIES) | frozenset(POSTS) | frozenset(SETUPS)


@dataclass
class Faults(WebFaults):
    unlicensed: set[str] = field(default_factory=set)


@dataclass
class Credentials:
    operator: str = "SHOPBRIDGE"
    operator_password: str = "sandbox"
    company_id: str = "EDU1"
    company_password: str = ""


class SysproState:
    """The company, the live sessions (one per operator) and the faults."""

    def __init__(self, credentials: Credentials) -> None:
        self.credentials = credentials
        self.company: Company = seeded()
        self.faults = Faults()
        self.sessions: dict[str, str] = {}  # operator -> UserId
        self.logons = 0

    def reset(self) -> None:
        self.company, self.faults, self.sessions = seeded(), Faults(), {}

    def logon(self, operator: str) -> str:
        """A new logon as the same operator ends that operator's previous session."""
        user_id = secrets.token_hex(16).upper()
        self.sessions[operator] = user_id
        self.logons += 1
        return user_id

    def evict(self, operator: str | None = None) -> None:
        self.sessions.pop(operator or self.credentials.operator, None)

    def session_valid(self, user_id: str) -> bool:
        return user_id.strip() in self.sessions.values()


def _error(text: str) -> PlainTextResponse:
    return PlainTextResponse(f"ERROR: {text}")


def _logon(state: SysproState, request: Request) -> Response:
    creds, q = state.credentials, request.query_params
    if q.get("Operator", "") != creds.operator or q.get("OperatorPassword", "") != creds.operator_password:
        return _error("Invalid operator or operator password")
    if q.get("CompanyId", "") != creds.company_id or q.get("CompanyPassword", "") != creds.company_password:
        return _error(f"Invalid company '{q.get('CompanyId', '')}' or company password")
    return JSONResponse(state.logon(creds.operator))


def _object_call(
    state: SysproState, request: Request, table: dict[str, Any], *, with_params: bool
) -> Response:
    q = request.query_params
    user_id, name = q.get("UserId", ""), q.get("BusinessObject", "").upper()
    if not state.session_valid(user_id):
        return _error(
            f"Invalid UserId '{user_id.strip()}': the session has expired or was ended by another logon"
        )
    if name in state.faults.unlicensed or name not in KNOWN_OBJECTS:
        return _error(f"e.net exception 100000: business object {name} is not licensed or not registered")
    if name not in table:
        return _error(f"Business object '{name}' is not available through this method")
    try:
        xml_in = parse_in(q.get("XmlIn", ""), what="XmlIn")
        with state.company.lock:
            if with_params:
                params = parse_in(q.get("XmlParameters", "") or "<Parameters/>", what="XmlParameters")
                return PlainTextResponse(
                    table[name](state.company, params, xml_in), media_type="application/xml"
                )
            return PlainTextResponse(table[name](state.company, xml_in), media_type="application/xml")
    except BoError as exc:
        return _error(str(exc))


def _enet_routes(state: SysproState) -> list[Route]:
    def wrap(handler: Callable[[Request], Response]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            return await state.faults.strike() or handler(request)

        return endpoint

    def logoff(request: Request) -> Response:
        user_id = request.query_params.get("UserId", "").strip()
        state.sessions = {op: uid for op, uid in state.sessions.items() if uid != user_id}
        return PlainTextResponse("0")

    return [
        Route("/Logon", wrap(lambda r: _logon(state, r))),
        Route("/Logoff", wrap(logoff)),
        Route("/Query/Query", wrap(lambda r: _object_call(state, r, QUERIES, with_params=False))),
        Route("/Transaction/Post", wrap(lambda r: _object_call(state, r, POSTS, with_params=True))),
        Route("/Setup/Add", wrap(lambda r: _object_call(state, r, SETUPS, with_params=True))),
    ]


class SysproLevers(ErpLevers):
    """The common ERP levers plus despatch, invoicing, SYSPRO's faults and evicting the session."""

    state: SysproState

    def extra_levers(self) -> dict[str, Lever]:
        return {
            "despatch": lambda b: {"dispatch_note": self._despatch(b)},
            "invoice": lambda b: {"invoice": self._invoice(b)},
            "faults": self._faults,
            "evict_session": lambda b: self._locked(self.state.evict, b.get("operator")),
        }

    def _despatch(self, b: dict[str, Any]) -> str:
        with self.state.company.lock:
            return despatch(
                self.state.company,
                b["reference"],
                carrier=b["carrier"],
                tracking=_waybill(b["tracking"]),
                quantities=b.get("quantities"),
            )

    def _invoice(self, b: dict[str, Any]) -> str:
        """SYSPRO's invoicing run for one despatched order (then SORQRY answers its LastInvoice)."""
        with self.state.company.lock:
            orders = self.state.company.orders_with_po(b["reference"])
            if not orders:
                raise KeyError(f"no sales order with customer PO number {b['reference']}")
            return self.state.company.invoice_order(orders[0]["SalesOrder"])

    def _faults(self, b: dict[str, Any]) -> dict[str, Any]:
        faults = self.state.faults
        faults.update(b)
        faults.unlicensed |= {str(n).upper() for n in b.get("unlicense", [])}
        faults.unlicensed -= {str(n).upper() for n in b.get("license", [])}
        return {"ok": True}


def create_app(state: SysproState) -> Starlette:
    return Starlette(routes=[*_enet_routes(state), lever_route(SysproLevers(state))])


def _waybill(tracking: str | list[str]) -> str:
    """One parcel's tracking number, or several parcels' (a list) keyed comma-separated into the
    one waybill field, as a warehouse keys a multi-parcel despatch (WIRE.md: assumed)."""
    return tracking if isinstance(tracking, str) else ", ".join(tracking)
