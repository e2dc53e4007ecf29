"""Credit limits against the real server: the check reads what Tryton computes, and Tryton's own
refusal at confirmation becomes ``CreditLimitExceeded`` with the sale left as a quotation."""

from __future__ import annotations

from decimal import Decimal
from types import ModuleType
from typing import Any

import pytest

from shopbridge.connectors.erp.tryton import TrytonErp
from shopbridge.connectors.erp.tryton.rpc import TrytonRpc
from shopbridge.domain.money import Money
from shopbridge.domain.records import Customer
from shopbridge.errors import NeedsPerson
from shopbridge.ports.erp import CreditLimitExceeded

pytestmark = pytest.mark.tryton
SEEDED_LIMITED = "limited@example.com"  # tryton_server.CREDIT_CUSTOMER_EMAIL, limit 100.00 GBP


def gbp(amount: str) -> Money:
    return Money(Decimal(amount), "GBP")


def _limited(harness: Any, erp: TrytonErp, name: str, limit: str) -> str:
    """A fresh customer whose party has ``limit`` (so tests that place orders do not share one)."""
    account = erp.find_or_create_customer(Customer(email=f"{name}@example.com", first_name=name)).account
    harness.set_credit_limit(account, Decimal(limit))
    return account


@pytest.mark.parametrize(("amount", "over"), [("80.00", False), ("100.00", False), ("100.01", True)])
def test_the_seeded_limit_of_100_is_checked(erp: TrytonErp, amount: str, over: bool) -> None:
    account = erp.find_or_create_customer(Customer(email=SEEDED_LIMITED)).account
    if over:
        with pytest.raises(
            CreditLimitExceeded, match=rf"{account} is over its credit limit.*100\.00 GBP"
        ) as caught:
            erp.check_credit(account, gbp(amount))
        assert caught.value.details["account"] == account
    else:
        erp.check_credit(account, gbp(amount))


def test_a_customer_without_a_limit_is_not_checked(erp: TrytonErp, account: str) -> None:
    erp.check_credit(account, gbp("1000000.00"))


def test_confirmed_orders_count_against_the_limit(harness: Any, erp: TrytonErp, support: ModuleType) -> None:
    account = _limited(harness, erp, "carla", "100.00")
    erp.create_sales_order(support.order_request("#T9201", account, ("MUG-WHITE", 3)))  # 24.00 untaxed
    erp.check_credit(account, gbp("76.00"))
    with pytest.raises(CreditLimitExceeded):
        erp.check_credit(account, gbp("76.01"))


def test_an_order_over_the_limit_is_refused_at_confirmation_and_waits_as_a_quotation(
    harness: Any, erp: TrytonErp, support: ModuleType
) -> None:
    account = _limited(harness, erp, "quentin", "100.00")
    order = support.order_request("#T9202", account, ("TSHIRT-RED-M", 10))  # 125.00 untaxed
    for _attempt in range(2):
        with pytest.raises(
            CreditLimitExceeded, match=r"#T9202: The party .* exceed .* credit limit"
        ) as caught:
            erp.create_sales_order(order)
        assert caught.value.details["account"] == account
    states = erp.look.search_read("sale.sale", [("reference", "=", "#T9202")], ["state"])
    assert [s["state"] for s in states] == ["quotation"]


def test_raising_the_limit_lets_the_waiting_order_through(
    harness: Any, erp: TrytonErp, support: ModuleType
) -> None:
    account = _limited(harness, erp, "rhoda", "100.00")
    order = support.order_request("#T9203", account, ("TSHIRT-RED-M", 10))
    with pytest.raises(CreditLimitExceeded):
        erp.create_sales_order(order)
    harness.set_credit_limit(account, Decimal("500.00"))
    posted = erp.create_sales_order(order)
    assert (posted.existed, posted.extra["state"]) == (True, "processing")
    assert harness.count_sales_orders("#T9203") == 1


@pytest.mark.parametrize(
    ("account", "amount", "words"),
    [
        ("NO-SUCH-PARTY", gbp("1.00"), "no party with code NO-SUCH-PARTY"),
        (None, Money(Decimal(1), "EUR"), "EUR"),
    ],
)
def test_a_check_that_cannot_be_made_needs_a_person(
    erp: TrytonErp, account: str | None, amount: Money, words: str
) -> None:
    who = account or erp.find_or_create_customer(Customer(email=SEEDED_LIMITED)).account
    with pytest.raises(NeedsPerson, match=words) as caught:
        erp.check_credit(who, amount)
    assert not isinstance(caught.value, CreditLimitExceeded)


def _plain_user(harness: Any) -> TrytonErp:
    """The adapter logged in as a user who is neither administrator nor in the credit-limit group:
    Tryton refuses such a user with an error rather than a warning."""
    groups = harness.clerk.model("res.group", "search_read", [], 0, None, None, ["name"])
    allowed = [int(g["id"]) for g in groups if g["name"] != "Account Credit Limit"]
    user = {
        "name": "Sales clerk",
        "login": "clerk",
        "password": "clerk-password-1",
        "groups": [["add", allowed]],
    }
    harness.clerk.model("res.user", "create", [user])
    rpc = TrytonRpc(harness.server.url, "erp", "clerk", "clerk-password-1", company_id=1)
    return TrytonErp(rpc)


def test_a_plain_users_refusal_at_confirmation_is_recognised_too(
    harness: Any, erp: TrytonErp, support: ModuleType
) -> None:
    account = _limited(harness, erp, "ursula", "100.00")
    clerk = _plain_user(harness)
    try:
        with pytest.raises(
            CreditLimitExceeded, match=r"#T9204: The party .* exceed .* credit limit"
        ) as caught:
            clerk.create_sales_order(support.order_request("#T9204", account, ("TSHIRT-RED-M", 10)))
    finally:
        clerk.close()
    assert caught.value.__cause__ is not None
    assert caught.value.__cause__.details["tryton_error"] == "UserError"
