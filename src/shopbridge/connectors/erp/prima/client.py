"""Transport to Prima's SOAP 1.1 web services (``wsomhandler``, or ``comwsomhandler`` with a company).

The Prima request document travels as an escaped string inside the SOAP body and the answer comes
back the same way, so there are two parses: the envelope, then the ``<Response>`` document. Both use
defusedxml.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import httpx

from shopbridge.config.erp import PrimaSettings
from shopbridge.connectors.erp.prima.errors import check_response, error_from_fault, error_from_status, parse
from shopbridge.errors import RetryLater

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SERVICE_NS = "urn:prima-solutions:webservices"


def envelope(operation: str, request_xml: str, company_id: str | None) -> str:
    ET.register_namespace("soap", SOAP_NS)
    root = ET.Element(f"{{{SOAP_NS}}}Envelope")
    body = ET.SubElement(root, f"{{{SOAP_NS}}}Body")
    call = ET.SubElement(body, f"{{{SERVICE_NS}}}{operation}")
    if company_id:
        ET.SubElement(call, f"{{{SERVICE_NS}}}CompanyID").text = company_id
    ET.SubElement(call, f"{{{SERVICE_NS}}}RequestXML").text = request_xml
    return '<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(root, encoding="unicode")


def unwrap(text: str, *, request_type: str) -> ET.Element:
    """The ``<Response>`` inside a SOAP answer, or the error its fault stands for."""
    envelope_root = parse(text, what="SOAP envelope", request_type=request_type)
    fault = envelope_root.find(f"{{{SOAP_NS}}}Body/{{{SOAP_NS}}}Fault")
    if fault is not None:
        raise error_from_fault(
            fault.findtext("faultcode", ""), fault.findtext("faultstring", ""), request_type=request_type
        )
    result = envelope_root.find(f".//{{{SERVICE_NS}}}ResponseXML")
    if result is None or not (result.text or "").strip():
        raise RetryLater(f"Prima's answer to {request_type} carries no ResponseXML", retry_after=30)
    response = parse(result.text or "", what="Response document", request_type=request_type)
    return check_response(response, request_type=request_type)


class PrimaClient:
    """Sends one Prima request document and returns Prima's ``<Response>`` element."""

    def __init__(self, settings: PrimaSettings, *, http: httpx.Client | None = None) -> None:
        self._settings = settings
        self._http = http or httpx.Client(timeout=settings.timeout_seconds)
        self._base = settings.base_url.rstrip("/")

    @property
    def operation(self) -> str:
        return "comwsomhandler" if self._settings.company_id else "wsomhandler"

    def call(self, request_xml: str) -> ET.Element:
        request_type = _request_type(request_xml)
        body = envelope(self.operation, request_xml, self._settings.company_id)
        text = self._post(body, request_type)
        return unwrap(text, request_type=request_type)

    def _post(self, body: str, request_type: str) -> str:
        password = self._settings.password.resolve("erp.prima.password")
        headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{self.operation}"'}
        try:
            response = self._http.post(
                f"{self._base}/{self.operation}",
                content=body.encode(),
                headers=headers,
                auth=(self._settings.username, password),
            )
        except httpx.TimeoutException as exc:
            raise RetryLater(f"Prima did not answer {request_type} in time", retry_after=60) from exc
        except httpx.TransportError as exc:
            raise RetryLater(f"Prima is unreachable at {self._base} ({exc})", retry_after=60) from exc
        if response.status_code == 500 and "Fault" in response.text:
            return response.text  # SOAP 1.1 sends faults with HTTP 500
        if response.status_code != 200:
            raise error_from_status(response.status_code, response.text, request_type=request_type)
        return response.text

    def close(self) -> None:
        self._http.close()


def _request_type(request_xml: str) -> str:
    start = request_xml.find('RequestType="')
    return request_xml[start + 13 : request_xml.find('"', start + 13)] if start >= 0 else "request"
