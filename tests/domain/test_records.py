"""Canonical records validate themselves: a record that exists is consistent."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from shopbridge.domain.money import Money
from shopbridge.domain.records import (
    DiscountAllocation,
    JournalEntry,
    JournalLine,
    Order,
    OrderLine,
    SalesOrderLine,
    SalesOrderRequest,
    ShippingLine,
    TaxLine,
)

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def gbp(amount: str) -> Money:
    return Money.of(amount, "GBP")


def a_line(**overrides: object) -> OrderLine:
    fields: dict[str, object] = {
        "line_id": "1",
        "sku": "MUG-WHITE",
        "quantity": 2,
        "unit_price": gbp("8.00"),
        "tax_lines": (TaxLine("VAT", Decimal("0.2"), gbp("3.20")),),
        "discounts": (DiscountAllocation(gbp("1.00"), "WELCOME"),),
    }
    fields.update(overrides)
    return OrderLine(**fields)  # type: ignore[arg-type]


def test_order_line_totals_are_exact() -> None:
    line = a_line()
    assert line.gross == gbp("16.00")
    assert line.discount_total == gbp("1.00")
    assert line.net == gbp("15.00")
    assert line.tax_total == gbp("3.20")


def test_order_tax_total_includes_shipping_tax() -> None:
    shipping = ShippingLine("Standard", gbp("4.00"), tax_lines=(TaxLine("VAT", Decimal("0.2"), gbp("0.80")),))
    order = Order("gid://shopify/Order/1", "#1001", "GBP", NOW, (a_line(),), shipping_lines=(shipping,))
    assert order.tax_total == gbp("4.00")


def test_a_line_in_another_currency_than_its_order_is_refused() -> None:
    with pytest.raises(ValueError, match="expected GBP"):
        Order(
            "gid://shopify/Order/1",
            "#1001",
            "GBP",
            NOW,
            (a_line(unit_price=Money.of("8", "EUR"), tax_lines=(), discounts=()),),
        )


@pytest.mark.parametrize(
    "when", [datetime(2026, 1, 1), datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=1)))]
)
def test_order_times_must_be_utc(when: datetime) -> None:
    with pytest.raises(ValueError, match="UTC"):
        Order("gid://shopify/Order/1", "#1001", "GBP", when, (a_line(),))


def test_sales_order_reference_fits_sage_customer_document_no() -> None:
    line = SalesOrderLine("MUG-WHITE", 1, gbp("8.00"), gbp("1.60"))
    with pytest.raises(ValueError, match=r"1\.\.30"):
        SalesOrderRequest("X" * 31, "CUST01", "GBP", date(2026, 11, 22), (line,))


def test_journal_that_does_not_balance_is_refused() -> None:
    lines = (
        JournalLine("1200", "bank", debit=gbp("100.00")),
        JournalLine("4000", "sales", credit=gbp("99.99")),
    )
    with pytest.raises(ValueError, match="does not balance"):
        JournalEntry("PAYOUT-1", date(2026, 11, 22), "GBP", lines)


def test_journal_line_needs_exactly_one_side() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        JournalLine("1200", "bank", debit=gbp("1"), credit=gbp("1"))
