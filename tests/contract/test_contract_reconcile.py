"""The ERP contract for the daily reconciliation's reads (``ports/erp.ErpReconcileReads``).

Every adapter reads back, a batch at a time, every live order carrying a Shopify reference with the
whole order's totals (shipping included), and the credit note of each refund with its value. Where
an adapter's read gives no tax (SYSPRO without SORQOD, whose SORQRY has no tax element) ``tax`` is
``None`` and the net must still be exact.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from contract_support import credit_note, order_request
from harness import ErpHarness

from shopbridge.domain.money import Money
from shopbridge.ports.erp import Capability, ErpPort, ErpReconcileReads


def _reads(erp: ErpPort) -> ErpReconcileReads:
    assert isinstance(erp, ErpReconcileReads), f"{erp.vendor} must read orders and credit notes back"
    return erp


def _gbp(text: str) -> Money:
    return Money(Decimal(text), "GBP")


def test_every_adapter_reads_orders_and_credit_notes_back(erp: ErpPort) -> None:
    _reads(erp)


def test_orders_held_gives_each_live_order_with_its_whole_totals(erp: ErpPort, account: str) -> None:
    reads = _reads(erp)
    # TSHIRT-RED-M x2 and MUG-WHITE x1 at the standard prices, 20% VAT; 5.00 shipping + 1.00 VAT
    request = replace(order_request("#R2001", account), shipping=_gbp("5.00"), shipping_tax=_gbp("1.00"))
    posted = erp.create_sales_order(request)
    erp.create_sales_order(order_request("#R2002", account, ("MUG-WHITE", 3)))
    held = reads.orders_held(["#R2001", "#R2002", "#R-NEVER-POSTED"])
    assert sorted(held) == ["#R2001", "#R2002"]
    (first,) = held["#R2001"]
    goods = sum((ln.unit_price.amount * ln.quantity for ln in request.lines), Decimal(0))
    goods_tax = sum((ln.tax.amount for ln in request.lines), Decimal(0))
    assert first.reference == "#R2001" and first.number in (posted.number, posted.erp_id)
    assert first.net == _gbp(str(goods + Decimal("5.00")))
    # Prima without a carriage product keeps shipping as a charge, which carries no tax in Prima
    shipping_tax = Decimal(0) if erp.vendor == "prima" else Decimal("1.00")
    assert first.tax is None or first.tax == _gbp(str(goods_tax + shipping_tax))
    assert held["#R2002"][0].net == _gbp("24.00") and held["#R2002"][0].tax in (None, _gbp("4.80"))
    assert sorted((ln.sku, ln.quantity) for ln in first.goods) == [("MUG-WHITE", 1), ("TSHIRT-RED-M", 2)]
    assert [ln.quantity for ln in held["#R2002"][0].goods] == [3]


def test_a_cancelled_order_is_not_held(erp: ErpPort, account: str) -> None:
    if Capability.CANCEL_SALES_ORDER not in erp.capabilities:
        pytest.skip(f"{erp.vendor} cannot cancel orders")
    reads = _reads(erp)
    erp.create_sales_order(order_request("#R2003", account))
    erp.cancel_sales_order("#R2003", "customer changed their mind")
    assert reads.orders_held(["#R2003"]) == {}


def test_credit_notes_held_gives_each_refunds_note_with_its_value(
    erp: ErpPort, harness: ErpHarness, account: str
) -> None:
    if not {Capability.CREDIT_NOTE, Capability.RETURN_ORDER} & erp.capabilities:
        pytest.skip(f"{erp.vendor} posts no credit notes")
    reads = _reads(erp)
    erp.create_sales_order(order_request("#R2004", account))
    harness.dispatch("#R2004", carrier="DPD", tracking="R-TRACK-1")
    posted = erp.create_credit_note(credit_note("gid://shopify/Refund/9301", "#R2004"))  # 8.00 + 1.60
    held = reads.credit_notes_held(
        [("gid://shopify/Refund/9301", "#R2004"), ("gid://shopify/Refund/9399", "#R2004")]
    )
    assert list(held) == ["gid://shopify/Refund/9301"]
    note = held["gid://shopify/Refund/9301"]
    assert note.number in (posted.number, posted.erp_id)
    assert note.net == _gbp("8.00")
    assert note.tax is None or note.total == _gbp("9.60")
