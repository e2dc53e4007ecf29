"""The Prima request-type table and its XML mapping, rule by rule."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from defusedxml.ElementTree import fromstring

from shopbridge.connectors.erp.prima import requests as rq
from shopbridge.domain.money import Money
from shopbridge.domain.records import (
    Address,
    CreditNote,
    CreditNoteLine,
    Customer,
    ItemStatus,
    JournalEntry,
    JournalLine,
    SalesOrderLine,
    SalesOrderRequest,
    SalesOrderStatus,
)


def gbp(text: str) -> Money:
    return Money.of(text, "GBP")


ORDER = SalesOrderRequest(
    reference="#1001",
    customer_account="CUST001",
    currency="GBP",
    order_date=date(2026, 11, 22),
    lines=(SalesOrderLine("MUG-WHITE", 2, gbp("8.00"), gbp("3.20"), tax_code="S"),),
    shipping=gbp("4.99"),
    shipping_method="DPD Next Day",
    delivery_address=Address(name="Ann Lee", line1="1 High St", city="Leeds", postcode="LS1 1AA"),
)


def test_every_request_type_we_send_is_in_the_table_with_its_source() -> None:
    sourced = {name for name, t in rq.REQUEST_TYPES.items() if t.sourced}
    assert sourced == {"MultiNewOrder", "OrderStatus", "MultiAvailableToSell", "ProductAvailableToSell"}
    assert set(rq.REQUEST_TYPES) - sourced == {
        "AmendOrder",
        "CancelOrder",
        "StockEnquiry",
        "ProductEnquiry",
        "DespatchEnquiry",
        "CustomerEnquiry",
        "NewCustomer",
        "NewCredit",
        "Journal",
        "JournalEnquiry",
        "PriceEnquiry",
    }


def test_a_request_type_outside_the_table_is_refused() -> None:
    with pytest.raises(KeyError, match="no Prima request type"):
        rq.request("DeleteEverything", {})


@pytest.mark.parametrize(
    ("path", "attribute", "expected"),
    [
        ("Data", "Customer", "CUST001"),
        ("Data", "OrderNumber", "SB1001"),
        ("Data", "CustomerRef", "#1001"),
        ("Data", "TPGUID", "#1001"),
        ("Data", "VatInclusive", "No"),
        ("Data", "CustomerForename", "Ann"),
        ("Data", "CustomerSurname", "Lee"),
        ("Data", "AddrLine3", "Leeds"),
        ("Data", "PostCode", "LS1 1AA"),
        ("Data/OrderHeaderData", "OrderDate", "22/11/2026"),
        ("Data/OrderHeaderData", "Currency", "GBP"),
        ("Data/OrderChargeData", "Charge", "DPD Next Day"),
        ("Data/OrderChargeData", "ChargeValue", "4.99"),
        ("Data/OrderLineData", "OrderLine", "1"),
        ("Data/OrderLineData", "Product", "MUG-WHITE"),
        ("Data/OrderLineData", "Quantity", "2"),
        ("Data/OrderLineData", "Price", "8.00"),
        ("Data/OrderLineData", "ExtTaxVal", "3.20"),
        ("Data/OrderLineData", "Warehouse", "MAIN"),
    ],
)
def test_new_order_carries_each_field(path: str, attribute: str, expected: str) -> None:
    root = fromstring(rq.new_order(ORDER, warehouse="MAIN"))
    assert root.get("RequestType") == "MultiNewOrder"
    node = root.find(path)
    assert node is not None and node.get(attribute) == expected


@pytest.mark.parametrize(
    ("reference", "expected"),
    [("#1001", "SB1001"), ("1001", "SB1001"), ("#C1001", "SBC1001"), ("#1-1", "SB"), ("#11", "SB11")],
)
def test_our_order_number_is_stable_and_never_merges_two_references(reference: str, expected: str) -> None:
    number = rq.order_number(reference)
    assert number == rq.order_number(reference) and number.startswith(expected)
    assert rq.order_number("#1-1") != rq.order_number("#11")


def test_empty_values_are_left_out_rather_than_sent_blank() -> None:
    root = fromstring(
        rq.new_order(SalesOrderRequest("#1", "C", "GBP", date(2026, 1, 1), ORDER.lines), warehouse="MAIN")
    )
    data = root.find("Data")
    assert data is not None and "PostCode" not in data.attrib and root.find("Data/OrderChargeData") is None


def test_markup_in_values_is_escaped() -> None:
    root = fromstring(rq.cancel_order('SB1"<&>', "Zoë changed her mind 😀"))
    data = root.findall("Data")[0]
    assert (data.get("OrderNumber"), data.get("Reason")) == ('SB1"<&>', "Zoë changed her mind 😀")


def test_documents_declare_latin1_and_carry_other_characters_as_references() -> None:
    text = rq.cancel_order("SB1", "😀")
    assert text.startswith("<?xml version='1.0' encoding='ISO-8859-1'?>") and "&#128512;" in text


def test_a_credit_carries_the_refund_reference_and_restock_flags() -> None:
    note = CreditNote(
        "gid://shopify/Refund/9",
        "#1001",
        "GBP",
        (
            CreditNoteLine("MUG-WHITE", 1, gbp("8.00"), gbp("1.60"), restock=True, warehouse="MAIN"),
            CreditNoteLine("CAP-BLACK", 1, gbp("15.00"), gbp("3.00")),
        ),
    )
    root = fromstring(rq.new_credit("SO000001", note))
    data = root.find("Data")
    assert data is not None and (data.get("OrderNumber"), data.get("CreditRef")) == (
        "SO000001",
        "gid://shopify/Refund/9",
    )
    assert [ln.get("Restock") for ln in root.iter("CreditLineData")] == ["Yes", "No"]


def test_a_journal_line_has_either_a_debit_or_a_credit() -> None:
    entry = JournalEntry(
        "PAYOUT-1",
        date(2026, 11, 20),
        "GBP",
        (
            JournalLine("1200", "bank", debit=gbp("95.00")),
            JournalLine("1100", "clearing", credit=gbp("95.00")),
        ),
    )
    lines = fromstring(rq.journal(entry)).findall("Data/JournalLineData")
    assert [(ln.get("Debit"), ln.get("Credit")) for ln in lines] == [("95.00", None), (None, "95.00")]


def test_new_customer_uses_the_display_name() -> None:
    data = fromstring(
        rq.new_customer("WEB1", Customer(email="a@b.co", first_name="Ann", last_name="Lee"))
    ).find("Data")
    assert data is not None and (data.get("Account"), data.get("Name"), data.get("Email")) == (
        "WEB1",
        "Ann Lee",
        "a@b.co",
    )


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("Processing", SalesOrderStatus.OPEN),
        ("Part-Despatched", SalesOrderStatus.PART_DISPATCHED),
        ("Part Despatched", SalesOrderStatus.PART_DISPATCHED),
        ("DESPATCHED", SalesOrderStatus.DISPATCHED),
        ("Cancelled", SalesOrderStatus.CANCELLED),
        ("Completed", SalesOrderStatus.CLOSED),
        ("Something new", SalesOrderStatus.OPEN),
    ],
)
def test_order_statuses_map_to_canonical_ones(status: str, expected: SalesOrderStatus) -> None:
    response = fromstring(f'<Result RequestStatus="OK"><Data OrderStatus="{status}"/></Result>')
    order = rq.read_order(response, "#1", "GBP")
    assert order is not None and order.status is expected


def test_an_order_reads_its_lines_and_credits() -> None:
    response = fromstring(
        '<Result RequestStatus="OK"><Data OrderNumber="SB1" OrderStatus="Processing" CustomerCode="C">'
        '<OrderLineData Product="MUG-WHITE" Quantity="2" Price="8.00" ExtTaxVal="3.20" Warehouse="MAIN"/>'
        '<Credit CreditRef="R1" CreditNumber="CN1"/></Data></Result>'
    )
    order = rq.read_order(response, "#1", "GBP")
    assert order is not None and (order.erp_id, order.customer_account) == ("SB1", "C")
    assert [(ln.sku, ln.quantity, ln.unit_price) for ln in order.lines] == [("MUG-WHITE", 2, gbp("8.00"))]
    assert order.extra == {"credit:R1": "CN1"}


@pytest.mark.parametrize(
    ("status", "expected"), [("Active", ItemStatus.ACTIVE), ("Discontinued", ItemStatus.INACTIVE)]
)
def test_discontinued_products_are_inactive(status: str, expected: ItemStatus) -> None:
    response = fromstring(
        f'<Result RequestStatus="OK"><Data><Product Product="A" Status="{status}" Price="1.00"/>'
        "</Data></Result>"
    )
    assert rq.read_products(response, "GBP")[0].status is expected


def test_a_despatch_reads_carrier_consignments_and_time_in_utc() -> None:
    response = fromstring(
        '<Result RequestStatus="OK"><Data><Despatch DespatchNumber="DN1" CustRef="#1"'
        ' Date="2026-11-22T10:00:00+01:00" Carrier="DPD" ConsignmentNumber="C1,C2" Warehouse="MAIN">'
        '<DespatchLineData Product="MUG-WHITE" Quantity="2"/></Despatch></Data></Result>'
    )
    sent = rq.read_despatches(response)[0]
    assert (sent.carrier, sent.tracking_numbers, sent.dispatched_at.hour) == ("DPD", ("C1", "C2"), 9)


@pytest.mark.parametrize(
    ("sequences", "cursor", "expected"), [([], None, None), ([], "5", "5"), (["6", "9"], "5", "9")]
)
def test_the_cursor_is_the_last_sequence_or_stays(
    sequences: list[str], cursor: str | None, expected: str | None
) -> None:
    nodes = [fromstring(f'<Stock Sequence="{s}"/>') for s in sequences]
    assert rq.last_sequence(nodes, cursor) == expected


def test_free_stock_is_read_as_prima_reports_it() -> None:
    response = fromstring(
        '<Result><Data><Stock Product="A" Warehouse="MAIN" Free="3" OnHand="5" Allocated="2"/>'
        "</Data></Result>"
    )
    assert rq.read_stock(response)[0].free == Decimal(3)


def test_a_garbled_number_is_reported_not_guessed() -> None:
    with pytest.raises(ValueError, match="where a number belongs"):
        rq.number("1,5")
