"""Pure translation of Tryton rows, and the feed cursor's promise: each change once, then nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from shopbridge.connectors.erp.tryton import translate as tr
from shopbridge.domain.records import Customer, ItemStatus, SalesOrderStatus
from shopbridge.errors import NeedsPerson

T0 = datetime(2026, 11, 22, 11, 0, 0, tzinfo=UTC)


def _row(rid: int, seconds: float, **extra: Any) -> dict[str, Any]:
    return {"id": rid, "last_modified_at": T0 + timedelta(seconds=seconds), **extra}


def _drain(rows: list[dict[str, Any]], cursor: tr.FeedCursor, limit: int) -> tuple[list[int], tr.FeedCursor]:
    got: list[int] = []
    for _ in range(50):
        page, cursor, more = tr.take_page(rows, cursor, limit)
        got += [int(r["id"]) for r in page]
        if not more:
            return got, cursor
    raise AssertionError("the feed never ended")


def test_pages_come_in_stamp_order_and_end() -> None:
    rows = [_row(3, 5), _row(1, 1), _row(2, 1), _row(4, 9)]
    got, _cursor = _drain(rows, tr.FeedCursor(), limit=1)
    assert got == [1, 2, 3, 4]


def test_rows_inside_the_overlap_are_not_returned_twice_but_a_late_commit_is() -> None:
    rows = [_row(1, 0), _row(2, 10)]
    first, cursor = _drain(rows, tr.FeedCursor(), limit=10)
    late = _row(3, 5)  # committed after the read, stamped before the watermark (inside the overlap)
    again, cursor = _drain([*rows, late], cursor, limit=10)
    assert (first, again) == ([1, 2], [3])
    assert _drain([*rows, late], cursor, limit=10)[0] == []


def test_a_record_changed_again_is_returned_again() -> None:
    first, cursor = _drain([_row(1, 0)], tr.FeedCursor(), limit=10)
    again, _cursor = _drain([_row(1, 30)], cursor, limit=10)
    assert (first, again) == ([1], [1])


def test_seen_pairs_older_than_the_overlap_are_forgotten() -> None:
    old = _row(1, 0)
    newer = _row(2, tr.OVERLAP.total_seconds() * 3)
    _got, cursor = _drain([old, newer], tr.FeedCursor(), limit=10)
    assert {pair[0] for pair in cursor.seen} == {2}


def test_a_cursor_survives_its_text_form() -> None:
    _got, cursor = _drain([_row(1, 0), _row(2, 3)], tr.FeedCursor(), limit=1)
    assert tr.decode_cursor(tr.encode_cursor(cursor)) == cursor
    assert tr.decode_cursor(None) == tr.FeedCursor()


def test_a_foreign_cursor_is_refused_clearly() -> None:
    with pytest.raises(NeedsPerson, match="not a Tryton feed cursor"):
        tr.decode_cursor("12345")


@pytest.mark.parametrize(
    ("active", "salable", "status"),
    [(True, True, ItemStatus.ACTIVE), (False, True, ItemStatus.INACTIVE), (True, False, ItemStatus.INACTIVE)],
)
def test_item_status_needs_active_and_salable(active: bool, salable: bool, status: ItemStatus) -> None:
    row = _row(
        7,
        0,
        suffix_code="MUG-WHITE",
        active=active,
        type="goods",
        **{"template.": {"name": "White mug", "salable": salable, "list_price": Decimal("8.00")}},
    )
    item = tr.to_item(row, "GBP")
    assert (item.sku, item.status, item.unit_price and item.unit_price.amount) == (
        "MUG-WHITE",
        status,
        Decimal("8"),
    )


def test_an_item_changes_when_its_template_does() -> None:
    later = T0 + timedelta(minutes=5)
    row = _row(7, 0, **{"template.": {"last_modified_at": later}})
    assert tr.stamp_of(row) == later


@pytest.mark.parametrize(
    ("state", "shipment_state", "status"),
    [
        ("processing", "waiting", SalesOrderStatus.OPEN),
        ("processing", "partially shipped", SalesOrderStatus.PART_DISPATCHED),
        ("processing", "sent", SalesOrderStatus.DISPATCHED),
        ("done", "sent", SalesOrderStatus.DISPATCHED),
        ("done", "none", SalesOrderStatus.CLOSED),
        ("cancelled", "none", SalesOrderStatus.CANCELLED),
        ("quotation", "none", SalesOrderStatus.OPEN),
    ],
)
def test_sale_states_map_to_order_status(state: str, shipment_state: str, status: SalesOrderStatus) -> None:
    assert (
        tr.order_status({"state": state, "shipment_state": shipment_state, "invoice_state": "paid"}) == status
    )


def test_a_sale_done_with_nothing_shipped_or_invoiced_was_cancelled() -> None:
    row = {"state": "done", "shipment_state": "none", "invoice_state": "none"}
    assert tr.order_status(row) == SalesOrderStatus.CANCELLED


@pytest.mark.parametrize(
    ("text", "carrier", "numbers"),
    [
        ("Royal Mail: RM123456785GB", "Royal Mail", ("RM123456785GB",)),
        ("DPD: 1550, 1551", "DPD", ("1550", "1551")),
        ("RM123456785GB", "", ("RM123456785GB",)),
        ("", "", ()),
    ],
)
def test_shipment_reference_carries_carrier_and_tracking(
    text: str, carrier: str, numbers: tuple[str, ...]
) -> None:
    assert tr.parse_shipment_reference(text) == (carrier, numbers)
    if carrier:
        assert tr.shipment_reference(carrier, numbers) == text


@pytest.mark.parametrize(
    ("customer", "conflicts"),
    [
        (Customer(email="e@example.com", first_name="Ellen", last_name="Existing"), ()),
        (Customer(email="e@example.com", first_name="ellen", last_name="existing"), ()),
        (Customer(email="e@example.com", first_name="Other", last_name="Person"), ("name",)),
        (Customer(email="e@example.com", phone="+44 20 7946 0000"), ("phone",)),
        (Customer(email="e@example.com"), ()),
    ],
    ids=["same", "case-only", "other-name", "other-phone", "nothing-to-compare"],
)
def test_party_conflicts_name_the_differing_fields(customer: Customer, conflicts: tuple[str, ...]) -> None:
    party = {"name": "Ellen Existing", "phone": "+44 20 7946 1111"}
    assert tr.party_conflicts(party, customer) == conflicts


@pytest.mark.parametrize(
    ("description", "matches"),
    [("PAYOUT-1", True), ("PAYOUT-1 | Shopify payout", True), ("PAYOUT-10", False), ("PAYOUT-10 | x", False)],
)
def test_a_payout_is_found_by_its_exact_reference(description: str, matches: bool) -> None:
    assert tr.is_payout(description, "PAYOUT-1") is matches
    assert tr.payout_description("PAYOUT-1", "Shopify payout") == "PAYOUT-1 | Shopify payout"


@pytest.mark.parametrize(
    ("quantity", "forecast", "free"),
    [
        (100.0, 100.0, Decimal(100)),
        (40.0, 38.0, Decimal(38)),
        (5.0, 9.0, Decimal(5)),
        (None, None, Decimal(0)),
    ],
)
def test_free_stock_is_on_hand_less_what_orders_will_take(
    quantity: Any, forecast: Any, free: Decimal
) -> None:
    assert tr.free_stock(quantity, forecast) == free


@pytest.mark.parametrize(
    ("net", "tax", "rate"),
    [(Decimal("25.00"), Decimal("5.00"), Decimal("0.2000")), (Decimal("8"), Decimal(0), None)],
)
def test_the_tax_rate_of_a_line(net: Decimal, tax: Decimal, rate: Decimal | None) -> None:
    assert tr.tax_rate(net, tax) == rate


def _lookups_with_taxes(rates: dict[str, int]) -> Any:
    from shopbridge.connectors.erp.tryton.lookups import Lookups

    look = Lookups(rpc=None, warehouse_code="WH", company_id=1)  # type: ignore[arg-type]
    look.__dict__["taxes"] = {Decimal(rate): tax_id for rate, tax_id in rates.items()}  # the cached read
    return look


@pytest.mark.parametrize(
    ("net", "tax", "expected"),
    [
        ("10.00", "2.00", [20]),
        ("3.29", "0.66", [20]),  # 3.95 with VAT inside: the amounts read 20.06%
        ("0.83", "0.17", [20]),  # 1.00 with VAT inside: 20.48%
        ("10.00", "0.50", [5]),
        ("10.00", "0.00", []),
    ],
)
def test_a_line_gets_the_tryton_tax_shopify_charged_within_rounding(
    net: str, tax: str, expected: list[int]
) -> None:
    look = _lookups_with_taxes({"0.2000": 20, "0.0500": 5})
    assert look.tax_for(Decimal(net), Decimal(tax)) == expected


def test_a_rate_tryton_does_not_have_needs_finance() -> None:
    with pytest.raises(NeedsPerson, match=r"no percentage tax near 17\.00%"):
        _lookups_with_taxes({"0.2000": 20}).tax_for(Decimal("10.00"), Decimal("1.70"))


@pytest.mark.parametrize(
    ("base", "tax", "rate", "moved"),
    [
        ("51.62", "10.33", "0.2", "0.01"),  # Shopify rounded per line (10.33); the whole base gives 10.32
        ("51.62", "10.32", "0.2", None),  # already equal: nothing moves
        ("6.62", "1.33", "0.2", "0.01"),  # 7.95 of shipping with VAT inside: 1.324 rounds to 1.32
        ("0.05", "0.02", "0.2", "0.03"),  # 0.06 and 0.07 round to 0.01; 0.08 * 0.2 = 0.016 -> 0.02
        ("10.00", "2.00", "0.2", None),
    ],
)
def test_the_base_moves_by_the_fewest_pennies_that_make_trytons_vat_shopifys(
    base: str, tax: str, rate: str, moved: str | None
) -> None:
    groups = {7: (Decimal(base), Decimal(tax), Decimal(rate))}
    assert tr.vat_rounding_moves(groups) == ({} if moved is None else {7: Decimal(moved)})


def test_tax_groups_add_up_each_taxs_base_and_shopifys_tax() -> None:
    values = [
        {"unit_price": Decimal("10.00"), "quantity": 2.0, "taxes": [["add", [7]]]},
        {"unit_price": Decimal("3.29"), "quantity": 1.0, "taxes": [["add", [7]]]},
        {"unit_price": Decimal("5.00"), "quantity": 1.0},
    ]
    shopify = [Decimal("4.00"), Decimal("0.66"), Decimal("0")]
    groups = tr.tax_groups(values, shopify, {Decimal("0.2000"): 7})
    assert groups == {7: (Decimal("23.29"), Decimal("4.66"), Decimal("0.2000"))}
