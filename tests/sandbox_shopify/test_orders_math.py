"""Order money math: the recorded orderCreate matrix reproduced over HTTP, and the rules in a table."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from test_orders_harness import Shop, load_capture, running_shop

from shopbridge.sandbox.shopify.ordermath import (
    Bag,
    Discount,
    LineInput,
    ShippingInput,
    TaxRule,
    allocate_fixed,
    format_amount,
    price_order,
    round_money,
)

MATRIX = load_capture("orders/order-create-math-matrix.json")
# Values that differ by nature between a live shop and a fresh sandbox (ids, order numbers).
VOLATILE = {"id", "name"}


@pytest.fixture
def shop() -> Iterator[Shop]:
    yield from running_shop()


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


@pytest.mark.parametrize("case", sorted(MATRIX["cases"]))
def test_order_create_reproduces_the_recorded_math_matrix(shop: Shop, case: str) -> None:
    recorded = MATRIX["cases"][case]
    body = shop.graphql(MATRIX["document"], recorded["variables"])
    expected = recorded["response"]["payload"]["data"]["orderCreate"]
    assert _strip(body["data"]["orderCreate"]) == _strip(expected)


def gbp(amount: str) -> Bag:
    return Bag.single(Decimal(amount), "GBP")


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("20.00", "20.0"),
        ("2.40", "2.4"),
        ("31.9", "31.9"),
        ("0", "0.0"),
        ("12.25", "12.25"),
        ("100", "100.0"),
    ],
)
def test_amounts_are_written_like_shopify_decimals(amount: str, text: str) -> None:
    assert format_amount(Decimal(amount)) == text


@pytest.mark.parametrize(
    ("amount", "currency", "rounded"),
    [
        ("2.345", "GBP", "2.35"),
        ("2.345", "USD", "2.35"),
        ("2.344", "EUR", "2.34"),
        ("1234.5", "JPY", "1235"),
        ("1.2345", "KWD", "1.235"),
        ("1.2344", "BHD", "1.234"),
        ("0.125", "CAD", "0.13"),
    ],
)
def test_sandbox_rounds_half_up_to_its_own_minor_units(amount: str, currency: str, rounded: str) -> None:
    result = round_money(Decimal(amount), currency)
    assert (str(result), result.as_tuple().exponent) == (rounded, Decimal(rounded).as_tuple().exponent)


def test_fixed_discount_is_spread_by_line_subtotal_and_the_last_line_takes_the_remainder() -> None:
    shares = allocate_fixed(gbp("10.00"), [gbp("10.00"), gbp("10.00"), gbp("10.00")])
    assert [s.shop for s in shares] == [Decimal("3.33"), Decimal("3.33"), Decimal("3.34")]


def test_fixed_discount_never_exceeds_what_the_lines_cost() -> None:
    shares = allocate_fixed(gbp("50.00"), [gbp("10.00"), gbp("5.00")])
    assert sum(s.shop for s in shares) == Decimal("15.00")


# (lines as (unit, qty), discount, shipping, rate, included) -> (subtotal, discounts, shipping, tax, total)
CASES = [
    ([("10.00", 2)], None, None, None, False, ("20.00", "0", "0", "0", "20.00")),
    ([("12.00", 2)], None, "5.00", "0.1", False, ("24.00", "0", "5.00", "2.90", "31.90")),
    ([("12.00", 1)], None, "6.00", "0.2", True, ("12.00", "0", "6.00", "3.00", "18.00")),
    # per-line rounding: 3 x 0.35 at 20% is 0.07 a line, not round(1.05 x 0.2) = 0.21 once
    ([("0.35", 1), ("0.35", 1), ("0.35", 1)], None, None, "0.2", False, ("1.05", "0", "0", "0.21", "1.26")),
    (
        [("9.99", 3), ("4.99", 1)],
        ("percentage", "10"),
        None,
        "0.2",
        True,
        ("31.46", "3.50", "0", "5.25", "31.46"),
    ),
    ([("30.00", 1)], ("fixed", "5.00"), "4.00", None, False, ("25.00", "5.00", "4.00", "0", "29.00")),
    ([("15.00", 1)], ("free_shipping", "0"), "3.95", "0.2", True, ("15.00", "3.95", "0.00", "2.50", "15.00")),
    ([("0.05", 1)], None, None, "0.1", False, ("0.05", "0", "0", "0.01", "0.06")),
]


@pytest.mark.parametrize(("lines", "discount", "shipping", "rate", "included", "expected"), CASES)
def test_order_totals_follow_shopify_rules(
    lines: list[tuple[str, int]],
    discount: tuple[str, str] | None,
    shipping: str | None,
    rate: str | None,
    included: bool,
    expected: tuple[str, str, str, str, str],
) -> None:
    priced = price_order(
        [LineInput(qty, gbp(unit)) for unit, qty in lines],
        [ShippingInput(gbp(shipping))] if shipping else [],
        gbp("0"),
        discount=Discount("CODE", discount[0], Decimal(discount[1])) if discount else None,
        tax_rule=TaxRule("VAT", Decimal(rate)) if rate else None,
        taxes_included=included,
    )
    t = priced.totals
    got = (t.subtotal.shop, t.discounts.shop, t.shipping.shop, t.tax.shop, t.total.shop)
    assert got == tuple(Decimal(v) for v in expected)
