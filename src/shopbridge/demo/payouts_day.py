"""The demo's payouts: a refund-heavy payout after the day's, the payouts sweep, and the check.

The trading day settles into one payout (charges, refunds, a shipping-label adjustment, sometimes a
chargeback). After it, customers send goods back: :func:`trade_payouts` refunds a few paid orders in
full and Shopify records a chargeback (with its fee) and an adjustment, so the next payout is a
withdrawal from the bank. :func:`payout_check` then compares the Shopify sandbox with the ERP
sandbox directly, never through shopbridge's store: each paid payout must be in the ERP once, and
the ERP's bank must have moved by exactly its net.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from shopbridge.demo.erp_base import DemoErp
from shopbridge.demo.erps import PrimaErp, SageErp, SysproErp
from shopbridge.domain.payouts import Category, category_of, is_transfer, payout_reference
from shopbridge.sandbox.shopify import order_figures as fig
from shopbridge.sandbox.shopify import scenario_actions as act
from shopbridge.sandbox.shopify.payouts_model import (
    FeePlan,
    issue_payout,
    record_balance_transaction,
    record_order_payments,
)
from shopbridge.sandbox.shopify.state import ShopState

__all__ = ["REFUNDS", "payout_check", "trade_payouts"]

REFUNDS = 3  # orders sent back in full after the day: more than the next payout's sales
BANK = "1200"  # the demo's [shops.accounts.GBP] bank code, in every ERP sandbox
ACCOUNTS = f"""
[shops.accounts.GBP]  # every payout category on the clearing account; fees on their own
bank = "{BANK}"
clearing = "1100"
fees = "7900"
"""


def trade_payouts(state: ShopState) -> dict[str, Any]:
    """Full refunds of a few paid orders, a chargeback and an adjustment, paid out together."""
    with state.lock:
        paid = [
            o
            for o in sorted(state.orders.values(), key=lambda o: int(str(o["id"]).rsplit("/", 1)[-1]))
            if not o["cancelled_at"] and fig.net_payment(o).shop > 0 and _card_paid(o)
        ]
    chosen = paid[: REFUNDS + 1]
    for order in chosen[:REFUNDS]:
        act.refund_full(state, order, restock=True)
    with state.lock:
        for order in chosen[:REFUNDS]:
            record_order_payments(state, order, FeePlan())
        if len(chosen) > REFUNDS:
            disputed = chosen[REFUNDS]
            amount = -fig.received(disputed).shop
            record_balance_transaction(
                state,
                "DISPUTE_WITHDRAWAL",
                amount,
                Decimal("15.00"),
                state.currency,
                source_type="DISPUTE",
                order=disputed,
            )
        record_balance_transaction(
            state,
            "ADJUSTMENT",
            Decimal("-2.40"),
            Decimal(0),
            state.currency,
            source_type="ADJUSTMENT",
            reason="shipping_label",
        )
        payout = issue_payout(state, state.currency)
    return {"refunded": [str(o["name"]) for o in chosen[:REFUNDS]], "payout": payout["id"] if payout else ""}


def _card_paid(order: dict[str, Any]) -> bool:
    return any(tx["gateway"] == "shopify_payments" for tx in order["transactions"])


def payout_check(state: ShopState, erp: DemoErp) -> dict[str, Any]:
    """Shopify's paid payouts against the ERP's bank: paid, posted, balanced, the net difference."""
    with state.lock:
        paid = [p for p in state.payouts.values() if p["status"] == "PAID"]
        rows = [b for b in state.balance_transactions.values() if b["payout_id"] in {p["id"] for p in paid}]
    moved = _bank_reader(erp)
    posted = balanced = 0
    difference = Decimal(0)
    for payout in paid:
        movement = moved(payout_reference(payout["id"]))
        posted += movement is not None
        balanced += movement == payout["signed_net"]
        difference += payout["signed_net"] - (movement or Decimal(0))
    unknown = sorted(
        {
            b["type"]
            for b in rows
            if not is_transfer(b["type"]) and category_of(b["type"]) is Category.SUSPENSE
        }
    )
    return {
        "paid": len(paid),
        "posted": posted,
        "balanced": balanced,
        "net_difference": str(difference),
        "unknown_types": unknown,
        "withdrawals": sum(1 for p in paid if p["signed_net"] < 0),
    }


# -- each ERP's bank movement for one payout, read from the ERP sandbox itself ---------------------


def _bank_reader(erp: DemoErp) -> Callable[[str], Decimal | None]:
    if isinstance(erp, SageErp):
        return lambda reference: _sage(erp, reference)
    if isinstance(erp, SysproErp):
        return lambda reference: _syspro(erp, reference)
    if isinstance(erp, PrimaErp):
        return lambda reference: _prima(erp, reference)
    return lambda reference: _tryton(erp, reference)


def _sage(erp: SageErp, reference: str) -> Decimal | None:
    """The cash book: the payout's receipt less its fee payment (both carry its reference)."""
    with erp.sandbox.state.lock:
        found = [
            dict(r)
            for r in erp.sandbox.state.all("bank_posted_transactions")
            if r.get("reference") == reference
        ]
    if not found:
        return None
    signs = {"Receipt": 1, "Payment": -1}
    return sum(
        (signs[r["bank_transaction_type"]] * Decimal(str(r["cheque_value"])) for r in found), Decimal(0)
    )


def _syspro(erp: SysproErp, reference: str) -> Decimal | None:
    """The GL journal (GENTJL) with the payout's reference, and its lines on the bank's ledger code."""
    company = erp.sandbox.state.company
    with company.lock:
        journals = [
            r["Journal"] for r in company.table("GenJournalCtl").values() if r.get("Reference") == reference
        ]
        lines = list(company.table("GenTransaction").values())
    if not journals:
        return None
    mine = [r for r in lines if r["Reference"] in journals and r["GlCode"] == BANK]
    return sum((Decimal(r["EntryValue"]) for r in mine), Decimal(0))


def _prima(erp: PrimaErp, reference: str) -> Decimal | None:
    company = erp.sandbox.state.company
    with company.lock:
        lines = company.journal_lines.get(reference)
    if lines is None:
        return None
    return sum((value for code, value in lines if code == BANK), Decimal(0))


def _tryton(erp: DemoErp, reference: str) -> Decimal | None:
    """The posted account move whose description starts with the payout's reference: its bank lines."""
    call = erp._call  # type: ignore[attr-defined]
    described = ["OR", ("move.description", "=", reference), ("move.description", "like", f"{reference} | %")]
    domain = [described, ("account.code", "=", BANK)]
    rows = call("account.move.line", "search_read", domain, 0, None, None, ["debit", "credit"])
    if not rows:
        return None
    return sum((Decimal(str(r["debit"])) - Decimal(str(r["credit"])) for r in rows), Decimal(0))
