"""The stock push's side of Shopify: variants by SKU, levels by item, activation, compare-and-swap sets.

Implements :class:`~shopbridge.ports.shopify.ShopifyInventoryPort` over the client (the client's
methods delegate here). ``inventorySetQuantities`` is all or nothing: a stale compare value on one
quantity refuses the whole call, so :func:`set_available` returns the refused writes for the flow
to re-read and resend rather than raising.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol

from shopbridge.connectors.shopify.errors import StaleQuantity
from shopbridge.connectors.shopify.mutations import MAX_QUANTITIES, QuantityChange, set_quantities
from shopbridge.connectors.shopify.pagination import iterate_connection
from shopbridge.connectors.shopify.product_collections import collection_handles
from shopbridge.errors import BadInput
from shopbridge.ports.shopify import LevelWrite, StockItem

__all__ = ["activate_inventory", "available_levels", "set_available", "stock_items"]

FEW_SKUS = 20  # up to this many unknown SKUs are looked up one by one; more, the catalogue is paged


class Client(Protocol):
    def execute(
        self, name: str, variables: Mapping[str, Any] | None = None, *, key: str | None = None
    ) -> Any: ...

    def mutate(
        self, name: str, variables: Mapping[str, Any] | None = None, *, key: str | None = None
    ) -> Any: ...


VARIANTS_PAGE = 50  # with ten collections each, the largest page under the 1,000-point query limit


def stock_items(client: Client, skus: Sequence[str]) -> list[StockItem]:
    """Every variant carrying one of ``skus``: one search per SKU when few, else the catalogue paged."""
    wanted = set(skus)
    if not wanted:
        return []
    queries: list[str | None] = (
        [f"sku:'{sku}'" for sku in sorted(wanted)] if len(wanted) <= FEW_SKUS else [None]
    )
    found: list[StockItem] = []
    collections: dict[str, tuple[str, ...]] = {}  # product id -> every handle, read once per product
    for query in queries:
        for node in iterate_connection(
            client, "stock_variants", {"query": query}, ("productVariants",), page_size=VARIANTS_PAGE
        ):
            item = _stock_item(client, node, collections)
            if item is not None and item.sku in wanted:
                found.append(item)
    return found


def _stock_item(
    client: Client, node: Mapping[str, Any], collections: dict[str, tuple[str, ...]]
) -> StockItem | None:
    inventory = node.get("inventoryItem") or {}
    if not node.get("sku") or not inventory.get("id"):
        return None
    return StockItem(
        sku=str(node["sku"]),
        variant_id=str(node["id"]),
        inventory_item_id=str(inventory["id"]),
        product_type=str((node.get("product") or {}).get("productType") or ""),
        collections=collection_handles(client, node.get("product") or {}, collections),
    )


def available_levels(
    client: Client, inventory_item_ids: Sequence[str], location_id: str
) -> dict[str, int | None]:
    """``available`` per item at one location (``None``: not stocked there), 250 items per query."""
    levels: dict[str, int | None] = {}
    for chunk in _chunks(list(dict.fromkeys(inventory_item_ids))):
        data = client.execute("inventory_item_levels", {"ids": chunk, "locationId": location_id})
        for node in data.get("nodes") or []:
            if node and node.get("id"):
                levels[str(node["id"])] = _available(node.get("inventoryLevel"))
    return levels


def _available(level: Mapping[str, Any] | None) -> int | None:
    if level is None:
        return None
    quantities = {q["name"]: q["quantity"] for q in level.get("quantities") or []}
    return int(quantities.get("available", 0))


def activate_inventory(client: Client, inventory_item_id: str, location_id: str) -> int:
    """``inventoryActivate``; returns the item's ``available`` at the location afterwards."""
    payload = client.mutate(
        "inventory_activate", {"inventoryItemId": inventory_item_id, "locationId": location_id}
    )
    level = payload.get("inventoryLevel")
    if not level:
        raise BadInput(f"Shopify activated {inventory_item_id} at {location_id} but returned no level")
    found = available_levels(client, [inventory_item_id], location_id).get(inventory_item_id)
    return found or 0


def set_available(client: Client, writes: Sequence[LevelWrite], *, key: str) -> list[LevelWrite]:
    """One compare-and-swap ``inventorySetQuantities``; the writes refused as stale, or ``[]``."""
    if len(writes) > MAX_QUANTITIES:
        raise ValueError(f"at most {MAX_QUANTITIES} quantities per inventorySetQuantities, not {len(writes)}")
    changes = [QuantityChange(w.inventory_item_id, w.location_id, w.quantity, w.expected) for w in writes]
    try:
        set_quantities(client, changes, key=key)
    except StaleQuantity as stale:
        return [writes[index] for index in _stale_indexes(stale, len(writes))]
    return []


def _stale_indexes(stale: StaleQuantity, count: int) -> list[int]:
    """The quantity indexes Shopify named (``["input", "quantities", "3", "changeFromQuantity"]``)."""
    found: list[int] = []
    for path, code in zip(stale.details.get("fields") or [], stale.details.get("codes") or [], strict=False):
        if code == "CHANGE_FROM_QUANTITY_STALE" and path and len(path) >= 3 and str(path[2]).isdigit():
            found.append(int(path[2]))
    return sorted(set(i for i in found if i < count)) or list(range(count))


def _chunks(ids: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), MAX_QUANTITIES):
        yield ids[start : start + MAX_QUANTITIES]
