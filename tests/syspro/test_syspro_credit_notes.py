"""SYSPRO credit notes (SORTCH + SORTCL): the evidence's shape, the sandbox's rules, the adapter's path.

Fixtures ``sortch-*.xml`` and ``sortcl-*.xml`` are ours, shaped by the sources in ``SOURCES.md``
(SYSPRO's schemas for both objects; integrators' classes built from their answers).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import httpx
import pytest
from defusedxml.ElementTree import fromstring
from syspro_evidence import SCHEMA_ORDER, flatten, gbp, in_schema_order, load, nodes, paths

from shopbridge.connectors.erp.syspro import SysproAdapter
from shopbridge.connectors.erp.syspro import xmlcredit as xc
from shopbridge.domain.money import Money
from shopbridge.domain.records import CreditNote, CreditNoteLine, SalesOrderLine, SalesOrderRequest
from shopbridge.errors import BadInput, ConfigurationError, NeedsPerson
from shopbridge.ports.erp import Capability, UnknownSku
from shopbridge.sandbox.syspro import SysproSandbox

PASSWORD = "s3cret-operator"  # conftest.py's operator password


def _note(
    refund: str = "gid://shopify/Refund/9001",
    order: str = "#SB-2001",
    *lines: CreditNoteLine,
    shipping: Money | None = None,
    issued_on: date | None = None,
) -> CreditNote:
    wanted = lines or (CreditNoteLine("MUG-WHITE", 2, gbp("16.00"), gbp("3.20")),)
    return CreditNote(refund, order, "GBP", wanted, shipping=shipping, issued_on=issued_on)


def _order(reference: str, qty: int = 2) -> SalesOrderRequest:
    line = SalesOrderLine("MUG-WHITE", qty, gbp("8.00"), gbp("3.20"))
    return SalesOrderRequest(reference, "C00001", "GBP", date(2026, 11, 20), (line,))


# --- the adapter's XmlIn is the evidence's document ----------------------------------------------
@pytest.mark.parametrize(
    ("fixture", "built"),
    [
        ("sortch-params.xml", xc.sortch_parameters),
        (
            "sortch-doc.xml",
            lambda: xc.sortch_xml(_note(issued_on=date(2026, 11, 24)), customer="C00001", invoice="000001"),
        ),
        ("sortcl-params.xml", xc.sortcl_parameters),
        (
            "sortcl-doc.xml",
            lambda: xc.sortcl_xml("000002", xc.credit_lines(_note(shipping=gbp("3.95")), warehouse="FG")),
        ),
    ],
)
def test_the_adapters_credit_note_xml_in_is_the_evidence_shaped_document(fixture: str, built: object) -> None:
    assert callable(built)
    assert flatten(fromstring(built())) == flatten(load(fixture))


@pytest.mark.parametrize(
    "fixture",
    [
        "sortch-params.xml",
        "sortch-doc.xml",
        "sortch-out.xml",
        "sortcl-params.xml",
        "sortcl-doc.xml",
        "sortcl-out.xml",
    ],
)
def test_each_credit_note_fixture_keeps_the_schemas_element_order(fixture: str) -> None:
    checked = [path for path, node in nodes(load(fixture)) if path in SCHEMA_ORDER]
    assert checked, f"{fixture} has no element whose schema order is recorded"
    for path, node in nodes(load(fixture)):
        if path in SCHEMA_ORDER:
            assert in_schema_order([child.tag for child in node], SCHEMA_ORDER[path]), f"{fixture}: {path}"


# --- the adapter reads the evidence's XmlOut ----------------------------------------------------
def test_the_header_answer_gives_the_credit_note_number_created() -> None:
    assert xc.sortch_result(load("sortch-out.xml")) == "000002"
    assert xc.sortch_result(ET.fromstring("<socreditnoteheader/>")) is None


def test_a_line_answer_short_of_lines_needs_a_person_naming_the_credit_note() -> None:
    xc.sortcl_result(load("sortcl-out.xml"), "000002", 2)
    with pytest.raises(NeedsPerson, match="1 of 2 lines to credit note 000002"):
        short = load("sortcl-out.xml")
        node = short.find("StatusOfItems/ItemsProcessed")
        assert node is not None
        node.text = "000001"
        xc.sortcl_result(short, "000002", 2)


@pytest.mark.parametrize(
    ("refund", "expected"),
    [
        ("gid://shopify/Refund/9001", "RF9001"),
        ("gid://shopify/Refund/1234567890123", "RF1234567890123"),
        ("R-1", None),  # not alphanumeric: hashed
        ("gid://shopify/Refund/" + "9" * 40, None),  # too long: hashed
    ],
)
def test_the_refund_key_fits_syspros_customer_po_number_and_is_stable(
    refund: str, expected: str | None
) -> None:
    key = xc.credit_reference(refund)
    assert key == xc.credit_reference(refund) and len(key) <= 30 and key.startswith("RF")
    if expected is not None:
        assert key == expected


@pytest.mark.parametrize(
    ("quantity", "net", "expected"),
    [
        (2, "16.00", [(2, Decimal("8.00"))]),
        (3, "10.00", [(2, Decimal("3.33")), (1, Decimal("3.34"))]),
        (1, "7.99", [(1, Decimal("7.99"))]),
    ],
)
def test_unit_prices_add_up_to_the_refunded_amount_exactly(
    quantity: int, net: str, expected: list[tuple[int, Decimal]]
) -> None:
    note = _note("gid://shopify/Refund/1", "#X", CreditNoteLine("MUG-WHITE", quantity, gbp(net), gbp("0")))
    lines = xc.credit_lines(note, warehouse="FG")
    assert [(ln.quantity, ln.price) for ln in lines] == expected
    assert sum((ln.price * ln.quantity for ln in lines), Decimal(0)) == Decimal(net)


# --- the sandbox: evidence-shaped documents in, evidence-shaped answers out ---------------------
class Enet:
    def __init__(self, sandbox: SysproSandbox) -> None:
        self.base, self.http = sandbox.base_url, httpx.Client(timeout=5)
        self.user_id = self.logon()

    def logon(self) -> str:
        """A fresh session (another logon as the same operator, the adapter's, ends this one)."""
        logon = {"Operator": "SHOPBRIDGE", "OperatorPassword": PASSWORD, "CompanyId": "EDU1"}
        self.user_id = str(json.loads(self.http.get(f"{self.base}/Logon", params=logon).text))
        return self.user_id

    def post(self, business_object: str, parameters: str, xml_in: ET.Element) -> str:
        params = {
            "UserId": self.user_id,
            "BusinessObject": business_object,
            "XmlParameters": ET.tostring(load(parameters), encoding="unicode"),
            "XmlIn": ET.tostring(xml_in, encoding="unicode"),
        }
        return self.http.get(f"{self.base}/Transaction/Post", params=params).text


@pytest.fixture
def enet(sandbox: SysproSandbox) -> Iterator[Enet]:
    client = Enet(sandbox)
    yield client
    client.http.close()


def _with(root: ET.Element, changes: dict[str, str]) -> ET.Element:
    for path, value in changes.items():
        node = root.find(path)
        assert node is not None, path
        node.text = value
    return root


def _invoiced(sandbox: SysproSandbox, adapter: SysproAdapter, reference: str = "#SB-2001") -> str:
    """An order of C00001, despatched and invoiced as SYSPRO's warehouse and invoicing run would."""
    adapter.create_sales_order(_order(reference))
    answer = sandbox.levers.apply("invoice", {"reference": reference})
    return str(answer["invoice"])


def test_the_sandbox_takes_the_evidences_header_and_lines_and_answers_in_their_shape(
    enet: Enet, sandbox: SysproSandbox, adapter: SysproAdapter
) -> None:
    invoice = _invoiced(sandbox, adapter)
    enet.logon()
    header = fromstring(
        enet.post(
            "SORTCH", "sortch-params.xml", _with(load("sortch-doc.xml"), {"Item/InvoiceNumber": invoice})
        )
    )
    assert paths(header) == paths(load("sortch-out.xml"))
    number = header.findtext("Item/ValidationStatus/CreditNoteDetails/CreditNoteCreated") or ""
    doc = load("sortcl-doc.xml")
    for node in doc.iterfind("Item/CreditNoteNumber"):
        node.text = number
    lines = fromstring(enet.post("SORTCL", "sortcl-params.xml", doc))
    assert paths(lines) == paths(load("sortcl-out.xml"))
    assert lines.findtext("StatusOfItems/ItemsProcessed") == "000002"
    with sandbox.state.company.lock:
        assert len(sandbox.state.company.credit_notes_for("#SB-2001")) == 1


@pytest.mark.parametrize(
    ("business_object", "changes", "message"),
    [
        ("SORTCH", {"Item/Customer": "NOBODY"}, "Customer 'NOBODY' not on file"),
        ("SORTCH", {"Item/InvoiceNumber": "999999"}, "Invoice '999999' not on file for customer 'C00001'"),
        ("SORTCH", {"Item/CreditNoteDate": "24/11/2026"}, "is not a valid date"),
        ("SORTCL", {"Item/CreditNoteNumber": "777777"}, "Credit note '777777' not on file"),
        ("SORTCL", {"Item/StockCode": "NOPE-1"}, "Stock code 'NOPE-1' not on file"),
        ("SORTCL", {"Item/Warehouse": "ZZ"}, "Warehouse 'ZZ' not on file"),
        ("SORTCL", {"Item/OrderQty": "0"}, "Order quantity '0' is not valid"),
    ],
)
def test_the_sandbox_refuses_what_the_schema_says_is_invalid(
    enet: Enet, sandbox: SysproSandbox, business_object: str, changes: dict[str, str], message: str
) -> None:
    number = _header(enet)
    name = business_object.lower()
    doc = _lines_of(number) if name == "sortcl" else _with(load("sortch-doc.xml"), {"Item/InvoiceNumber": ""})
    answer = fromstring(enet.post(business_object, f"{name}-params.xml", _with(doc, changes)))
    assert any(message in (node.text or "") for node in answer.iter("ErrorDescription"))
    assert answer.findtext("StatusOfItems/ItemsProcessed") == "000000"


def _header(enet: Enet) -> str:
    """A credit note header for C00001 not tied to an invoice; its number."""
    doc = _with(load("sortch-doc.xml"), {"Item/InvoiceNumber": ""})
    answer = fromstring(enet.post("SORTCH", "sortch-params.xml", doc))
    return answer.findtext("Item/ValidationStatus/CreditNoteDetails/CreditNoteCreated") or ""


def _lines_of(number: str) -> ET.Element:
    doc = load("sortcl-doc.xml")
    for node in doc.iterfind("Item/CreditNoteNumber"):
        node.text = number
    return doc


def test_one_bad_line_keeps_every_line_off_the_credit_note(enet: Enet, sandbox: SysproSandbox) -> None:
    number = _header(enet)
    doc = _lines_of(number)
    bad = doc.findall("Item/Warehouse")[1]
    bad.text = "FG"  # a non-stocked line must use '**'
    answer = fromstring(enet.post("SORTCL", "sortcl-params.xml", doc))
    assert any("must be '**'" in (node.text or "") for node in answer.iter("ErrorDescription"))
    with sandbox.state.company.lock:
        assert sandbox.state.company.order_lines(number) == []


# --- the adapter's credit-note path against the sandbox -------------------------------------------
def test_syspro_declares_credit_notes_but_not_restocking_ones(adapter: SysproAdapter) -> None:
    assert Capability.CREDIT_NOTE in adapter.capabilities
    assert Capability.CREDIT_NOTE_RESTOCK not in adapter.capabilities


def test_a_credit_note_on_an_invoiced_order_credits_that_invoice_with_exact_lines(
    adapter: SysproAdapter, sandbox: SysproSandbox
) -> None:
    invoice = _invoiced(sandbox, adapter, "#E10")
    restocked = CreditNoteLine("MUG-WHITE", 3, gbp("10.00"), gbp("2.00"), restock=True)
    posted = adapter.create_credit_note(
        _note("gid://shopify/Refund/77", "#E10", restocked, shipping=gbp("3.95"))
    )
    company = sandbox.state.company
    with company.lock:
        header = company.table("SorMaster")[posted.erp_id]
        lines = [
            (ln["StockCode"], ln["Warehouse"], ln["OrderQty"], ln["Price"])
            for ln in company.order_lines(posted.erp_id)
        ]
    assert (header["Customer"], header["InvoiceNumber"], header["CustomerPoNumber"]) == (
        "C00001",
        invoice,
        "RF77",
    )
    assert lines == [
        ("MUG-WHITE", "FG", "2", "3.33"),
        ("MUG-WHITE", "FG", "1", "3.34"),
        ("SHIPPING", "**", "1", "3.95"),
    ]
    assert posted.extra == {"restock_task": "3 x MUG-WHITE"}


def test_a_retry_completes_a_credit_note_left_without_lines_and_posts_no_second_one(
    adapter: SysproAdapter, sandbox: SysproSandbox
) -> None:
    adapter.create_sales_order(_order("#E11"))
    sandbox.levers.apply("faults", {"unlicense": ["SORTCL"]})  # the lines fail after the header
    with pytest.raises(ConfigurationError, match="100000"):
        adapter.create_credit_note(_note("gid://shopify/Refund/78", "#E11"))
    sandbox.levers.apply("faults", {"license": ["SORTCL"]})
    again = adapter.create_credit_note(_note("gid://shopify/Refund/78", "#E11"))
    company = sandbox.state.company
    with company.lock:
        assert len(company.credit_notes_for("#E11")) == 1
        assert [ln["OrderQty"] for ln in company.order_lines(again.erp_id)] == ["2"]
    assert again.existed


def test_a_credit_note_for_an_order_syspro_lacks_needs_a_person(adapter: SysproAdapter) -> None:
    with pytest.raises(NeedsPerson, match="no sales order with customer PO number #NEVER"):
        adapter.create_credit_note(_note("gid://shopify/Refund/79", "#NEVER"))


def test_an_unknown_sku_on_a_credit_note_creates_nothing(
    adapter: SysproAdapter, sandbox: SysproSandbox
) -> None:
    adapter.create_sales_order(_order("#E12"))
    odd = CreditNoteLine("NOPE-9", 1, gbp("5.00"), gbp("1.00"))
    with pytest.raises(UnknownSku, match="NOPE-9"):
        adapter.create_credit_note(_note("gid://shopify/Refund/80", "#E12", odd))
    with sandbox.state.company.lock:
        assert sandbox.state.company.credit_notes_for("#E12") == []


def test_a_refund_that_credits_nothing_is_bad_input_and_creates_nothing(
    adapter: SysproAdapter, sandbox: SysproSandbox
) -> None:
    adapter.create_sales_order(_order("#E13"))
    empty = CreditNote("gid://shopify/Refund/81", "#E13", "GBP", ())
    with pytest.raises(BadInput, match="credits nothing"):
        adapter.create_credit_note(empty)
    with sandbox.state.company.lock:
        assert sandbox.state.company.credit_notes_for("#E13") == []


# --- exact or not at all: shipping-only and appeasement notes ------------------------------------
def _extras(
    refund: str,
    order: str,
    *,
    shipping: Money | None = None,
    shipping_tax: Money | None = None,
    adjustment: Money | None = None,
    adjustment_tax: Money | None = None,
) -> CreditNote:
    """A note with no goods lines: a shipping-only refund, or an appeasement (an adjustment)."""
    return CreditNote(
        refund,
        order,
        "GBP",
        (),
        shipping=shipping,
        shipping_tax=shipping_tax,
        adjustment=adjustment,
        adjustment_tax=adjustment_tax,
    )


@pytest.mark.parametrize(
    ("parts", "gap"),
    [
        ({"shipping": gbp("4.00"), "shipping_tax": gbp("0.80")}, "shipping tax 0.80"),
        ({"adjustment": gbp("5.00"), "adjustment_tax": gbp("1.00")}, "adjustment tax 1.00"),
        ({"adjustment": gbp("-0.02")}, "negative adjustment"),
        ({"shipping": gbp("3.95")}, ""),
        ({"adjustment": gbp("5.00")}, ""),
    ],
)
def test_sortcl_cannot_carry_a_tax_amount_so_only_untaxed_extras_are_exact(
    adapter: SysproAdapter, parts: dict[str, Money], gap: str
) -> None:
    found = adapter.credit_note_gap(_extras("gid://shopify/Refund/90", "#E20", **parts))
    assert (gap in found and bool(found)) if gap else found == ""


@pytest.mark.parametrize(
    ("parts", "line"),
    [
        ({"shipping": gbp("3.95")}, ("SHIPPING", "**", "1", "3.95", "Y")),
        ({"adjustment": gbp("5.00")}, ("ADJUSTMENT", "**", "1", "5.00", "Y")),
    ],
)
def test_an_untaxed_shipping_only_or_appeasement_note_is_one_untaxed_non_stocked_line(
    adapter: SysproAdapter, sandbox: SysproSandbox, parts: dict[str, Money], line: tuple[str, ...]
) -> None:
    adapter.create_sales_order(_order("#E21"))
    posted = adapter.create_credit_note(_extras("gid://shopify/Refund/91", "#E21", **parts))
    company = sandbox.state.company
    with company.lock:
        lines = [
            (ln["StockCode"], ln["Warehouse"], ln["OrderQty"], ln["Price"], ln["StockNotTaxable"])
            for ln in company.order_lines(posted.erp_id)
        ]
    assert lines == [line]


@pytest.mark.parametrize(
    "parts",
    [
        {"shipping": gbp("4.00"), "shipping_tax": gbp("0.80")},
        {"adjustment": gbp("5.00"), "adjustment_tax": gbp("1.00")},
    ],
)
def test_a_note_syspro_cannot_post_exactly_is_refused_to_finance_and_nothing_is_created(
    adapter: SysproAdapter, sandbox: SysproSandbox, parts: dict[str, Money]
) -> None:
    adapter.create_sales_order(_order("#E22"))
    with pytest.raises(NeedsPerson, match=r"cannot credit refund .* exactly") as refused:
        adapter.create_credit_note(_extras("gid://shopify/Refund/92", "#E22", **parts))
    assert (refused.value.kind.value, refused.value.team.value) == ("credit_note_manual", "finance")
    with sandbox.state.company.lock:
        assert sandbox.state.company.credit_notes_for("#E22") == []


def test_the_sandbox_refuses_a_stock_not_taxable_flag_outside_the_schemas_enum(enet: Enet) -> None:
    number = _header(enet)
    doc = _lines_of(number)
    flag = doc.findall("Item")[1].find("StockNotTaxable")
    assert flag is not None
    flag.text = "X"
    answer = fromstring(enet.post("SORTCL", "sortcl-params.xml", doc))
    assert any("StockNotTaxable 'X'" in (node.text or "") for node in answer.iter("ErrorDescription"))
