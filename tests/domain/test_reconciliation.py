"""Table tests of the reconciliation checkpoints (domain/reconciliation.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shopbridge.domain.reconciliation import (
    DayReport,
    DispatchFact,
    ErpOrderFact,
    ExpectedOrder,
    PayoutFact,
    PayoutPosting,
    RefundFact,
    StockFact,
    Verdict,
    check_fulfilments,
    check_orders,
    check_payouts,
    check_refunds,
    check_stock,
    check_tax,
    parity_confirmed,
    snap_rate,
    tax_buckets,
)

D = Decimal
ORDER = ExpectedOrder("#1001", D("100.00"), D("20.00"))


def erp(net: str = "100.00", tax: str = "20.00", number: str = "SO1") -> ErpOrderFact:
    return ErpOrderFact("#1001", number, D(net), D(tax))


@pytest.mark.parametrize(
    ("found", "verdict", "whats"),
    [
        ({"#1001": [erp()]}, Verdict.PASS, []),
        ({"#1001": [erp("100.004", "19.996")]}, Verdict.PASS, []),  # equal to the cent
        ({}, Verdict.FAIL, ["missing"]),
        ({"#1001": [erp(), erp(number="SO2")]}, Verdict.FAIL, ["duplicated"]),
        ({"#1001": [erp(net="99.99")]}, Verdict.FAIL, ["different"]),
        ({"#1001": [erp(tax="5.00")]}, Verdict.FAIL, ["different"]),
    ],
)
def test_orders(found: dict[str, list[ErpOrderFact]], verdict: Verdict, whats: list[str]) -> None:
    result = check_orders([ORDER], found)
    assert result.verdict is verdict
    assert [m.what for m in result.mismatches] == whats
    assert all(m.key == "order:#1001" for m in result.mismatches)
    assert result.checked == 1


@pytest.mark.parametrize(
    ("found", "whats"),
    [
        ({"#1001": [erp(net="80.00", tax="16.00")]}, []),
        ({}, ["missing"]),
        ({"#1001": [erp(), erp(number="SO2")]}, ["duplicated"]),
    ],
)
def test_an_order_held_at_the_cut_off_is_counted_not_compared(
    found: dict[str, list[ErpOrderFact]], whats: list[str]
) -> None:
    held = ExpectedOrder("#1001", D("100.00"), D("20.00"), held_for_person=True)
    result = check_orders([held], found)
    assert [m.what for m in result.mismatches] == whats
    assert "#1001" in result.note


def test_orders_of_an_empty_day_pass() -> None:
    assert check_orders([], {"#9": [erp()]}).verdict is Verdict.PASS


@pytest.mark.parametrize(
    ("credit", "verdict", "whats"),
    [
        (D("12.50"), Verdict.PASS, []),
        (None, Verdict.FAIL, ["missing"]),
        (D("10.00"), Verdict.FAIL, ["different"]),
    ],
)
def test_refunds(credit: Decimal | None, verdict: Verdict, whats: list[str]) -> None:
    result = check_refunds([RefundFact("gid://shopify/Refund/1", "#1001", D("12.50"), credit, "CN1")])
    assert (result.verdict, [m.what for m in result.mismatches]) == (verdict, whats)


def test_a_refund_handed_to_finance_is_counted_until_its_note_is_keyed_then_compared() -> None:
    awaiting = RefundFact("gid://shopify/Refund/2", "#1002", D("5.00"), None, manual=True)
    keyed_wrong = RefundFact("gid://shopify/Refund/3", "#1003", D("5.00"), D("4.00"), "CN9", manual=True)
    result = check_refunds([awaiting, keyed_wrong])
    assert [(m.key, m.what) for m in result.mismatches] == [("refund:gid://shopify/Refund/3", "different")]
    assert "1 awaiting a credit note keyed by hand" in result.note


@pytest.mark.parametrize(("fulfilled", "verdict"), [(True, Verdict.PASS), (False, Verdict.FAIL)])
def test_fulfilments(fulfilled: bool, verdict: Verdict) -> None:
    result = check_fulfilments([DispatchFact("D7", "#1001", fulfilled)])
    assert result.verdict is verdict
    assert [m.key for m in result.mismatches] == ([] if fulfilled else ["dispatch:D7"])


PAID = PayoutFact("P1", "PAID", D("950.00"))


@pytest.mark.parametrize(
    ("payout", "posting", "whats"),
    [
        (PAID, PayoutPosting("P1", "posted", D("950.00")), []),
        (PAID, None, ["not_posted"]),
        (PAID, PayoutPosting("P1", "exported", D("950.00")), ["not_posted"]),
        (PAID, PayoutPosting("P1", "posted", D("950.00"), D("0.01")), ["unbalanced"]),
        (PAID, PayoutPosting("P1", "posted", D("940.00")), ["deposit"]),
        (PAID, PayoutPosting("P1", "posted", D("950.00"), unknown_types=("crypto_bonus",)), ["suspense"]),
        (PayoutFact("P1", "SCHEDULED", D("950.00")), None, []),  # not paid yet: nothing to post
    ],
)
def test_payouts(payout: PayoutFact, posting: PayoutPosting | None, whats: list[str]) -> None:
    result = check_payouts([payout], {} if posting is None else {"P1": posting})
    assert [m.what for m in result.mismatches] == whats
    assert result.verdict is (Verdict.FAIL if whats else Verdict.PASS)


def test_tax_buckets_normalise_rates_and_sum() -> None:
    parts = [("GB", D("0.20"), D("10")), ("GB", D("0.2"), D("5")), ("FR", D("0.2"), D("1"))]
    assert tax_buckets(parts) == {("GB", D("0.2")): D("15"), ("FR", D("0.2")): D("1")}


@pytest.mark.parametrize(
    ("erp_side", "keys"),
    [
        ({("GB", D("0.2")): D("20.00")}, []),
        ({("GB", D("0.05")): D("20.00")}, ["tax:GB:0.05", "tax:GB:0.2"]),  # the wrong rate
        ({("GB", D("0.2")): D("19.00")}, ["tax:GB:0.2"]),
        ({}, ["tax:GB:0.2"]),
    ],
)
def test_tax(erp_side: dict[tuple[str, Decimal], Decimal], keys: list[str]) -> None:
    result = check_tax({("GB", D("0.2")): D("20.00")}, erp_side)
    assert [m.key for m in result.mismatches] == keys


@pytest.mark.parametrize(
    ("fact", "verdict"),
    [(None, Verdict.NOT_CHECKABLE), (StockFact(0), Verdict.PASS), (StockFact(3, "SKU-1 (+2)"), Verdict.FAIL)],
)
def test_stock(fact: StockFact | None, verdict: Verdict) -> None:
    assert check_stock(fact).verdict is verdict


def test_a_day_passes_only_when_every_checkpoint_passes() -> None:
    clean = DayReport("s", "2026-12-01", (check_orders([], {}), check_stock(StockFact(0))))
    unknown = DayReport("s", "2026-12-01", (check_orders([], {}), check_stock(None)))
    assert clean.passed and not unknown.passed
    assert unknown.verdicts() == {"orders": "pass", "stock": "not_checkable"}
    assert [row[0] for row in unknown.csv_rows()] == ["orders", "stock"]


@pytest.mark.parametrize(
    ("days", "needed", "confirmed"),
    [
        ([("2026-12-01", True), ("2026-12-02", True), ("2026-12-03", True)], 3, True),
        ([("2026-12-01", True), ("2026-12-02", False), ("2026-12-03", True)], 3, False),
        ([("2026-12-01", True), ("2026-12-03", True)], 2, False),  # a day missing breaks the run
        ([("2026-12-02", False), ("2026-12-03", True), ("2026-12-04", True)], 2, True),
        ([("2026-12-03", True)], 2, False),
    ],
)
def test_parity(days: list[tuple[str, bool]], needed: int, confirmed: bool) -> None:
    assert parity_confirmed(days, needed) is confirmed


@pytest.mark.parametrize(
    ("net", "tax", "rate"),
    [
        (D("3.29"), D("0.66"), D("0.2")),  # rounding: 20.06% is Shopify's 20%
        (D("100"), D("5"), D("0.05")),  # the ERP charged another rate: its own bucket
        (D("0"), D("0"), D("0")),
        (D("10"), D("0.55"), D("0.055")),
    ],
)
def test_snap_rate(net: Decimal, tax: Decimal, rate: Decimal) -> None:
    assert snap_rate(net, tax, {D("0.2")}) == rate


@pytest.mark.parametrize(
    ("erp_tax", "allowance", "whats", "noted"),
    [
        pytest.param("19.98", "0.02", [], True, id="two pennies of line rounding, two taxed lines: noted"),
        pytest.param("19.97", "0.02", ["different"], False, id="three pennies on two lines: a mismatch"),
        pytest.param("19.99", "0", ["different"], False, id="no allowance: any penny is a mismatch"),
        pytest.param("20.00", "0.02", [], False, id="equal: nothing to note"),
    ],
)
def test_an_erp_that_rounds_tax_line_by_line_is_allowed_a_penny_a_line(
    erp_tax: str, allowance: str, whats: list[str], noted: bool
) -> None:
    fact = ErpOrderFact("#1001", "SO1", D("100.00"), D(erp_tax), rounding_allowance=D(allowance))
    result = check_orders([ORDER], {"#1001": [fact]})
    assert [m.what for m in result.mismatches] == whats
    assert ("line rounding" in result.note) is noted


def test_tax_buckets_allow_the_erp_s_line_rounding_and_say_by_how_much() -> None:
    key = ("GB", D("0.2"))
    within = check_tax({key: D("458.30")}, {key: D("458.12")}, {key: D("0.25")})
    assert within.verdict is Verdict.PASS and "-0.18" in within.note
    beyond = check_tax({key: D("458.30")}, {key: D("458.00")}, {key: D("0.25")})
    assert [m.key for m in beyond.mismatches] == ["tax:GB:0.2"]
