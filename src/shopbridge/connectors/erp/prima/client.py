"""Transport to Prima's SOAP web services: an OpenEdge WSA at ``base_url`` (``wsomhandler``, or
``comwsomhandler`` with a company).

Every call is a POST to the WSA URL itself (the WSDL's address; the WSDL is that URL plus
``/wsdl?targetURI=urn:omlink``); the operation is the body element. The Prima document travels as an
escaped string inside the SOAP body and the answer comes back the same way, so there are two parses:
the envelope, then the ``<Result>`` document. Both use defusedxml. Names: ``requests.py``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import httpx

from shopbridge.config.erp import PrimaSettings
from shopbridge.connectors.erp.prima import requests as rq
from shopbridge.connectors.erp.prima.errors import check_response, error_from_fault, error_from_status, parse
from shopbridge.errors import RetryLater


def unwrap(text: str, *, operation: str, request_type: str) -> ET.Element:
    """The ``<Result>`` inside a SOAP answer, or the error its fault stands for."""
    root = parse(text, what="SOAP envelope", request_type=request_type)
    fault = rq.read_fault(root)
    if fault is not None:
        raise error_from_fault(fault, request_type=request_type)
    answer = rq.answer_text(root, operation)
    if answer is None:
        raise RetryLater(
            f"Prima's answer to {request_type} carries no {operation}Response text", retry_after=30
        )
    result = parse(answer, what="Result document", request_type=request_type)
    return check_response(result, request_type=request_type)


class PrimaClient:
    """Sends one Prima request document and returns Prima's ``<Result>`` element."""

    def __init__(self, settings: PrimaSettings, *, http: httpx.Client | None = None) -> None:
        self._settings = settings
        self._http = http or httpx.Client(timeout=settings.timeout_seconds)
        self._url = settings.base_url.rstrip("/")

    @property
    def operation(self) -> str:
        return "comwsomhandler" if self._settings.company_id else "wsomhandler"

    def call(self, document: str) -> ET.Element:
        request_type = rq.request_type_of(document)
        body = rq.envelope(self.operation, document, self._settings.company_id)
        text = self._post(body, request_type)
        return unwrap(text, operation=self.operation, request_type=request_type)

    def _post(self, body: str, request_type: str) -> str:
        headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": rq.SOAP_ACTION}
        try:
            response = self._http.post(self._url, content=body.encode(), headers=headers, auth=self._auth())
        except httpx.TimeoutException as exc:
            raise RetryLater(f"Prima did not answer {request_type} in time", retry_after=60) from exc
        except httpx.TransportError as exc:
            raise RetryLater(f"Prima is unreachable at {self._url} ({exc})", retry_after=60) from exc
        if response.status_code == 500 and "Fault" in response.text:
            return response.text  # SOAP 1.1 sends faults with HTTP 500
        if response.status_code != 200:
            raise error_from_status(response.status_code, response.text, request_type=request_type)
        return response.text

    def _auth(self) -> httpx.Auth:
        settings = self._settings
        if settings.username is None or settings.password is None:
            return httpx.Auth()  # the base class sends the request as it is
        return httpx.BasicAuth(settings.username, settings.password.resolve("erp.prima.password"))

    def close(self) -> None:
        self._http.close()
