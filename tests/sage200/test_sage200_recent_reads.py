"""What the Sage 200 adapter does not read twice for one order, and what it always reads again.

Each GET spends one of Sage's ~10 request slots. The credit check takes the customer row the order's
own look-up read a moment before; whether the order exists and whether an item is active are read
every time (exactly once; catalogue gating).
"""

from __future__ import annotations

import httpx
import pytest
from sage200_scenario import gbp, order

from shopbridge.connectors.erp.sage200 import Sage200Adapter
from shopbridge.domain.records import Customer, ItemStatus
from shopbridge.ports.erp import CreditLimitExceeded
from shopbridge.sandbox.sage200 import Sage200Sandbox


def _paths(sent: list[httpx.Request]) -> list[str]:
    return [request.url.path.rsplit("/", 1)[-1] for request in sent]


def test_the_credit_check_uses_the_customer_row_the_order_just_read(
    adapter: Sage200Adapter, sent: list[httpx.Request]
) -> None:
    account = adapter.find_or_create_customer(Customer(email="existing@example.com")).account
    sent.clear()
    adapter.check_credit(account, gbp("10.00"))
    assert "customer_views" not in _paths(sent)


def test_a_customer_created_for_the_order_is_not_read_back_for_its_credit_check_and_order(
    adapter: Sage200Adapter, sandbox: Sage200Sandbox, sent: list[httpx.Request]
) -> None:
    adapter.get_items(["TSHIRT-RED-M", "MUG-WHITE"])
    match = adapter.find_or_create_customer(Customer(email="first.timer@example.com", first_name="Fay"))
    assert match.created
    sent.clear()
    adapter.check_credit(match.account, gbp("10.00"))
    posted = adapter.create_sales_order(order("#NEWCUST-1", match.account))
    assert "customer_views" not in _paths(sent)
    found = adapter.find_sales_order("#NEWCUST-1")
    assert found is not None and found.customer_account == match.account and not posted.existed


def test_a_new_customer_put_on_hold_by_sage_at_creation_still_fails_the_credit_check(
    adapter: Sage200Adapter, sandbox: Sage200Sandbox
) -> None:
    created = {"id": 7, "reference": "NEWHOLD", "balance": 0, "credit_limit": 0, "on_hold": True}
    adapter.lookups.remember_created_customer(created)
    with pytest.raises(CreditLimitExceeded, match="on hold"):
        adapter.check_credit("NEWHOLD", gbp("10.00"))


def test_the_credit_check_reads_an_account_nobody_read_lately(
    adapter: Sage200Adapter, sent: list[httpx.Request]
) -> None:
    adapter.check_credit("EXIST01", gbp("10.00"))
    assert _paths(sent).count("customer_views") == 1


def test_items_are_read_again_every_time_so_a_deactivation_is_seen_at_once(
    adapter: Sage200Adapter, sandbox: Sage200Sandbox
) -> None:
    assert adapter.get_items(["MUG-WHITE"])["MUG-WHITE"].status is ItemStatus.ACTIVE
    sandbox.set_item_active("MUG-WHITE", False)
    assert adapter.get_items(["MUG-WHITE"])["MUG-WHITE"].status is ItemStatus.INACTIVE


def test_every_create_still_asks_sage_whether_the_order_exists(
    adapter: Sage200Adapter, sent: list[httpx.Request]
) -> None:
    adapter.get_items(["TSHIRT-RED-M", "MUG-WHITE"])
    adapter.create_sales_order(order("#REREAD-1", "EXIST01"))
    sent.clear()
    again = adapter.create_sales_order(order("#REREAD-1", "EXIST01"))
    assert again.existed
    assert [(r.method, p) for r, p in zip(sent, _paths(sent), strict=True)] == [("GET", "sop_orders")]
