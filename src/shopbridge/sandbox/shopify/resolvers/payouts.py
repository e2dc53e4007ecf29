"""``shopifyPaymentsAccount { payouts balanceTransactions }`` and the access-denied mode.

Field names follow the 2026-07 SDL: the summary's refund gross is ``refundsFeeGross`` and the
advance fee is ``advanceFees`` (sic).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from graphql import GraphQLError

from ..connection import connection
from ..order_views import money_v2
from ..ordermath import Bag
from ..registry import ResolveInfo, query
from ..state import ShopState, numeric_id
from .common import matches

REQUIRED = "the `read_shopify_payments` or the `read_shopify_payments_accounts` access scope."
_SUMMARY_NAMES = {
    "chargesGross": "chargesGross",
    "chargesFee": "chargesFee",
    "refundsFeeGross": "refundsGross",
    "refundsFee": "refundsFee",
    "adjustmentsGross": "adjustmentsGross",
    "adjustmentsFee": "adjustmentsFee",
    "reservedFundsGross": "reservedFundsGross",
    "reservedFundsFee": "reservedFundsFee",
    "retriedPayoutsGross": "retriedPayoutsGross",
    "retriedPayoutsFee": "retriedPayoutsFee",
    "advanceGross": "advanceGross",
    "advanceFees": "advanceFee",
}


def _money(amount: Decimal, currency: str) -> dict[str, str]:
    return money_v2(Bag.single(amount, currency))


def access_denied() -> GraphQLError:
    return GraphQLError(
        f"Access denied for shopifyPaymentsAccount field. Required access: {REQUIRED}",
        extensions={
            "code": "ACCESS_DENIED",
            "documentation": "https://shopify.dev/api/usage/access-scopes",
            "requiredAccess": REQUIRED,
        },
    )


@query("shopifyPaymentsAccount")
def resolve_account(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> Any:
    if state.payments_access_denied:
        raise access_denied()
    with state.lock:
        payouts = sorted(state.payouts.values(), key=lambda p: numeric_id(p["id"]))
        balance = sorted(state.balance_transactions.values(), key=lambda b: numeric_id(b["id"]))
    return {
        "id": state.payments_account_id,
        "activated": True,
        "country": "GB" if state.currency == "GBP" else "US",
        "defaultCurrency": state.currency,
        "onboardable": False,
        "balance": [_money(_unsettled(balance, state.currency), state.currency)],
        "payouts": lambda **a: _payouts(payouts, **a),
        "balanceTransactions": lambda hideTransfers=False, **a: _balance(balance, hideTransfers, **a),
        "disputes": lambda **a: connection([], **{k: v for k, v in a.items() if k != "query"}),
    }


def _unsettled(balance: list[dict[str, Any]], currency: str) -> Decimal:
    return sum(
        (b["net"] for b in balance if b["payout_id"] is None and b["currency"] == currency), Decimal(0)
    )


# Search fields (Shopify's search syntax, the part a reconciliation needs).
_PAYOUT_SEARCH: dict[str, Callable[[dict[str, Any]], Any]] = {
    "id": lambda p: numeric_id(p["id"]),
    "issued_at": lambda p: p["issued_at"],
    "date": lambda p: p["issued_at"][:10],
    "status": lambda p: p["status"].lower(),
}
_BALANCE_SEARCH: dict[str, Callable[[dict[str, Any]], Any]] = {
    "id": lambda b: numeric_id(b["id"]),
    "payments_transfer_id": lambda b: numeric_id(b["payout_id"]) if b["payout_id"] else None,
    "payout_id": lambda b: numeric_id(b["payout_id"]) if b["payout_id"] else None,
    "processed_at": lambda b: b["transaction_date"],
    "transaction_type": lambda b: b["type"].lower(),
    "currency": lambda b: b["currency"].lower(),
}
_WINDOW = ("first", "after", "last", "before", "reverse")


def _payouts(
    payouts: list[dict[str, Any]], transactionType: str | None = None, query: str | None = None, **args: Any
) -> dict[str, Any]:
    chosen = [
        p
        for p in payouts
        if (transactionType is None or p["transaction_type"] == transactionType)
        and matches(p, query, _PAYOUT_SEARCH, lambda p: p["id"])
    ]
    return connection(chosen, node=payout_view, **{k: v for k, v in args.items() if k in _WINDOW})


def _balance(
    balance: list[dict[str, Any]], hide_transfers: bool, query: str | None = None, **args: Any
) -> dict[str, Any]:
    chosen = [
        b
        for b in balance
        if not (hide_transfers and b["type"] == "TRANSFER")
        and matches(b, query, _BALANCE_SEARCH, lambda b: b["id"])
    ]
    return connection(chosen, node=balance_view, **{k: v for k, v in args.items() if k in _WINDOW})


def payout_view(payout: dict[str, Any]) -> dict[str, Any]:
    currency = payout["currency"]
    summary = {name: _money(payout["summary"][key], currency) for name, key in _SUMMARY_NAMES.items()}
    summary["usdcRebateCreditAmount"] = _money(Decimal(0), currency)
    return {
        "__typename": "ShopifyPaymentsPayout",
        "id": payout["id"],
        "legacyResourceId": str(numeric_id(payout["id"])),
        "issuedAt": payout["issued_at"],
        "status": payout["status"],
        "transactionType": payout["transaction_type"],
        "net": _money(payout["net"], currency),
        "gross": _money(payout["summary"]["chargesGross"], currency),
        "summary": summary,
        "externalTraceId": None,
    }


def balance_view(b: dict[str, Any]) -> dict[str, Any]:
    currency = b["currency"]
    order = {"id": b["order_id"], "name": b["order_name"]} if b["order_id"] else None
    payout = {"id": b["payout_id"], "status": "PAID" if b["payout_id"] else None}
    return {
        "__typename": "ShopifyPaymentsBalanceTransaction",
        "id": b["id"],
        "type": b["type"],
        "test": b["test"],
        "transactionDate": b["transaction_date"],
        "amount": _money(b["amount"], currency),
        "fee": _money(b["fee"], currency),
        "net": _money(b["net"], currency),
        "sourceType": b["source_type"],
        "sourceId": b["source_id"],
        "sourceOrderTransactionId": b["source_order_transaction_id"],
        "adjustmentReason": b["adjustment_reason"],
        "adjustmentsOrders": [],
        "associatedOrder": order,
        "associatedPayout": payout,
    }
