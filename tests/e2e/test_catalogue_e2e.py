"""Issue 11 (product gating and SKU integrity), end to end: the Shopify sandbox over real HTTP, each ERP
through its contract harness (Sage 200, SYSPRO, Prima sandboxes and a real Tryton), and the catalogue
sweep on ``Runtime`` worker threads.

Every assertion reads the product as the sandbox serves it (GraphQL) and the problems shopbridge
raised. The Shopify sandbox is shared by the module, so each test makes its own products with SKUs
named after the test and the ERP.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import e2e_stack
import pytest
from e2e_stack import SHOP, Erp, Shopify, Stack, vendor_params

from shopbridge.engine import queue
from shopbridge.flows import order_to_sales_order
from shopbridge.sandbox.shopify.resolvers.products import add_product, add_variant

ALL = vendor_params("sage200", "syspro", "prima", "tryton")
# The sandbox's seeded bundle is sold as its components; the rest is the ERP's own choice per test.
CATALOGUE_CONFIG = """
[bundles]
"BUNDLE-BRK" = { "MUG-01" = 2, "TEE-M" = 1 }
"""
PRODUCT = """query($id: ID!) { product(id: $id) { status title
  variants(first: 5) { nodes { id sku price } } } }"""
SET_SKU = """mutation($id: ID!, $sku: String!) {
  inventoryItemUpdate(id: $id, input: {sku: $sku}) { userErrors { field message } } }"""


@pytest.fixture(autouse=True)
def catalogue_switched_on(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The shared stack's config turns the catalogue flow off; these tests turn it on, unscheduled
    (each test runs the sweep itself), and let the sandbox deliver only the order topics shopbridge
    subscribes to (not the products/update its own writes cause)."""
    original = e2e_stack.write_config

    def with_catalogue(workdir: Path, shopify_url: str, **options: Any) -> Path:
        path = original(workdir, shopify_url, **options)
        text = path.read_text(encoding="utf-8")
        text = text.replace("catalogue = false", "catalogue = true").replace(
            "[schedules]\n", "[schedules]\ncatalogue = 0\n"
        )
        path.write_text(text, encoding="utf-8")
        return path

    monkeypatch.setattr(e2e_stack, "write_config", with_catalogue)
    yield


def start(make_stack: Any, shopify: Shopify, erp: Erp, extra: str = "") -> Stack:
    stack: Stack = make_stack(erp.port, erp_config=e2e_stack._INJECTED_ERP + CATALOGUE_CONFIG + extra)
    shopify.emitter.settings.update({"topics": list(order_to_sales_order.TOPICS)})
    return stack


def sweep(stack: Stack) -> None:
    with stack.services.store.begin() as conn:
        queue.enqueue(conn, "sweep.catalogue", {}, shop=SHOP, now=stack.services.clock.now())
    stack.settle()


def new_product(shopify: Shopify, title: str, *skus: str, price: str = "11.00") -> str:
    state = shopify.server.state
    product = add_product(state, title, status="ACTIVE", vendor="E2E", product_type="Merch")
    for n, sku in enumerate(skus):
        add_variant(state, product["id"], sku=sku, price=price, title=f"Option {n}")
    return str(product["id"])


def product(shopify: Shopify, product_id: str) -> dict[str, Any]:
    found: dict[str, Any] = shopify.data(PRODUCT, {"id": product_id})["product"]
    return found


def open_problems(stack: Stack, kind: str, entity_id: str) -> list[Any]:
    return [p for p in stack.problems(kind=kind) if p.entity_id == entity_id]


@pytest.mark.parametrize("erp", ALL, indirect=True)
def test_an_inactive_items_product_goes_draft_and_comes_back_when_the_item_is_active(
    shopify: Shopify, erp: Erp, make_stack: Any
) -> None:
    sku = f"CAT-INACTIVE-{erp.vendor}".upper()
    erp.harness.add_item(sku, price=Decimal("11.00"))
    pid = new_product(shopify, f"Inactive test {erp.vendor}", sku)
    stack = start(make_stack, shopify, erp)
    sweep(stack)
    assert product(shopify, pid)["status"] == "ACTIVE"
    erp.harness.set_item_active(sku, False)
    sweep(stack)
    assert product(shopify, pid)["status"] == "DRAFT"
    assert [p.team.value for p in open_problems(stack, "product_gated", pid)] == ["merchandising"]
    erp.harness.set_item_active(sku, True)
    sweep(stack)
    assert product(shopify, pid)["status"] == "ACTIVE"
    assert open_problems(stack, "product_gated", pid) == []


@pytest.mark.parametrize("erp", ALL, indirect=True)
def test_a_product_whose_sku_the_erp_lacks_is_gated_then_released_when_the_item_is_created(
    shopify: Shopify, erp: Erp, make_stack: Any
) -> None:
    known, late = f"CAT-KNOWN-{erp.vendor}".upper(), f"CAT-LATE-{erp.vendor}".upper()
    erp.harness.add_item(known, price=Decimal("11.00"))
    pid = new_product(shopify, f"Late item test {erp.vendor}", known, late)
    stack = start(make_stack, shopify, erp)
    sweep(stack)
    sweep(stack)
    assert product(shopify, pid)["status"] == "DRAFT"
    (gated,) = open_problems(stack, "product_gated", pid)
    assert late in gated.message and known not in gated.message and gated.count == 2
    erp.harness.add_item(late, price=Decimal("11.00"))
    sweep(stack)
    assert product(shopify, pid)["status"] == "ACTIVE"
    assert open_problems(stack, "product_gated", pid) == []


@pytest.mark.parametrize("erp", ALL, indirect=True)
def test_a_duplicate_sku_raises_one_problem_and_its_order_waits_until_the_sku_is_fixed(
    shopify: Shopify, erp: Erp, make_stack: Any
) -> None:
    sku = f"CAT-DUP-{erp.vendor}".upper()
    erp.harness.add_item(sku, price=Decimal("11.00"))
    new_product(shopify, f"Duplicate A {erp.vendor}", sku)
    second = new_product(shopify, f"Duplicate B {erp.vendor}", sku)
    stack = start(make_stack, shopify, erp)
    sweep(stack)
    sweep(stack)
    (problem,) = open_problems(stack, "duplicate_sku", sku)
    assert problem.count == 2 and problem.team.value == "merchandising"
    order = shopify.place([(sku, 1)])
    stack.settle()
    assert erp.harness.count_sales_orders(order["name"]) == 0
    assert stack.sync(order).sync.status.value == "quarantined"
    assert [p.kind.value for p in stack.problems_of(order)] == ["duplicate_sku"]
    variant = product(shopify, second)["variants"]["nodes"][0]["id"]
    item = shopify.server.state.variants[variant]["inventory_item_id"]
    shopify.data(SET_SKU, {"id": item, "sku": f"{sku}-B"})
    sweep(stack)  # the SKU is unique again: its problem closes and the order goes to the ERP
    assert open_problems(stack, "duplicate_sku", sku) == []
    assert erp.harness.count_sales_orders(order["name"]) == 1
    assert stack.problems_of(order) == []


@pytest.mark.parametrize("erp", ALL, indirect=True)
def test_an_erp_owned_field_reaches_shopify_and_a_shopify_owned_one_does_not(
    shopify: Shopify, erp: Erp, make_stack: Any
) -> None:
    sku = f"CAT-OWNED-{erp.vendor}".upper()
    erp.harness.add_item(sku, price=Decimal("13.40"))
    title = f"Shopify's own title {erp.vendor}"
    pid = new_product(shopify, title, sku, price="11.00")
    erp_item = erp.port.get_items([sku])[sku]
    assert erp_item.description and erp_item.description != title  # the ERP's name differs
    stack = start(make_stack, shopify, erp, '\n[ownership]\nprice = "erp"\ntitle = "shopify"\n')
    sweep(stack)
    seen = product(shopify, pid)
    assert Decimal(seen["variants"]["nodes"][0]["price"]) == Decimal("13.40")  # the ERP owns price
    assert seen["title"] == title  # Shopify owns the title


@pytest.mark.parametrize("erp", ALL, indirect=True)
def test_in_unpublish_mode_an_inactive_items_product_leaves_its_channels_and_comes_back(
    shopify: Shopify, erp: Erp, make_stack: Any
) -> None:
    sku = f"CAT-UNPUB-{erp.vendor}".upper()
    erp.harness.add_item(sku, price=Decimal("11.00"))
    pid = new_product(shopify, f"Unpublish test {erp.vendor}", sku)
    channel = next(iter(shopify.server.state.publications))
    shopify.server.state.products[pid]["publication_ids"].append(channel)
    stack = start(make_stack, shopify, erp, '\n[catalogue]\ngate = "unpublish"\n')
    erp.harness.set_item_active(sku, False)
    sweep(stack)
    assert published(shopify, pid, channel) is False
    assert product(shopify, pid)["status"] == "ACTIVE"  # the status is the merchant's in this mode
    erp.harness.set_item_active(sku, True)
    sweep(stack)
    assert published(shopify, pid, channel) is True
    assert open_problems(stack, "product_gated", pid) == []


def published(shopify: Shopify, product_id: str, channel: str) -> bool:
    query = "query($id: ID!, $p: ID!) { product(id: $id) { publishedOnPublication(publicationId: $p) } }"
    return bool(shopify.data(query, {"id": product_id, "p": channel})["product"]["publishedOnPublication"])


@pytest.mark.parametrize("erp", vendor_params("sage200"), indirect=True)
def test_with_the_default_matrix_sage_200s_barcode_and_weight_reach_shopify_and_its_price_does_not(
    shopify: Shopify, erp: Erp, make_stack: Any
) -> None:
    sku = "CAT-WEIGHED-SAGE200"
    erp.harness.add_item(sku, price=Decimal("19.99"))
    erp.harness.sandbox.set_item_details(sku, barcode="5012345678900", weight=Decimal("0.4"))
    pid = new_product(shopify, "Weighed in Sage", sku, price="11.00")
    stack = start(make_stack, shopify, erp)
    sweep(stack)
    query = """query($id: ID!) { product(id: $id) { variants(first: 1) { nodes { price barcode
      inventoryItem { measurement { weight { unit value } } } } } } }"""
    (variant,) = shopify.data(query, {"id": pid})["product"]["variants"]["nodes"]
    assert variant["barcode"] == "5012345678900"
    assert variant["inventoryItem"]["measurement"]["weight"] == {"unit": "KILOGRAMS", "value": 0.4}
    assert Decimal(variant["price"]) == Decimal("11.00")  # Shopify owns the price by default
