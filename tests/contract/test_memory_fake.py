"""The in-memory fake plays ERPs that lack things: refusals, credit limits and faults behave as the
port says (the contract suite covers the rest of its behaviour through ``harness_memory``)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from contract_support import credit_note, order_request, payout
from harness import STANDARD_CUSTOMER_EMAIL, STANDARD_ITEMS

from shopbridge.connectors.erp.memory import ALL_CAPABILITIES, MemoryErp, seed_standard
from shopbridge.domain.money import Money
from shopbridge.domain.records import Customer
from shopbridge.errors import NeedsPerson, RetryLater, Throttled, UnsupportedOperation
from shopbridge.ports.erp import Capability, CreditLimitExceeded


def _erp(without: frozenset[Capability] = frozenset()) -> MemoryErp:
    erp = MemoryErp(enabled=ALL_CAPABILITIES - without)
    seed_standard(erp, STANDARD_ITEMS, STANDARD_CUSTOMER_EMAIL)
    return erp


@pytest.mark.parametrize(
    ("missing", "call"),
    [
        (Capability.JOURNAL, "payout"),
        (Capability.CREDIT_NOTE, "credit"),
        (Capability.CREATE_SALES_ORDER, "order"),
    ],
)
def test_a_narrowed_fake_refuses_what_it_lacks(missing: Capability, call: str) -> None:
    erp = _erp(frozenset({missing, Capability.BANK_RECEIPT, Capability.RETURN_ORDER}))
    calls = {
        "payout": lambda: erp.post_payout(payout("P-1")),
        "credit": lambda: erp.create_credit_note(credit_note("R-1", "#X")),
        "order": lambda: erp.create_sales_order(order_request("#X", "CUST0001")),
    }
    with pytest.raises(UnsupportedOperation):
        calls[call]()
    assert missing not in erp.capabilities


def test_a_credit_limit_counts_open_orders() -> None:
    erp = _erp()
    limited = Customer(email="tight@example.com", credit_limit=Money(Decimal("50.00"), "GBP"))
    account = erp.find_or_create_customer(limited).account
    erp.create_sales_order(order_request("#L1", account, ("MUG-WHITE", 3)))  # 24.00 + 4.80 VAT
    erp.check_credit(account, Money(Decimal("20.00"), "GBP"))
    with pytest.raises(CreditLimitExceeded):
        erp.check_credit(account, Money(Decimal("25.00"), "GBP"))


@pytest.mark.parametrize(
    ("status", "expected"),
    [(503, RetryLater), (429, Throttled), (404, NeedsPerson)],
    ids=["503", "429", "404"],
)
def test_injected_faults_fail_the_next_calls_only(status: int, expected: type[Exception]) -> None:
    erp = _erp()
    erp.fail_next(status, times=2)
    for _ in range(2):
        with pytest.raises(expected):
            erp.get_items(["MUG-WHITE"])
    assert set(erp.get_items(["MUG-WHITE"])) == {"MUG-WHITE"}


def test_an_order_for_an_unknown_account_needs_a_person() -> None:
    with pytest.raises(NeedsPerson, match="NOBODY"):
        _erp().create_sales_order(order_request("#N1", "NOBODY"))
