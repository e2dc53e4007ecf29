"""A failed payout, as Shopify shows it: status FAILED, and its net back in the balance as a
``TRANSFER_FAILURE`` balance transaction (a ``ShopifyPaymentsTransactionType``) awaiting the next payout."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from test_orders_harness import Shop, running_shop

from shopbridge.sandbox.shopify.payouts_model import fail_payout, issue_payout, record_balance_transaction

QUERY = """{ shopifyPaymentsAccount { balance { amount currencyCode }
  payouts(first: 10) { nodes { id status net { amount } transactionType } }
  balanceTransactions(first: 50) {
    nodes { type amount { amount } sourceType associatedPayout { id } } } } }"""


@pytest.fixture
def shop() -> Iterator[Shop]:
    yield from running_shop()


def test_a_failed_payout_returns_its_net_to_the_balance(shop: Shop) -> None:
    state = shop.state
    with state.lock:
        record_balance_transaction(
            state, "ADJUSTMENT", Decimal("40.00"), Decimal(0), "GBP", source_type="ADJUSTMENT"
        )
        payout = issue_payout(state, "GBP")
    assert payout is not None
    fail_payout(state, payout["id"])
    account = shop.data(QUERY)["shopifyPaymentsAccount"]
    (seen,) = account["payouts"]["nodes"]
    assert (seen["status"], seen["net"]["amount"], seen["transactionType"]) == ("FAILED", "40.0", "DEPOSIT")
    failure = [b for b in account["balanceTransactions"]["nodes"] if b["type"] == "TRANSFER_FAILURE"]
    assert [(b["amount"]["amount"], b["sourceType"], b["associatedPayout"]["id"]) for b in failure] == [
        ("40.0", "TRANSFER", None)
    ]
    assert account["balance"] == [{"amount": "40.0", "currencyCode": "GBP"}]
