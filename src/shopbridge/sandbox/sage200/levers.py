"""The ERP-side levers, callable in process (the harness) or through the control API."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from shopbridge.sandbox.sage200 import orders
from shopbridge.sandbox.sage200.state import (
    DEFAULT_WAREHOUSE,
    Record,
    SageState,
    add_product,
    set_active,
    set_details,
    set_free_stock,
)

__all__ = [
    "DEFAULT_WAREHOUSE",
    "add_item",
    "count_credit_notes",
    "count_sales_orders",
    "despatch",
    "set_credit_limit",
    "set_item_details",
]


def add_item(state: SageState, sku: str, name: str, price: Decimal, active: bool = True) -> None:
    with state.lock:
        if state.product_by_code(sku) is not None:
            raise ValueError(f"product {sku} already exists")
        add_product(state, sku, name, price, active=active)


def set_item_active(state: SageState, sku: str, active: bool) -> None:
    set_active(state, sku, active)


def set_item_details(state: SageState, sku: str, *, barcode: str | None, weight: Decimal | None) -> None:
    set_details(state, sku, barcode=barcode, weight=weight)


def set_stock(state: SageState, sku: str, warehouse: str, free: Decimal) -> None:
    set_free_stock(state, sku, warehouse, free)


def set_credit_limit(state: SageState, account: str, limit: Decimal) -> None:
    with state.lock:
        customers = state.find("customers", reference=account)
        if not customers:
            raise KeyError(f"no customer {account}")
        customers[0]["credit_limit"] = float(limit)  # Sage answers credit limits as JSON numbers


def despatch(
    state: SageState,
    reference: str,
    courier: str,
    consignment: str,
    *,
    quantities: Mapping[str, int] | None = None,
    warehouse: str | None = None,
) -> Record:
    return orders.despatch(
        state, reference, courier=courier, consignment=consignment, quantities=quantities, warehouse=warehouse
    )


def count_sales_orders(state: SageState, reference: str) -> int:
    with state.lock:
        return len(state.find("sop_orders", customer_document_no=reference))


def count_credit_notes(state: SageState, order_reference: str) -> int:
    """Credit notes whose second reference carries the order's Shopify reference (as the adapter writes)."""
    with state.lock:
        notes = state.find("sales_posted_transactions", trader_transaction_type="Credit Note")
        return sum(1 for n in notes if n.get("second_reference") == order_reference[:20])
