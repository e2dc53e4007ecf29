"""The Prima sandbox's web app: SOAP 1.1 ``wsomhandler`` and ``comwsomhandler``, faults, levers.

The Prima document travels escaped inside the SOAP body (``RequestXML``/``ResponseXML``). Broken
envelopes and documents are answered with a SOAP fault (HTTP 500), as a SOAP stack would.
"""

from __future__ import annotations

import asyncio
import base64
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import defusedxml
import defusedxml.ElementTree as DET
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from shopbridge.sandbox.levers import ErpLevers, Lever, lever_route
from shopbridge.sandbox.prima.handlers import handle
from shopbridge.sandbox.prima.state import PrimaCompany, seeded

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SERVICE_NS = "urn:prima-solutions:webservices"


@dataclass
class Faults:
    latency: float = 0.0
    fail_statuses: list[int] = field(default_factory=list)
    server_faults: int = 0
    hangs: int = 0
    hang_seconds: float = 5.0


@dataclass
class Login:
    username: str = "shopbridge"
    password: str = "sandbox"
    company_id: str = "01"


class PrimaState:
    def __init__(self, login: Login) -> None:
        self.login = login
        self.company: PrimaCompany = seeded()
        self.faults = Faults()

    def reset(self) -> None:
        self.company, self.faults = seeded(), Faults()


def _soap(body_child: ET.Element, status: int = 200) -> Response:
    ET.register_namespace("soap", SOAP_NS)
    root = ET.Element(f"{{{SOAP_NS}}}Envelope")
    ET.SubElement(root, f"{{{SOAP_NS}}}Body").append(body_child)
    text = '<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(root, encoding="unicode")
    return Response(text, status_code=status, media_type="text/xml; charset=utf-8")


def fault(code: str, text: str) -> Response:
    node = ET.Element(f"{{{SOAP_NS}}}Fault")
    ET.SubElement(node, "faultcode").text = f"soap:{code}"
    ET.SubElement(node, "faultstring").text = text
    return _soap(node, status=500)


def _authorised(state: PrimaState, request: Request) -> bool:
    expected = f"{state.login.username}:{state.login.password}".encode()
    return request.headers.get("authorization", "") == "Basic " + base64.b64encode(expected).decode()


def _safe(text: str, what: str) -> ET.Element:
    try:
        return DET.fromstring(text)
    except defusedxml.DefusedXmlException as exc:
        raise ValueError(f"{what} declares a DTD or entities, which are not accepted") from exc
    except ET.ParseError as exc:
        raise ValueError(f"{what} is not well-formed XML ({exc})") from exc


def _serve(state: PrimaState, operation: str, raw: str) -> Response:
    try:
        call = _safe(raw, "SOAP envelope").find(f"{{{SOAP_NS}}}Body/{{{SERVICE_NS}}}{operation}")
        if call is None:
            return fault("Client", f"the SOAP body does not carry a {operation} call")
        company = call.findtext(f"{{{SERVICE_NS}}}CompanyID", "")
        if operation == "comwsomhandler" and company != state.login.company_id:
            return fault("Client", f"unknown company id '{company}'")
        document = _safe(call.findtext(f"{{{SERVICE_NS}}}RequestXML", ""), "RequestXML")
    except ValueError as exc:
        return fault("Client", str(exc))
    answer = ET.Element(f"{{{SERVICE_NS}}}{operation}Response")
    ET.SubElement(answer, f"{{{SERVICE_NS}}}ResponseXML").text = ET.tostring(
        handle(state.company, document), encoding="unicode"
    )
    return _soap(answer)


async def _apply_faults(state: PrimaState) -> Response | None:
    faults = state.faults
    if faults.latency:
        await asyncio.sleep(faults.latency)
    if faults.hangs:
        faults.hangs -= 1
        await asyncio.sleep(faults.hang_seconds)
    if faults.fail_statuses:
        status = faults.fail_statuses.pop(0)
        return HTMLResponse(f"<html><body><h1>HTTP {status}</h1></body></html>", status_code=status)
    if faults.server_faults:
        faults.server_faults -= 1
        return fault("Server", "Prima database is busy; try again")
    return None


def _endpoint(state: PrimaState, operation: str) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        injected = await _apply_faults(state)
        if injected is not None:
            return injected
        if not _authorised(state, request):
            return Response(
                "Unauthorized", status_code=401, headers={"WWW-Authenticate": 'Basic realm="prima"'}
            )
        return _serve(state, operation, (await request.body()).decode("utf-8", errors="replace"))

    return endpoint


class PrimaLevers(ErpLevers):
    """The common ERP levers plus a despatch and Prima's faults."""

    state: PrimaState

    def extra_levers(self) -> dict[str, Lever]:
        return {"despatch": self._despatch, "faults": self._faults}

    def _despatch(self, b: dict[str, Any]) -> dict[str, Any]:
        with self.state.company.lock:
            number = self.state.company.despatch(
                b["reference"], carrier=b["carrier"], consignment=b["tracking"]
            )
        return {"despatch": number}

    def _faults(self, b: dict[str, Any]) -> dict[str, Any]:
        faults = self.state.faults
        faults.latency = float(b.get("latency", faults.latency))
        if "fail_status" in b:
            faults.fail_statuses += [int(b["fail_status"])] * int(b.get("fail_times", 1))
        faults.server_faults += int(b.get("server_faults", 0))
        faults.hangs += int(b.get("hangs", 0))
        faults.hang_seconds = float(b.get("hang_seconds", faults.hang_seconds))
        return {"ok": True}


def create_app(state: PrimaState) -> Starlette:
    return Starlette(
        routes=[
            Route("/wsomhandler", _endpoint(state, "wsomhandler"), methods=["POST"]),
            Route("/comwsomhandler", _endpoint(state, "comwsomhandler"), methods=["POST"]),
            lever_route(PrimaLevers(state)),
        ]
    )
