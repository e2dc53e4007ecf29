"""productVariantsBulkUpdate: price, barcode and the inventory item's weight of existing variants.

Shopify checks every variant before changing any (``allowPartialUpdates`` defaults to false): an
unknown product, a variant of another product or a negative price is a user error with the variant's
index in ``field`` and nothing is written. The codes are those of
``ProductVariantsBulkUpdateUserErrorCode`` in the 2026-07 schema.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from ..registry import ResolveInfo, mutation
from ..state import ShopState
from .catalog import product_node, variant_node
from .common import user_error
from .inventory_items import _apply as apply_item_input
from .inventory_items import _weight_error

Record = dict[str, Any]


def _variant_errors(state: ShopState, product_id: str, index: int, data: Record) -> list[Record]:
    gid = str(data.get("id") or "")
    where = ["variants", str(index)]
    if not gid:
        return [user_error([*where, "id"], "Product variant id is missing", "PRODUCT_VARIANT_ID_MISSING")]
    variant = state.variants.get(gid)
    if variant is None:
        return [
            user_error([*where, "id"], "Product variant does not exist", "PRODUCT_VARIANT_DOES_NOT_EXIST")
        ]
    if variant["product_id"] != product_id:
        return [user_error([*where, "id"], "Product variant does not exist", "MUST_BE_FOR_THIS_PRODUCT")]
    return _price_errors(where, data) + _item_errors(where, data)


def _price_errors(where: list[str], data: Record) -> list[Record]:
    if data.get("price") is None:
        return []
    try:
        negative = Decimal(str(data["price"])) < 0
    except InvalidOperation:
        negative = True
    if not negative:
        return []
    return [
        user_error([*where, "price"], "Price must be greater than or equal to 0", "GREATER_THAN_OR_EQUAL_TO")
    ]


def _item_errors(where: list[str], data: Record) -> list[Record]:
    errors = _weight_error(data.get("inventoryItem") or {})
    return [
        {**e, "field": [*where, "inventoryItem", *e["field"][1:]], "code": "INVALID_INPUT"} for e in errors
    ]


def _apply(state: ShopState, data: Record) -> Record:
    variant = state.variants[str(data["id"])]
    if data.get("price") is not None:
        variant["price"] = Decimal(str(data["price"]))
    if "barcode" in data:
        variant["barcode"] = data["barcode"]
    if data.get("compareAtPrice") is not None:
        variant["compare_at_price"] = Decimal(str(data["compareAtPrice"]))
    if data.get("inventoryItem"):
        apply_item_input(state, state.inventory_items[variant["inventory_item_id"]], data["inventoryItem"])
    variant["updated_at"] = state.now_iso()
    return variant


@mutation("productVariantsBulkUpdate")
def variants_bulk_update(state: ShopState, args: Record, info: ResolveInfo) -> Record:
    product_id = str(args["productId"])
    with state.lock:
        product = state.products.get(product_id)
        if product is None:
            error = user_error(["productId"], "Product does not exist", "PRODUCT_DOES_NOT_EXIST")
            return {"product": None, "productVariants": None, "userErrors": [error]}
        inputs = list(args["variants"])
        errors = [e for n, data in enumerate(inputs) for e in _variant_errors(state, product_id, n, data)]
        if errors:
            return {"product": None, "productVariants": None, "userErrors": errors}
        updated = [_apply(state, data) for data in inputs]
        product["updated_at"] = state.now_iso()
    _publish_update(state, product_id)
    return {
        "product": product_node(state, product),
        "productVariants": [variant_node(state, v) for v in updated],
        "userErrors": [],
    }


def _publish_update(state: ShopState, product_id: str) -> None:
    from ..payloads_catalog import product_payload

    state.events.publish("products/update", product_payload(state, state.products[product_id]))
