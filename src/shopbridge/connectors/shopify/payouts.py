"""The Shopify Payments side of the Shopify port: payouts and the balance transactions behind each.

``shopifyPaymentsAccount.payouts`` gives each payout's ``net`` as a positive amount with a
``transactionType`` (DEPOSIT into the bank, WITHDRAWAL from it); the canonical :class:`Payout`
carries it signed, so a refund-heavy day is a negative payout. Balance transactions are filtered by
payout in the search query, and every row is checked against ``associatedPayout`` as well: that the
filter narrows by payout is not confirmed by Shopify's documentation, so it is a saving, never the
truth.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from shopbridge.connectors.shopify.pagination import Executor, iterate_connection
from shopbridge.connectors.shopify.translate import gid, numeric_id, parse_time
from shopbridge.domain.money import Money
from shopbridge.domain.records import BalanceTransaction, Payout
from shopbridge.errors import BadInput

__all__ = ["fetch_payout_transactions", "fetch_payouts", "payout_from_graphql", "transaction_from_graphql"]

_ACCOUNT = ("shopifyPaymentsAccount",)
PAGE = 100


def fetch_payouts(client: Executor, issued_since: date | None) -> list[Payout]:
    """Payouts issued on or after ``issued_since`` (every payout when ``None``), oldest first."""
    query = f"issued_at:>={issued_since.isoformat()}" if issued_since else None
    nodes = iterate_connection(client, "payouts", {"query": query}, (*_ACCOUNT, "payouts"), page_size=PAGE)
    return sorted((payout_from_graphql(node) for node in nodes), key=lambda p: (p.issued_at, p.shopify_id))


def fetch_payout_transactions(client: Executor, payout_id: str) -> list[BalanceTransaction]:
    """Every balance transaction settled by the payout (its own TRANSFER row included)."""
    wanted = gid("ShopifyPaymentsPayout", payout_id)
    variables = {"query": f"payments_transfer_id:{numeric_id(payout_id)}"}
    path = (*_ACCOUNT, "balanceTransactions")
    nodes = iterate_connection(client, "balance_transactions", variables, path, page_size=PAGE)
    return [
        transaction_from_graphql(node)
        for node in nodes
        if str((node.get("associatedPayout") or {}).get("id") or "") == wanted
    ]


def payout_from_graphql(node: Mapping[str, Any]) -> Payout:
    net = _money(node.get("net"), "net")
    if str(node.get("transactionType") or "DEPOSIT").upper() == "WITHDRAWAL":
        net = -net
    issued = parse_time(node.get("issuedAt"))
    if issued is None:
        raise BadInput(f"payout {node.get('id')} has no issuedAt")
    return Payout(shopify_id=str(node["id"]), issued_at=issued, status=str(node.get("status") or ""), net=net)


def transaction_from_graphql(node: Mapping[str, Any]) -> BalanceTransaction:
    processed = parse_time(node.get("transactionDate"))
    if processed is None:
        raise BadInput(f"balance transaction {node.get('id')} has no transactionDate")
    order = node.get("associatedOrder") or {}
    return BalanceTransaction(
        shopify_id=str(node["id"]),
        type=str(node.get("type") or ""),
        amount=_money(node.get("amount"), "amount"),
        fee=_money(node.get("fee"), "fee"),
        net=_money(node.get("net"), "net"),
        processed_at=processed,
        source_order_id=str(order.get("id") or ""),
        source_order_name=str(order.get("name") or ""),
        adjustment_reason=str(node.get("adjustmentReason") or ""),
    )


def _money(value: Any, name: str) -> Money:
    if not isinstance(value, Mapping) or value.get("amount") is None or not value.get("currencyCode"):
        raise BadInput(f"Shopify Payments answer without a {name} MoneyV2: {value!r}")
    return Money.of(str(value["amount"]), str(value["currencyCode"]))
