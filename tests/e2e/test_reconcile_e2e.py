"""Issue 12's planted-discrepancy acceptance, end to end: a trading day in the Shopify sandbox posted to
the ERP by the real flows (orders over webhooks, a refund's credit note, a payout), then the daily
reconciliation through shopbridge's own ports. A clean day passes every checkpoint; then six
discrepancies are planted as they happen in real life and the reconciliation finds each of them, and
nothing else:

- an order deleted in the ERP (Tryton keeps a processed sale: a clerk re-references it instead);
- a credit note whose amount is wrong in the ERP (Sage 200: changed on the posted transaction;
  Tryton refuses any change to a posted invoice, so a clerk keys the refund's credit note by hand,
  for a pound less, before shopbridge gets to it, and shopbridge finds it already there);
- a payout with an unknown transaction type (posted, with a line on suspense);
- a tax code mapped to the wrong rate (``[lookups.tax_codes]`` sends 12.5% VAT to Sage's 20% code;
  Tryton has no such mapping to get wrong: it picks its tax by the rate Shopify charged, so this
  plant is Sage 200's only);
- a despatch in the ERP that has no fulfilment in Shopify;
- a stock level changed by hand in Shopify (found by the stock audit);
- an order keyed into the ERP a second time by hand (a duplicate).

Runs against the Sage 200 sandbox and real Tryton (SYSPRO's and Prima's reads are held to the same
contract in ``tests/contract/test_contract_reconcile.py``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from e2e_stack import SHOP, Erp, Shopify, Stack, start_shopify, vendor_params
from test_payout_flow_e2e import ACCOUNTS, add_suspense_code
from test_payout_flow_e2e import sweep as sweep_payouts
from test_refund_flow_e2e import place, refund

from shopbridge.domain.money import Money
from shopbridge.engine import reconcile_reports, snapshots
from shopbridge.engine.uow import StoreUnitOfWork
from shopbridge.flows import refund_to_credit_note as refund_flow
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


@pytest.fixture
def shopify() -> Iterator[Shopify]:
    """A Shopify sandbox of this test's own: the reconciliation reads the whole day, so a day another
    ERP's run traded in would be in it."""
    server = start_shopify()
    shop = Shopify(server)
    try:
        yield shop
    finally:
        shop.close()
        server.stop()


def _stack(make_stack: Any, erp: Erp, shopify: Shopify) -> Stack:
    add_suspense_code(erp)
    wrong_rate = WRONG_RATE if erp.vendor == "sage200" else ""
    stack: Stack = make_stack(erp.port, refunds=True, shop_extra=ACCOUNTS, flows_extra=wrong_rate)
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


def _delete_order(erp: Erp, name: str) -> None:
    if erp.vendor == "sage200":
        box = erp.harness._box()
        with box.state.lock:
            (gone,) = box.state.find("sop_orders", customer_document_no=name)
            del box.state.tables.table("sop_orders")[gone["id"]]
        return
    (sale,) = erp.harness._call("sale.sale", "search", [("reference", "=", name)], 0, None, None)
    erp.harness._call("sale.sale", "write", [sale], {"reference": f"{name}-KEYED-WRONG"})


def _duplicate_order(erp: Erp, name: str) -> None:
    """A clerk keys the Shopify order into the ERP again by hand."""
    if erp.vendor == "sage200":
        box = erp.harness._box()
        with box.state.lock:
            (first,) = box.state.find("sop_orders", customer_document_no=name)
            copy = {k: v for k, v in first.items() if k not in ("id", "document_no")}
            box.state.insert("sop_orders", {**copy, "document_no": f"{first['document_no']}-2"})
        return
    (sale,) = erp.harness._call("sale.sale", "search", [("reference", "=", name)], 0, None, None)
    (copied,) = erp.harness._call("sale.sale", "copy", [sale], {"reference": name})
    erp.harness._call("sale.sale", "quote", [copied])
    erp.harness._call("sale.sale", "confirm", [copied])


def _wrong_credit_note(
    erp: Erp, stack: Stack, shopify: Shopify, refunded: dict[str, Any], order: dict[str, Any]
) -> str:
    """A credit note for less than Shopify refunded; returns the refund it belongs to."""
    if erp.vendor == "sage200":
        box = erp.harness._box()
        with box.state.lock:
            (note,) = box.state.find("sales_posted_transactions", trader_transaction_type="Credit Note")
            note["document_gross_value"] = float(Decimal(str(note["document_gross_value"])) - Decimal("1"))
        return str(refunded["id"])
    # Tryton posts for good: the clerk keys the refund's note by hand first, a pound (net) short
    with stack.workers_paused():  # first for sure: shopbridge's refund job waits in the queue
        made = refund(shopify, order, [("TEE-L", 1)])  # the order's other unit
        ctx = stack.services.flow_context(SHOP)
        (mine,) = [r for r in ctx.shopify.order_refunds(order["id"]) if r.shopify_id == made["id"]]
        keyed = refund_flow._mapped(mine, ctx).note  # what shopbridge would post ...
        line, pound, vat = (
            keyed.lines[0],
            Money(Decimal("1"), keyed.currency),
            Money(Decimal("0.20"), keyed.currency),
        )
        short = replace(line, net=line.net - pound, tax=line.tax - vat)  # a pound short, and its VAT
        erp.port.create_credit_note(replace(keyed, lines=(short, *keyed.lines[1:])))  # ... a pound short
    stack.settle()
    return str(made["id"])


@pytest.mark.parametrize("erp", vendor_params("sage200", "tryton"), indirect=True)
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
    _delete_order(erp, orders[2]["name"])
    wrong_refund = _wrong_credit_note(erp, stack, shopify, refunded, orders[0])
    _duplicate_order(erp, orders[0]["name"])
    wrong = shopify.place(  # 12.5% VAT, posted with Sage's 20% code by the planted mapping
        [("TEE-S", 1)],
        tax={"title": "VAT", "rate": "0.125" if erp.vendor == "sage200" else "0.2"},
        taxes_included=True,
        location_id=shopify.location_id(),
    )
    stack.settle()
    if erp.vendor == "tryton":  # Tryton's warehouse holds too few mugs to despatch three
        erp.harness.set_stock("MUG-01", "WH", Decimal(50))
    erp.harness.dispatch(orders[1]["name"], carrier="DPD", tracking="T-PLANT")  # no fulfilment follows
    payout = _pay_out(shopify, [wrong], unknown=True)
    sweep_payouts(stack)
    sku = _plant_stock_drift(stack, shopify)
    _audit_stock(stack)

    planted = _reconcile(stack)
    found = {name: sorted(mismatches) for name, mismatches in _found(planted).items()}
    (despatched,) = found.pop("fulfilments")
    assert despatched[0].startswith("dispatch:") and despatched[1] == "missing"
    sage = erp.vendor == "sage200"
    orders_found = [(f"order:{orders[0]['name']}", "duplicated"), (f"order:{orders[2]['name']}", "missing")]
    assert found == {
        "orders": sorted(orders_found + ([(f"order:{wrong['name']}", "different")] if sage else [])),
        "refunds": [(f"refund:{wrong_refund}", "different")],
        "payouts": [(f"payout:{payout['id']}:suspense", "suspense")],
        "tax": [("tax:GB:0.125", "different"), ("tax:GB:0.2", "different")] if sage else [],
        "stock": [("stock:audit", "drift")],
    }, (sku, found)

    # Each is a problem for its team; found again tomorrow, the same problem counts up.
    kinds = sorted(
        (p.kind.value, p.team.value) for p in stack.problems() if p.entity_type == "reconciliation"
    )
    ledger = 4 if sage else 3
    taxes = [("tax_mismatch", "finance")] * 2 if sage else []
    assert kinds == [
        ("dispatch_unmatched", "operations"),
        *[("ledger_mismatch", "finance")] * ledger,
        ("payout_mismatch", "finance"),
        *taxes,
    ]
    _reconcile(stack)
    again = [p for p in stack.problems() if p.entity_type == "reconciliation"]
    assert len(again) == len(kinds) and {p.count for p in again} == {2}

    with stack.services.store.begin() as conn:
        kept = reconcile_reports.find_report(conn, SHOP, planted["day"])
    assert kept is not None and not kept.passed
    failing = {name for name, result in planted["checkpoints"].items() if result["mismatches"]}
    assert kept.verdicts == {name: "fail" if name in failing else "pass" for name in planted["checkpoints"]}
    with StoreUnitOfWork(stack.services.store, stack.services.clock).begin() as tx:
        trend = tx.reconcile_trend(SHOP, 10)
        assert [(d.day, d.passed) for d in trend] == [(planted["day"], False)]  # re-run: replaced
