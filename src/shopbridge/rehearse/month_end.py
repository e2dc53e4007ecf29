"""Month end: many refunds and chargebacks of the peak's posted orders, and the payout carrying them.

Made in the Shopify sandbox as a merchant and Shopify Payments do (a refund of one unit, a dispute
withdrawal with its fee), then settled into one payout; the refunds sweep behind the webhooks and
the payouts sweep of the demo's day bring them in. The checks are the demo's: every refund credited
exactly once, every payout posted and balanced.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from shopbridge.demo.refunds_day import RefundsDay
from shopbridge.rehearse.stack import RehearsalStack
from shopbridge.sandbox.shopify import order_figures as fig
from shopbridge.sandbox.shopify import scenario_actions as act
from shopbridge.sandbox.shopify.payouts_model import (
    FeePlan,
    issue_payout,
    record_balance_transaction,
    record_order_payments,
)

__all__ = ["month_end"]

DISPUTE_FEE = Decimal("15.00")


def month_end(
    stack: RehearsalStack,
    refunds: RefundsDay,
    peak_names: list[str],
    *,
    count: int,
    chargebacks: int,
    seed: int,
) -> dict[str, Any]:
    assert stack.shopify is not None
    state = stack.shopify.state
    posted = {o.reference for o in stack.erp.orders() if not o.cancelled}
    with state.lock:
        by_name = {str(o["name"]): o for o in state.orders.values()}
    candidates = [
        by_name[n] for n in peak_names if n in posted and n in by_name and not by_name[n]["cancelled_at"]
    ]
    rng = random.Random(seed)
    disputed = candidates[:chargebacks]  # first, so a small run has chargebacks as well as refunds
    refunded = candidates[chargebacks : chargebacks + count]
    for order in refunded:
        act.refund_partial(state, rng, order)
    with state.lock:
        for order in refunded + disputed:
            record_order_payments(state, order, FeePlan())
        for order in disputed:
            amount = -fig.received(order).shop
            record_balance_transaction(
                state,
                "DISPUTE_WITHDRAWAL",
                amount,
                DISPUTE_FEE,
                state.currency,
                source_type="DISPUTE",
                order=order,
            )
        payout = issue_payout(state, state.currency)
    stack.emitter().flush(timeout=120)
    refunds.sweep()
    return {
        "refunded": [str(o["name"]) for o in refunded],
        "charged_back": [str(o["name"]) for o in disputed],
        "payout": payout["id"] if payout else "",
    }
