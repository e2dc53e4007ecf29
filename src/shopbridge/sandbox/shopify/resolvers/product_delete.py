"""``productDelete``: a product goes with its variants, inventory items and levels (FIDELITY.md).

As Shopify documents it: the product and "all its associated data, including variants, media,
publications, and inventory items" are removed; ``deletedProductId`` names it; an unknown id is a user
error on ``["id"]``, "Product does not exist" (``ProductDeletePayload.userErrors`` are plain
``UserError``s: no code). The sandbox deletes synchronously (``synchronous: false`` is answered the
same way, with no ``productDeleteOperation``) and publishes ``products/delete`` with the product's id.
Orders keep their lines (a deleted variant is simply no longer in the catalogue).
"""

from __future__ import annotations

from typing import Any

from ..registry import ResolveInfo, mutation
from ..state import ShopState, numeric_id
from .common import user_error

Record = dict[str, Any]
SHOP = {"id": "gid://shopify/Shop/1"}


def delete_product(state: ShopState, product_id: str) -> bool:
    """Remove the product and what belongs to it; ``False`` if the sandbox has no such product."""
    with state.lock:
        product = state.products.pop(product_id, None)
        if product is None:
            return False
        for variant_id in product["variant_ids"]:
            variant = state.variants.pop(variant_id, None)
            if variant is not None:
                _drop_item(state, str(variant["inventory_item_id"]))
            for price_list in state.price_lists.values():
                price_list.get("fixed_prices", {}).pop(variant_id, None)
        for collection in state.collections.values():
            if product_id in collection["product_ids"]:
                collection["product_ids"].remove(product_id)
    state.events.publish("products/delete", {"id": numeric_id(product_id)})
    return True


def _drop_item(state: ShopState, item_id: str) -> None:
    state.inventory_items.pop(item_id, None)
    for key in [k for k in state.inventory_levels if k[0] == item_id]:
        state.inventory_levels.pop(key, None)
        state.level_ids.pop(key, None)
        state.level_stamps.pop(key, None)


@mutation("productDelete")
def product_delete(state: ShopState, args: Record, info: ResolveInfo) -> Record:
    gid = str((args.get("input") or {}).get("id") or "")
    if not delete_product(state, gid):
        error = user_error(["id"], "Product does not exist")
        error.pop("code")
        return {"deletedProductId": None, "productDeleteOperation": None, "shop": SHOP, "userErrors": [error]}
    return {"deletedProductId": gid, "productDeleteOperation": None, "shop": SHOP, "userErrors": []}
