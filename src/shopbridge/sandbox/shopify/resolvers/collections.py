"""Collections: ``collectionCreate``, ``collectionAddProducts``, the ``collections`` queries and
``Product.collections`` (what a stock buffer rule on a collection matches; see FIDELITY.md).

A custom (manual) collection holds the products added to it. A smart collection (``ruleSet``) holds
the products its rules match, computed whenever it is read (``collection_rules.py``), so a product
whose type, vendor, title or tags change joins or leaves it as in Shopify. Rules the sandbox cannot
evaluate, and the newer ``sources`` model, are refused with a user error rather than answered wrongly.
"""

from __future__ import annotations

from typing import Any

from ..collection_rules import matches_rule_set, rule_errors
from ..connection import connection
from ..registry import ResolveInfo, mutation, object_field, query
from ..state import ShopState, numeric_id
from .catalog import count, product_node
from .common import user_error
from .products import handleize

Record = dict[str, Any]


def add_collection(
    state: ShopState, title: str, *, handle: str | None = None, rule_set: Record | None = None
) -> Record:
    """A custom collection (no products yet), or a smart one with ``rule_set``; its handle from the
    title when none is given."""
    with state.lock:
        gid = state.new_gid("Collection")
        now = state.now_iso()
        taken = {c["handle"] for c in state.collections.values()}
        base = handle or handleize(title)
        chosen, n = base, 1
        while chosen in taken:
            chosen, n = f"{base}-{n}", n + 1
        record: Record = {"id": gid, "title": title, "handle": chosen, "product_ids": [], "created_at": now}
        record["updated_at"] = now
        if rule_set is not None:
            record["rule_set"] = _stored_rule_set(rule_set)
        state.collections[gid] = record
        return record


def add_products(state: ShopState, collection_id: str, product_ids: list[str]) -> None:
    with state.lock:
        record = state.collections[collection_id]
        record["product_ids"] += [p for p in product_ids if p not in record["product_ids"]]
        record["updated_at"] = state.now_iso()


def _stored_rule_set(rule_set: Record) -> Record:
    rules = [
        {"column": r["column"], "relation": r["relation"], "condition": str(r["condition"])}
        for r in rule_set.get("rules") or ()
    ]
    return {"appliedDisjunctively": bool(rule_set["appliedDisjunctively"]), "rules": rules}


def holds(record: Record, product: Record) -> bool:
    """Is ``product`` in the collection: added to a custom one, or matched by a smart one's rules."""
    rule_set = record.get("rule_set")
    if rule_set is not None:
        return matches_rule_set(product, rule_set)
    return product["id"] in record["product_ids"]


def members(state: ShopState, record: Record) -> list[Record]:
    """The collection's products: a custom one's in the order added, a smart one's oldest first."""
    with state.lock:
        if record.get("rule_set") is None:
            return [state.products[p] for p in record["product_ids"] if p in state.products]
        return [p for p in state.products.values() if holds(record, p)]


def _rule_set_node(record: Record) -> Record | None:
    rule_set = record.get("rule_set")
    if rule_set is None:
        return None  # a custom collection
    rules = [{**rule, "conditionObject": None} for rule in rule_set["rules"]]
    return {"appliedDisjunctively": rule_set["appliedDisjunctively"], "rules": rules}


def collection_node(state: ShopState, record: Record) -> Record:
    gid = record["id"]
    return {
        "__typename": "Collection",
        "id": gid,
        "legacyResourceId": str(numeric_id(gid)),
        "title": record["title"],
        "handle": record["handle"],
        "descriptionHtml": record.get("description_html", ""),
        "description": record.get("description_html", ""),
        "sortOrder": "MANUAL",
        "ruleSet": _rule_set_node(record),
        "templateSuffix": None,
        "updatedAt": record["updated_at"],
        "productsCount": lambda **_: count(len(members(state, record))),
        "hasProduct": lambda id, **_: str(id) in {p["id"] for p in members(state, record)},
        "products": lambda **kw: connection(
            members(state, record),
            node=lambda p: product_node(state, p),
            **{k: v for k, v in kw.items() if k not in ("query", "sortKey")},
        ),
    }


@object_field("Product", "collections")
def product_collections(state: ShopState, product: Record, args: Record) -> Record:
    """The collections holding the product, oldest first (Shopify's default order)."""
    with state.lock:
        record = state.products.get(str(product["id"]), product)  # the stored product, not its node
        holding = [c for c in state.collections.values() if holds(c, record)]
    return connection(holding, node=lambda c: collection_node(state, c), **_window(args))


@object_field("Product", "inCollection")
def product_in_collection(state: ShopState, product: Record, args: Record) -> bool:
    record = state.collections.get(str(args["id"]))
    return bool(record and holds(record, state.products.get(str(product["id"]), product)))


def _window(args: Record) -> Record:
    return {k: args.get(k) for k in ("first", "after", "last", "before", "reverse") if k in args}


@query("collections")
def resolve_collections(state: ShopState, args: Record, info: ResolveInfo) -> Record:
    with state.lock:
        records = list(state.collections.values())
    wanted = _handle_filter(args.get("query"))
    found = [c for c in records if wanted is None or c["handle"] == wanted]
    return connection(found, node=lambda c: collection_node(state, c), **_window(args))


def _handle_filter(text: Any) -> str | None:
    """``handle:<h>`` (the one search term the sandbox reads); anything else lists every collection."""
    if isinstance(text, str) and text.startswith("handle:"):
        return text.removeprefix("handle:").strip("'\"")
    return None


@query("collection")
def resolve_collection(state: ShopState, args: Record, info: ResolveInfo) -> Record | None:
    record = state.collections.get(str(args["id"]))
    return collection_node(state, record) if record else None


@query("collectionByHandle")
def resolve_collection_by_handle(state: ShopState, args: Record, info: ResolveInfo) -> Record | None:
    record = next((c for c in state.collections.values() if c["handle"] == args["handle"]), None)
    return collection_node(state, record) if record else None


@mutation("collectionCreate")
def collection_create(state: ShopState, args: Record, info: ResolveInfo) -> Record:
    data = args.get("collection") or args.get("input") or {}
    if data.get("sources"):
        message = "Collection sources are not modelled by the shopbridge Shopify sandbox (use ruleSet)"
        return {"collection": None, "userErrors": [user_error(["sources"], message)]}
    rule_set = data.get("ruleSet")
    errors = _rule_set_errors(rule_set, data) if rule_set is not None else []
    if errors:
        return {"collection": None, "userErrors": errors}
    title = (data.get("title") or "").strip()
    if not title:
        return {"collection": None, "userErrors": [user_error(["title"], "Title can't be blank")]}
    unknown = [p for p in data.get("products") or [] if str(p) not in state.products]
    if unknown:
        return {"collection": None, "userErrors": [user_error(["products"], "Product does not exist")]}
    record = add_collection(state, title, handle=data.get("handle") or None, rule_set=rule_set)
    if rule_set is None:
        add_products(state, record["id"], [str(p) for p in data.get("products") or []])
    return {"collection": collection_node(state, record), "userErrors": []}


@mutation("collectionAddProducts")
def collection_add_products(state: ShopState, args: Record, info: ResolveInfo) -> Record:
    gid = str(args["id"])
    if gid not in state.collections:
        return {"collection": None, "userErrors": [user_error(["id"], "Collection does not exist")]}
    if state.collections[gid].get("rule_set") is not None:
        message = "Products can't be added to a smart collection: its rules choose them"
        return {"collection": None, "userErrors": [user_error(["id"], message)]}
    products = [str(p) for p in args["productIds"]]
    if any(p not in state.products for p in products):
        return {"collection": None, "userErrors": [user_error(["productIds"], "Product does not exist")]}
    add_products(state, gid, products)
    return {"collection": collection_node(state, state.collections[gid]), "userErrors": []}


def _rule_set_errors(rule_set: Record, data: Record) -> list[Record]:
    if data.get("products"):
        message = "A smart collection's products come from its rules, not from products"
        return [user_error(["products"], message)]
    rules = list(rule_set.get("rules") or ())
    if not rules:
        return [user_error(["ruleSet", "rules"], "A smart collection needs at least one rule")]
    return [user_error(path, message) for path, message in rule_errors(rules)]
