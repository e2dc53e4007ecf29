"""Prima's bad answers (HTTP, SOAP fault, error document, broken XML), each to one error class.

Driven through httpx's MockTransport so the whole client path runs on the recorded bytes.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from defusedxml.ElementTree import fromstring

from shopbridge.config.erp import PrimaSettings
from shopbridge.config.secrets import SecretRef
from shopbridge.connectors.erp.prima import requests as rq
from shopbridge.connectors.erp.prima.client import PrimaClient
from shopbridge.connectors.erp.prima.errors import PrimaRejected
from shopbridge.errors import ConfigurationError, NeedsPerson, RetryLater, ShopbridgeError, Throttled

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP = (
    f'<?xml version="1.0"?><soap:Envelope xmlns:soap="{SOAP_NS}"><soap:Body>{{}}</soap:Body></soap:Envelope>'
)
NS = "urn:omlink"


def answer(response_xml: str) -> str:
    """A wsomhandler answer carrying ``response_xml`` escaped, as Prima sends it."""
    escaped = response_xml.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    result = f"<r:ResponseXML>{escaped}</r:ResponseXML>"
    return SOAP.format(f'<r:wsomhandlerResponse xmlns:r="{NS}">{result}</r:wsomhandlerResponse>')


def soap_fault(code: str, text: str) -> str:
    """A fault as an OpenEdge WSA writes it: the cause is in ``FaultDetail/errorMessage``."""
    detail = f"<FaultDetail><errorMessage>{text}</errorMessage><requestID>r1</requestID></FaultDetail>"
    return SOAP.format(
        f"<soap:Fault><faultcode>soap:{code}</faultcode><faultstring>An error was detected (10893)"
        f"</faultstring><detail>{detail}</detail></soap:Fault>"
    )


ERROR_DOC = (
    '<Result Company="1" RequestType="MultiNewOrder"><Data OrderNumber="SB1" RequestStatus="ERROR">'
    "<RequestError Error=\"(E:901) Customer 'X1' not found\"/></Data></Result>"
)
BOMB = (
    '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    '<Result RequestStatus="OK">&b;</Result>'
)

# (case, HTTP status, recorded body, expected class, words the message must keep)
TABLE: list[tuple[str, int, str, type[ShopbridgeError], str]] = [
    ("error response document", 200, answer(ERROR_DOC), PrimaRejected, "Customer 'X1' not found"),
    ("SOAP server fault", 500, soap_fault("Server", "Database is locked"), RetryLater, "Database is locked"),
    (
        "SOAP client fault",
        500,
        soap_fault("Client", "Unknown company id '99'"),
        NeedsPerson,
        "Unknown company id",
    ),
    ("truncated envelope", 200, SOAP.format("<r:wsomhandlerResponse")[:120], RetryLater, "not complete XML"),
    (
        "truncated response document",
        200,
        answer('<Result RequestStatus="OK"><Data OrderStatus="Despatched"'),
        RetryLater,
        "not complete XML",
    ),
    ("empty body", 200, "", RetryLater, "empty"),
    (
        "no result text",
        200,
        SOAP.format(f'<r:wsomhandlerResponse xmlns:r="{NS}"/>'),
        RetryLater,
        "no wsomhandlerResponse text",
    ),
    ("HTML 502 from a proxy", 502, "<html><body>Bad Gateway</body></html>", RetryLater, "HTTP 502"),
    ("HTTP 401", 401, "Unauthorized", ConfigurationError, "credentials"),
    ("HTTP 400", 400, "Bad Request", NeedsPerson, "HTTP 400"),
    ("HTTP 429", 429, "slow down", Throttled, "HTTP 429"),
    ("entity bomb in the response document", 200, answer(BOMB), NeedsPerson, "refused as unsafe"),
    (
        "entity bomb in the envelope",
        200,
        '<!DOCTYPE e [<!ENTITY x "y">]>' + SOAP.format("&x;"),
        NeedsPerson,
        "refused as unsafe",
    ),
]


@pytest.fixture(autouse=True)
def _password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPBRIDGE_TEST_PRIMA_PASSWORD", "pw")


def _client(reply: Callable[[httpx.Request], httpx.Response], company: str | None = None) -> PrimaClient:
    settings = PrimaSettings(
        base_url="http://prima.test/ws",
        company_id=company,
        username="u",
        password=SecretRef(env="SHOPBRIDGE_TEST_PRIMA_PASSWORD"),
    )
    return PrimaClient(settings, http=httpx.Client(transport=httpx.MockTransport(reply)))


@pytest.mark.parametrize(
    ("case", "status", "body", "expected", "words"), TABLE, ids=[row[0] for row in TABLE]
)
def test_each_recorded_bad_answer_becomes_its_error_class(
    case: str, status: int, body: str, expected: type[ShopbridgeError], words: str
) -> None:
    client = _client(lambda request: httpx.Response(status, text=body))
    with pytest.raises(expected) as caught:
        client.call(rq.order_status("#1001"))
    assert words in str(caught.value)


def test_an_error_document_keeps_prima_code_and_words() -> None:
    client = _client(lambda request: httpx.Response(200, text=answer(ERROR_DOC)))
    with pytest.raises(PrimaRejected) as caught:
        client.call(rq.order_status("#1001"))
    assert (caught.value.codes, caught.value.details["prima"]) == (("E:901",), "Customer 'X1' not found")


def test_a_timeout_becomes_retry_later() -> None:
    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(RetryLater, match="in time"):
        _client(hang).call(rq.order_status("#1001"))


@pytest.mark.parametrize(
    ("company", "operation", "carries_company"),
    [(None, "wsomhandler", False), ("07", "comwsomhandler", True)],
)
def test_the_company_id_chooses_comwsomhandler_and_travels_in_the_body(
    company: str | None, operation: str, carries_company: bool
) -> None:
    seen: list[httpx.Request] = []

    def reply(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        text = answer('<Result RequestType="OrderStatus" RequestStatus="OK"/>')
        return httpx.Response(200, text=text.replace("wsomhandlerResponse", f"{operation}Response"))

    _client(reply, company).call(rq.order_status("#1001"))
    envelope = fromstring(seen[0].content)
    assert seen[0].url.path == "/ws"  # one WSA URL for every call; the body names the operation
    assert envelope.find(f"{{{SOAP_NS}}}Body/{{{NS}}}{operation}") is not None
    assert (envelope.findtext(f".//{{{NS}}}CompanyID") == "07") is carries_company
    document = fromstring(envelope.findtext(f".//{{{NS}}}RequestXML") or "")
    assert (document.get("RequestType"), document.findall("Data")[0].get("OrderNumber")) == (
        "OrderStatus",
        "SB1001",
    )
    assert seen[0].headers["authorization"].startswith("Basic ")
