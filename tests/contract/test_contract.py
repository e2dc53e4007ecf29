"""The ERP contract: orders, customers, credit notes, payouts, errors and capabilities.

Every test runs once per adapter (``harness_<vendor>.py``); see ``conftest.py``. Reads of item,
stock and dispatch feeds are in ``test_contract_feeds.py``; the engine round trip in
``test_contract_engine.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from contract_support import credit_note, order_request, payout
from harness import STANDARD_CUSTOMER_EMAIL, ErpHarness

from shopbridge.domain.money import Money
from shopbridge.domain.records import (
    Customer,
    SalesOrderStatus,
)
from shopbridge.errors import BadInput, NeedsPerson, RetryLater, UnsupportedOperation
from shopbridge.ports.erp import Capability, CreditLimitExceeded, CustomerMissing, ErpPort, UnknownSku


def _require(erp: ErpPort, *capabilities: Capability) -> None:
    """Check the capability first: an adapter without it must refuse (tested in the last test)."""
    if not any(c in erp.capabilities for c in capabilities):
        pytest.skip(f"{erp.vendor} lacks {', '.join(capabilities)} (refusal tested separately)")


def test_creating_an_order_twice_with_one_reference_gives_one_erp_order(
    erp: ErpPort, harness: ErpHarness, account: str
) -> None:
    first = erp.create_sales_order(order_request("#C1001", account))
    second = erp.create_sales_order(order_request("#C1001", account))
    assert (first.existed, second.existed) == (False, True)
    assert second.erp_id == first.erp_id
    assert harness.count_sales_orders("#C1001") == 1


def test_find_sales_order_finds_the_order_by_shopify_reference(erp: ErpPort, account: str) -> None:
    posted = erp.create_sales_order(order_request("#C1002", account, ("MUG-WHITE", 3)))
    found = erp.find_sales_order("#C1002")
    assert found is not None
    assert (found.erp_id, found.reference, found.status) == (posted.erp_id, "#C1002", SalesOrderStatus.OPEN)
    assert [(ln.sku, ln.quantity) for ln in found.lines] == [("MUG-WHITE", 3)]
    assert erp.find_sales_order("#NEVER-POSTED") is None


def test_unknown_skus_are_each_named_and_nothing_is_created(
    erp: ErpPort, harness: ErpHarness, account: str
) -> None:
    request = order_request("#C1003", account, ("MUG-WHITE", 1), ("NOPE-1", 1), ("NOPE-2", 2))
    with pytest.raises(UnknownSku) as caught:
        erp.create_sales_order(request)
    assert sorted(caught.value.skus) == ["NOPE-1", "NOPE-2"]
    assert harness.count_sales_orders("#C1003") == 0
    assert erp.find_sales_order("#C1003") is None


def test_amending_an_order_replaces_its_lines(erp: ErpPort, account: str) -> None:
    _require(erp, Capability.AMEND_SALES_ORDER)
    posted = erp.create_sales_order(order_request("#C1004", account, ("MUG-WHITE", 1)))
    amended = erp.amend_sales_order(order_request("#C1004", account, ("TSHIRT-BLU-L", 4)))
    found = erp.find_sales_order("#C1004")
    assert found is not None and amended.erp_id == posted.erp_id
    assert [(ln.sku, ln.quantity) for ln in found.lines] == [("TSHIRT-BLU-L", 4)]


def test_cancelling_twice_cancels_once(erp: ErpPort, harness: ErpHarness, account: str) -> None:
    _require(erp, Capability.CANCEL_SALES_ORDER)
    posted = erp.create_sales_order(order_request("#C1005", account))
    first = erp.cancel_sales_order("#C1005", "customer changed their mind")
    again = erp.cancel_sales_order("#C1005")
    found = erp.find_sales_order("#C1005")
    assert found is not None and found.status == SalesOrderStatus.CANCELLED
    assert first.erp_id == again.erp_id == posted.erp_id
    assert harness.count_sales_orders("#C1005") == 1


def test_a_new_email_creates_a_customer_and_finding_it_again_does_not(erp: ErpPort) -> None:
    _require(erp, Capability.CUSTOMERS)
    newcomer = Customer(email="newcomer@example.com", first_name="Nia", last_name="Newcomer")
    created = erp.find_or_create_customer(newcomer)
    again = erp.find_or_create_customer(newcomer)
    assert created.created and created.account
    assert (again.created, again.account, again.conflicts) == (False, created.account, ())


def test_without_creating_a_known_email_is_found_and_an_unknown_one_is_missing(erp: ErpPort) -> None:
    _require(erp, Capability.CUSTOMERS)
    known = erp.find_or_create_customer(Customer(email=STANDARD_CUSTOMER_EMAIL), create=False)
    assert not known.created and known.account
    stranger = Customer(email="stranger@example.com", first_name="Sam")
    with pytest.raises(CustomerMissing, match=r"stranger@example\.com"):
        erp.find_or_create_customer(stranger, create=False)
    assert erp.find_or_create_customer(stranger).created  # it was not created by the refusal


def test_an_existing_email_with_other_details_reports_conflicts(erp: ErpPort) -> None:
    _require(erp, Capability.CUSTOMERS)
    other = Customer(email=STANDARD_CUSTOMER_EMAIL, first_name="Zebedee", last_name="Quixotic-Other")
    match = erp.find_or_create_customer(other)
    assert not match.created and match.account
    assert match.conflicts, "the ERP's name differs from ours: the field must be named in conflicts"


def test_an_order_over_the_customers_credit_limit_needs_a_person(erp: ErpPort, harness: ErpHarness) -> None:
    _require(erp, Capability.CREDIT_LIMIT_CHECK)
    customer = Customer(email="limited@example.com", first_name="Lim", last_name="Ited")
    account = erp.find_or_create_customer(customer).account  # the customer's first order
    harness.set_credit_limit(account, Decimal("100.00"))  # finance sets a limit afterwards
    # Each later order, as the order flow runs it: its customer's look-up, then the credit check (an
    # adapter may check against the row that look-up, or the account's creation, just answered).
    assert erp.find_or_create_customer(customer).account == account
    erp.check_credit(account, Money.of("100.00", "GBP"))
    assert erp.find_or_create_customer(customer).account == account
    with pytest.raises(CreditLimitExceeded, match=account):
        erp.check_credit(account, Money.of("100.01", "GBP"))


def test_a_credit_note_references_the_order_and_is_idempotent_on_the_refund(
    erp: ErpPort, harness: ErpHarness, account: str
) -> None:
    _require(erp, Capability.CREDIT_NOTE, Capability.RETURN_ORDER)
    erp.create_sales_order(order_request("#C1006", account))
    harness.dispatch("#C1006", carrier="DPD", tracking="CN-TRACK-1")
    first = erp.create_credit_note(credit_note("gid://shopify/Refund/9001", "#C1006"))
    second = erp.create_credit_note(credit_note("gid://shopify/Refund/9001", "#C1006"))
    assert (first.existed, second.existed, second.erp_id) == (False, True, first.erp_id)
    assert harness.count_credit_notes("#C1006") == 1


def test_posting_a_payout_twice_posts_it_once(erp: ErpPort) -> None:
    _require(erp, Capability.JOURNAL, Capability.BANK_RECEIPT)
    first = erp.post_payout(payout("PAYOUT-77001"))
    second = erp.post_payout(payout("PAYOUT-77001"))
    assert (first.existed, second.existed, second.erp_id) == (False, True, first.erp_id)


def test_a_5xx_raises_retry_later_and_the_next_call_succeeds(erp: ErpPort, harness: ErpHarness) -> None:
    harness.fail_next(503)
    with pytest.raises(RetryLater):
        erp.get_items(["MUG-WHITE"])
    assert set(erp.get_items(["MUG-WHITE"])) == {"MUG-WHITE"}


def test_a_4xx_needs_a_person_and_is_not_retried(erp: ErpPort, harness: ErpHarness, account: str) -> None:
    harness.fail_next(400)
    with pytest.raises((NeedsPerson, BadInput)) as caught:
        erp.create_sales_order(order_request("#C1007", account))
    assert not isinstance(caught.value, RetryLater)
    assert erp.create_sales_order(order_request("#C1007", account)).existed is False


def _refusals(erp: ErpPort, account: str) -> dict[Capability, Callable[[], Any]]:
    """For each capability, a call that needs it (the capability's absence must refuse it)."""
    return {
        Capability.READ_ITEMS: lambda: erp.get_items(["MUG-WHITE"]),
        Capability.READ_STOCK: lambda: erp.stock_changed(None, 10),
        Capability.READ_PRICE_LISTS: erp.price_lists,
        Capability.CUSTOMERS: lambda: erp.find_or_create_customer(Customer(email="who@example.com")),
        Capability.CREATE_SALES_ORDER: lambda: erp.create_sales_order(order_request("#C1008", account)),
        Capability.AMEND_SALES_ORDER: lambda: erp.amend_sales_order(order_request("#C1008", account)),
        Capability.CANCEL_SALES_ORDER: lambda: erp.cancel_sales_order("#C1008"),
        Capability.READ_DISPATCHES: lambda: erp.dispatches_since(None, 10),
    }


def test_every_capability_not_declared_is_refused_as_unsupported(erp: ErpPort, account: str) -> None:
    calls = _refusals(erp, account)
    missing = [c for c in calls if c not in erp.capabilities]
    if not {Capability.CREDIT_NOTE, Capability.RETURN_ORDER} & erp.capabilities:
        calls[Capability.CREDIT_NOTE] = lambda: erp.create_credit_note(credit_note("R-1", "#C1008"))
        missing.append(Capability.CREDIT_NOTE)
    if not {Capability.JOURNAL, Capability.BANK_RECEIPT} & erp.capabilities:
        calls[Capability.JOURNAL] = lambda: erp.post_payout(payout("PAYOUT-NONE"))
        missing.append(Capability.JOURNAL)
    for capability in missing:
        with pytest.raises(UnsupportedOperation):
            calls[capability]()
    assert erp.check().capabilities == erp.capabilities
