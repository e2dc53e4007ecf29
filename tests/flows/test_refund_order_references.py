"""A refund is credited against its own store's ERP order (prefixed reference), not another's #1001."""

from __future__ import annotations

from datetime import date

from flows.test_refund_flow_handler import Harness, gbp, harness, refund_of
from shopbridge.domain.money import Money
from shopbridge.domain.records import Customer, SalesOrderLine, SalesOrderRequest

__all__ = ["harness"]  # the refund flow tests' fixture, used here


def test_the_credit_note_is_against_the_stores_prefixed_order(harness: Harness) -> None:
    shop = harness.settings.shops[0].model_copy(update={"order_reference_prefix": "EU-"})
    harness.settings = harness.settings.model_copy(update={"shops": [shop]})
    other = harness.erp.find_or_create_customer(Customer(email="other@example.com")).account
    mug = SalesOrderLine("MUG-01", 1, Money.of("10.00", "GBP"), Money.of("2.00", "GBP"))
    harness.erp.create_sales_order(SalesOrderRequest("#1001", other, "GBP", date(2026, 1, 1), (mug,)))
    harness.post_order()  # this store's #1001 (TEE-M): EU-#1001
    harness.add_refund(refund_of(1, ("TEE-M", 1, "12.00", "2.00"), total="12.00"))
    harness.refunds_job()
    note = harness.erp.credit_notes()["gid://shopify/Refund/1"]
    assert (note.order_reference, note.total) == ("EU-#1001", gbp("12.00"))
    assert harness.erp.count_credit_notes("#1001") == 0 and harness.open_problems() == []
