"""Sandbox and adapter against the evidence of Prima's real wire format (``tests/fixtures/prima``).

The fixtures are our own documents shaped like what a live Prima sent and answered (SOURCES.md).
Shapes are compared as sets of paths: ``Result``, ``Result@Company``, ``Result/Data@OrderStatus``.
The sandbox may answer *more* than the evidence shows (assumed extras, WIRE.md), never less; the
adapter may send *less* than a live client did, never a name the evidence lacks.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

import httpx
import pytest
from defusedxml.ElementTree import fromstring

from shopbridge.config.erp import PrimaSettings
from shopbridge.config.secrets import SecretRef
from shopbridge.connectors.erp.prima import requests as rq
from shopbridge.connectors.erp.prima.client import PrimaClient, unwrap
from shopbridge.connectors.erp.prima.errors import PrimaRejected, check_response
from shopbridge.domain.money import Money
from shopbridge.domain.records import Address, SalesOrderLine, SalesOrderRequest, SalesOrderStatus
from shopbridge.errors import NeedsPerson, RetryLater
from shopbridge.sandbox.prima import PrimaSandbox

FIXTURES = Path(__file__).parent.parent / "fixtures" / "prima"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
PASSWORD = "prima-s3cret"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_bytes().decode("iso-8859-1")


def doc(name: str) -> ET.Element:
    return fromstring(fixture(name))


def paths(node: ET.Element, prefix: str = "") -> set[str]:
    """Every element path and ``path@attribute`` under ``node`` (repeated records collapse)."""
    here = f"{prefix}/{node.tag}" if prefix else node.tag
    found = {here} | {f"{here}@{name}" for name in node.attrib}
    for child in node:
        found |= paths(child, here)
    return found


def tags_and_attributes(node: ET.Element) -> dict[str, set[str]]:
    seen: dict[str, set[str]] = {}
    for element in node.iter():
        seen.setdefault(element.tag, set()).update(element.attrib)
    return seen


def post(sandbox: PrimaSandbox, document: str, operation: str = "wsomhandler") -> ET.Element:
    """Call the sandbox as a plain SOAP client would (our own envelope, not the adapter's)."""
    company = "<CompanyID>01</CompanyID>" if operation == "comwsomhandler" else ""
    envelope = (
        f'<e:Envelope xmlns:e="{SOAP_NS}"><e:Body><o:{operation} xmlns:o="urn:omlink">{company}'
        f"<RequestXML>{escape(document)}</RequestXML></o:{operation}></e:Body></e:Envelope>"
    )
    answer = httpx.post(
        sandbox.service_url, content=envelope, headers={"SOAPAction": '""'}, auth=("shopbridge", PASSWORD)
    )
    assert answer.status_code == 200, answer.text
    body = fromstring(answer.text).find(f"{{{SOAP_NS}}}Body/{{urn:omlink}}{operation}Response")
    assert body is not None, answer.text
    return fromstring(next(c.text for c in body if c.text))


# --- the sandbox answers evidence-shaped requests with evidence-shaped answers ---------------------
def test_a_new_order_is_answered_per_order_as_a_live_prima_answers_it(sandbox: PrimaSandbox) -> None:
    answer = post(sandbox, fixture("multineworder-request.xml"))
    assert paths(answer) >= paths(doc("multineworder-answer-ok.xml"))
    assert "Result@RequestStatus" not in paths(answer), "MultiNewOrder carries its status per Data"
    data = answer.find("Data")
    assert data is not None and (data.get("RequestStatus"), data.get("OrderNumber")) == ("OK", "SB90017")
    assert data.get("CustomerCode"), "Prima names the account it used when Customer was blank"


def test_a_second_order_with_the_same_number_is_refused_with_e21(sandbox: PrimaSandbox) -> None:
    post(sandbox, fixture("multineworder-request.xml"))
    answer = post(sandbox, fixture("multineworder-request.xml"))
    assert paths(answer) >= paths(doc("multineworder-answer-duplicate.xml"))
    error = answer.find("Data/RequestError")
    assert error is not None and error.get("Error", "").startswith(f"({rq.DUPLICATE_ORDER})")


def test_an_order_status_is_answered_with_data_order_status(sandbox: PrimaSandbox) -> None:
    post(sandbox, fixture("multineworder-request.xml"))
    answer = post(sandbox, fixture("orderstatus-request.xml"), operation="comwsomhandler")
    assert paths(answer) >= paths(doc("orderstatus-answer.xml"))
    assert answer.get("RequestStatus") == "OK"
    sandbox.levers.apply("despatch", {"reference": "#90017", "carrier": "DPD", "tracking": "T1"})
    despatched = post(sandbox, fixture("orderstatus-request.xml")).find("Data")
    assert despatched is not None and despatched.get("OrderStatus") == "Despatched"


def test_an_unknown_order_number_is_answered_with_request_status_error(sandbox: PrimaSandbox) -> None:
    answer = post(sandbox, fixture("orderstatus-request.xml"))
    assert paths(answer) >= paths(doc("orderstatus-answer-unknown.xml"))
    assert answer.get("RequestStatus") == "ERROR"


@pytest.mark.parametrize(
    ("request_fixture", "answer_fixture", "record"),
    [
        ("productavailabletosell-request.xml", "productavailabletosell-answer.xml", "sku"),
        ("multiavailabletosell-request.xml", "multiavailabletosell-answer.xml", "SKU"),
    ],
)
def test_available_to_sell_answers_keep_the_case_a_live_prima_uses(
    sandbox: PrimaSandbox, request_fixture: str, answer_fixture: str, record: str
) -> None:
    answer = post(sandbox, fixture(request_fixture))
    assert paths(answer) >= paths(doc(answer_fixture))
    nodes = answer.findall(f"Data/{record}")
    assert nodes and all(re.fullmatch(r"(\d\d/\d\d/\d{4})?", n.get("AvailableDate", "x")) for n in nodes)
    mug = next(n for n in nodes if n.get("Product") == "MUG-WHITE")
    assert mug.get("AvailableQuantity") == "100"


def test_a_document_prima_cannot_parse_is_an_error_result_not_a_fault(sandbox: PrimaSandbox) -> None:
    broken = fixture("orderstatus-request.xml").replace('OrderNumber="SB90017"', 'OrderNumber="S"B"')
    answer = post(sandbox, broken)
    assert paths(answer) >= paths(doc("document-answer-unreadable.xml"))
    assert (answer.get("RequestStatus"), answer.get("RequestType")) == ("ERROR", "OrderStatus")
    assert "(E:" not in answer.get("Error", ""), "a live Prima gives a parser message, not an (E:nn) code"


def test_the_sandbox_serves_a_wsdl_for_target_uri_urn_omlink(sandbox: PrimaSandbox) -> None:
    answer = httpx.get(f"{sandbox.service_url}/wsdl", params={"targetURI": "urn:omlink"})
    definitions = fromstring(answer.text)
    wsdl_ns = "http://schemas.xmlsoap.org/wsdl/"
    operations = {op.get("name") for op in definitions.iter(f"{{{wsdl_ns}}}operation")}
    address = next(definitions.iter("{http://schemas.xmlsoap.org/wsdl/soap/}address"))
    assert (definitions.get("targetNamespace"), operations) == (
        "urn:omlink",
        {"wsomhandler", "comwsomhandler"},
    )
    assert address.get("location") == sandbox.service_url
    assert httpx.get(f"{sandbox.service_url}/wsdl", params={"targetURI": "urn:other"}).status_code == 404


def test_the_sandbox_refuses_a_call_outside_urn_omlink_with_a_wsa_fault(sandbox: PrimaSandbox) -> None:
    envelope = fixture("wsomhandler-call.xml").replace('xmlns="urn:omlink"', 'xmlns="urn:elsewhere"')
    answer = httpx.post(sandbox.service_url, content=envelope, auth=("shopbridge", PASSWORD))
    fault = rq.read_fault(fromstring(answer.text))
    assert answer.status_code == 500 and fault is not None
    assert fault.code.endswith("Client") and "urn:omlink" in fault.detail and fault.request_id


def test_the_evidence_shaped_call_is_understood_by_the_sandbox(sandbox: PrimaSandbox) -> None:
    answer = httpx.post(
        sandbox.service_url, content=fixture("wsomhandler-call.xml"), auth=("shopbridge", PASSWORD)
    )
    result = fromstring(rq.answer_text(fromstring(answer.text), "wsomhandler") or "")
    assert (result.tag, result.get("RequestType"), result.get("RequestStatus")) == (
        "Result",
        "OrderStatus",
        "ERROR",
    )


# --- the adapter's requests use only the names the evidence shows --------------------------------
ORDER = SalesOrderRequest(
    reference="#90017",
    customer_account="CUST001",
    currency="GBP",
    order_date=date(2026, 11, 22),
    lines=(SalesOrderLine("MUG-WHITE", 2, Money.of("8.00", "GBP"), Money.of("3.20", "GBP")),),
    shipping=Money.of("4.99", "GBP"),
    shipping_method="DPD1",
    payment_method="CARD",
    delivery_address=Address(name="Ada Byron", line1="7 Sample Terrace", city="Leeds", postcode="LS2 9ZZ"),
    note="Leave with neighbour",
)


@pytest.mark.parametrize(
    ("built", "evidence"),
    [
        (rq.new_order(ORDER, warehouse="MAIN"), "multineworder-request.xml"),
        (rq.order_status("#90017"), "orderstatus-request.xml"),
        (rq.available_to_sell(None), "productavailabletosell-request.xml"),
        (rq.available_to_sell(["MUG-WHITE", "CAP-BLACK"]), "multiavailabletosell-request.xml"),
    ],
    ids=["MultiNewOrder", "OrderStatus", "ProductAvailableToSell", "MultiAvailableToSell"],
)
def test_the_adapter_sends_no_name_the_evidence_lacks(built: str, evidence: str) -> None:
    ours, theirs = tags_and_attributes(fromstring(built)), tags_and_attributes(doc(evidence))
    assert fromstring(built).get("RequestType") == doc(evidence).get("RequestType")
    assert set(ours) <= set(theirs), f"elements not in the evidence: {set(ours) - set(theirs)}"
    extra = {tag: names - theirs[tag] for tag, names in ours.items() if names - theirs[tag]}
    assert not extra, f"attributes not in the evidence: {extra}"


def test_the_adapter_fills_the_order_fields_a_live_order_carries() -> None:
    data = fromstring(rq.new_order(ORDER, warehouse="MAIN")).find("Data")
    assert data is not None
    line, header = data.find("OrderLineData"), data.find("OrderHeaderData")
    assert line is not None and header is not None
    assert (data.get("OrderNumber"), data.get("TPGUID"), data.get("CustomerRef")) == (
        "SB90017",
        "#90017",
        "#90017",
    )
    assert (line.get("Product"), line.get("Quantity"), line.get("Price"), line.get("ExtTaxVal")) == (
        "MUG-WHITE",
        "2",
        "8.00",
        "3.20",
    )
    assert (header.get("OrderDate"), data.get("PostCode")) == ("22/11/2026", "LS2 9ZZ")


def test_the_adapter_call_is_a_document_literal_call_in_urn_omlink() -> None:
    ours = fromstring(rq.envelope("wsomhandler", fixture("orderstatus-request.xml"), None))
    assert paths(ours) == paths(doc("wsomhandler-call.xml"))
    call = ours.find(f"{{{SOAP_NS}}}Body/{{urn:omlink}}wsomhandler")
    assert call is not None and fromstring(call[0].text or "").get("RequestType") == "OrderStatus"


# --- the adapter reads evidence-shaped answers ------------------------------------------------------
def test_the_adapter_reads_the_order_number_of_an_ok_answer() -> None:
    result = check_response(doc("multineworder-answer-ok.xml"), request_type="MultiNewOrder")
    assert rq.read_created(result, "OrderNumber") == "SB90017"


def test_the_adapter_recognises_e21_and_drops_the_stack_trace() -> None:
    with pytest.raises(PrimaRejected) as caught:
        check_response(doc("multineworder-answer-duplicate.xml"), request_type="MultiNewOrder")
    assert caught.value.codes == ("E:21", "E:194")
    assert "is on file already" in caught.value.text and "Stack Trace" not in caught.value.text


def test_the_adapter_keeps_primas_words_for_a_document_it_could_not_parse() -> None:
    with pytest.raises(PrimaRejected, match=r"could not be parsed.*\(14586\)") as caught:
        check_response(doc("document-answer-unreadable.xml"), request_type="MultiNewOrder")
    assert caught.value.codes == ()


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("Part-Despatched", SalesOrderStatus.PART_DISPATCHED),
        ("Despatched", SalesOrderStatus.DISPATCHED),
        ("Cancelled", SalesOrderStatus.CANCELLED),
        ("Processing", SalesOrderStatus.OPEN),
    ],
)
def test_the_adapter_reads_data_order_status(status: str, expected: SalesOrderStatus) -> None:
    answer = doc("orderstatus-answer.xml")
    data = answer.find("Data")
    assert data is not None
    data.set("OrderStatus", status)
    order = rq.read_order(answer, "#90017", "GBP")
    assert order is not None and (order.erp_id, order.reference, order.status) == (
        "SB90017",
        "#90017",
        expected,
    )


def test_an_unknown_order_is_not_found_rather_than_a_failure() -> None:
    with pytest.raises(PrimaRejected):
        check_response(doc("orderstatus-answer-unknown.xml"), request_type="OrderStatus")
    assert rq.read_order(doc("orderstatus-answer-unknown.xml"), "#0", "GBP") is None


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (
            "productavailabletosell-answer.xml",
            [("MUG-WHITE", Decimal(40)), ("BOOT01-W-085", Decimal(0)), ("POLISH-ONE", Decimal(3))],
        ),
        ("multiavailabletosell-answer.xml", [("MUG-WHITE", Decimal(100)), ("CAP-BLACK", Decimal(0))]),
    ],
)
def test_the_adapter_reads_available_to_sell_in_either_case(
    answer: str, expected: list[tuple[str, Decimal]]
) -> None:
    levels = rq.read_available(doc(answer), "MAIN")
    assert [(level.sku, level.free) for level in levels] == expected


def test_a_wsa_fault_keeps_the_error_message_and_request_id() -> None:
    with pytest.raises(RetryLater) as caught:
        unwrap(fixture("wsa-fault.xml"), operation="wsomhandler", request_type="OrderStatus")
    assert "not available at present (10921)" in str(caught.value)
    assert caught.value.details["request_id"] == "sample-request-0001"
    client_fault = fixture("wsa-fault.xml").replace("SOAP-ENV:Server", "SOAP-ENV:Client")
    with pytest.raises(NeedsPerson):
        unwrap(client_fault, operation="wsomhandler", request_type="OrderStatus")


def test_a_latin1_answer_travels_through_the_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPBRIDGE_TEST_PRIMA_PASSWORD", "pw")
    answer = fixture("orderstatus-answer.xml").replace(
        'OrderStatus="Part-Despatched"', 'OrderStatus="Cancelled" Note="Bévue"'
    )
    body = (
        f'<SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP_NS}"><SOAP-ENV:Body>'
        '<ns:wsomhandlerResponse xmlns:ns="urn:omlink">'
        f"<ns:result>{escape(answer)}</ns:result></ns:wsomhandlerResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>"
    )
    seen: list[httpx.Request] = []

    def reply(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=body.encode())

    settings = PrimaSettings(
        base_url="http://prima.test/wsalive/wsalive",
        username="u",
        password=SecretRef(env="SHOPBRIDGE_TEST_PRIMA_PASSWORD"),
    )
    client = PrimaClient(settings, http=httpx.Client(transport=httpx.MockTransport(reply)))
    result = client.call(rq.order_status("#90017"))
    assert result.find("Data") is not None and result.find("Data").get("Note") == "Bévue"  # type: ignore[union-attr]
    assert (seen[0].url.path, seen[0].headers["SOAPAction"]) == ("/wsalive/wsalive", '""')
