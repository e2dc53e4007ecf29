"""The daily reconciliation reads back a store's ERP orders by its prefixed reference, not the bare name.

With two stores on one ERP, ``#1001`` may be the other store's order: counting it for this store
would pass an order this store never posted, or call the other store's a duplicate.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from flows.test_daily_reconciliation import OneOrderShopify, _paid_order_with_shipping, context
from shopbridge.connectors.erp.memory import MemoryErp
from shopbridge.domain.orders import map_order
from shopbridge.domain.records import Customer
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.store import Store
from shopbridge.flows import daily_reconciliation as flow
from shopbridge.flows.order_settings import rules_for


@pytest.mark.parametrize(
    ("posted_as", "found"),
    [
        pytest.param(["EU-#1001"], [], id="this store's order under its prefix agrees"),
        pytest.param(
            ["#1001"], [("order:#1001", "missing")], id="another store's bare #1001 is not this one"
        ),
        pytest.param(["EU-#1001", "#1001"], [], id="the other store's #1001 is no duplicate of this one"),
    ],
)
def test_the_orders_checkpoint_looks_up_the_stores_prefixed_reference(
    sqlite_store: Store,
    fake_clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    posted_as: list[str],
    found: list[tuple[str, str]],
) -> None:
    order = _paid_order_with_shipping()
    ctx = context(sqlite_store, fake_clock, OneOrderShopify(order), monkeypatch)
    ctx = replace(ctx, shop=ctx.shop.model_copy(update={"order_reference_prefix": "EU-"}))
    erp = ctx.erp
    assert isinstance(erp, MemoryErp)
    erp.add_item("MUG", price=Decimal("10.00"))
    account = erp.find_or_create_customer(Customer(email="ann@example.com")).account
    request = map_order(order, rules_for(ctx.settings, ctx.shop), customer_account=account).request
    assert request.reference == "EU-#1001"
    for reference in posted_as:
        erp.create_sales_order(replace(request, reference=reference))
    report = flow.reconcile_day(ctx, date(2025, 12, 31))
    orders = {c.name: c for c in report.checkpoints}["orders"]
    assert [(m.key, m.what) for m in orders.mismatches] == found


def test_the_fulfilments_checkpoint_leaves_another_stores_dispatches_out(
    sqlite_store: Store, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = _paid_order_with_shipping()
    ctx = context(sqlite_store, fake_clock, OneOrderShopify(order), monkeypatch)
    ctx = replace(ctx, shop=ctx.shop.model_copy(update={"order_reference_prefix": "EU-"}))
    erp = ctx.erp
    assert isinstance(erp, MemoryErp)
    erp.now = lambda: order.created_at
    erp.add_item("MUG", price=Decimal("10.00"))
    account = erp.find_or_create_customer(Customer(email="ann@example.com")).account
    request = map_order(order, rules_for(ctx.settings, ctx.shop), customer_account=account).request
    for reference in ("EU-#1001", "UK-#1001"):  # UK-: the other store's, dispatched the same day
        erp.create_sales_order(replace(request, reference=reference))
        erp.dispatch(reference, carrier="DPD", tracking=f"TRK-{reference}")
    report = flow.reconcile_day(ctx, date(2025, 12, 31))
    fulfilments = {c.name: c for c in report.checkpoints}["fulfilments"]
    assert fulfilments.checked == 1  # EU-#1001's only (no fulfilment was made for it here)
    assert [m.message for m in fulfilments.mismatches] == [
        "ERP dispatch DSP00001 of EU-#1001 has no fulfilment in Shopify"
    ]
