"""The Sage 200 adapter against the sandbox over real HTTP: what the port promises, Sage's way."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from sage200_scenario import credit_note, gbp, order, payout

from shopbridge.connectors.erp.sage200 import Sage200Adapter
from shopbridge.domain.records import Customer, ItemStatus, SalesOrderStatus
from shopbridge.errors import ConfigurationError, NeedsPerson, RetryLater
from shopbridge.ports.erp import Capability, CreditLimitExceeded, UnknownSku
from shopbridge.sandbox.sage200 import Sage200Sandbox

ACCOUNT = "EXIST01"  # the sandbox's seeded customer


def test_creating_the_same_order_twice_posts_one_sage_order(
    adapter: Sage200Adapter, sandbox: Sage200Sandbox
) -> None:
    first = adapter.create_sales_order(order("#1001", ACCOUNT))
    second = adapter.create_sales_order(order("#1001", ACCOUNT))
    assert (first.existed, second.existed, second.erp_id) == (False, True, first.erp_id)
    assert sandbox.count_sales_orders("#1001") == 1


def test_the_shopify_name_travels_in_customer_document_no(
    adapter: Sage200Adapter, http: httpx.Client
) -> None:
    adapter.create_sales_order(order("#1002", ACCOUNT))
    rows = http.get("/sop_orders", params={"$filter": "customer_document_no eq '#1002'"}).json()
    assert [r["customer_document_no"] for r in rows] == ["#1002"]
    assert [ln["code"] for ln in rows[0]["lines"]] == ["TSHIRT-RED-M", "MUG-WHITE", "CARRIAGE"]


def test_every_unknown_sku_is_named_and_nothing_is_posted(
    adapter: Sage200Adapter, sandbox: Sage200Sandbox
) -> None:
    wanted = order("#1003", ACCOUNT, ("NOPE-1", 1, "1.00"), ("MUG-WHITE", 1, "8.00"), ("NOPE-2", 2, "1.00"))
    with pytest.raises(UnknownSku) as caught:
        adapter.create_sales_order(wanted)
    assert caught.value.skus == ("NOPE-1", "NOPE-2")
    assert sandbox.count_sales_orders("#1003") == 0


def test_an_inactive_item_is_refused_before_posting(adapter: Sage200Adapter, sandbox: Sage200Sandbox) -> None:
    sandbox.set_item_active("MUG-WHITE", False)
    with pytest.raises(NeedsPerson, match="inactive"):
        adapter.create_sales_order(order("#1004", ACCOUNT))
    assert adapter.get_items(["MUG-WHITE"])["MUG-WHITE"].status is ItemStatus.INACTIVE


def test_amending_replaces_the_lines(adapter: Sage200Adapter) -> None:
    adapter.create_sales_order(order("#1005", ACCOUNT))
    adapter.amend_sales_order(order("#1005", ACCOUNT, ("CAP-BLACK", 3, "15.00")))
    found = adapter.find_sales_order("#1005")
    assert found is not None
    assert [(ln.sku, ln.quantity) for ln in found.lines] == [("CAP-BLACK", 3)]


def test_cancelling_twice_cancels_once_and_keeps_the_order(adapter: Sage200Adapter) -> None:
    adapter.create_sales_order(order("#1006", ACCOUNT))
    first = adapter.cancel_sales_order("#1006")
    second = adapter.cancel_sales_order("#1006")
    found = adapter.find_sales_order("#1006")
    assert (first.existed, second.existed) == (False, True)
    assert found is not None and found.status is SalesOrderStatus.CANCELLED


def test_a_despatched_order_cannot_be_amended(adapter: Sage200Adapter, sandbox: Sage200Sandbox) -> None:
    adapter.create_sales_order(order("#1007", ACCOUNT))
    sandbox.despatch("#1007", courier="DPD", consignment="X1")
    with pytest.raises(NeedsPerson, match="cannot amend"):
        adapter.amend_sales_order(order("#1007", ACCOUNT))


def test_a_despatch_carries_courier_consignment_and_lines(
    adapter: Sage200Adapter, sandbox: Sage200Sandbox
) -> None:
    adapter.create_sales_order(order("#1008", ACCOUNT))
    sandbox.despatch("#1008", courier="Royal Mail", consignment="RM123456789GB")
    page = adapter.dispatches_since(None)
    assert len(page.items) == 1
    dispatch = page.items[0]
    assert (dispatch.order_reference, dispatch.carrier, dispatch.tracking_numbers) == (
        "#1008",
        "Royal Mail",
        ("RM123456789GB",),
    )
    assert sorted((ln.sku, ln.quantity) for ln in dispatch.lines) == [("MUG-WHITE", 1), ("TSHIRT-RED-M", 2)]
    assert adapter.dispatches_since(page.next_cursor).items == ()


def test_free_stock_leaves_out_what_sage_has_allocated(adapter: Sage200Adapter) -> None:
    _, cursor, _ = _read_stock(adapter, None)
    adapter.create_sales_order(order("#1009", ACCOUNT))  # allocates 1 mug and 2 red shirts
    changed, _, _ = _read_stock(adapter, cursor)
    assert changed == {"MUG-WHITE": Decimal(99), "TSHIRT-RED-M": Decimal(38)}


def _read_stock(adapter: Sage200Adapter, cursor: str | None) -> tuple[dict[str, Decimal], str | None, int]:
    free: dict[str, Decimal] = {}
    pages = 0
    while True:
        page = adapter.stock_changed(cursor, limit=2)
        pages += 1
        free.update({level.sku: level.free for level in page.items})
        cursor = page.next_cursor
        if not page.has_more:
            return free, cursor, pages


def test_items_changed_pages_through_the_catalogue_then_reports_only_changes(
    adapter: Sage200Adapter, sandbox: Sage200Sandbox
) -> None:
    first = adapter.items_changed(None, limit=3)
    rest = adapter.items_changed(first.next_cursor, limit=3)
    assert first.has_more and not rest.has_more
    assert len(first.items) + len(rest.items) == 4
    sandbox.set_item_active("CAP-BLACK", False)
    again = adapter.items_changed(rest.next_cursor)
    assert [(i.sku, i.status) for i in again.items] == [("CAP-BLACK", ItemStatus.INACTIVE)]
    assert adapter.items_changed(again.next_cursor).items == ()


def test_an_existing_email_with_other_details_matches_and_lists_the_conflicts(
    adapter: Sage200Adapter,
) -> None:
    match = adapter.find_or_create_customer(
        Customer(email="existing@example.com", first_name="Erin", last_name="Other")
    )
    assert (match.account, match.created, match.conflicts) == (ACCOUNT, False, ("last_name",))


def test_a_new_email_creates_one_account_and_finds_it_next_time(adapter: Sage200Adapter) -> None:
    customer = Customer(email="fresh@example.com", first_name="Fay", last_name="Fresh")
    first = adapter.find_or_create_customer(customer)
    second = adapter.find_or_create_customer(customer)
    assert (first.created, second.created, second.account) == (True, False, first.account)
    assert len(first.account) <= 8


def test_a_customer_created_by_another_worker_meanwhile_is_the_account_found(
    adapter: Sage200Adapter, monkeypatch: pytest.MonkeyPatch
) -> None:
    customer = Customer(email="racing@example.com", first_name="Ray")
    created_by_the_other_worker = adapter.find_or_create_customer(customer).account
    # Our lookup by email ran before the other worker's create: it finds nothing, then our create
    # meets Sage's "already exists".
    lookup = adapter.lookups.customer
    monkeypatch.setattr(
        adapter.lookups,
        "customer",
        lambda field, value: None if field == "contact_default_email_address" else lookup(field, value),
    )
    match = adapter.find_or_create_customer(customer)
    assert (match.account, match.created) == (created_by_the_other_worker, False)


def test_the_credit_check_uses_sages_limit_and_balance(adapter: Sage200Adapter) -> None:
    customer = Customer(email="limited@example.com", first_name="Lim", credit_limit=gbp("50.00"))
    account = adapter.find_or_create_customer(customer).account
    adapter.check_credit(account, gbp("50.00"))
    with pytest.raises(CreditLimitExceeded):
        adapter.check_credit(account, gbp("50.01"))


def test_a_credit_note_references_the_order_once_and_asks_for_a_restock_task(
    adapter: Sage200Adapter, sandbox: Sage200Sandbox
) -> None:
    adapter.create_sales_order(order("#1010", ACCOUNT))
    first = adapter.create_credit_note(credit_note("gid://shopify/Refund/555", "#1010", restock=True))
    second = adapter.create_credit_note(credit_note("gid://shopify/Refund/555", "#1010", restock=True))
    assert (first.existed, second.existed, first.number) == (False, True, "555")
    assert first.extra["restock_task"] == "MUG-WHITE x1"
    assert sandbox.count_credit_notes("#1010") == 1


def test_a_payout_posts_a_bank_receipt_and_a_fee_payment_once(
    adapter: Sage200Adapter, http: httpx.Client
) -> None:
    first = adapter.post_payout(payout("PAYOUT-9"))
    second = adapter.post_payout(payout("PAYOUT-9"))
    rows = http.get("/bank_posted_transactions").json()
    kinds = sorted((r["bank_transaction_type"], r["cheque_value"]) for r in rows)
    assert (first.existed, second.existed) == (False, True)
    assert kinds == [("Payment", 5.0), ("Receipt", 100.0)]


def test_price_lists_carry_every_band_with_its_prices(adapter: Sage200Adapter) -> None:
    lists = {pl.code: pl for pl in adapter.price_lists()}
    standard = {p.sku: p.price for p in lists["Standard"].prices}
    assert set(lists) == {"Standard", "TRADE"}
    assert standard["MUG-WHITE"] == gbp("8.00")


def test_check_reports_a_healthy_sandbox_and_the_capabilities(adapter: Sage200Adapter) -> None:
    health = adapter.check()
    assert (health.reachable, health.authenticated) == (True, True)
    assert Capability.JOURNAL not in health.capabilities
    assert {Capability.RETURN_ORDER, Capability.CREDIT_NOTE_RESTOCK, Capability.KITS}.isdisjoint(
        health.capabilities
    )


def test_a_wrong_token_is_a_configuration_error(sandbox: Sage200Sandbox) -> None:
    from harness_sage200 import sandbox_settings

    from shopbridge.connectors.erp.sage200.client import Sage200Client

    wrong = Sage200Adapter(Sage200Client(sandbox_settings(sandbox), "expired"))
    try:
        assert wrong.check().authenticated is False
        with pytest.raises(ConfigurationError, match="access_token"):
            wrong.get_items(["MUG-WHITE"])
    finally:
        wrong.close()


def test_a_5xx_is_retried_later_and_the_next_call_succeeds(
    adapter: Sage200Adapter, sandbox: Sage200Sandbox
) -> None:
    sandbox.fail_next(503)
    with pytest.raises(RetryLater) as caught:
        adapter.get_items(["MUG-WHITE"])
    assert caught.value.retry_after == 1.0
    assert set(adapter.get_items(["MUG-WHITE"])) == {"MUG-WHITE"}


def test_a_hung_sage_is_a_timeout_to_retry_later(adapter: Sage200Adapter, sandbox: Sage200Sandbox) -> None:
    sandbox.hang_next(seconds=3.0)  # the adapter's timeout is 2 s
    with pytest.raises(RetryLater, match="did not answer"):
        adapter.get_items(["MUG-WHITE"])


def test_a_stopped_sage_is_unreachable_to_retry_later(
    adapter: Sage200Adapter, sandbox: Sage200Sandbox
) -> None:
    sandbox.stop()
    with pytest.raises(RetryLater, match="unreachable"):
        adapter.get_items(["MUG-WHITE"])


def test_an_order_created_right_after_its_items_and_customer_were_read_reads_neither_again(
    adapter: Sage200Adapter, sent: list[httpx.Request]
) -> None:
    adapter.get_items(["TSHIRT-RED-M", "MUG-WHITE"])
    account = adapter.find_or_create_customer(Customer(email="existing@example.com")).account
    sent.clear()
    adapter.create_sales_order(order("#RECENT-1", account))
    paths = [request.url.path.rsplit("/", 1)[-1] for request in sent]
    assert "products" not in paths and "customer_views" not in paths
    assert paths.count("sop_orders") == 2  # the look-up before the create, and the create
