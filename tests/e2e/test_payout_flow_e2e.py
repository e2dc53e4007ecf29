"""Issue 12 (payouts into the ledger), end to end: a trading day in the Shopify sandbox (orders posted
to the ERP by the order flow, a refund, a chargeback, an adjustment), its payout read over real
GraphQL, the summary posted to the ERP through its own wire, and the ERP's bank balance (as the ERP
reports it) moved by exactly the payout's net; once under re-sweeps; a failed payout raises
PAYOUT_CHANGED; an unknown transaction type lands on suspense with a problem.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from e2e_stack import SHOP, Erp, Shopify, Stack, start_shopify, vendor_params

from shopbridge import payout_report
from shopbridge.engine.job import Job, JobState
from shopbridge.flows import payout_to_ledger
from shopbridge.sandbox.shopify import scenario_actions as act
from shopbridge.sandbox.shopify.payouts_model import (
    FeePlan,
    fail_payout,
    issue_payout,
    record_balance_transaction,
    record_order_payments,
)

ALL = vendor_params("sage200", "tryton", "syspro", "prima")
SUSPENSE = "9999"
ACCOUNTS = f"""
[shops.accounts.GBP]
bank = "1200"
clearing = "1100"
fees = "7900"
suspense = "{SUSPENSE}"
payouts = {{ refunds = "1100", chargebacks = "1100", adjustments = "1100" }}
"""


_TESTS = itertools.count(1)


@pytest.fixture
def shopify() -> Iterator[Shopify]:
    """A sandbox shop per test, so each test's balance and payouts are its own (overrides the module's
    shop). The ERP lives for the module, and in a real shop order names and payout ids never repeat:
    each test's shop starts them past the previous test's."""
    server = start_shopify()
    step = next(_TESTS) * 100
    with server.state.lock:
        server.state.next_order_number = 1001 + step
        server.state._counters["ShopifyPaymentsPayout"] = step
    shop = Shopify(server)
    try:
        yield shop
    finally:
        shop.close()
        server.stop()


# -- the ERP's bank, as each ERP reports it --------------------------------------------------------


def _sage_bank(erp: Erp) -> Decimal:
    (bank,) = erp.port.client.get_list("/banks", {"$filter": "code eq '1200'"})  # type: ignore[attr-defined]
    return Decimal(str(bank["balance"])).quantize(Decimal("0.01"))


def _tryton_bank(erp: Erp) -> Decimal:
    ids = erp.harness._call("account.account", "search", [("code", "=", "1200")], 0, None, None)
    (row,) = erp.harness._call("account.account", "read", ids, ["balance"])
    return Decimal(str(row["balance"])).quantize(Decimal("0.01"))


def _tryton_balance(erp: Erp, code: str) -> Decimal:
    ids = erp.harness._call("account.account", "search", [("code", "=", code)], 0, None, None)
    (row,) = erp.harness._call("account.account", "read", ids, ["balance"])
    return Decimal(str(row["balance"]))


def _syspro_ledger(erp: Erp, code: str) -> Decimal:
    """The GL's debit - credit on ``code``: SYSPRO's ledger postings (GENTJL lines, ARSTPY sides)."""
    company = erp.harness.sandbox.state.company
    with company.lock:
        rows = list(company.table("GenTransaction").values())
    return sum((Decimal(r["EntryValue"]) for r in rows if r["GlCode"] == code), Decimal(0))


def _prima_nominal(erp: Erp, code: str) -> Decimal:
    company = erp.harness.sandbox.state.company
    with company.lock:
        return company.nominal_balance(code)


BANK: dict[str, Callable[[Erp], Decimal]] = {
    "sage200": _sage_bank,
    "tryton": _tryton_bank,
    "syspro": lambda erp: _syspro_ledger(erp, "1200"),
    "prima": lambda erp: _prima_nominal(erp, "1200"),
}


def add_suspense_code(erp: Erp) -> None:
    """Finance's suspense code, added as finance would in each ERP."""
    if erp.vendor == "sage200":
        box = erp.harness._box()
        if box.state.first("nominal_codes", reference=SUSPENSE) is None:
            box.state.insert("nominal_codes", {"reference": SUSPENSE, "name": "Suspense"})
    elif erp.vendor == "tryton":
        found = erp.harness._call("account.account", "search", [("code", "=", SUSPENSE)], 0, None, None)
        if not found:
            like = erp.harness._call("account.account", "search", [("code", "=", "1100")], 0, None, None)
            (row,) = erp.harness._call("account.account", "read", like, ["type", "parent"])
            account = {"name": "Suspense", "code": SUSPENSE, "type": row["type"], "parent": row["parent"]}
            erp.harness._call("account.account", "create", [account])
    elif erp.vendor == "syspro":
        company = erp.harness.sandbox.state.company
        with company.lock:
            company.put("GenMaster", SUSPENSE, {"GlCode": SUSPENSE})


# -- the trading day -------------------------------------------------------------------------------


def trading_day(stack: Stack, shopify: Shopify, *, unknown: bool = False) -> dict[str, Any]:
    """Three orders posted to the ERP, a full refund, a chargeback, an adjustment; then the payout."""
    orders = [shopify.place(lines) for lines in ([("TEE-L", 2)], [("MUG-01", 3)], [("BOTTLE-01", 1)])]
    stack.settle()
    state = shopify.server.state
    with state.lock:
        placed = [state.orders[o["id"]] for o in orders]
        for order in placed:
            record_order_payments(state, order, FeePlan())
    act.refund_full(state, placed[0], restock=False)
    with state.lock:
        record_order_payments(state, placed[0], FeePlan())
        chargeback = -placed[1]["transactions"][0]["amount"].shop
        record_balance_transaction(
            state,
            "DISPUTE_WITHDRAWAL",
            chargeback,
            Decimal("15.00"),
            "GBP",
            source_type="DISPUTE",
            order=placed[1],
        )
        record_balance_transaction(
            state,
            "ADJUSTMENT",
            Decimal("-1.50"),
            Decimal(0),
            "GBP",
            source_type="ADJUSTMENT",
            reason="shipping_label",
        )
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
    return {"payout": payout, "orders": orders}


def sweep(stack: Stack) -> None:
    """One run of the scheduled ``sweep.payouts`` job for the shop, as a worker runs it."""
    now = datetime.now(UTC)
    job = Job(0, payout_to_ledger.KIND, None, {}, 1, None, SHOP, None, now, JobState.RUNNING)
    payout_to_ledger.handle(job, stack.services.flow_context(SHOP))


@pytest.fixture
def day_stack(erp: Erp, make_stack: Any) -> Stack:
    add_suspense_code(erp)
    stack: Stack = make_stack(erp.port, shop_extra=ACCOUNTS)
    return stack


@pytest.mark.parametrize("erp", ALL, indirect=True)
def test_a_days_payout_moves_the_erp_bank_by_exactly_its_net_once(
    shopify: Shopify, erp: Erp, day_stack: Stack
) -> None:
    day = trading_day(day_stack, shopify)
    signed_net = day["payout"]["signed_net"]
    before = BANK[erp.vendor](erp)
    sweep(day_stack)
    sweep(day_stack)  # re-sweeps post nothing twice
    sweep(day_stack)
    assert BANK[erp.vendor](erp) - before == signed_net
    (record,) = payout_report.list_payouts(day_stack.services)
    assert (record.outcome.value, record.net) == ("posted", signed_net)
    assert (
        day_stack.problems("payout_mismatch") == []
        and day_stack.problems("unknown_balance_transaction") == []
    )
    detail = payout_report.payout_detail(day_stack.services, day["payout"]["id"])
    rows = list(csv.DictReader(io.StringIO(payout_report.detail_report_csv(detail))))
    assert {r["type"] for r in rows} == {"CHARGE", "REFUND", "DISPUTE_WITHDRAWAL", "ADJUSTMENT"}
    charges = [r for r in rows if r["type"] == "CHARGE"]
    assert len(charges) == 3 and all(r["erp_order"] for r in charges)  # each order's ERP document


@pytest.mark.parametrize("erp", ALL, indirect=True)
def test_a_payout_that_fails_after_posting_raises_payout_changed_and_posts_nothing_more(
    shopify: Shopify, erp: Erp, day_stack: Stack
) -> None:
    day = trading_day(day_stack, shopify)
    sweep(day_stack)
    after_post = BANK[erp.vendor](erp)
    fail_payout(shopify.server.state, day["payout"]["id"])
    sweep(day_stack)
    sweep(day_stack)
    assert BANK[erp.vendor](erp) == after_post
    (problem,) = day_stack.problems("payout_changed")
    assert (problem.team.value, problem.details["now"]) == ("finance", "FAILED")


@pytest.mark.parametrize("erp", ALL, indirect=True)
def test_an_unknown_transaction_type_goes_to_suspense_with_a_problem(
    shopify: Shopify, erp: Erp, day_stack: Stack
) -> None:
    day = trading_day(day_stack, shopify, unknown=True)
    before = BANK[erp.vendor](erp)
    suspense_before = _suspense(erp)
    sweep(day_stack)
    assert BANK[erp.vendor](erp) - before == day["payout"]["signed_net"]
    assert _suspense(erp) - suspense_before == Decimal("-4.00")  # a debit of 4.00 on suspense
    (problem,) = day_stack.problems("unknown_balance_transaction")
    assert problem.details["types"] == ["SHOPIFY_COLLECTIVE_DEBIT"]


def _suspense(erp: Erp) -> Decimal:
    """Suspense as a signed credit: what the ERP holds on the code (Sage: the cash-book analysis)."""
    if erp.vendor == "tryton":
        return -_tryton_balance(erp, SUSPENSE)  # Tryton's balance is debit - credit
    if erp.vendor == "syspro":
        return -_syspro_ledger(erp, SUSPENSE)
    if erp.vendor == "prima":
        return -_prima_nominal(erp, SUSPENSE)
    rows = erp.port.client.get_all("/bank_posted_transactions", {})  # type: ignore[attr-defined]
    total = Decimal(0)
    for row in rows:
        sign = 1 if row["bank_transaction_type"] == "Receipt" else -1
        for item in row["nominal_analysis_items"]:
            if item["code"] == SUSPENSE:
                total += sign * Decimal(str(item["value"]))
    return total


@pytest.mark.parametrize("erp", vendor_params("syspro"), indirect=True)
def test_syspro_without_gl_journals_takes_the_payout_as_cash_book_receipts(
    shopify: Shopify, erp: Erp, day_stack: Stack
) -> None:
    erp.harness.sandbox.levers.apply("faults", {"unlicense": ["GENTJL"]})
    try:
        erp.port.check()  # as `shopbridge erp check` and the start-up probe learn it
        day = trading_day(day_stack, shopify)
        before = BANK["syspro"](erp)
        sweep(day_stack)
        sweep(day_stack)
        assert BANK["syspro"](erp) - before == day["payout"]["signed_net"]
        (record,) = payout_report.list_payouts(day_stack.services)
        assert record.outcome.value == "posted" and record.erp_reference.startswith("SP")
    finally:
        erp.harness.sandbox.levers.apply("faults", {"license": ["GENTJL"]})
        erp.port.check()
