"""Issue 12's planted-discrepancy acceptance, end to end: a trading day in the Shopify sandbox posted to
the ERP by the real flows (orders over webhooks, a refund's credit note, a payout), then the daily
reconciliation through shopbridge's own ports. A clean day passes every checkpoint; then six
discrepancies are planted as they happen in real life and the reconciliation finds each of them, and
nothing else:

- an order deleted in the ERP;
- a credit note whose amount was changed in the ERP;
- a payout with an unknown transaction type (posted, with a line on suspense);
- a tax code mapped to the wrong rate (``[lookups.tax_codes]`` sends 12.5% VAT to Sage's 20% code);
- a despatch in the ERP that has no fulfilment in Shopify;
- a stock level changed by hand in Shopify (found by the stock audit).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from e2e_stack import SHOP, Erp, Shopify, Stack, vendor_params
from test_payout_flow_e2e import ACCOUNTS, add_suspense_code
from test_payout_flow_e2e import sweep as sweep_payouts
from test_refund_flow_e2e import place, refund

from shopbridge.engine import reconcile_reports, snapshots
from shopbridge.engine.uow import StoreUnitOfWork
from shopbridge.flows.daily_reconciliation import reconcile_day
from shopbridge.flows.stock_audit import run_audit
from shopbridge.sandbox.shopify.inventory_model import adjust_quantity
from shopbridge.sandbox.shopify.payouts_model import (
    FeePlan,
    issue_payout,
    record_balance_transaction,
    record_order_payments,
)

WRONG_RATE = """
[lookups.tax_codes]
"0.125" = "1"
"""  # Sage's code 1 is 20%: the planted mapping error


def _stack(make_stack: Any, erp: Erp, shopify: Shopify) -> Stack:
    add_suspense_code(erp)
    stack: Stack = make_stack(erp.port, refunds=True, shop_extra=ACCOUNTS, flows_extra=WRONG_RATE)
    return stack


def _pay_out(shopify: Shopify, orders: list[dict[str, Any]], *, unknown: bool = False) -> dict[str, Any]:
    state = shopify.server.state
    with state.lock:
        for order in orders:
            record_order_payments(state, state.orders[order["id"]], FeePlan())
        if unknown:
            record_balance_transaction(
                state,
                "SHOPIFY_COLLECTIVE_DEBIT",
                Decimal("-4.00"),
                Decimal(0),
                "GBP",
                source_type="SYSTEM_ADJUSTMENT",
            )
        payout = issue_payout(state, "GBP")
    assert payout is not None
    return payout


def _audit_stock(stack: Stack) -> None:
    ctx = stack.services.flow_context(SHOP)
    run_audit(ctx.shopify, ctx.uow, SHOP, key=str(uuid.uuid4()))


def _reconcile(stack: Stack) -> dict[str, Any]:
    report = reconcile_day(stack.services.flow_context(SHOP), datetime.now(UTC).date())
    return report.as_dict()


def _found(report: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    return {
        name: [(m["key"], m["what"]) for m in result["mismatches"]]
        for name, result in report["checkpoints"].items()
    }


def _plant_stock_drift(stack: Stack, shopify: Shopify) -> str:
    """shopbridge pushed a level; a person then changes it by hand in Shopify's admin."""
    state = shopify.server.state
    with state.lock:
        (item, location), quantity = next(iter(state.inventory_levels.items()))
        level = dict(quantity)
        variant = state.variants[state.inventory_items[item]["variant_id"]]
        level["available"] = int(level["available"])
    with stack.services.store.begin() as conn:
        snapshots.record_pushed(
            conn,
            shop=SHOP,
            location_id=location,
            inventory_item_id=item,
            quantity=level["available"],
            sku=str(variant.get("sku") or ""),
            now=stack.services.clock.now(),
        )
    adjust_quantity(state, item, location, "available", -3)
    return str(variant.get("sku") or item)


@pytest.mark.parametrize("erp", vendor_params("sage200"), indirect=True)
def test_reconciliation_finds_every_planted_discrepancy_and_nothing_else(
    shopify: Shopify, erp: Erp, make_stack: Any
) -> None:
    stack = _stack(make_stack, erp, shopify)
    orders = [place(shopify, lines) for lines in ([("TEE-L", 2)], [("MUG-01", 3)], [("BOTTLE-01", 1)])]
    stack.settle()
    refunded = refund(shopify, orders[0], [("TEE-L", 1)])
    stack.settle()
    _pay_out(shopify, orders)
    sweep_payouts(stack)
    _audit_stock(stack)

    clean = _reconcile(stack)
    assert clean["passed"], _found(clean)
    assert {name: r["checked"] > 0 for name, r in clean["checkpoints"].items()} == {
        "orders": True,
        "refunds": True,
        "fulfilments": False,  # nothing despatched yet
        "payouts": True,
        "tax": True,
        "stock": True,
    }

    # -- the plants --------------------------------------------------------------------------------
    box = erp.harness._box()
    with box.state.lock:  # an order deleted in the ERP
        (gone,) = box.state.find("sop_orders", customer_document_no=orders[2]["name"])
        del box.state.tables.table("sop_orders")[gone["id"]]
        (note,) = box.state.find("sales_posted_transactions", trader_transaction_type="Credit Note")
        note["document_gross_value"] = float(Decimal(str(note["document_gross_value"])) - Decimal("1.00"))
    wrong = shopify.place(  # 12.5% VAT, posted with Sage's 20% code by the planted mapping
        [("TEE-S", 1)],
        tax={"title": "VAT", "rate": "0.125"},
        taxes_included=True,
        location_id=shopify.location_id(),
    )
    stack.settle()
    erp.harness.dispatch(orders[1]["name"], carrier="DPD", tracking="T-PLANT")  # no fulfilment follows
    payout = _pay_out(shopify, [wrong], unknown=True)
    sweep_payouts(stack)
    sku = _plant_stock_drift(stack, shopify)
    _audit_stock(stack)

    planted = _reconcile(stack)
    found = _found(planted)
    (despatched,) = found.pop("fulfilments")
    assert despatched[0].startswith("dispatch:") and despatched[1] == "missing"
    assert found == {
        "orders": [(f"order:{orders[2]['name']}", "missing"), (f"order:{wrong['name']}", "different")],
        "refunds": [(f"refund:{refunded['id']}", "different")],
        "payouts": [(f"payout:{payout['id']}:suspense", "suspense")],
        "tax": [("tax:GB:0.125", "different"), ("tax:GB:0.2", "different")],
        "stock": [("stock:audit", "drift")],
    }, (sku, found)

    # Each is a problem for its team; found again tomorrow, the same problem counts up.
    kinds = sorted(
        (p.kind.value, p.team.value) for p in stack.problems() if p.entity_type == "reconciliation"
    )
    assert kinds == [
        ("dispatch_unmatched", "operations"),
        ("ledger_mismatch", "finance"),
        ("ledger_mismatch", "finance"),
        ("ledger_mismatch", "finance"),
        ("payout_mismatch", "finance"),
        ("tax_mismatch", "finance"),
        ("tax_mismatch", "finance"),
    ]
    _reconcile(stack)
    again = [p for p in stack.problems() if p.entity_type == "reconciliation"]
    assert len(again) == 7 and {p.count for p in again} == {2}

    with stack.services.store.begin() as conn:
        kept = reconcile_reports.find_report(conn, SHOP, planted["day"])
    assert kept is not None and not kept.passed
    assert kept.verdicts == {name: "fail" for name in planted["checkpoints"]}
    with StoreUnitOfWork(stack.services.store, stack.services.clock).begin() as tx:
        trend = tx.reconcile_trend(SHOP, 10)
        assert [(d.day, d.passed) for d in trend] == [(planted["day"], False)]  # re-run: replaced
