"""Shopify Payments over GraphQL: payouts, balance transactions, unusual types, access denied."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from test_orders_harness import Shop, load_capture, running_shop

from shopbridge.sandbox.shopify.scenario import run_day

ACCOUNT = """{ shopifyPaymentsAccount {
  payouts(first: 10) { nodes { id issuedAt status transactionType net { amount currencyCode }
    summary { chargesGross { amount } chargesFee { amount } refundsFeeGross { amount }
      refundsFee { amount } adjustmentsGross { amount } adjustmentsFee { amount }
      reservedFundsGross { amount } reservedFundsFee { amount } retriedPayoutsGross { amount }
      retriedPayoutsFee { amount } advanceGross { amount } advanceFees { amount } } } }
  balanceTransactions(first: 250, hideTransfers: true) { nodes {
    id type transactionDate amount { amount } fee { amount } net { amount } sourceType
    sourceOrderTransactionId adjustmentReason associatedOrder { id name } associatedPayout { id } } } } }"""


@pytest.fixture
def shop() -> Iterator[Shop]:
    yield from running_shop()


def _dec(money: dict[str, str]) -> Decimal:
    return Decimal(money["amount"])


def test_payouts_and_balance_transactions_read_back_and_add_up(shop: Shop) -> None:
    run_day(shop.state, seed=9, orders=25)
    account = shop.data(ACCOUNT)["shopifyPaymentsAccount"]
    (payout,) = account["payouts"]["nodes"]
    rows = [b for b in account["balanceTransactions"]["nodes"] if b["associatedPayout"]["id"] == payout["id"]]
    assert sum(_dec(b["net"]) for b in rows) == _dec(payout["net"])
    summary = payout["summary"]
    gross = sum(_dec(summary[k]) for k in ("chargesGross", "refundsFeeGross", "adjustmentsGross"))
    fees = sum(_dec(summary[k]) for k in ("chargesFee", "refundsFee", "adjustmentsFee"))
    assert gross - fees == _dec(payout["net"])
    assert payout["transactionType"] == "DEPOSIT"
    charges = [b for b in rows if b["type"] == "CHARGE"]
    assert all(b["associatedOrder"] and b["sourceOrderTransactionId"] for b in charges)
    assert {"CHARGE", "ADJUSTMENT"} <= {b["type"] for b in rows}
    number = payout["id"].rsplit("/", 1)[-1]
    query = """query($q: String) { shopifyPaymentsAccount { balanceTransactions(first: 250, query: $q) {
      nodes { id type } } } }"""
    found = shop.data(query, {"q": f"payments_transfer_id:{number} transaction_type:charge"})
    nodes = found["shopifyPaymentsAccount"]["balanceTransactions"]["nodes"]
    assert sorted(n["id"] for n in nodes) == sorted(b["id"] for b in charges)


def test_a_dispute_withdrawal_appears_as_its_own_type(shop: Shop) -> None:
    seeds = [s for s in range(1, 12) if _has_dispute(s)]
    assert seeds, "some seed in 1..11 must draw a dispute"
    run_day(shop.state, seed=seeds[0], orders=15)
    rows = shop.data(ACCOUNT)["shopifyPaymentsAccount"]["balanceTransactions"]["nodes"]
    dispute = next(b for b in rows if b["type"] == "DISPUTE_WITHDRAWAL")
    assert _dec(dispute["amount"]) < 0 and dispute["sourceType"] == "DISPUTE" and dispute["associatedOrder"]


def _has_dispute(seed: int) -> bool:
    from shopbridge.sandbox.shopify.state import ShopState

    state = ShopState()
    run_day(state, seed=seed, orders=15)
    return any(b["type"] == "DISPUTE_WITHDRAWAL" for b in state.balance_transactions.values())


def test_without_the_payments_scope_the_account_is_access_denied_like_shopify(shop: Shop) -> None:
    recorded = load_capture("payments/shopify-payments-account-access-denied.json")
    shop.state.payments_access_denied = True
    body = shop.graphql(recorded["request"]["query"])
    assert body["data"] == recorded["data"]
    error = body["errors"][0]
    expected = recorded["errors"][0]
    assert (error["message"], error["extensions"], error["path"]) == (
        expected["message"],
        expected["extensions"],
        expected["path"],
    )
