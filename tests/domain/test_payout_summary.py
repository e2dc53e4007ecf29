"""A payout and its balance transactions become one balanced summary journal, or a typed refusal."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, get_args

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopbridge.config.model import PayoutCategory
from shopbridge.domain.money import Money
from shopbridge.domain.payouts import (
    BANK,
    Category,
    OrderFigures,
    PayoutAccounts,
    PayoutUnbalanced,
    UnmappedCategory,
    category_of,
    figures_of,
    summarise,
)
from shopbridge.domain.records import (
    BalanceTransaction,
    JournalEntry,
    Order,
    OrderLine,
    Payout,
    ShippingLine,
    TaxLine,
    Transaction,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "shopify_payments"
WHEN = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
CODES = {
    "sales": "4000",
    "shipping": "4010",
    "tax": "2200",
    "refunds": "4005",
    "fees": "7900",
    "chargebacks": "7910",
    "adjustments": "7920",
    "reserved_funds": "1220",
    "gift_cards": "2210",
    "suspense": "9999",
}
ACCOUNTS = PayoutAccounts(currency="GBP", bank="1200", codes=CODES, clearing="1100")


def gbp(text: str) -> Money:
    return Money(Decimal(text), "GBP")


def tx(kind: str, amount: str, fee: str = "0", order: str = "", net: str | None = None) -> BalanceTransaction:
    net_value = gbp(net) if net is not None else gbp(amount) - gbp(fee)
    return BalanceTransaction(
        shopify_id=f"gid://shopify/ShopifyPaymentsBalanceTransaction/{abs(hash((kind, amount, fee, order)))}",
        type=kind,
        amount=gbp(amount),
        fee=gbp(fee),
        net=net_value,
        processed_at=WHEN,
        source_order_id=order,
    )


def payout(*rows: BalanceTransaction, net: str | None = None) -> Payout:
    total = sum((r.net.amount for r in rows), Decimal(0))
    return Payout(
        shopify_id="gid://shopify/ShopifyPaymentsPayout/623721858",
        issued_at=WHEN,
        status="PAID",
        net=gbp(net) if net is not None else Money(total, "GBP"),
        transactions=rows,
    )


def signed(entry: JournalEntry) -> dict[str, Decimal]:
    """Credit (+) or debit (-) per nominal code."""
    out: dict[str, Decimal] = {}
    for line in entry.lines:
        value = line.credit.amount if line.credit else -line.debit.amount  # type: ignore[union-attr]
        out[line.nominal_code] = out.get(line.nominal_code, Decimal(0)) + value
    return out


# -- one row per transaction type: where its amount and fee land --------------------------------


@pytest.mark.parametrize(
    ("kind", "amount", "fee", "expected"),
    [
        ("CHARGE", "120.00", "2.05", {"4000": "120.00", "7900": "-2.05", "1200": "-117.95"}),
        ("REFUND", "-30.00", "0", {"4005": "-30.00", "1200": "30.00"}),
        ("REFUND_FAILURE", "30.00", "0", {"4005": "30.00", "1200": "-30.00"}),
        ("DISPUTE_WITHDRAWAL", "-60.00", "15.00", {"7910": "-60.00", "7900": "-15.00", "1200": "75.00"}),
        ("DISPUTE_REVERSAL", "60.00", "-15.00", {"7910": "60.00", "7900": "15.00", "1200": "-75.00"}),
        ("CHARGEBACK_FEE", "-15.00", "0", {"7910": "-15.00", "1200": "15.00"}),
        ("ADJUSTMENT", "-1.50", "0", {"7920": "-1.50", "1200": "1.50"}),
        ("SHIPPING_LABEL", "-4.20", "0", {"7920": "-4.20", "1200": "4.20"}),
        ("RESERVED_FUNDS", "-42.00", "0", {"1220": "-42.00", "1200": "42.00"}),
        ("RESERVED_FUNDS_REVERSAL", "42.00", "0", {"1220": "42.00", "1200": "-42.00"}),
        ("APPLICATION_FEE_REFUND", "0.50", "0", {"7900": "0.50", "1200": "-0.50"}),
        ("reserve", "-42.00", "0", {"1220": "-42.00", "1200": "42.00"}),  # REST spelling
        ("dispute", "-11.50", "15.00", {"7910": "-11.50", "7900": "-15.00", "1200": "26.50"}),
        ("credit", "50.00", "0", {"7920": "50.00", "1200": "-50.00"}),
        ("debit", "-50.00", "0", {"7920": "-50.00", "1200": "50.00"}),
        ("LENDING_CREDIT_REMITTANCE", "-25.00", "0", {"9999": "-25.00", "1200": "25.00"}),
        ("A_TYPE_SHOPIFY_ADDS_NEXT_YEAR", "3.00", "0", {"9999": "3.00", "1200": "-3.00"}),
    ],
)
def test_each_transaction_type_lands_on_its_nominal_code(
    kind: str, amount: str, fee: str, expected: dict[str, str]
) -> None:
    summary = summarise(payout(tx(kind, amount, fee)), ACCOUNTS)
    assert signed(summary.entry) == {code: Decimal(v) for code, v in expected.items()}


def test_unknown_types_go_to_suspense_and_are_named_never_dropped() -> None:
    odd = tx("SHOPIFY_COLLECTIVE_DEBIT", "-7.00")
    summary = summarise(payout(tx("CHARGE", "50.00", "1.00"), odd), ACCOUNTS)
    assert summary.unknown == (odd,)
    assert signed(summary.entry)["9999"] == Decimal("-7.00")
    assert summary.amounts[Category.SUSPENSE] == gbp("-7.00")


def test_category_lookup_is_a_default_not_a_switch() -> None:
    assert category_of("charge") is Category.SALES
    assert category_of(" Dispute_Reversal ") is Category.CHARGEBACKS
    assert category_of("") is Category.SUSPENSE


# -- a charge split by its order ------------------------------------------------------------------


def order(*, taxes_included: bool = True, gift_card_paid: str = "0", gift_card_sold: str = "0") -> Order:
    lines = [
        OrderLine("L1", "TEE-M", 2, gbp("30.00"), tax_lines=(TaxLine("VAT", Decimal("0.2"), gbp("10.00")),)),
    ]
    if gift_card_sold != "0":
        lines.append(OrderLine("L2", "", 1, gbp(gift_card_sold), is_gift_card=True))
    shipping = (
        ShippingLine("Standard", gbp("6.00"), tax_lines=(TaxLine("VAT", Decimal("0.2"), gbp("1.00")),)),
    )
    transactions = [Transaction("sale", "success", "shopify_payments", gbp("66.00"))]
    if gift_card_paid != "0":
        transactions.append(Transaction("sale", "success", "gift_card", gbp(gift_card_paid)))
    return Order(
        shopify_id="gid://shopify/Order/1",
        name="#1001",
        currency="GBP",
        created_at=WHEN,
        lines=tuple(lines),
        shipping_lines=shipping,
        transactions=tuple(transactions),
        taxes_included=taxes_included,
    )


def test_a_whole_order_charge_is_split_into_goods_shipping_and_tax() -> None:
    figures = {"gid://shopify/Order/1": figures_of(order())}
    summary = summarise(
        payout(tx("CHARGE", "66.00", "1.24", order="gid://shopify/Order/1")), ACCOUNTS, figures
    )
    assert signed(summary.entry) == {
        "1200": Decimal("-64.76"),
        "4000": Decimal("50.00"),
        "4010": Decimal("5.00"),
        "2200": Decimal("11.00"),
        "7900": Decimal("-1.24"),
    }


def test_gift_cards_sold_are_a_liability_and_redeemed_ones_reduce_it() -> None:
    sold = figures_of(order(gift_card_sold="25.00"))
    assert sold.card_due == gbp("91.00")
    summary = summarise(payout(tx("CHARGE", "91.00", order="o")), ACCOUNTS, {"o": sold})
    assert signed(summary.entry)["2210"] == Decimal("25.00")
    redeemed = figures_of(order(gift_card_paid="16.00"))
    summary = summarise(payout(tx("CHARGE", "50.00", order="o")), ACCOUNTS, {"o": redeemed})
    assert signed(summary.entry)["2210"] == Decimal("-16.00")
    assert signed(summary.entry)["4000"] == Decimal("50.00")


def test_a_partial_charge_is_split_pro_rata_and_still_balances() -> None:
    figures = {"o": figures_of(order())}
    summary = summarise(payout(tx("CHARGE", "33.01", order="o")), ACCOUNTS, figures)
    credit = signed(summary.entry)
    assert credit["4000"] + credit["4010"] + credit["2200"] == Decimal("33.01")
    assert credit["4000"] > credit["2200"] > credit["4010"] > 0


def test_presentment_currency_orders_are_taken_in_shop_money_as_given() -> None:
    """The figures are the order's shop money; nothing here converts (there is no rate to use)."""
    figures = OrderFigures(gbp("41.67"), gbp("0"), gbp("8.33"), gbp("0"), gbp("0"))
    summary = summarise(payout(tx("CHARGE", "50.00", order="eur-order")), ACCOUNTS, {"eur-order": figures})
    assert signed(summary.entry)["4000"] == Decimal("41.67")


# -- whole days -------------------------------------------------------------------------------------


def test_refunds_larger_than_the_days_sales_make_a_negative_payout_credited_to_the_bank() -> None:
    day = payout(tx("CHARGE", "40.00", "0.85"), tx("REFUND", "-120.00"), tx("REFUND", "-35.50"))
    summary = summarise(day, ACCOUNTS)
    assert day.net == gbp("-116.35")
    bank = next(line for line in summary.entry.lines if line.nominal_code == "1200")
    assert bank.credit == gbp("116.35") and bank.debit is None
    assert signed(summary.entry)["4005"] == Decimal("-155.50")


def test_a_chargeback_and_its_reversal_net_out_leaving_the_fee() -> None:
    day = payout(
        tx("CHARGE", "60.00", "1.15"),
        tx("DISPUTE_WITHDRAWAL", "-60.00", "15.00"),
        tx("DISPUTE_REVERSAL", "60.00"),
    )
    credit = signed(summarise(day, ACCOUNTS).entry)
    assert "7910" not in credit  # withdrawn and given back: nothing left on chargebacks
    assert credit["7900"] == Decimal("-16.15")
    assert credit["1200"] == Decimal("-43.85")


def test_a_category_without_its_own_code_posts_to_clearing() -> None:
    few = PayoutAccounts(currency="GBP", bank="1200", codes={"fees": "7900"}, clearing="1100")
    credit = signed(summarise(payout(tx("CHARGE", "10.00", "0.40"), tx("ADJUSTMENT", "-1.00")), few).entry)
    assert credit == {"1200": Decimal("-8.60"), "1100": Decimal("9.00"), "7900": Decimal("-0.40")}


def test_no_code_and_no_clearing_is_refused_by_name() -> None:
    bare = PayoutAccounts(currency="GBP", bank="1200", codes={})
    with pytest.raises(UnmappedCategory, match="sales"):
        summarise(payout(tx("CHARGE", "10.00")), bare)


def test_the_summary_carries_the_payout_reference_date_and_bank() -> None:
    entry = summarise(payout(tx("CHARGE", "10.00")), ACCOUNTS).entry
    assert (entry.reference, entry.posted_on.isoformat(), entry.bank_account) == (
        "SP623721858",
        "2026-12-04",
        "1200",
    )


# -- refusals -------------------------------------------------------------------------------------


def test_a_payout_whose_net_differs_is_refused_with_the_difference_and_transactions() -> None:
    rows = (tx("CHARGE", "10.00", "0.40"), tx("REFUND", "-2.00"))
    with pytest.raises(PayoutUnbalanced) as refused:
        summarise(payout(*rows, net="7.59"), ACCOUNTS)
    assert refused.value.difference == gbp("-0.01")
    assert refused.value.transactions == rows


def test_a_transaction_whose_net_is_not_amount_less_fee_is_named() -> None:
    bad = tx("ADJUSTMENT", "-1.50", "-0.25", net="-1.75")
    with pytest.raises(PayoutUnbalanced) as refused:
        summarise(payout(tx("CHARGE", "10.00"), bad), ACCOUNTS)
    assert refused.value.suspects == (bad,)
    assert refused.value.difference == gbp("-0.50")


def rest_row(row: dict[str, Any], currency: str) -> BalanceTransaction:
    def money(key: str) -> Money:
        return Money(Decimal(row[key]), currency)

    return BalanceTransaction(
        shopify_id=str(row["id"]),
        type=row["type"],
        amount=money("amount"),
        fee=money("fee"),
        net=money("net"),
        processed_at=datetime.fromisoformat(row["processed_at"]).astimezone(UTC),
        source_order_id=str(row["source_order_id"] or ""),
    )


def test_shopifys_documented_example_payout_is_refused_not_posted() -> None:
    """Shopify's own example (tests/fixtures/shopify_payments/SOURCE.md): an illustration whose rows
    do not add up to its payout; a summary of it must not reach the ledger."""
    body = json.loads((FIXTURES / "payouts_transactions.json").read_text())
    document = json.loads((FIXTURES / "payout.json").read_text())["payout"]
    rows = tuple(rest_row(r, "USD") for r in body["transactions"])
    real = Payout(
        shopify_id=str(document["id"]),
        issued_at=WHEN,
        status=document["status"],
        net=Money(Decimal(document["amount"]), "USD"),
        transactions=rows,
    )
    usd = PayoutAccounts(currency="USD", bank="1200", codes=CODES, clearing="1100")
    with pytest.raises(PayoutUnbalanced) as refused:
        summarise(real, usd)
    assert [s.type for s in refused.value.suspects] == ["adjustment"]


def test_shopifys_documented_rows_that_are_consistent_make_a_balanced_summary() -> None:
    """Every row of the example whose net is amount - fee, as one payout of their sum: every REST type
    in it (charge, refund, dispute, reserve, adjustment, credit, debit, payout) finds its code."""
    body = json.loads((FIXTURES / "payouts_transactions.json").read_text())
    rows = tuple(r for r in (rest_row(r, "USD") for r in body["transactions"]) if r.amount - r.fee == r.net)
    movements = [r for r in rows if r.type != "payout"]
    net = Money(sum((r.net.amount for r in movements), Decimal(0)), "USD")
    real = Payout("623721858", WHEN, "paid", net, rows)
    usd = PayoutAccounts(currency="USD", bank="1200", codes=CODES, clearing="1100")
    summary = summarise(real, usd)
    assert summary.unknown == ()
    assert summary.amounts[BANK] == net
    assert {"4000", "4005", "7910", "7920", "7900"} <= {ln.nominal_code for ln in summary.entry.lines}
    assert summary.amounts[Category.RESERVED_FUNDS] == Money(Decimal(0), "USD")  # held, then released


# -- property: balanced or refused ------------------------------------------------------------------

KINDS = st.sampled_from(
    [
        "CHARGE",
        "REFUND",
        "DISPUTE_WITHDRAWAL",
        "DISPUTE_REVERSAL",
        "ADJUSTMENT",
        "RESERVED_FUNDS",
        "NEW_THING",
    ]
)
CENTS = st.integers(min_value=-500_000, max_value=500_000).map(lambda c: Decimal(c) / 100)


@settings(database=None, max_examples=200, deadline=None)
@given(
    rows=st.lists(st.tuples(KINDS, CENTS, CENTS), min_size=1, max_size=12),
    skew=st.sampled_from([Decimal(0), Decimal(0), Decimal("0.01"), Decimal("-3.20")]),
    split=st.booleans(),
)
def test_the_entry_always_balances_to_the_payout_or_is_refused(
    rows: list[tuple[str, Decimal, Decimal]], skew: Decimal, split: bool
) -> None:
    made = tuple(tx(kind, str(amount), str(fee), order="o") for kind, amount, fee in rows)
    net = sum((r.net.amount for r in made), Decimal(0)) + skew
    figures = {"o": figures_of(order())} if split else {}
    try:
        summary = summarise(payout(*made, net=str(net)), ACCOUNTS, figures)
    except PayoutUnbalanced as refused:
        assert skew != 0 and refused.difference == gbp(str(skew))
        return
    assert skew == 0
    credit = signed(summary.entry)
    assert sum(credit.values()) == 0  # debits equal credits
    assert credit.get("1200", Decimal(0)) == -net  # the bank moves by exactly the payout's net
    assert all((ln.debit or ln.credit).amount > 0 for ln in summary.entry.lines)  # type: ignore[union-attr]


def test_the_config_names_every_category_but_suspense_which_has_its_own_key() -> None:
    assert set(get_args(PayoutCategory)) == {c.value for c in Category} - {"suspense"}
