"""Reading Shopify Payments: payouts carry a signed net, balance transactions are checked per payout."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from shopbridge.connectors.shopify.payouts import fetch_payout_transactions, fetch_payouts
from shopbridge.errors import BadInput

PAYOUT = "gid://shopify/ShopifyPaymentsPayout/7"


def money(amount: str) -> dict[str, str]:
    return {"amount": amount, "currencyCode": "GBP"}


def balance_row(n: int, payout: str | None, kind: str = "CHARGE") -> dict[str, Any]:
    return {
        "id": f"gid://shopify/ShopifyPaymentsBalanceTransaction/{n}",
        "type": kind,
        "transactionDate": "2026-12-04T10:00:00Z",
        "amount": money("10.00"),
        "fee": money("0.40"),
        "net": money("9.60"),
        "adjustmentReason": None,
        "associatedOrder": {"id": "gid://shopify/Order/1", "name": "#1001"},
        "associatedPayout": {"id": payout},
    }


class Recorded:
    """An executor answering one page per document and recording the variables it was sent."""

    def __init__(self, answers: Mapping[str, Any]) -> None:
        self.answers = answers
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def execute(
        self, name: str, variables: Mapping[str, Any] | None = None, *, key: str | None = None
    ) -> Any:
        self.sent.append((name, dict(variables or {})))
        return self.answers[name]


def account(field: str, nodes: list[dict[str, Any]]) -> dict[str, Any]:
    page = {"nodes": nodes, "pageInfo": {"hasNextPage": False, "endCursor": None}}
    return {"shopifyPaymentsAccount": {field: page}}


def payout_node(number: int, issued: str, kind: str, net: str) -> dict[str, Any]:
    return {
        "id": f"gid://shopify/ShopifyPaymentsPayout/{number}",
        "issuedAt": issued,
        "status": "PAID",
        "transactionType": kind,
        "net": money(net),
    }


def test_a_withdrawal_is_a_negative_payout_and_payouts_come_oldest_first() -> None:
    nodes = [
        payout_node(9, "2026-12-05T06:00:00Z", "WITHDRAWAL", "65.70"),
        payout_node(7, "2026-12-04T06:00:00Z", "DEPOSIT", "131.66"),
    ]
    client = Recorded({"payouts": account("payouts", nodes)})
    found = fetch_payouts(client, date(2026, 11, 4))
    assert [(p.shopify_id, p.net.amount) for p in found] == [
        (PAYOUT, Decimal("131.66")),
        ("gid://shopify/ShopifyPaymentsPayout/9", Decimal("-65.70")),
    ]
    assert client.sent[0][1]["query"] == "issued_at:>=2026-11-04"


def test_only_the_payouts_own_transactions_are_kept_whatever_the_filter_returned() -> None:
    rows = [
        balance_row(1, PAYOUT),
        balance_row(2, "gid://shopify/ShopifyPaymentsPayout/8"),
        balance_row(3, None),
    ]
    client = Recorded({"balance_transactions": account("balanceTransactions", rows)})
    found = fetch_payout_transactions(client, "7")
    assert [(t.shopify_id.rsplit("/", 1)[-1], t.source_order_name, t.net.amount) for t in found] == [
        ("1", "#1001", Decimal("9.60"))
    ]
    assert client.sent[0][1]["query"] == "payments_transfer_id:7"


def test_an_answer_without_money_is_bad_input() -> None:
    row = {**balance_row(1, PAYOUT), "net": None}
    client = Recorded({"balance_transactions": account("balanceTransactions", [row])})
    with pytest.raises(BadInput, match="net"):
        fetch_payout_transactions(client, PAYOUT)
