"""Shopify Payments money movements: balance transactions and the payouts that settle them.

Every successful charge (SALE or CAPTURE through ``shopify_payments``) becomes a CHARGE balance
transaction with a processing fee; every refund a REFUND (Shopify keeps the original fee, so the
refund's fee is zero); adjustments and disputes are recorded by whoever causes them (the
scenario). :func:`issue_payout` settles every unsettled balance transaction into one payout whose
net is the sum of their nets: charges - fees - refunds +/- adjustments. The payout itself shows
as a TRANSFER balance transaction, as it does in Shopify.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .ordermath import round_money
from .state import ShopState, numeric_id

ZERO = Decimal(0)
GATEWAY = "shopify_payments"
# Summary buckets (ShopifyPaymentsPayoutSummary): which type's gross and fee go where.
_BUCKETS = {"CHARGE": "charges", "REFUND": "refunds", "RESERVED_FUNDS": "reservedFunds", "ADVANCE": "advance"}


@dataclass(frozen=True)
class FeePlan:
    """Processing fee per charge: ``rate`` x amount + ``fixed``, rounded half-up per charge."""

    rate: Decimal = Decimal("0.015")
    fixed: Decimal = Decimal("0.25")

    def fee(self, amount: Decimal, currency: str) -> Decimal:
        return round_money(amount * self.rate + self.fixed, currency)


def record_balance_transaction(
    state: ShopState,
    kind: str,
    amount: Decimal,
    fee: Decimal,
    currency: str,
    *,
    source_type: str,
    order: dict[str, Any] | None = None,
    order_transaction_id: str | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """Store one balance transaction (call under the state lock)."""
    gid = state.new_gid("ShopifyPaymentsBalanceTransaction")
    record = {
        "id": gid,
        "type": kind,
        "transaction_date": state.now_iso(),
        "amount": amount,
        "fee": fee,
        "net": amount - fee,
        "currency": currency,
        "source_type": source_type,
        "source_id": numeric_id(order_transaction_id) if order_transaction_id else numeric_id(gid),
        "source_order_transaction_id": numeric_id(order_transaction_id) if order_transaction_id else None,
        "adjustment_reason": reason,
        "order_id": order["id"] if order else None,
        "order_name": order["name"] if order else None,
        "payout_id": None,
        "test": False,
    }
    state.balance_transactions[gid] = record
    return record


def record_order_payments(state: ShopState, order: dict[str, Any], fees: FeePlan) -> list[dict[str, Any]]:
    """Balance transactions for the order's Shopify Payments charges and refunds not yet recorded."""
    return record_orders_payments(state, [order], fees)


def record_orders_payments(
    state: ShopState, orders: list[dict[str, Any]], fees: FeePlan
) -> list[dict[str, Any]]:
    """``record_order_payments`` for many orders, looking at the recorded transactions once (a day
    of 50,000 orders recorded one by one scanned every earlier one for each)."""
    seen = {b["source_order_transaction_id"] for b in state.balance_transactions.values()}
    recorded = []
    for order in orders:
        for tx in order["transactions"]:
            if tx["gateway"] != GATEWAY or tx["status"] != "SUCCESS" or numeric_id(tx["id"]) in seen:
                continue
            amount = tx["amount"].shop
            if tx["kind"] in ("SALE", "CAPTURE"):
                fee = fees.fee(amount, order["currency"])
                recorded.append(_for_order(state, order, tx, "CHARGE", amount, fee))
            elif tx["kind"] == "REFUND":
                recorded.append(_for_order(state, order, tx, "REFUND", -amount, ZERO))
    return recorded


def _for_order(
    state: ShopState, order: dict[str, Any], tx: dict[str, Any], kind: str, amount: Decimal, fee: Decimal
) -> dict[str, Any]:
    return record_balance_transaction(
        state,
        kind,
        amount,
        fee,
        order["currency"],
        source_type=kind,
        order=order,
        order_transaction_id=tx["id"],
    )


def issue_payout(state: ShopState, currency: str, *, status: str = "PAID") -> dict[str, Any] | None:
    """Settle every unsettled balance transaction in ``currency`` into one payout (None if none)."""
    pending = [
        b
        for b in state.balance_transactions.values()
        if b["payout_id"] is None and b["currency"] == currency and b["type"] != "TRANSFER"
    ]
    if not pending:
        return None
    gid = state.new_gid("ShopifyPaymentsPayout")
    net = sum((b["net"] for b in pending), ZERO)
    payout = {
        "id": gid,
        "issued_at": state.now_iso(),
        "status": status,
        "transaction_type": "DEPOSIT" if net >= 0 else "WITHDRAWAL",
        "currency": currency,
        "net": abs(net),
        "signed_net": net,
        "summary": summarise(pending),
    }
    state.payouts[gid] = payout
    for b in pending:
        b["payout_id"] = gid
    transfer = record_balance_transaction(state, "TRANSFER", -net, ZERO, currency, source_type="TRANSFER")
    transfer["payout_id"] = gid
    return payout


def summarise(transactions: list[dict[str, Any]]) -> dict[str, Decimal]:
    """ShopifyPaymentsPayoutSummary: gross and fee per bucket; unknown types count as adjustments."""
    buckets = ("charges", "refunds", "adjustments", "reservedFunds", "retriedPayouts", "advance")
    summary = {f"{bucket}{part}": ZERO for bucket in buckets for part in ("Gross", "Fee")}
    for b in transactions:
        bucket = _BUCKETS.get(b["type"], "adjustments")
        summary[f"{bucket}Gross"] += b["amount"]
        summary[f"{bucket}Fee"] += b["fee"]
    return summary


def fail_payout(state: ShopState, payout_id: str) -> dict[str, Any]:
    """The bank refused the deposit: the payout is FAILED and its net returns to the balance as a
    TRANSFER_FAILURE balance transaction (Shopify's ``transfer_failure`` type), to be paid out again."""
    with state.lock:
        payout = state.payouts[payout_id]
        payout["status"] = "FAILED"
        returned = record_balance_transaction(
            state, "TRANSFER_FAILURE", payout["signed_net"], ZERO, payout["currency"], source_type="TRANSFER"
        )
        return returned
