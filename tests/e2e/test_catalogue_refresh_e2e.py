"""Issue 11, the catalogue's last two gaps, end to end on the Shopify sandbox over real HTTP:

* a product moved into a collection that a buffer rule covers gets the buffered figure pushed after the
  next catalogue sweep and stock sweep (the catalogue marks the changed products' stock items stale,
  the stock sweep reads them again and recomputes them), and back when it leaves the collection;
* a product updated in Shopify sends ``products/update``, which starts the catalogue sweep: a burst of
  them makes one sweep.

The product moves in and out of a smart collection (a tag rule) through ``productUpdate``, as a
merchant tagging it in the admin would.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import e2e_stack
import pytest
import sqlalchemy as sa
from e2e_stack import _INJECTED_ERP, SHOP, Erp, Shopify, Stack, vendor_params
from test_stock_flow_e2e import shopify_available, warehouse_of

from shopbridge.engine import queue
from shopbridge.engine.schema import catalogue_skus, jobs
from shopbridge.flows import catalogue_sync, order_to_sales_order, stock_to_shopify
from shopbridge.sandbox.shopify.resolvers.products import add_product, add_variant

ERPS = vendor_params("sage200", "syspro")
CREATE_SMART = """mutation($input: CollectionInput!) { collectionCreate(input: $input) {
  collection { handle } userErrors { field message } } }"""
UPDATE = """mutation($product: ProductUpdateInput!) { productUpdate(product: $product) {
  product { id } userErrors { field message } } }"""


@pytest.fixture(autouse=True)
def catalogue_switched_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shared stack's config turns the catalogue flow off: on here, unscheduled (the tests start
    the sweeps themselves, or a webhook does)."""
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


def start(make_stack: Any, shopify: Shopify, erp: Erp, extra: str, *topics: str) -> Stack:
    locations = f'[shops.locations]\n"{shopify.location_id()}" = "{warehouse_of(erp)}"\n'
    stack: Stack = make_stack(erp.port, shop_extra=locations, erp_config=_INJECTED_ERP + extra)
    shopify.emitter.settings.update({"topics": [*order_to_sales_order.TOPICS, *topics]})
    return stack


def catalogue_sweep(stack: Stack) -> None:
    with stack.services.store.begin() as conn:
        queue.enqueue(conn, catalogue_sync.KIND, {}, shop=SHOP, now=stack.services.clock.now())
    stack.settle()


def stock_sweep(stack: Stack) -> None:
    stock_to_shopify.sweep(stack.services.flow_context(SHOP), key=str(uuid.uuid4()))


def new_product(shopify: Shopify, title: str, sku: str) -> str:
    state = shopify.server.state
    product = add_product(state, title, status="ACTIVE", vendor="E2E", product_type="Merch")
    add_variant(state, product["id"], sku=sku, price="11.00", title="Default Title")
    return str(product["id"])


def update(shopify: Shopify, product: dict[str, Any]) -> None:
    assert shopify.data(UPDATE, {"product": product})["productUpdate"]["userErrors"] == []


def smart_collection(shopify: Shopify, title: str, tag: str) -> str:
    rules = {
        "appliedDisjunctively": False,
        "rules": [{"column": "TAG", "relation": "EQUALS", "condition": tag}],
    }
    created = shopify.data(CREATE_SMART, {"input": {"title": title, "ruleSet": rules}})["collectionCreate"]
    assert created["userErrors"] == []
    return str(created["collection"]["handle"])


@pytest.mark.parametrize("erp", ERPS, indirect=True)
def test_a_product_moved_into_a_buffered_collection_gets_the_buffered_figure_after_the_next_sweeps(
    shopify: Shopify, erp: Erp, make_stack: Any
) -> None:
    sku, tag = f"CAT-BUF-{erp.vendor}".upper(), f"fragile-{erp.vendor}"
    handle = smart_collection(shopify, f"Fragile {erp.vendor}", tag)
    erp.harness.add_item(sku, price=Decimal("11.00"))
    erp.harness.set_stock(sku, warehouse_of(erp), Decimal(20))
    pid = new_product(shopify, f"Buffer test {erp.vendor}", sku)
    stack = start(make_stack, shopify, erp, f'\n[[buffers.rules]]\ncollection = "{handle}"\nunits = 3\n')
    catalogue_sweep(stack)  # the first sweep reads the whole catalogue
    stock_sweep(stack)
    assert shopify_available(shopify, sku) == 20

    update(shopify, {"id": pid, "tags": [tag]})  # now in the collection
    stock_sweep(stack)
    assert shopify_available(shopify, sku) == 20  # the stock sweep alone still holds the old handles
    catalogue_sweep(stack)
    stock_sweep(stack)
    assert shopify_available(shopify, sku) == 17

    update(shopify, {"id": pid, "tags": []})  # out again
    catalogue_sweep(stack)
    stock_sweep(stack)
    assert shopify_available(shopify, sku) == 20


def catalogue_jobs(stack: Stack) -> list[Any]:
    with stack.services.store.begin() as conn:
        return list(
            conn.execute(sa.select(jobs).where(jobs.c.kind == catalogue_sync.KIND).order_by(jobs.c.id))
        )


def indexed_titles(stack: Stack, product_id: str) -> set[str]:
    with stack.services.store.begin() as conn:
        query = sa.select(catalogue_skus.c.title).where(catalogue_skus.c.product_id == product_id)
        return set(conn.execute(query).scalars())


@pytest.mark.parametrize("erp", ERPS[:1], indirect=True)
def test_a_burst_of_product_updates_in_shopify_starts_one_catalogue_sweep(
    shopify: Shopify, erp: Erp, make_stack: Any
) -> None:
    sku = f"CAT-HOOK-{erp.vendor}".upper()
    erp.harness.add_item(sku, price=Decimal("11.00"))
    pid = new_product(shopify, "Webhook test v0", sku)
    stack = start(make_stack, shopify, erp, "", *catalogue_sync.TOPICS)
    catalogue_sweep(stack)
    assert indexed_titles(stack, pid) == {"Webhook test v0"}
    before = len(catalogue_jobs(stack))

    with stack.workers_paused():
        for n in (1, 2, 3):
            update(shopify, {"id": pid, "title": f"Webhook test v{n}"})
        assert shopify.emitter.flush(timeout=10)  # the three products/update delivered and queued
    stack.settle()

    started = catalogue_jobs(stack)[before:]
    assert [(job.state, job.payload["topic"], job.payload["source"]) for job in started] == [
        ("done", "products/update", "webhook")
    ]
    assert indexed_titles(stack, pid) == {"Webhook test v3"}
