"""A store's ``order_reference_prefix`` in the ERP reference, and the way back to the order name."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from shopbridge.domain.credit_notes import RefundRules, map_refund
from shopbridge.domain.money import Money
from shopbridge.domain.order_reference import erp_reference, is_stores, order_name_of
from shopbridge.domain.orders import FieldLimits, MappedOrder, OrderRules, OrderUnmappable, map_order
from shopbridge.domain.records import Order, OrderLine, Refund, RefundLine, RestockType, SalesOrderLine

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def gbp(amount: str) -> Money:
    return Money.of(amount, "GBP")


def an_order() -> Order:
    mug = OrderLine("gid://shopify/LineItem/1", "MUG", 1, gbp("10.00"))
    return Order("gid://shopify/Order/1", "#1001", "GBP", NOW, (mug,))


def mapped(rules: OrderRules) -> MappedOrder:
    return map_order(an_order(), rules, customer_account="WEB")


def test_the_erp_reference_is_the_prefix_then_the_order_name() -> None:
    assert mapped(OrderRules(reference_prefix="EU-")).request.reference == "EU-#1001"
    assert mapped(OrderRules()).request.reference == "#1001"  # no prefix: the name alone, as before


@pytest.mark.parametrize(
    ("prefix", "reference", "name"),
    [
        ("EU-", "EU-#1001", "#1001"),
        ("", "#1001", "#1001"),
        ("", "EU-#1001", "EU-#1001"),  # a store with no prefix reads any reference as a name
        ("EU-", "#1001", None),  # another store's
        ("EU-", "UK-#1001", None),
    ],
)
def test_a_reference_leads_back_to_its_stores_order_name(
    prefix: str, reference: str, name: str | None
) -> None:
    assert order_name_of(prefix, reference) == name
    if name is not None:
        assert erp_reference(prefix, name) == reference


def test_the_prefix_counts_against_the_erps_reference_length() -> None:
    assert mapped(OrderRules(reference_prefix="EU-", limits=FieldLimits(reference=8))).request.reference == (
        "EU-#1001"
    )
    with pytest.raises(OrderUnmappable) as caught:
        mapped(OrderRules(reference_prefix="EUROPE-", limits=FieldLimits(reference=8)))
    assert caught.value.code == "reference_too_long" and "order_reference_prefix" in caught.value.fix
    assert "EUROPE-#1001" in caught.value.reason


def test_a_credit_note_is_against_the_prefixed_reference() -> None:
    sold = (SalesOrderLine(sku="MUG", quantity=1, unit_price=gbp("10.00"), tax=gbp("2.00")),)
    back = RefundLine(
        "gid://shopify/LineItem/1", "MUG", 1, gbp("10.00"), gbp("2.00"), RestockType.NO_RESTOCK, ""
    )
    refund = Refund(
        "gid://shopify/Refund/9", "gid://shopify/Order/1", "#1001", NOW, "GBP", (back,), total=gbp("12.00")
    )
    note = map_refund(refund, sold, RefundRules(order_reference_prefix="EU-")).note
    assert (note.order_reference, note.total.amount) == ("EU-#1001", Decimal("12.00"))
    assert map_refund(refund, sold, RefundRules()).note.order_reference == "#1001"


@pytest.mark.parametrize(
    ("prefix", "others", "reference", "mine"),
    [
        ("EU-", ["UK-"], "EU-#1001", True),
        ("EU-", ["UK-"], "UK-#1001", False),
        ("", ["EU-"], "#1001", True),  # the store kept the bare name when the second came
        ("", ["EU-"], "EU-#1001", False),  # the prefixed store's, not the bare one's
        ("", [""], "#1001", True),  # two bare stores (order_names_distinct): both may claim it
    ],
)
def test_a_reference_is_a_stores_unless_a_longer_prefix_of_another_claims_it(
    prefix: str, others: list[str], reference: str, mine: bool
) -> None:
    assert is_stores(prefix, others, reference) is mine
