"""Payouts into SYSPRO: GENTJL where licensed, else ARSTPY miscellaneous receipts into the cash book."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest

from shopbridge.config.erp import SysproSettings
from shopbridge.connectors.erp.syspro import SysproAdapter
from shopbridge.connectors.erp.syspro import xmlpayout as xp
from shopbridge.connectors.erp.syspro.errors import error_from_body, is_unlicensed
from shopbridge.domain.money import Money
from shopbridge.domain.records import JournalEntry, JournalLine
from shopbridge.errors import BadInput, ConfigurationError, NeedsPerson, UnsupportedOperation
from shopbridge.ports.erp import Capability
from shopbridge.sandbox.syspro import SysproSandbox


def gbp(text: str) -> Money:
    return Money.of(text, "GBP")


def payout(reference: str = "PAYOUT-77001", *lines: JournalLine) -> JournalEntry:
    """The contract suite's payout: 100.00 settled, 5.00 fees, 95.00 into the bank (ledger 1200)."""
    lines = lines or (
        JournalLine("1200", "payout to bank", debit=gbp("95.00")),
        JournalLine("7900", "Shopify Payments fees", debit=gbp("5.00")),
        JournalLine("1100", "sales settled", credit=gbp("100.00")),
    )
    return JournalEntry(reference, date(2026, 11, 20), "GBP", lines, narrative="Shopify payout")


@pytest.fixture
def receipts_adapter(settings: SysproSettings) -> Iterator[SysproAdapter]:
    """An adapter whose payouts may go to the cash book SHOP (cash ledger 1200 in the sandbox)."""
    made = SysproAdapter(settings.model_copy(update={"cash_book": "SHOP"}))
    yield made
    made.client.close()


def _unlicense(sandbox: SysproSandbox, *names: str) -> None:
    sandbox.levers.apply("faults", {"unlicense": list(names)})


def _cash_rows(sandbox: SysproSandbox, reference: str) -> list[dict[str, str]]:
    rows = sandbox.state.company.table("CshTransactions").values()
    return [row for row in rows if row["TrnReference"] == reference]


def _ledger(sandbox: SysproSandbox) -> dict[str, Decimal]:
    """Net movement per ledger code in the sandbox's general ledger (debit positive)."""
    net: dict[str, Decimal] = defaultdict(Decimal)
    for row in sandbox.state.company.table("GenTransaction").values():
        net[row["GlCode"]] += Decimal(row["EntryValue"])
    return {code: value for code, value in net.items() if value}


# --- through the sandbox ---------------------------------------------------------------------
def test_a_payout_goes_into_the_cash_book_as_receipts_when_journals_are_not_licensed(
    receipts_adapter: SysproAdapter, sandbox: SysproSandbox
) -> None:
    _unlicense(sandbox, "GENTJL")
    health = receipts_adapter.check()
    assert Capability.JOURNAL not in health.capabilities and Capability.BANK_RECEIPT in health.capabilities
    posted = receipts_adapter.post_payout(payout())
    assert (posted.existed, posted.number) == (False, "PAYOUT-77001")
    assert posted.extra["business_object"] == "ARSTPY"
    rows = _cash_rows(sandbox, "PAYOUT-77001")
    assert sorted((r["TrnType"], r["TrnValue"]) for r in rows) == [("D", "100.00"), ("W", "5.00")]
    assert _ledger(sandbox) == {"1200": Decimal("95.00"), "7900": Decimal("5.00"), "1100": Decimal("-100.00")}
    assert not sandbox.state.company.table("GenJournalCtl")


def test_posting_a_payout_twice_through_receipts_posts_it_once(
    receipts_adapter: SysproAdapter, sandbox: SysproSandbox
) -> None:
    _unlicense(sandbox, "GENTJL")
    receipts_adapter.check()
    first = receipts_adapter.post_payout(payout())
    second = receipts_adapter.post_payout(payout())
    assert (first.existed, second.existed, second.erp_id) == (False, True, first.erp_id)
    assert len(_cash_rows(sandbox, "PAYOUT-77001")) == 2


def test_a_payout_posted_as_receipts_is_not_journalled_when_journals_come_back(
    receipts_adapter: SysproAdapter, sandbox: SysproSandbox
) -> None:
    _unlicense(sandbox, "GENTJL")
    receipts_adapter.check()
    first = receipts_adapter.post_payout(payout())
    sandbox.levers.apply("faults", {"license": ["GENTJL"]})
    assert Capability.JOURNAL in receipts_adapter.check().capabilities
    again = receipts_adapter.post_payout(payout())
    assert (again.existed, again.erp_id) == (True, first.erp_id)
    assert not sandbox.state.company.table("GenJournalCtl")


def test_journals_stay_the_first_choice_while_licensed(
    receipts_adapter: SysproAdapter, sandbox: SysproSandbox
) -> None:
    assert {Capability.JOURNAL, Capability.BANK_RECEIPT} <= receipts_adapter.check().capabilities
    posted = receipts_adapter.post_payout(payout())
    assert posted.extra["business_object"] == "GENTJL" and not _cash_rows(sandbox, "PAYOUT-77001")
    assert receipts_adapter.post_payout(payout()).existed is True


def test_with_both_objects_unlicensed_a_payout_is_unsupported_and_says_what_to_license(
    receipts_adapter: SysproAdapter, sandbox: SysproSandbox
) -> None:
    _unlicense(sandbox, "GENTJL", "ARSTPY")
    health = receipts_adapter.check()
    assert not {Capability.JOURNAL, Capability.BANK_RECEIPT} & health.capabilities
    assert "ARSTPY" in health.detail and "GENTJL" in health.detail
    with pytest.raises(UnsupportedOperation, match=r"license GENTJL .* or ARSTPY"):
        receipts_adapter.post_payout(payout())


def test_an_unlicensed_arstpy_met_while_posting_turns_receipts_off_and_names_the_fix(
    receipts_adapter: SysproAdapter, sandbox: SysproSandbox
) -> None:
    _unlicense(sandbox, "GENTJL")
    receipts_adapter.check()
    _unlicense(sandbox, "ARSTPY")  # the licence changes after the check
    with pytest.raises(ConfigurationError) as caught:
        receipts_adapter.post_payout(payout())
    assert "ARSTPY" in str(caught.value) and "license ARSTPY" in caught.value.fix
    assert Capability.BANK_RECEIPT not in receipts_adapter.capabilities
    with pytest.raises(UnsupportedOperation):
        receipts_adapter.post_payout(payout())


def test_without_a_cash_book_receipts_are_not_offered_and_the_refusal_names_the_setting(
    adapter: SysproAdapter, sandbox: SysproSandbox
) -> None:
    _unlicense(sandbox, "GENTJL")
    health = adapter.check()
    assert Capability.BANK_RECEIPT not in health.capabilities and "erp.syspro.cash_book" in health.detail
    with pytest.raises(UnsupportedOperation, match=r"erp\.syspro\.cash_book"):
        adapter.post_payout(payout())


@pytest.mark.parametrize(
    ("error", "unlicensed"),
    [
        (error_from_body("ERROR: e.net exception 100000", business_object="ARSTPY"), True),
        (error_from_body("ERROR: e.net exception raised: 100000", business_object="GENTJL"), True),
        (ConfigurationError("SYSPRO refused the logon", key="erp.syspro.operator"), False),
        (error_from_body("ERROR: Invalid bank", business_object="ARSTPY"), False),
    ],
)
def test_only_exception_100000_switches_a_payout_path_off(error: Exception, unlicensed: bool) -> None:
    assert is_unlicensed(error) is unlicensed


@pytest.mark.parametrize(
    ("cash_book", "message"),
    [("MAIN", "no line on ledger code 1210"), ("NOBANK", r"no bank \(cash book\) 'NOBANK'")],
)
def test_a_cash_book_that_does_not_match_the_payout_refuses_the_whole_payout(
    settings: SysproSettings, sandbox: SysproSandbox, cash_book: str, message: str
) -> None:
    made = SysproAdapter(settings.model_copy(update={"cash_book": cash_book}))
    try:
        _unlicense(sandbox, "GENTJL")
        made.check()
        with pytest.raises(ConfigurationError, match=message) as caught:
            made.post_payout(payout())
        assert caught.value.key == "erp.syspro.cash_book"
        assert not sandbox.state.company.table("CshTransactions")
    finally:
        made.client.close()


def test_syspros_rejection_of_a_receipt_posts_none_of_the_payout(
    receipts_adapter: SysproAdapter, sandbox: SysproSandbox
) -> None:
    _unlicense(sandbox, "GENTJL")
    receipts_adapter.check()
    entry = payout(
        "PAYOUT-77002",
        JournalLine("1200", "bank", debit=gbp("90.00")),
        JournalLine("9999", "unknown ledger", debit=gbp("10.00")),
        JournalLine("1100", "settled", credit=gbp("100.00")),
    )
    with pytest.raises(NeedsPerson, match="'9999' is not a valid general ledger code"):
        receipts_adapter.post_payout(entry)
    assert not sandbox.state.company.table("CshTransactions")


def test_a_negative_payout_takes_money_out_of_the_cash_book(
    receipts_adapter: SysproAdapter, sandbox: SysproSandbox
) -> None:
    _unlicense(sandbox, "GENTJL")
    receipts_adapter.check()
    entry = payout(
        "PAYOUT-77003",
        JournalLine("7900", "chargeback fee", debit=gbp("15.00")),
        JournalLine("1100", "chargeback", debit=gbp("20.00")),
        JournalLine("4000", "sales", credit=gbp("12.50")),
        JournalLine("1200", "bank", credit=gbp("22.50")),
    )
    receipts_adapter.post_payout(entry)
    assert _ledger(sandbox) == {
        "1200": Decimal("-22.50"),
        "7900": Decimal("15.00"),
        "1100": Decimal("20.00"),
        "4000": Decimal("-12.50"),
    }


# --- the pure mapping ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (  # the contract payout: a fee out, the settled sales in
            (("1200", "95.00", ""), ("7900", "5.00", ""), ("1100", "", "100.00")),
            [("-5.00", "7900"), ("100.00", "1100")],
        ),
        (  # sales, shipping and tax in; a refund and fees out
            (
                ("4000", "", "80.00"),
                ("4010", "", "4.95"),
                ("2200", "", "16.99"),
                ("4000", "12.00", ""),
                ("7900", "3.13", ""),
                ("1200", "86.81", ""),
            ),
            [("80.00", "4000"), ("4.95", "4010"), ("16.99", "2200"), ("-12.00", "4000"), ("-3.13", "7900")],
        ),
        (  # a bank line on each side nets out of the receipts
            (("1200", "10.00", ""), ("1200", "", "2.00"), ("1100", "", "8.00")),
            [("8.00", "1100")],
        ),
        (  # a zero line is no receipt (SYSPRO refuses a zero value)
            (("1200", "5.00", ""), ("7900", "0.00", ""), ("1100", "", "5.00")),
            [("5.00", "1100")],
        ),
    ],
)
def test_each_line_but_the_banks_is_one_signed_receipt_and_they_add_up_to_the_bank(
    lines: tuple[tuple[str, str, str], ...], expected: list[tuple[str, str]]
) -> None:
    journal = tuple(
        JournalLine(code, code, debit=gbp(dr) if dr else None, credit=gbp(cr) if cr else None)
        for code, dr, cr in lines
    )
    entry = payout("P-1", *journal)
    receipts = xp.misc_receipts(entry, "1200", cash_book="SHOP")
    assert [(str(r.value), r.credit_ledger) for r in receipts] == expected
    bank = sum(
        (ln.debit.amount if ln.debit else -ln.credit.amount if ln.credit else Decimal(0))
        for ln in journal
        if ln.nominal_code == "1200"
    )
    assert sum((r.value for r in receipts), Decimal(0)) == bank


def test_a_payout_that_moves_only_its_bank_line_is_refused() -> None:
    entry = payout(
        "P-2",
        JournalLine("1200", "in", debit=gbp("1.00")),
        JournalLine("1200", "out", credit=gbp("1.00")),
    )
    with pytest.raises(BadInput, match="nothing to post"):
        xp.misc_receipts(entry, "1200", cash_book="SHOP")


@pytest.mark.parametrize(
    ("reference", "expected_length", "kept"),
    [("PAYOUT-77001", 12, True), ("gid://shopify/ShopifyPaymentsPayout/123456789012345", 30, False)],
)
def test_the_receipt_reference_is_the_payout_reference_or_a_stable_hash_of_it(
    reference: str, expected_length: int, kept: bool
) -> None:
    key = xp.receipt_reference(reference)
    assert len(key) == expected_length and (key == reference) is kept
    assert xp.receipt_reference(reference) == key


def test_a_payout_posted_before_both_licences_lapsed_is_still_known_as_posted(
    receipts_adapter: SysproAdapter, sandbox: SysproSandbox
) -> None:
    _unlicense(sandbox, "GENTJL")
    receipts_adapter.check()
    first = receipts_adapter.post_payout(payout())
    _unlicense(sandbox, "ARSTPY")
    receipts_adapter.check()
    assert not {Capability.JOURNAL, Capability.BANK_RECEIPT} & receipts_adapter.capabilities
    again = receipts_adapter.post_payout(payout())
    assert (again.existed, again.erp_id) == (True, first.erp_id)
    with pytest.raises(UnsupportedOperation):
        receipts_adapter.post_payout(payout("PAYOUT-77009"))
