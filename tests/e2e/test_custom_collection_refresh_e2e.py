"""Issue 11, a product added to a CUSTOM collection, end to end on the Shopify sandbox over real HTTP.

``collectionAddProducts`` leaves the product's ``updatedAt`` alone, so the incremental catalogue sweep
never reads it and its stock item keeps its old collections. The periodic whole read (``[catalogue]
full_every``) reads every product's collection handles in one bulk operation and marks stale only the
SKUs whose handles changed; the next stock sweep then pushes the buffered figure. Setup as in
``test_catalogue_refresh_e2e`` (its autouse fixture switches the catalogue flow on here too).
"""

from __future__ import annotations

import json
from datetime import UTC, timedelta
from decimal import Decimal
from typing import Any

import pytest
from e2e_stack import SHOP, Erp, Shopify, Stack
from test_catalogue_refresh_e2e import (
    ERPS,
    catalogue_sweep,
    catalogue_switched_on,  # noqa: F401 - autouse: the catalogue flow on, unscheduled
    new_product,
    start,
    stock_sweep,
)
from test_stock_flow_e2e import shopify_available, warehouse_of

from shopbridge.flows import catalogue_index, stock_item_refresh

CREATE_CUSTOM = """mutation($input: CollectionInput!) { collectionCreate(input: $input) {
  collection { id handle } userErrors { field message } } }"""
ADD = """mutation($id: ID!, $ids: [ID!]!) { collectionAddProducts(id: $id, productIds: $ids) {
  collection { id } userErrors { field message } } }"""


def custom_collection(shopify: Shopify, title: str) -> tuple[str, str]:
    """A custom collection's GID and handle."""
    created = shopify.data(CREATE_CUSTOM, {"input": {"title": title}})["collectionCreate"]
    assert created["userErrors"] == []
    return str(created["collection"]["id"]), str(created["collection"]["handle"])


def add_to(shopify: Shopify, collection_id: str, product_id: str) -> None:
    added = shopify.data(ADD, {"id": collection_id, "ids": [product_id]})["collectionAddProducts"]
    assert added["userErrors"] == []


def made_an_hour_ago(shopify: Shopify, product_id: str) -> None:
    """Outside the incremental sweep's overlap (``[catalogue] change_overlap``, 5 minutes), as a product
    made before the last sweep is: only a change to the product itself brings it back."""
    state = shopify.server.state
    with state.lock:
        then = (state.clock() - timedelta(hours=1)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        state.products[product_id]["updated_at"] = then


def whole_read_due(stack: Stack) -> None:
    """Age the last whole read past ``[catalogue] full_every``: the next sweep reads the whole catalogue."""
    ctx = stack.services.flow_context(SHOP)
    with ctx.uow.begin() as tx:
        tx.set_cursor(f"{catalogue_index.FULL}:{SHOP}", (ctx.clock.now() - timedelta(days=30)).isoformat())


def stale_skus(stack: Stack) -> list[str]:
    ctx = stack.services.flow_context(SHOP)
    with ctx.uow.begin() as tx:
        text = tx.cursor(f"{stock_item_refresh.STALE}:{SHOP}")
    return list(json.loads(text)) if text else []


@pytest.mark.parametrize("erp", ERPS[:1], indirect=True)
def test_a_product_added_to_a_buffered_custom_collection_gets_the_buffer_after_the_next_whole_read(
    shopify: Shopify, erp: Erp, make_stack: Any
) -> None:
    shopify.server.state.bulk_timing.base_s = 0.05  # fast for tests, never instant
    moved, stays = f"CUS-BUF-{erp.vendor}".upper(), f"CUS-STAY-{erp.vendor}".upper()
    fragile_id, fragile = custom_collection(shopify, f"Fragile custom {erp.vendor}")
    sale_id, _sale = custom_collection(shopify, f"Sale custom {erp.vendor}")
    for sku in (moved, stays):
        erp.harness.add_item(sku, price=Decimal("11.00"))
        erp.harness.set_stock(sku, warehouse_of(erp), Decimal(20))
    moved_pid = new_product(shopify, f"Custom buffer {erp.vendor}", moved)
    stays_pid = new_product(shopify, f"Custom stays {erp.vendor}", stays)
    add_to(shopify, sale_id, stays_pid)  # in a collection from the start, and never moved
    for pid in (moved_pid, stays_pid):
        made_an_hour_ago(shopify, pid)
    stack = start(make_stack, shopify, erp, f'\n[[buffers.rules]]\ncollection = "{fragile}"\nunits = 3\n')
    catalogue_sweep(stack)  # the first, whole read: the stock push has met no SKU yet
    stock_sweep(stack)
    assert (shopify_available(shopify, moved), shopify_available(shopify, stays)) == (20, 20)

    add_to(shopify, fragile_id, moved_pid)  # the product's updatedAt does not change
    catalogue_sweep(stack)  # incremental: it does not see the move
    stock_sweep(stack)
    assert shopify_available(shopify, moved) == 20

    whole_read_due(stack)
    catalogue_sweep(stack)
    assert stale_skus(stack) == [moved]  # the unchanged product (in a collection all along) is not
    stock_sweep(stack)
    assert (shopify_available(shopify, moved), shopify_available(shopify, stays)) == (17, 20)
    assert stale_skus(stack) == []
