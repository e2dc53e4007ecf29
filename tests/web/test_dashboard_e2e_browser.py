"""Issue 13's browser acceptance, end to end, in a real headless Chromium (Debian's, via Playwright).

The Shopify sandbox and the Sage 200 sandbox (through its contract harness) with a shopbridge stack
between them (``tests/e2e/e2e_stack.py``: web app on a real port, worker threads). An order with a SKU
the ERP lacks is quarantined; an operator signs in, sees its problem in the inbox, the SKU is created
in the ERP sandbox, the operator presses *retry now*, and the inbox (which re-reads itself every few
seconds) drops the problem once the order job has posted the order to the ERP. A viewer sees no
button, and the server refuses their retry. Screenshots go to ``tests/web/artifacts`` (git-ignored).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import Browser, Page
from test_dashboard_browser import ARTIFACTS, browser, open_page

from cli.signing import add_user
from e2e.e2e_stack import SHOPIFY_SKUS, Shopify, Stack, load_contract, make_stack, shopify
from shopbridge import admin
from shopbridge.domain.access import Role
from shopbridge.domain.records import Customer

pytestmark = pytest.mark.browser
__all__ = ["browser", "make_stack", "shopify"]  # fixtures this module uses from its neighbours

SKU = "NEW-DASH-1"
WAIT_MS = 60_000  # how long the page may take to show the worker's result (not a speed assertion)


@pytest.fixture(scope="module")
def sage() -> Iterator[Any]:
    harness = load_contract("harness_sage200").make_harness()
    port = harness.start()
    try:
        for sku in SHOPIFY_SKUS:  # the sandbox shop's catalogue, as the e2e suite's ERP fixture adds it
            harness.add_item(sku, price=Decimal("15.00"))
        port.find_or_create_customer(Customer(email="existing@example.com"))
        yield harness, port
    finally:
        harness.stop()


def shoot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_an_operator_retries_a_quarantined_order_after_fixing_the_sku_and_it_reaches_the_erp(
    browser: Browser, shopify: Shopify, sage: tuple[Any, Any], make_stack: Any
) -> None:
    harness, port = sage
    stack: Stack = make_stack(port)
    add_user(stack.services, "olive", Role.OPERATOR)
    add_user(stack.services, "vic", Role.VIEWER)
    variant = shopify.new_variant(SKU, "A thing the ERP has not heard of")
    order = shopify.place([], variant_lines=[{"sku": "TEE-L", "quantity": 1}, {"variant_id": variant}])
    stack.settle()
    assert harness.count_sales_orders(order["name"]) == 0
    [problem] = stack.problems(kind="unknown_sku")

    page, errors = open_page(browser, f"{stack.web_url}/problems?kind=unknown_sku", "olive")
    card = page.locator(f'article[data-problem-id="{problem.id}"]')
    assert (
        order["name"] in card.locator(".happened").inner_text()
        and SKU in card.locator(".happened").inner_text()
    )
    assert "Create the item in the ERP" in card.locator(".advice").inner_text()
    shoot(page, "e2e-inbox-quarantined")

    viewer, viewer_errors = open_page(browser, f"{stack.web_url}/problems?kind=unknown_sku", "vic")
    assert viewer.locator(f'article[data-problem-id="{problem.id}"]').count() == 1
    assert viewer.locator("button.retry, #bulk-apply").count() == 0
    status = viewer.evaluate(
        """async (url) => {
             const token = document.querySelector('meta[name="csrf-token"]').content;
             const headers = {"Content-Type": "application/json", "X-CSRF-Token": token};
             return (await fetch(url, {method: "POST", headers: headers, body: "{}"})).status;
           }""",
        f"/api/problems/{problem.id}/retry",
    )
    assert status == 403

    harness.add_item(SKU, price=Decimal("11.00"))  # merchandising fixes the SKU in the ERP
    with page.expect_navigation():
        card.locator("button.retry").click()
    page.locator(f'article[data-problem-id="{problem.id}"]').wait_for(state="detached", timeout=WAIT_MS)
    stack.settle()
    assert harness.count_sales_orders(order["name"]) == 1
    assert admin.get_problem(stack.services, problem.id).status == "resolved"
    entries = admin.audit_trail(stack.services, entity_type="problem", entity_id=str(problem.id))
    assert [(e.action, e.actor) for e in entries] == [("problem.retry", "olive")]
    shoot(page, "e2e-inbox-after-retry")

    page.goto(f"{stack.web_url}/orders?q={order['name'].lstrip('#')}")
    events = page.inner_text("#events")
    assert "posted" in events and "problem unknown_sku (resolved)" in events
    number = admin.order_story(stack.services, order["name"]).sync.erp_number
    assert f"sales order {number}" in events
    link = page.locator("a.shopify-admin").get_attribute("href")
    assert (
        link
        == f"https://{stack.services.settings.shops[0].domain}/admin/orders/{order['id'].rsplit('/', 1)[-1]}"
    )
    shoot(page, "e2e-order-trail")
    assert errors == [] and viewer_errors == []
