"""Issue 11 acceptance (available to sell), end to end: stock set in each ERP (through its contract
harness: Sage 200, SYSPRO and Prima sandboxes, a real Tryton), the stock sweep of a shopbridge stack
over real HTTP, and the inventory levels as the Shopify sandbox serves them.

The sweep runs in the test's thread (``stock_to_shopify.sweep`` over the stack's own flow context:
the real Shopify client and the harness's ERP adapter), so each test says exactly which sweep it
waits for. Shopify's levels are read back with GraphQL, as a merchant's app would.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from e2e_stack import _INJECTED_ERP, SHOP, Erp, Shopify, Stack, vendor_params

from shopbridge.engine.schema import trail
from shopbridge.flows import stock_to_shopify
from shopbridge.flows.stock_push import PushResult

ALL = vendor_params("sage200", "syspro", "prima", "tryton")
SKUS = ("TEE-S", "TEE-M", "TEE-L", "MUG-01", "BOTTLE-01")
# MUG-01 is on two Shopify variants in the sandbox's catalogue (Shopify allows it): an ambiguous SKU
# is never pushed (the duplicate-SKU check raises it for merchandising), so only these are checked.
PUSHED = ("TEE-S", "TEE-M", "TEE-L", "BOTTLE-01")

LEVEL = """query($q: String!, $loc: ID!) { productVariants(first: 5, query: $q) { nodes {
  inventoryItem { id inventoryLevel(locationId: $loc) {
    quantities(names: ["available"]) { name quantity } } } } } }"""
SET = """mutation($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) @idempotent(key: "%s") { userErrors { code message } } }"""


def warehouse_of(erp: Erp) -> str:
    """The warehouse the ERP reports stock in (its seeded levels say which)."""
    cursor = None
    while True:
        page = erp.port.stock_changed(cursor, limit=200)
        if page.items:
            return page.items[0].warehouse
        if not page.has_more:
            return "WH"
        cursor = page.next_cursor


def shopify_available(shopify: Shopify, sku: str) -> int | None:
    nodes = shopify.data(LEVEL, {"q": f"sku:'{sku}'", "loc": shopify.location_id()})["productVariants"][
        "nodes"
    ]
    level = nodes[0]["inventoryItem"]["inventoryLevel"]
    if level is None:
        return None
    return int(next(q["quantity"] for q in level["quantities"] if q["name"] == "available"))


def someone_sets(shopify: Shopify, sku: str, quantity: int) -> None:
    """A person sets Shopify's quantity in the admin, skipping the compare (changeFromQuantity null)."""
    nodes = shopify.data(LEVEL, {"q": f"sku:'{sku}'", "loc": shopify.location_id()})["productVariants"][
        "nodes"
    ]
    item = nodes[0]["inventoryItem"]["id"]
    quantities = [
        {
            "inventoryItemId": item,
            "locationId": shopify.location_id(),
            "quantity": quantity,
            "changeFromQuantity": None,
        }
    ]
    result = shopify.data(
        SET % uuid.uuid4(), {"input": {"name": "available", "reason": "correction", "quantities": quantities}}
    )
    assert result["inventorySetQuantities"]["userErrors"] == []


def stock_stack(make_stack: Any, shopify: Shopify, erp: Erp, extra: str = "") -> Stack:
    locations = f'[shops.locations]\n"{shopify.location_id()}" = "{warehouse_of(erp)}"\n'
    stack: Stack = make_stack(erp.port, shop_extra=locations, erp_config=_INJECTED_ERP + extra)
    return stack


def sweep(stack: Stack) -> PushResult:
    context = stack.services.flow_context(SHOP)
    return stock_to_shopify.sweep(context, key=str(uuid.uuid4()))


def set_all(erp: Erp, free: int) -> None:
    warehouse = warehouse_of(erp)
    for sku in SKUS:
        erp.harness.set_stock(sku, warehouse, Decimal(free))


@pytest.mark.parametrize("erp", ALL, indirect=True)
def test_a_stock_change_in_the_erp_reaches_shopify_within_one_sweep(
    shopify: Shopify, erp: Erp, make_stack: Any
) -> None:
    set_all(erp, 20)
    stack = stock_stack(make_stack, shopify, erp)
    sweep(stack)
    assert shopify_available(shopify, "TEE-S") == 20
    erp.harness.set_stock("TEE-S", warehouse_of(erp), Decimal(13))
    result = sweep(stack)
    assert shopify_available(shopify, "TEE-S") == 13
    assert (result.levels, result.mutations) == (1, 1)  # only what changed, in one call


@pytest.mark.parametrize("erp", ALL, indirect=True)
def test_a_bundle_follows_its_scarcest_component(shopify: Shopify, erp: Erp, make_stack: Any) -> None:
    kit = f"KIT-{erp.vendor}".upper()
    shopify.new_variant(kit, f"Kit for {erp.vendor}")
    set_all(erp, 20)
    stack = stock_stack(make_stack, shopify, erp, f'\n[bundles]\n"{kit}" = {{ "TEE-M" = 1, "MUG-01" = 2 }}\n')
    erp.harness.set_stock("MUG-01", warehouse_of(erp), Decimal(9))
    sweep(stack)
    assert shopify_available(shopify, kit) == 4  # min(20 // 1, 9 // 2)
    erp.harness.set_stock("TEE-M", warehouse_of(erp), Decimal(3))
    sweep(stack)
    assert shopify_available(shopify, kit) == 3


@pytest.mark.parametrize("erp", ALL, indirect=True)
def test_someone_elses_change_is_not_overwritten_blindly_and_the_conflict_is_on_the_skus_trail(
    shopify: Shopify, erp: Erp, make_stack: Any
) -> None:
    set_all(erp, 20)
    stack = stock_stack(make_stack, shopify, erp)
    sweep(stack)
    someone_sets(shopify, "BOTTLE-01", 77)
    erp.harness.set_stock("BOTTLE-01", warehouse_of(erp), Decimal(11))
    result = sweep(stack)
    assert shopify_available(shopify, "BOTTLE-01") == 11  # the ERP owns available stock
    assert result.conflicts == 1
    with stack.services.store.begin() as conn:
        rows = conn.execute(
            sa.select(trail.c.step, trail.c.detail).where(trail.c.entity_id == "sku:BOTTLE-01")
        ).all()
    assert [(r.step, r.detail["expected"], r.detail["found"], r.detail["pushed"]) for r in rows] == [
        ("stock_conflict", 20, 77, 11)
    ]


@pytest.mark.parametrize("erp", ALL, indirect=True)
def test_the_guard_holds_a_mass_drop_to_zero(shopify: Shopify, erp: Erp, make_stack: Any) -> None:
    set_all(erp, 20)
    stack = stock_stack(make_stack, shopify, erp)
    sweep(stack)
    assert [shopify_available(shopify, sku) for sku in PUSHED] == [20] * len(PUSHED)
    warehouse = warehouse_of(erp)
    for sku in SKUS:
        erp.harness.set_stock(sku, warehouse, Decimal(0))
    assert sweep(stack).mutations == 0
    assert [shopify_available(shopify, sku) for sku in PUSHED] == [20] * len(PUSHED)
    assert [p.kind.value for p in stack.problems("stock_push_held")] == ["stock_push_held"]
