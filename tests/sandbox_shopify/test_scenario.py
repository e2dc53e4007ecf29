"""The scenario driver: a reproducible trading day whose summary agrees with the shop state."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from test_orders_harness import Shop, running_shop

from shopbridge.sandbox.shopify import order_figures as fig
from shopbridge.sandbox.shopify.scenario import run_day
from shopbridge.sandbox.shopify.state import ShopState

DAY = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


@pytest.fixture
def shop() -> Iterator[Shop]:
    yield from running_shop()


def _fresh() -> ShopState:
    return ShopState(clock=lambda: DAY)


def test_the_same_seed_trades_the_same_day() -> None:
    first, second = run_day(_fresh(), seed=5, orders=25), run_day(_fresh(), seed=5, orders=25)
    assert first.as_dict() == second.as_dict()
    assert run_day(_fresh(), seed=6, orders=25).as_dict() != first.as_dict()


def test_the_summary_agrees_with_the_orders_in_the_state() -> None:
    state = _fresh()
    summary = run_day(state, seed=11, orders=40)
    orders = [state.orders[i] for i in summary.order_ids]
    assert summary.orders == len(orders) == 40
    assert summary.new_customers + summary.returning_customers == 40
    assert summary.cancelled == sum(1 for o in orders if o["cancelled_at"])
    assert summary.edited == sum(1 for o in orders if o["edited"])
    assert summary.fulfilled == sum(1 for o in orders if o["fulfillment_ids"])
    assert (
        summary.refunded_partially + summary.refunded_fully + summary.cancelled
        >= sum(1 for o in orders if o["refund_ids"])
        > 0
    )
    ordered = sum((fig.original_totals(o).total.shop for o in orders), Decimal(0))
    assert Decimal(summary.totals["GBP"]["ordered"]) == ordered
    # without a clock the day traded is the one before the state's now: all of it lies in the past
    assert all(o["created_at"].startswith("2026-03-01T") for o in orders)
    assert all(o["updated_at"] < "2026-03-02T06:00:00Z" for o in orders)
    assert all(p["issued_at"] < "2026-03-02T06:00:00Z" for p in state.payouts.values())


def test_a_given_clock_names_the_day_traded() -> None:
    state = ShopState()
    summary = run_day(state, seed=1, orders=5, clock=lambda: DAY)
    assert all(state.orders[i]["created_at"].startswith("2026-03-02T") for i in summary.order_ids)


def test_the_payout_nets_the_days_charges_less_fees_refunds_and_adjustments() -> None:
    state = _fresh()
    summary = run_day(state, seed=2, orders=30)
    (payout_id,) = summary.payout_ids
    settled = [
        b
        for b in state.balance_transactions.values()
        if b["payout_id"] == payout_id and b["type"] != "TRANSFER"
    ]
    by_type = {kind: [b for b in settled if b["type"] == kind] for kind in ("CHARGE", "REFUND")}
    charges = sum((b["amount"] for b in by_type["CHARGE"]), Decimal(0))
    fees = sum((b["fee"] for b in settled), Decimal(0))
    refunds = -sum((b["amount"] for b in by_type["REFUND"]), Decimal(0))
    others = sum((b["amount"] for b in settled if b["type"] not in ("CHARGE", "REFUND")), Decimal(0))
    payout = state.payouts[payout_id]
    assert payout["signed_net"] == charges - fees - refunds + others
    assert charges == Decimal(summary.totals["GBP"]["received"])
    assert refunds == Decimal(summary.totals["GBP"]["refunded"])
    assert any(b["type"] == "ADJUSTMENT" for b in settled)


def test_a_day_can_be_run_through_the_control_api(shop: Shop) -> None:
    response = shop.http.post("/_sandbox/scenario/day", json={"seed": 3, "orders": 8})
    assert response.status_code == 200
    summary = response.json()
    assert summary["orders"] == 8
    count = shop.data("{ orders(first: 50) { nodes { id } } }")["orders"]["nodes"]
    assert len(count) == 8


@pytest.mark.parametrize("seed", [1, 2, 3, 11])
def test_the_day_only_cancels_orders_it_has_not_fulfilled(seed: int) -> None:
    # Shopify refuses to cancel an order with outstanding fulfillments: every cancel the day
    # attempts must land, so the summary's count is the number of cancelled orders.
    state = _fresh()
    summary = run_day(state, seed=seed, orders=40)
    cancelled = [state.orders[i] for i in summary.order_ids if state.orders[i]["cancelled_at"]]
    assert summary.cancelled == len(cancelled) > 0
    assert all(state.orders[i]["fulfillment_ids"] == [] for i in (o["id"] for o in cancelled))
