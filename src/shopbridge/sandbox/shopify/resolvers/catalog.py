"""Locations, products, variants, inventory items and levels: how stored records are presented.

Records live in the shop state as plain dicts with snake_case keys; the ``*_node`` functions turn
them into GraphQL-shaped dicts (camelCase keys, lazy callables for fields that take arguments).
"""

from __future__ import annotations

from typing import Any

from .. import inventory_model as inv
from ..connection import connection
from ..registry import ResolveInfo, query
from ..state import ShopState, numeric_id
from .common import matches, money_scalar, money_v2, sorted_records
from .node import node_loader

Record = dict[str, Any]


def count(n: int) -> Record:
    return {"count": n, "precision": "EXACT"}


def location_node(state: ShopState, loc: Record) -> Record:
    gid = loc["id"]
    return {
        "__typename": "Location",
        "id": gid,
        "legacyResourceId": str(numeric_id(gid)),
        "name": loc["name"],
        "isActive": loc.get("is_active", True),
        "activatable": True,
        "deactivatable": True,
        "isFulfillmentService": False,
        "fulfillsOnlineOrders": loc.get("fulfills_online_orders", True),
        "shipsInventory": True,
        "hasActiveInventory": lambda: any(key[1] == gid for key in state.inventory_levels),  # O(levels)
        "address": _address(loc),
        "createdAt": loc["created_at"],
        "updatedAt": loc["created_at"],
        "inventoryLevels": lambda **kw: connection(
            [key for key in state.inventory_levels if key[1] == gid],
            node=lambda k: level_node(state, *k),
            **kw,
        ),
        "inventoryLevel": lambda inventoryItemId, **_: _maybe_level(state, str(inventoryItemId), gid),
    }


def _address(loc: Record) -> Record:
    address: Record = {
        "address1": None,
        "address2": None,
        "city": None,
        "province": None,
        "provinceCode": None,
    }
    address |= {"country": None, "countryCode": None, "zip": None, "phone": None}
    address |= loc.get("address", {})
    address["formatted"] = [v for k, v in address.items() if k in ("address1", "city", "zip") and v]
    return address


def product_node(state: ShopState, product: Record) -> Record:
    gid = product["id"]
    variants = [state.variants[v] for v in product["variant_ids"] if v in state.variants]
    items = [v["inventory_item_id"] for v in variants]
    return {
        "__typename": "Product",
        "id": gid,
        "legacyResourceId": str(numeric_id(gid)),
        "title": product["title"],
        "handle": product["handle"],
        "status": product["status"],
        "vendor": product.get("vendor", ""),
        "productType": product.get("product_type", ""),
        "tags": list(product.get("tags", [])),
        "descriptionHtml": product.get("description_html", ""),
        "description": product.get("description_html", ""),
        "createdAt": product["created_at"],
        "updatedAt": product["updated_at"],
        "publishedAt": product.get("published_at"),
        "isGiftCard": False,
        "requiresSellingPlan": False,
        "templateSuffix": None,
        "totalInventory": sum(inv.total_available(state, i) for i in items),
        "tracksInventory": any(state.inventory_items[i]["tracked"] for i in items),
        "hasOnlyDefaultVariant": len(variants) == 1 and variants[0]["title"] == "Default Title",
        "hasOutOfStockVariants": any(inv.total_available(state, i) <= 0 for i in items),
        "variants": lambda **kw: connection(variants, node=lambda v: variant_node(state, v), **kw),
        "variantsCount": count(len(variants)),
        "publishedOnPublication": lambda publicationId, **_: str(publicationId) in product["publication_ids"],
        "resourcePublicationsCount": count(len(product["publication_ids"])),
        "publishedOnCurrentPublication": bool(product["publication_ids"]),
        "seo": {"title": None, "description": None},
    }


def variant_node(state: ShopState, variant: Record) -> Record:
    gid = variant["id"]
    product = state.products[variant["product_id"]]
    components = variant.get("components", [])
    return {
        "__typename": "ProductVariant",
        "id": gid,
        "legacyResourceId": str(numeric_id(gid)),
        "title": variant["title"],
        "displayName": f"{product['title']} - {variant['title']}",
        "sku": variant.get("sku"),
        "barcode": variant.get("barcode"),
        "price": money_scalar(variant["price"]),
        "compareAtPrice": money_scalar(variant.get("compare_at_price")),
        "position": variant["position"],
        "taxable": variant.get("taxable", True),
        "inventoryPolicy": variant.get("inventory_policy", "DENY"),
        "availableForSale": product["status"] == "ACTIVE",
        "inventoryQuantity": inv.total_available(state, variant["inventory_item_id"]),
        "selectedOptions": [{"name": "Title", "value": variant["title"]}],
        "createdAt": variant["created_at"],
        "updatedAt": variant["updated_at"],
        "product": lambda: product_node(state, product),
        "inventoryItem": lambda: item_node(state, state.inventory_items[variant["inventory_item_id"]]),
        "requiresComponents": bool(components),
        "productVariantComponents": lambda **kw: connection(
            components, node=lambda c: _component_node(state, gid, c), **kw
        ),
    }


def _component_node(state: ShopState, parent_id: str, component: Record) -> Record:
    child = state.variants[component["variant_id"]]
    return {
        "id": f"gid://shopify/ProductVariantComponent/{numeric_id(parent_id)}{numeric_id(child['id'])}",
        "quantity": component["quantity"],
        "productVariant": variant_node(state, child),
    }


def item_node(state: ShopState, item: Record) -> Record:
    gid = item["id"]
    cost = item.get("unit_cost")
    levels = inv.item_levels(state, gid)
    return {
        "__typename": "InventoryItem",
        "id": gid,
        "legacyResourceId": str(numeric_id(gid)),
        "sku": state.variants[item["variant_id"]].get("sku"),
        "tracked": item["tracked"],
        "requiresShipping": item.get("requires_shipping", True),
        "unitCost": None if cost is None else money_v2(cost, state.currency),
        "countryCodeOfOrigin": item.get("country_code_of_origin"),
        "provinceCodeOfOrigin": item.get("province_code_of_origin"),
        "measurement": {
            "id": f"gid://shopify/InventoryItemMeasurement/{numeric_id(gid)}",
            "weight": dict(item.get("weight") or {"unit": "KILOGRAMS", "value": 0}),
        },
        "harmonizedSystemCode": item.get("harmonized_system_code"),
        "duplicateSkuCount": lambda: _duplicate_skus(state, item),  # only when asked: O(variants)
        "createdAt": item["created_at"],
        "updatedAt": item["updated_at"],
        "variant": lambda: variant_node(state, state.variants[item["variant_id"]]),
        "locationsCount": count(len(levels)),
        "inventoryLevels": lambda **kw: connection(
            levels, node=lambda pair: level_node(state, gid, pair[0]), **kw
        ),
        "inventoryLevel": lambda locationId, **_: _maybe_level(state, gid, str(locationId)),
    }


def _duplicate_skus(state: ShopState, item: Record) -> int:
    sku = state.variants[item["variant_id"]].get("sku")
    if not sku:
        return 0
    return sum(1 for v in state.variants.values() if v.get("sku") == sku and v["id"] != item["variant_id"])


def _maybe_level(state: ShopState, item_id: str, location_id: str) -> Record | None:
    return level_node(state, item_id, location_id) if inv.level(state, item_id, location_id) else None


def level_node(state: ShopState, item_id: str, location_id: str) -> Record:
    key = inv.level_key(item_id, location_id)
    stamp = state.level_stamps.get(key) or state.now_iso()

    def quantities(names: list[str], **_: Any) -> list[Record]:
        levels = inv.level(state, item_id, location_id) or {}
        return [_quantity(key, n, inv.quantity(levels, n), stamp) for n in names if n in inv.ALL_NAMES]

    return {
        "__typename": "InventoryLevel",
        "id": state.level_ids[key],
        "isActive": True,
        "canDeactivate": True,
        "deactivationAlert": None,
        "createdAt": stamp,
        "updatedAt": stamp,
        "item": lambda: item_node(state, state.inventory_items[item_id]),
        "location": lambda: location_node(state, state.locations[location_id]),
        "quantities": quantities,
    }


def _quantity(key: tuple[str, str], name: str, value: int, stamp: str) -> Record:
    gid = f"gid://shopify/InventoryQuantity/{numeric_id(key[0])}?location_id={numeric_id(key[1])}&name={name}"
    return {"id": gid, "name": name, "quantity": value, "updatedAt": stamp}


def product_search(state: ShopState) -> dict[str, Any]:
    """Search fields of ``products(query:)``; sku looks through the product's variants."""
    return {
        "sku": lambda p: [state.variants[v].get("sku") for v in p["variant_ids"] if v in state.variants]
    } | {k: v for k, v in _PRODUCT_FIELDS.items()}


_PRODUCT_FIELDS = {
    "status": lambda p: p["status"],
    "title": lambda p: p["title"],
    "handle": lambda p: p["handle"],
    "vendor": lambda p: p.get("vendor"),
    "product_type": lambda p: p.get("product_type"),
    "tag": lambda p: p.get("tags", []),
    "id": lambda p: numeric_id(p["id"]),
    "updated_at": lambda p: p["updated_at"],
    "created_at": lambda p: p["created_at"],
}
VARIANT_SEARCH = {
    "sku": lambda v: v.get("sku"),
    "barcode": lambda v: v.get("barcode"),
    "product_id": lambda v: numeric_id(v["product_id"]),
    "id": lambda v: numeric_id(v["id"]),
    "title": lambda v: v["title"],
    "updated_at": lambda v: v["updated_at"],
}


@query("locations")
def resolve_locations(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> Record:
    records = sorted_records(state, state.locations, args.get("sortKey"), {"NAME": lambda r: r["name"]})
    active = [r for r in records if args.get("includeInactive") or r.get("is_active", True)]
    found = [
        r for r in active if matches(r, args.get("query"), {"name": lambda r: r["name"]}, lambda r: r["name"])
    ]
    return connection(found, node=lambda r: location_node(state, r), **args)


@query("location")
def resolve_location(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> Record | None:
    gid = args.get("id") or next(iter(state.locations), None)
    loc = state.locations.get(str(gid)) if gid else None
    return location_node(state, loc) if loc else None


@query("products")
def resolve_products(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> Record:
    by = {
        "TITLE": lambda r: r["title"],
        "UPDATED_AT": lambda r: r["updated_at"],
        "CREATED_AT": lambda r: r["created_at"],
    }
    records = sorted_records(state, state.products, args.get("sortKey"), by)
    search = product_search(state)
    found = [r for r in records if matches(r, args.get("query"), search, lambda r: r["title"])]
    return connection(found, node=lambda r: product_node(state, r), **args)


@query("productsCount")
def resolve_products_count(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> Record:
    search = product_search(state)
    return count(
        sum(1 for p in state.products.values() if matches(p, args.get("query"), search, lambda r: r["title"]))
    )


@query("product")
def resolve_product(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> Record | None:
    product = state.products.get(str(args["id"]))
    return product_node(state, product) if product else None


@query("productVariants")
def resolve_variants(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> Record:
    by = {"SKU": lambda r: r.get("sku"), "TITLE": lambda r: r["title"], "POSITION": lambda r: r["position"]}
    records = sorted_records(state, state.variants, args.get("sortKey"), by)
    found = [r for r in records if matches(r, args.get("query"), VARIANT_SEARCH, lambda r: r["title"])]
    return connection(found, node=lambda r: variant_node(state, r), **args)


@query("productVariant")
def resolve_variant(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> Record | None:
    variant = state.variants.get(str(args["id"]))
    return variant_node(state, variant) if variant else None


@query("inventoryItems")
def resolve_items(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> Record:
    records = sorted_records(state, state.inventory_items, None, {})
    search = {
        "sku": lambda r: state.variants[r["variant_id"]].get("sku"),
        "id": lambda r: numeric_id(r["id"]),
        "updated_at": lambda r: r["updated_at"],
    }
    found = [r for r in records if matches(r, args.get("query"), search, lambda r: "")]
    return connection(found, node=lambda r: item_node(state, r), **args)


@query("inventoryItem")
def resolve_item(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> Record | None:
    item = state.inventory_items.get(str(args["id"]))
    return item_node(state, item) if item else None


@query("inventoryLevel")
def resolve_level(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> Record | None:
    wanted = str(args["id"])
    key = next(
        (k for k, gid in state.level_ids.items() if gid == wanted or gid.split("?")[0] == wanted), None
    )
    return level_node(state, *key) if key and key in state.inventory_levels else None


_QUANTITY_NAMES = (
    ("available", "Available"),
    ("committed", "Committed"),
    ("damaged", "Damaged"),
    ("incoming", "Incoming"),
    ("on_hand", "On hand"),
    ("quality_control", "Quality control"),
    ("reserved", "Reserved"),
    ("safety_stock", "Safety stock"),
)


@query("inventoryProperties")
def resolve_inventory_properties(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> Record:
    in_use = {n for levels in state.inventory_levels.values() for n, q in levels.items() if q} | {"on_hand"}
    names = [
        {
            "name": name,
            "displayName": label,
            "isInUse": name in in_use or name in ("available", "committed", "reserved"),
            "belongsTo": ["on_hand"] if name in inv.ON_HAND_PARTS else [],
            "comprises": sorted(inv.ON_HAND_PARTS) if name == "on_hand" else [],
        }
        for name, label in _QUANTITY_NAMES
    ]
    return {"quantityNames": names}


@node_loader("Product")
def _load_product(state: ShopState, gid: str) -> Record | None:
    return product_node(state, state.products[gid]) if gid in state.products else None


@node_loader("ProductVariant")
def _load_variant(state: ShopState, gid: str) -> Record | None:
    return variant_node(state, state.variants[gid]) if gid in state.variants else None


@node_loader("InventoryItem")
def _load_item(state: ShopState, gid: str) -> Record | None:
    return item_node(state, state.inventory_items[gid]) if gid in state.inventory_items else None


@node_loader("Location")
def _load_location(state: ShopState, gid: str) -> Record | None:
    return location_node(state, state.locations[gid]) if gid in state.locations else None
