"""Catalogue writes: products, variants, publications, and the store functions the seed uses."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from .. import inventory_model as inv
from ..registry import ResolveInfo, mutation, query
from ..state import ShopState
from .catalog import product_node, variant_node
from .common import user_error
from .node import node_loader

Record = dict[str, Any]
STATUSES = ("ACTIVE", "DRAFT", "ARCHIVED", "UNLISTED")


def handleize(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "product"


def add_location(state: ShopState, name: str, **address: Any) -> Record:
    with state.lock:
        gid = state.new_gid("Location")
        loc = {"id": gid, "name": name, "is_active": True, "address": address, "created_at": state.now_iso()}
        state.locations[gid] = loc
        return loc


def add_publication(state: ShopState, name: str) -> Record:
    with state.lock:
        gid = state.new_gid("Publication")
        state.publications[gid] = {"id": gid, "name": name}
        return state.publications[gid]


def add_product(state: ShopState, title: str, *, status: str = "ACTIVE", **fields: Any) -> Record:
    with state.lock:
        gid = state.new_gid("Product")
        now = state.now_iso()
        product = {
            "id": gid,
            "title": title,
            "handle": fields.pop("handle", None) or _unique_handle(state, handleize(title)),
            "status": status,
            "variant_ids": [],
            "publication_ids": [],
            "created_at": now,
            "updated_at": now,
            **fields,
        }
        state.products[gid] = product
        return product


def _unique_handle(state: ShopState, handle: str) -> str:
    taken = {p["handle"] for p in state.products.values()}
    candidate, n = handle, 1
    while candidate in taken:
        candidate, n = f"{handle}-{n}", n + 1
    return candidate


def add_variant(
    state: ShopState,
    product_id: str,
    *,
    sku: str | None,
    price: Decimal | str = "0.00",
    title: str = "Default Title",
    tracked: bool = True,
    **fields: Any,
) -> Record:
    """A variant and its inventory item (Shopify creates both together); duplicate SKUs allowed."""
    with state.lock:
        product = state.products[product_id]
        now = state.now_iso()
        variant_id, item_id = state.new_gid("ProductVariant"), state.new_gid("InventoryItem")
        item = {
            "id": item_id,
            "variant_id": variant_id,
            "tracked": tracked,
            "created_at": now,
            "updated_at": now,
        }
        item["unit_cost"] = fields.pop("unit_cost", None)
        item["requires_shipping"] = fields.pop("requires_shipping", True)
        variant = {
            "id": variant_id,
            "product_id": product_id,
            "title": title,
            "sku": sku,
            "price": Decimal(str(price)),
            "position": len(product["variant_ids"]) + 1,
            "inventory_item_id": item_id,
            "created_at": now,
            "updated_at": now,
            **fields,
        }
        state.variants[variant_id] = variant
        state.inventory_items[item_id] = item
        product["variant_ids"].append(variant_id)
        return variant


def _product_input(args: Record) -> Record:
    return dict(args.get("product") or args.get("input") or {})


@mutation("productCreate")
def product_create(state: ShopState, args: Record, info: ResolveInfo) -> Record:
    data = _product_input(args)
    title = data.get("title")
    if not title:
        return {"product": None, "userErrors": [user_error(["title"], "Title can't be blank", "BLANK")]}
    status = data.get("status") or "ACTIVE"
    fields = {k: data[s] for s, k in _FIELD_MAP.items() if data.get(s) is not None}
    product = add_product(state, str(title), status=status, **fields)
    variant = add_variant(state, product["id"], sku=None, tracked=False)
    stock_at_default_location(state, variant["inventory_item_id"])
    _publish_event(state, product["id"])
    return {"product": product_node(state, product), "userErrors": [], "shop": {"id": "gid://shopify/Shop/1"}}


def stock_at_default_location(state: ShopState, item_id: str) -> None:
    """Shopify stocks a new product's item at the shop's default (first) location: 0 available, 0 on hand."""
    with state.lock:
        default = next(iter(state.locations), None)
    if default is not None:
        inv.activate(state, item_id, default)


_FIELD_MAP = {
    "vendor": "vendor",
    "productType": "product_type",
    "tags": "tags",
    "descriptionHtml": "description_html",
    "handle": "handle",
}


@mutation("productUpdate")
def product_update(state: ShopState, args: Record, info: ResolveInfo) -> Record:
    data = _product_input(args)
    gid = str(data.get("id") or (args.get("identifier") or {}).get("id") or "")
    with state.lock:
        product = state.products.get(gid)
        if product is None:
            return {
                "product": None,
                "userErrors": [user_error(["id"], "Product does not exist", "NOT_FOUND")],
            }
        if data.get("title"):
            product["title"] = data["title"]
        if data.get("status"):
            product["status"] = data["status"]
        for source, key in _FIELD_MAP.items():
            if data.get(source) is not None:
                product[key] = data[source]
        product["updated_at"] = state.now_iso()
    _publish_event(state, gid)
    return {"product": product_node(state, product), "userErrors": []}


@mutation("productVariantsBulkCreate")
def variants_bulk_create(state: ShopState, args: Record, info: ResolveInfo) -> Record:
    product = state.products.get(str(args["productId"]))
    if product is None:
        error = user_error(["productId"], "Product does not exist", "PRODUCT_DOES_NOT_EXIST")
        return {"product": None, "productVariants": None, "userErrors": [error]}
    created = [_variant_from_input(state, product["id"], v) for v in args["variants"]]
    _drop_default_variant(state, product, args.get("strategy"))
    _publish_event(state, product["id"])
    return {
        "product": product_node(state, product),
        "productVariants": [variant_node(state, v) for v in created],
        "userErrors": [],
    }


def _variant_from_input(state: ShopState, product_id: str, data: Record) -> Record:
    item = data.get("inventoryItem") or {}
    options = data.get("optionValues") or []
    title = " / ".join(str(o.get("name")) for o in options) or "Default Title"
    variant = add_variant(
        state,
        product_id,
        sku=item.get("sku"),
        price=str(data.get("price") or "0.00"),
        title=title,
        tracked=bool(item.get("tracked", False)),
        barcode=data.get("barcode"),
        compare_at_price=data.get("compareAtPrice"),
        requires_shipping=item.get("requiresShipping", True),
        unit_cost=item.get("cost"),
    )
    for quantity in data.get("inventoryQuantities") or []:
        inv.activate(
            state,
            variant["inventory_item_id"],
            str(quantity["locationId"]),
            int(quantity["availableQuantity"]),
        )
    return variant


def _drop_default_variant(state: ShopState, product: Record, strategy: str | None) -> None:
    if strategy != "REMOVE_STANDALONE_VARIANT":
        return
    with state.lock:
        default = [v for v in product["variant_ids"] if state.variants[v]["title"] == "Default Title"]
        for gid in default[:1]:
            product["variant_ids"].remove(gid)


def _publish_event(state: ShopState, product_id: str) -> None:
    from ..payloads_catalog import product_payload

    state.events.publish("products/update", product_payload(state, state.products[product_id]))


def _publication_change(state: ShopState, args: Record, publish: bool) -> Record:
    gid = str(args["id"])
    with state.lock:
        product = state.products.get(gid)
        if product is None:
            return {"publishable": None, "userErrors": [user_error(["id"], "Product does not exist")]}
        for entry in args["input"]:
            pub = str(entry["publicationId"])
            if pub not in state.publications:
                return {
                    "publishable": None,
                    "userErrors": [user_error(["input", "publicationId"], "Publication does not exist")],
                }
            if publish and pub not in product["publication_ids"]:
                product["publication_ids"].append(pub)
            if not publish and pub in product["publication_ids"]:
                product["publication_ids"].remove(pub)
        product["published_at"] = state.now_iso() if product["publication_ids"] else None
    return {
        "publishable": product_node(state, product),
        "userErrors": [],
        "shop": {"id": "gid://shopify/Shop/1"},
    }


@mutation("publishablePublish")
def publishable_publish(state: ShopState, args: Record, info: ResolveInfo) -> Record:
    return _publication_change(state, args, publish=True)


@mutation("publishableUnpublish")
def publishable_unpublish(state: ShopState, args: Record, info: ResolveInfo) -> Record:
    return _publication_change(state, args, publish=False)


def publication_node(state: ShopState, pub: Record) -> Record:
    return {"__typename": "Publication", "id": pub["id"], "name": pub["name"], "autoPublish": False}


@query("publications")
def resolve_publications(state: ShopState, args: Record, info: ResolveInfo) -> Record:
    from ..connection import connection

    return connection(list(state.publications.values()), node=lambda p: publication_node(state, p), **args)


@node_loader("Publication")
def _load_publication(state: ShopState, gid: str) -> Record | None:
    return publication_node(state, state.publications[gid]) if gid in state.publications else None
