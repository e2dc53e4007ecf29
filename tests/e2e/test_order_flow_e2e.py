"""Issue 9 acceptance, end to end: a checkout in the Shopify sandbox, its signed webhooks over real
HTTP into shopbridge's intake, the queue, the order flow on ``Runtime`` worker threads, the ERP (each
ERP through its contract harness), and the ERP number written back onto the Shopify order.

Every test asserts on the ERP's own state (the harness's counters, the adapter's read-back of the
sales order) and on the Shopify order as the sandbox serves it (metafield and tag).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from e2e_stack import Erp, Shopify, Stack, vendor_params

from shopbridge import admin
from shopbridge.domain.records import SalesOrderStatus

ALL = vendor_params("sage200", "syspro", "prima", "tryton")
SAGE_AND_TRYTON = vendor_params("sage200", "tryton")
SAGE = vendor_params("sage200")


def erp_number_of(stack: Stack, order: dict[str, Any]) -> str:
    number: str = stack.sync(order).sync.erp_number
    assert number, f"{order['name']} has no ERP number in shopbridge"
    return number


def assert_written_back(shopify: Shopify, order: dict[str, Any], number: str) -> None:
    seen = shopify.read(order["id"])
    assert seen["metafield"] == {"value": number}
    assert f"ERP:{number}" in seen["tags"]


def quantities(erp: Erp, order: dict[str, Any]) -> dict[str, int]:
    found = erp.port.find_sales_order(order["name"])
    assert found is not None, f"the ERP has no sales order {order['name']}"
    totals: dict[str, int] = {}
    for line in found.lines:
        totals[line.sku] = totals.get(line.sku, 0) + int(line.quantity)
    return totals


def posted(stack: Stack, shopify: Shopify, erp: Erp, lines: list[tuple[str, int]]) -> dict[str, Any]:
    order = shopify.place(lines)
    stack.settle()
    assert erp.harness.count_sales_orders(order["name"]) == 1
    return order


@pytest.mark.parametrize("erp", ALL, indirect=True)
def test_a_paid_order_becomes_exactly_one_erp_sales_order_and_its_number_comes_back_to_shopify(
    shopify: Shopify, erp: Erp, make_stack: Any
) -> None:
    stack = make_stack(erp.port)
    order = shopify.place([("TEE-L", 2), ("MUG-01", 1)])
    stack.settle()
    assert erp.harness.count_sales_orders(order["name"]) == 1
    assert quantities(erp, order) == {"TEE-L": 2, "MUG-01": 1}
    assert_written_back(shopify, order, erp_number_of(stack, order))
    assert stack.problems_of(order) == []


@pytest.mark.parametrize("erp", SAGE, indirect=True)
def test_the_orders_updated_of_shopbridges_own_tag_costs_no_second_read_of_the_order(
    shopify: Shopify, erp: Erp, make_stack: Any
) -> None:
    stack = make_stack(erp.port)
    order = shopify.place([("TEE-L", 1)])
    stack.settle()
    story = stack.sync(order)
    assert_written_back(shopify, order, story.sync.erp_number)
    assert story.sync.written_version, "the tag's version is kept with the sync"
    steps = [step.step for step in story.steps]
    # create and paid are one version (one job, one read); the tag's orders/updated came, and made
    # either no job (the version was marked first) or a job that read nothing.
    assert steps.count("received") == 1, steps
    assert steps.count("written_back") == 1, steps


@pytest.mark.parametrize("erp", ALL, indirect=True)
def test_the_same_webhook_delivered_twice_plus_a_sweep_of_the_same_order_gives_one_erp_order(
    shopify: Shopify, erp: Erp, make_stack: Any
) -> None:
    stack = make_stack(erp.port, overlap=0)
    stack.start_watermark(stack.services.clock.now() - timedelta(seconds=1))
    shopify.emitter.settings.update({"duplicate_rate": 1.0})
    duplicated = shopify.emitter.stats.duplicated
    order = shopify.place([("TEE-M", 1)])
    stack.sweep_orders()  # races the webhooks
    stack.settle()
    stack.sweep_orders()  # and once more after the order posted
    stack.settle()
    assert shopify.emitter.stats.duplicated > duplicated
    assert erp.harness.count_sales_orders(order["name"]) == 1
    assert_written_back(shopify, order, erp_number_of(stack, order))
    assert stack.problems_of(order) == []


@pytest.mark.parametrize("erp", ALL, indirect=True)
def test_an_order_with_an_unknown_sku_waits_in_quarantine_and_posts_by_itself_once_the_erp_has_it(
    shopify: Shopify, erp: Erp, make_stack: Any
) -> None:
    sku = f"NEW-{erp.vendor.upper()}-1"
    variant = shopify.new_variant(sku, f"New thing for {erp.vendor}")
    stack = make_stack(erp.port)
    order = shopify.place([], variant_lines=[{"sku": "TEE-L", "quantity": 1}, {"variant_id": variant}])
    stack.settle()
    assert erp.harness.count_sales_orders(order["name"]) == 0
    assert stack.sync(order).sync.status == "quarantined"
    problems = stack.problems_of(order)
    assert [p.kind.value for p in problems] == ["unknown_sku"]
    assert problems[0].team.value == "merchandising"
    assert sku in problems[0].message and order["name"] in problems[0].message

    erp.harness.add_item(sku, price=Decimal("11.00"))
    stack.sweep_erp_items()
    stack.settle()
    assert erp.harness.count_sales_orders(order["name"]) == 1
    assert quantities(erp, order) == {"TEE-L": 1, sku: 1}
    assert stack.problems_of(order) == []
    assert [p.kind.value for p in stack.problems_of(order, status="resolved")] == ["unknown_sku"]
    assert_written_back(shopify, order, erp_number_of(stack, order))


@pytest.mark.parametrize("erp", ALL, indirect=True)
def test_a_quantity_edit_before_the_cut_off_amends_the_erp_order(
    shopify: Shopify, erp: Erp, make_stack: Any
) -> None:
    stack = make_stack(erp.port)
    order = posted(stack, shopify, erp, [("TEE-L", 2), ("MUG-01", 1)])
    shopify.set_quantity(order["id"], "TEE-L", 3)
    stack.settle()
    assert erp.harness.count_sales_orders(order["name"]) == 1
    assert quantities(erp, order) == {"TEE-L": 3, "MUG-01": 1}
    assert stack.sync(order).sync.amendments == 1
    assert stack.problems_of(order) == []
    assert_written_back(shopify, order, erp_number_of(stack, order))


@pytest.mark.parametrize("erp", ALL, indirect=True)
def test_a_cancellation_before_the_cut_off_cancels_the_erp_order(
    shopify: Shopify, erp: Erp, make_stack: Any
) -> None:
    stack = make_stack(erp.port)
    order = posted(stack, shopify, erp, [("MUG-01", 2)])
    shopify.cancel(order["id"])
    stack.settle()
    found = erp.port.find_sales_order(order["name"])
    assert found is not None and found.status is SalesOrderStatus.CANCELLED
    assert erp.harness.count_sales_orders(order["name"]) == 1
    assert stack.sync(order).sync.status == "cancelled"
    assert stack.problems_of(order) == []


@pytest.mark.parametrize("erp", SAGE_AND_TRYTON, indirect=True)
def test_an_edit_after_the_cut_off_tells_operations_once_and_changes_nothing_in_the_erp(
    shopify: Shopify, erp: Erp, make_stack: Any
) -> None:
    stack = make_stack(erp.port)
    order = posted(stack, shopify, erp, [("BOTTLE-01", 2)])
    erp.harness.set_stock("BOTTLE-01", "", Decimal(50))
    erp.harness.dispatch(order["name"], carrier="DPD", tracking="E2E-1")
    before = erp.port.find_sales_order(order["name"])
    assert before is not None and before.status is not SalesOrderStatus.OPEN
    shopify.set_quantity(order["id"], "BOTTLE-01", 3)
    stack.settle()
    problems = stack.problems_of(order)
    assert [p.kind.value for p in problems] == ["amendment_after_cutoff"]
    assert order["name"] in problems[0].message and "cut-off" in problems[0].message
    after = erp.port.find_sales_order(order["name"])
    assert after is not None and (after.status, after.lines) == (before.status, before.lines)
    assert quantities(erp, order) == {"BOTTLE-01": 2}
    assert erp.harness.count_sales_orders(order["name"]) == 1


@pytest.mark.parametrize("erp", SAGE, indirect=True)
def test_an_erp_refusal_ends_as_one_problem_in_the_erps_words_and_a_replay_posts_it_after_the_fix(
    shopify: Shopify, erp: Erp, make_stack: Any
) -> None:
    stack = make_stack(erp.port)
    erp.harness.set_credit_limit(erp.account, Decimal("1.00"))
    try:
        order = shopify.place([("TEE-L", 4)])
        stack.settle()
        assert erp.harness.count_sales_orders(order["name"]) == 0
        problems = stack.problems_of(order)
        assert len(problems) == 1, problems
        assert "credit" in problems[0].message.lower(), problems[0].message
        dead = [job for job in stack.jobs("dead") if job.kind == "shopify.order"]
        assert len(dead) == 1
    finally:
        erp.harness.set_credit_limit(erp.account, Decimal("1000000.00"))
    admin.replay_job(stack.services, dead[0].id, actor="e2e")
    stack.settle()
    assert erp.harness.count_sales_orders(order["name"]) == 1
    assert_written_back(shopify, order, erp_number_of(stack, order))


BAD_INPUT = {
    "empty_sku": ("", ["sku"]),
    "currency_without_ledger_accounts": ('[shops.accounts.EUR]\nbank = "1200"\n', ["GBP"]),
    "location_without_warehouse": (
        '[shops.locations]\n"gid://shopify/Location/999999" = "WH9"\n',
        ["location"],
    ),
    "customer_without_email_or_company": ("", ["email"]),
}


@pytest.mark.parametrize("erp", SAGE, indirect=True)
@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_ends_as_one_problem_in_clear_words_and_nothing_is_lost(
    shopify: Shopify, erp: Erp, make_stack: Any, case: str
) -> None:
    shop_extra, words = BAD_INPUT[case]
    stack = make_stack(erp.port, shop_extra=shop_extra)
    request: dict[str, Any] = {}
    lines: list[tuple[str, int]] = [("TEE-S", 1)]
    if case == "empty_sku":
        variant = shopify.new_variant(None, "Hand-made thing without a SKU")
        request["variant_lines"] = [{"variant_id": variant, "quantity": 1}]
    elif case == "location_without_warehouse":
        request["location_id"] = shopify.location_id()
    elif case == "customer_without_email_or_company":
        request["customer_id"] = None
    order = shopify.place(lines, **request)
    stack.settle()
    problems = stack.problems_of(order)
    assert len(problems) == 1, problems
    message = problems[0].message
    assert order["name"] in message, message
    for word in words:
        assert word.lower() in message.lower(), message
    assert problems[0].resolution, "a problem says how to fix it"
    # nothing lost: the order's job waits, dead, to be replayed once the cause is fixed
    dead = [job for job in stack.jobs("dead") if job.kind == "shopify.order"]
    assert [job.payload.get("order_id") or job.payload.get("shopify_id") for job in dead] == [order["id"]]
    assert erp.harness.count_sales_orders(order["name"]) == 0
    assert shopify.read(order["id"])["metafield"] is None
