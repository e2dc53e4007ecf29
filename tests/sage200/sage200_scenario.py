"""A walk through every port operation, shared by the adapter tests and the request-validation test."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from shopbridge.connectors.erp.sage200 import Sage200Adapter
from shopbridge.domain.money import Money
from shopbridge.domain.records import (
    Address,
    CreditNote,
    CreditNoteLine,
    Customer,
    JournalEntry,
    JournalLine,
    SalesOrderLine,
    SalesOrderRequest,
)
from shopbridge.sandbox.sage200 import Sage200Sandbox


def gbp(amount: str) -> Money:
    return Money(Decimal(amount), "GBP")


def order(reference: str, account: str, *lines: tuple[str, int, str]) -> SalesOrderRequest:
    """An order with ``(sku, quantity, unit price)`` lines at 20% VAT."""
    wanted = lines or (("TSHIRT-RED-M", 2, "12.50"), ("MUG-WHITE", 1, "8.00"))
    return SalesOrderRequest(
        reference=reference,
        customer_account=account,
        currency="GBP",
        order_date=date(2026, 11, 22),
        lines=tuple(
            SalesOrderLine(
                sku=sku, quantity=qty, unit_price=gbp(price), tax=gbp(price) * qty * Decimal("0.2")
            )
            for sku, qty, price in wanted
        ),
        shipping=gbp("4.99"),
        shipping_tax=gbp("0.998"),
        shipping_method="Royal Mail 48",
        delivery_address=Address(
            line1="1 High St", city="Leeds", postcode="LS1 1AA", country_code="GB", name="Ann"
        ),
    )


def credit_note(refund: str, order_reference: str, *, restock: bool = False) -> CreditNote:
    return CreditNote(
        refund_reference=refund,
        order_reference=order_reference,
        currency="GBP",
        lines=(
            CreditNoteLine(sku="MUG-WHITE", quantity=1, net=gbp("8.00"), tax=gbp("1.60"), restock=restock),
        ),
        issued_on=date(2026, 11, 23),
    )


def payout(reference: str) -> JournalEntry:
    return JournalEntry(
        reference=reference,
        posted_on=date(2026, 11, 24),
        currency="GBP",
        lines=(
            JournalLine("1200", "Payout to bank", debit=gbp("95.00")),
            JournalLine("7900", "Shopify fees", debit=gbp("5.00")),
            JournalLine("1100", "Shopify clearing", credit=gbp("100.00")),
        ),
    )


def walk_every_operation(adapter: Sage200Adapter, sandbox: Sage200Sandbox) -> None:
    adapter.check()
    adapter.items_changed(None, 2)
    adapter.get_items(["MUG-WHITE"])
    adapter.stock_changed(None, 2)
    adapter.price_lists()
    account = adapter.find_or_create_customer(Customer(email="new@example.com", first_name="New")).account
    adapter.check_credit(account, gbp("10.00"))
    adapter.create_sales_order(order("#W1", account))
    adapter.amend_sales_order(order("#W1", account, ("MUG-WHITE", 3, "8.00")))
    adapter.find_sales_order("#W1")
    adapter.create_sales_order(order("#W2", account))
    adapter.cancel_sales_order("#W2")
    sandbox.despatch("#W1", courier="DPD", consignment="15501234")
    adapter.dispatches_since(None, 10)
    adapter.create_credit_note(credit_note("gid://shopify/Refund/77", "#W1"))
    adapter.post_payout(payout("PAYOUT-1"))
    adapter.lookup_exists("nominal_code", "1200")  # connect erp: GET /nominal_codes
    adapter.lookup_exists("carrier", "DPD")  # connect erp: GET /couriers
