"""The Prima sandbox's web app: an OpenEdge-WSA-style SOAP service, its WSDL, faults and levers.

One URL takes every call (``WSA_PATH``, as a WSA instance does); the body element names the
operation, ``wsomhandler`` or ``comwsomhandler`` in namespace ``urn:omlink``. Parameters are found by
local name, qualified (document/literal) or not (RPC/literal). The Prima document travels escaped in
the body both ways. Broken envelopes are answered with a WSA-shaped SOAP fault (HTTP 500).
"""

from __future__ import annotations

import base64
import itertools
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

import defusedxml
import defusedxml.ElementTree as DET
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shopbridge.sandbox.levers import ErpLevers, Lever, lever_route
from shopbridge.sandbox.prima.results import failed, handle, serialise
from shopbridge.sandbox.prima.state import PrimaCompany, seeded
from shopbridge.sandbox.prima.wsdl import wsdl
from shopbridge.sandbox.webfaults import WebFaults

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SERVICE_NS = "urn:omlink"
WSA_PATH = "/wsa/wsa1"  # OpenEdge's conventional instance path (a live Prima used /wsalive/wsalive)
OPERATIONS = ("wsomhandler", "comwsomhandler")
_REQUEST_IDS = itertools.count(1)


@dataclass
class Faults(WebFaults):
    server_faults: int = 0  # SOAP faults from the WSA: the service behind it is unavailable


@dataclass
class Login:
    """What the sandbox accepts; ``username=None`` serves without HTTP auth, as live installs do."""

    username: str | None = "shopbridge"
    password: str = "sandbox"
    company_id: str = "01"


class PrimaState:
    def __init__(self, login: Login) -> None:
        self.login = login
        self.company: PrimaCompany = seeded()
        self.faults = Faults()

    def reset(self) -> None:
        self.company, self.faults = seeded(), Faults()


def _envelope(body: str, status: int = 200) -> Response:
    text = f'<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP_NS}">'
    text += f"<SOAP-ENV:Body>{body}</SOAP-ENV:Body></SOAP-ENV:Envelope>"
    return Response(text, status_code=status, media_type="text/xml; charset=utf-8")


def fault(code: str, message: str) -> Response:
    """A fault as the OpenEdge WSA writes one: a general faultstring, the cause in FaultDetail."""
    detail = (
        f'<FaultDetail xmlns="{SERVICE_NS}"><errorMessage>{escape(message)}</errorMessage>'
        f"<requestID>sandbox-{next(_REQUEST_IDS)}</requestID></FaultDetail>"
    )
    body = (
        f"<SOAP-ENV:Fault><faultcode>SOAP-ENV:{code}</faultcode>"
        f"<faultstring>An error was detected processing the request. (10893)</faultstring>"
        f"<detail>{detail}</detail></SOAP-ENV:Fault>"
    )
    return _envelope(body, status=500)


def _authorised(state: PrimaState, request: Request) -> bool:
    if state.login.username is None:
        return True
    expected = f"{state.login.username}:{state.login.password}".encode()
    return request.headers.get("authorization", "") == "Basic " + base64.b64encode(expected).decode()


def _safe(text: str, what: str) -> ET.Element:
    try:
        return DET.fromstring(text)
    except defusedxml.DefusedXmlException as exc:
        raise ValueError(f"{what} declares a DTD or entities, which are not accepted") from exc
    except ET.ParseError as exc:
        raise ValueError(f"{what} is not well-formed XML ({exc})") from exc


def _param(call: ET.Element, name: str) -> str:
    return next((c.text or "" for c in call if c.tag.rsplit("}", 1)[-1] == name), "")


def _call(raw: str) -> ET.Element:
    body = _safe(raw, "SOAP envelope").find(f"{{{SOAP_NS}}}Body")
    call = next(iter(body), None) if body is not None else None
    if call is None or call.tag not in {f"{{{SERVICE_NS}}}{op}" for op in OPERATIONS}:
        raise ValueError(f"the SOAP body carries no wsomhandler or comwsomhandler call in {SERVICE_NS}")
    return call


def _serve(state: PrimaState, raw: str) -> Response:
    try:
        call = _call(raw)
    except ValueError as exc:
        return fault("Client", str(exc))
    operation = call.tag.rsplit("}", 1)[-1]
    company = state.login.company_id
    if operation == "comwsomhandler" and _param(call, "CompanyID") != company:
        return fault("Client", f"unknown company id '{_param(call, 'CompanyID')}'")
    document = _param(call, "RequestXML")
    try:
        result = handle(state.company, _safe(document, "the request document"), company)
    except ValueError as exc:
        # Prima's SAX parser has read the RequestType before it fails, and gives no (E:nn) code
        named = re.search(r'RequestType="([^"]*)"', document)
        text = f"The XML is invalid or holds invalid characters: {exc}"
        result = failed(named.group(1) if named else "", company, text)
    answer = f'<ns:{operation}Response xmlns:ns="{SERVICE_NS}"><ns:ResponseXML>'
    answer += f"{escape(serialise(result))}</ns:ResponseXML></ns:{operation}Response>"
    return _envelope(answer)


async def _apply_faults(state: PrimaState) -> Response | None:
    faults = state.faults
    page = await faults.strike()
    if page is not None:
        return page
    if faults.server_faults:
        faults.server_faults -= 1
        return fault("Server", "The urn:omlink service is unavailable (10921): Prima database is busy")
    return None


def _endpoint(state: PrimaState) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        injected = await _apply_faults(state)
        if injected is not None:
            return injected
        if not _authorised(state, request):
            return Response(
                "Unauthorized", status_code=401, headers={"WWW-Authenticate": 'Basic realm="prima"'}
            )
        return _serve(state, (await request.body()).decode("utf-8", errors="replace"))

    return endpoint


async def _wsdl(request: Request) -> Response:
    if request.query_params.get("targetURI") != SERVICE_NS:
        return Response(f"no service with targetURI {request.query_params.get('targetURI')}", status_code=404)
    location = str(request.url.replace(query="")).removesuffix("/wsdl")
    return Response(wsdl(location), media_type="text/xml; charset=utf-8")


class PrimaLevers(ErpLevers):
    """The common ERP levers plus a despatch and Prima's faults."""

    state: PrimaState

    def extra_levers(self) -> dict[str, Lever]:
        return {"despatch": self._despatch, "faults": self._faults}

    def _despatch(self, b: dict[str, Any]) -> dict[str, Any]:
        with self.state.company.lock:
            number = self.state.company.despatch(
                b["reference"],
                carrier=b["carrier"],
                consignment=b["tracking"],
                quantities=b.get("quantities"),
            )
        return {"despatch": number}

    def _faults(self, b: dict[str, Any]) -> dict[str, Any]:
        faults = self.state.faults
        faults.update(b)
        faults.server_faults += int(b.get("server_faults", 0))
        return {"ok": True}


def create_app(state: PrimaState) -> Starlette:
    return Starlette(
        routes=[
            Route(WSA_PATH, _endpoint(state), methods=["POST"]),
            Route(f"{WSA_PATH}/wsdl", _wsdl, methods=["GET"]),
            lever_route(PrimaLevers(state)),
        ]
    )
