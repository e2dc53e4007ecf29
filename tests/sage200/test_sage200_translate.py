"""Pure translation between canonical records and Sage 200 JSON, cursors, payouts and the OData subset."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sage200_scenario import gbp, payout

from shopbridge.connectors.erp.sage200.cursors import OVERLAP, ChangeCursor
from shopbridge.connectors.erp.sage200.payouts import PAYMENT_MARK, RECEIPT_MARK, payout_entries
from shopbridge.connectors.erp.sage200.translate import (
    item_from_product,
    order_status,
    parse_time,
    short_reference,
    stock_from_holding,
    tax_code_id,
)
from shopbridge.domain.records import ItemStatus, SalesOrderLine, SalesOrderStatus
from shopbridge.errors import NeedsPerson
from shopbridge.sandbox.sage200.odata import ODataError, apply_query

TAX_CODES = [
    {"id": 10, "code": 0, "tax_rate": 0.0},
    {"id": 11, "code": 1, "tax_rate": 20.0},
    {"id": 15, "code": 5, "tax_rate": 5.0},
    {"id": 19, "code": 9, "tax_rate": 0.0},
]


@pytest.mark.parametrize(
    ("price", "quantity", "tax", "code", "expected"),
    [
        ("12.50", 2, "5.00", "", 11),
        ("10.00", 1, "0.50", "", 15),
        ("10.00", 3, "0.00", "", 10),  # two 0% codes: the lowest Sage code wins (zero rated, not exempt)
        ("10.00", 1, "0.00", "9", 19),  # an explicit Sage code is used as given
        ("0.00", 1, "0.00", "", 10),
        # VAT worked out of a VAT-inclusive price and rounded: the amounts say 20.06% and 20.48%
        ("3.29", 1, "0.66", "", 11),  # 3.95 shipping with VAT inside
        ("0.83", 1, "0.17", "", 11),  # 1.00 with VAT inside
    ],
)
def test_a_line_gets_the_sage_tax_code_of_its_rate(
    price: str, quantity: int, tax: str, code: str, expected: int
) -> None:
    line = SalesOrderLine(sku="X", quantity=quantity, unit_price=gbp(price), tax=gbp(tax), tax_code=code)
    assert tax_code_id(line, TAX_CODES) == expected


def test_a_rate_sage_does_not_have_needs_a_person() -> None:
    line = SalesOrderLine(sku="X", quantity=1, unit_price=gbp("10.00"), tax=gbp("1.70"))
    with pytest.raises(NeedsPerson, match=r"17\.00%"):
        tax_code_id(line, TAX_CODES)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"cancelled_status": "Full", "despatch_receipt_status": "None"}, SalesOrderStatus.CANCELLED),
        ({"cancelled_status": "None", "despatch_receipt_status": "Complete"}, SalesOrderStatus.DISPATCHED),
        ({"despatch_receipt_status": "Part"}, SalesOrderStatus.PART_DISPATCHED),
        ({"despatch_receipt_status": "None"}, SalesOrderStatus.OPEN),
        ({}, SalesOrderStatus.OPEN),
    ],
)
def test_order_status_from_sages_status_fields(row: dict[str, Any], expected: SalesOrderStatus) -> None:
    assert order_status(row) is expected


@pytest.mark.parametrize(
    ("status", "allow", "expected"),
    [
        ("Active", True, ItemStatus.ACTIVE),
        ("Inactive", True, ItemStatus.INACTIVE),
        ("Active", False, ItemStatus.INACTIVE),
    ],
)
def test_item_status_from_product_status_type(status: str, allow: bool, expected: ItemStatus) -> None:
    row = {"id": 1, "code": "A", "name": "A", "product_status_type": status, "allow_sales_order": allow}
    assert item_from_product(row).status is expected


@pytest.mark.parametrize(
    ("barcode", "weight", "expected"),
    [
        ("5012345678900", 0.25, ("5012345678900", Decimal("0.25"))),
        ("", 0.0, ("", None)),  # Sage's defaults: no bar code, not weighed
        (None, None, ("", None)),
        (" 5012345678900 ", 1.5, ("5012345678900", Decimal("1.5"))),
    ],
)
def test_item_barcode_and_weight_from_the_product(
    barcode: str | None, weight: float | None, expected: tuple[str, Decimal | None]
) -> None:
    row = {"id": 1, "code": "A", "product_status_type": "Active", "barcode": barcode, "weight": weight}
    item = item_from_product(row)
    assert (item.barcode, item.weight_kg) == expected


def test_free_stock_is_free_less_reserved() -> None:
    row = {"warehouse_name": "WH", "free_stock_available": 10, "free_stock_available_less_reserved": 7}
    assert stock_from_holding(row, "A").free == Decimal(7)


@pytest.mark.parametrize(
    ("given", "expected"), [("gid://shopify/Refund/123456789", "123456789"), ("R-1", "R-1")]
)
def test_a_short_reference_is_the_id_at_the_end_of_a_gid(given: str, expected: str) -> None:
    assert short_reference(given) == expected


def test_a_reference_too_long_for_sage_becomes_a_stable_twenty_character_hash() -> None:
    one = short_reference("gid://shopify/Refund/123456789012345678901234")
    other = short_reference("gid://shopify/Refund/123456789012345678901235")
    assert len(one) == 20 and one != other
    assert one == short_reference("gid://shopify/Refund/123456789012345678901234")


def test_a_payout_splits_into_a_receipt_of_credits_and_a_payment_of_fees() -> None:
    entries = payout_entries(payout("PAYOUT-1"), bank_id=7, bank_nominal="1200")
    assert entries.receipt is not None and entries.payment is not None
    assert [(i["code"], i["gross_value"]) for i in entries.receipt["nominal_analysis_items"]] == [
        ("1100", 100.0)
    ]
    assert [(i["code"], i["gross_value"]) for i in entries.payment["nominal_analysis_items"]] == [
        ("7900", 5.0)
    ]
    assert (entries.receipt["second_reference"], entries.payment["second_reference"]) == (
        RECEIPT_MARK,
        PAYMENT_MARK,
    )


def _stamp(seconds: float) -> str:
    return f"2026-11-22T10:00:{seconds:06.3f}Z"


def test_a_cursor_round_trips_and_remembers_only_the_overlap_window() -> None:
    cursor = ChangeCursor().advance([(1, _stamp(0)), (2, _stamp(9)), (3, _stamp(10))])
    again = ChangeCursor.decode(cursor.encode())
    assert again == cursor
    assert again.watermark == parse_time(_stamp(10))
    assert {i for i, _ in again.seen} == {2, 3}  # 1 is older than the 5 s window
    assert again.since() == parse_time(_stamp(10)) - OVERLAP


def test_a_cursor_returns_a_late_record_inside_the_window_once() -> None:
    cursor = ChangeCursor().advance([(1, _stamp(10))])
    late = (2, _stamp(8))  # committed after the read, stamped earlier: still inside the overlap
    assert cursor.is_new(*late) and not cursor.is_new(1, _stamp(10))
    assert not cursor.advance([late]).is_new(*late)


def test_a_changed_record_is_new_again() -> None:
    cursor = ChangeCursor().advance([(1, _stamp(10))])
    assert cursor.is_new(1, _stamp(11))


def test_a_garbled_cursor_is_refused() -> None:
    with pytest.raises(ValueError, match="not a Sage 200 change cursor"):
        ChangeCursor.decode("yesterday")


ROWS = [
    {"id": 1, "code": "A'1", "qty": 5, "t": "2026-01-01T00:00:00.000Z", "ok": True},
    {"id": 2, "code": "B", "qty": 0, "t": "2026-01-02T00:00:00.000Z", "ok": False},
    {"id": 3, "code": "BC", "qty": 9, "t": "2026-01-03T00:00:00.000Z", "ok": True},
]


@pytest.mark.parametrize(
    ("query", "ids"),
    [
        ({"$filter": "code eq 'A''1'"}, [1]),
        ({"$filter": "qty gt 0 and ok eq true"}, [1, 3]),
        ({"$filter": "(id eq 1 or id eq 2) and not (code eq 'B')"}, [1]),
        ({"$filter": "t ge 2026-01-02T00:00:00Z"}, [2, 3]),
        ({"$filter": "startswith(code, 'b')"}, [2, 3]),
        ({"$orderby": "qty desc", "$top": "2"}, [3, 1]),
        ({"$orderby": "id", "$skip": "2"}, [3]),
    ],
)
def test_the_sandbox_odata_subset(query: dict[str, str], ids: list[int]) -> None:
    assert [r["id"] for r in apply_query(ROWS, query)] == ids


@pytest.mark.parametrize("query", [{"$filter": "code eq"}, {"$filter": "code like 'x'"}, {"$top": "-1"}])
def test_odata_the_sandbox_cannot_read_is_refused(query: dict[str, str]) -> None:
    with pytest.raises(ODataError):
        apply_query(ROWS, query)
