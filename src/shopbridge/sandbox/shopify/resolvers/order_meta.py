"""``metafieldsSet`` and ``tagsAdd`` on orders, and the order's ``metafield``/``metafields`` fields.

metafieldsSet (as Shopify documents it): at most 25 metafields per call, atomic (one error and
nothing is stored), a metafield is created or its value replaced, ``compareDigest`` guards against a
concurrent change (``null`` means "must not exist yet"), ``type`` is required for a metafield that
does not exist yet, and the value is checked against its type. Setting a metafield does not change
the order's ``updatedAt`` and publishes no ``orders/updated`` (metafields are not order attributes).

tagsAdd: the tags (a list, each entry may itself be comma separated) are added to the order; a tag
the order already has (case-insensitively) is left alone, so adding it again changes nothing and
fires nothing. A change bumps ``updatedAt`` and publishes ``orders/updated`` as Shopify does for any
edit of an order's attributes (the body carries the new tags).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ..connection import connection
from ..order_events import Event, order_events, publish, touch
from ..order_views import order_view
from ..registry import ResolveInfo, mutation, not_implemented, object_field
from ..state import ShopState, gid_kind, numeric_id
from .common import user_error

MAX_METAFIELDS = 25
APP_NAMESPACE = "app--1"  # where Shopify puts a metafield set without a namespace (the app's own)
Record = dict[str, Any]


def digest(value: str) -> str:
    """The metafield's ``compareDigest`` (opaque in Shopify; a hash of the value here)."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _error(index: int, where: str | None, message: str, code: str) -> Record:
    field = ["metafields", str(index), where] if where else ["metafields", str(index)]
    return {**user_error(field, message, code), "elementIndex": None}


def _value_problem(kind: str, value: str) -> str | None:
    if kind in ("single_line_text_field", "multi_line_text_field") and not value.strip():
        return "Value can't be blank."
    if kind == "single_line_text_field" and ("\n" in value or "\r" in value):
        return "Value must be a single line text string."
    if kind == "number_integer" and not value.lstrip("-").isdigit():
        return "Value must be an integer."
    if kind == "boolean" and value not in ("true", "false"):
        return "Value must be true or false."
    if kind == "json":
        try:
            json.loads(value)
        except ValueError:
            return "Value is invalid JSON."
    return None


def _input_errors(state: ShopState, index: int, entry: Record) -> list[Record]:
    namespace, key = entry.get("namespace") or APP_NAMESPACE, entry["key"]
    if not 3 <= len(namespace) <= 255:
        size = "short (minimum is 3" if len(namespace) < 3 else "long (maximum is 255"
        return [_error(index, "namespace", f"Namespace is too {size} characters)", _size_code(size))]
    if not 2 <= len(key) <= 64:
        size = "short (minimum is 2" if len(key) < 2 else "long (maximum is 64"
        return [_error(index, "key", f"Key is too {size} characters)", _size_code(size))]
    owner = entry["ownerId"]
    if owner not in state.orders:
        # The sandbox's wording (no capture of Shopify's answer for an unknown owner).
        return [_error(index, "ownerId", "Owner does not exist", "INVALID")]
    existing = state.metafields.get((owner, namespace, key))
    if "compareDigest" in entry and entry["compareDigest"] != (existing and existing["compare_digest"]):
        message = (
            "The resource has been updated since it was loaded. "
            "Try again with an updated `compareDigest` value."
        )
        return [_error(index, None, message, "STALE_OBJECT")]
    kind = entry.get("type") or (existing["type"] if existing else None)
    if kind is None:
        return [_error(index, "type", "Type can't be blank", "BLANK")]
    problem = _value_problem(kind, entry["value"])
    return [_error(index, "value", problem, "INVALID_VALUE")] if problem else []


def _size_code(size: str) -> str:
    return "TOO_SHORT" if size.startswith("short") else "TOO_LONG"


def _store(state: ShopState, entry: Record) -> Record:
    owner, namespace = entry["ownerId"], entry.get("namespace") or APP_NAMESPACE
    now = state.now_iso()
    slot = (owner, namespace, entry["key"])
    existing = state.metafields.get(slot)
    record = existing or {"id": state.new_gid("Metafield"), "created_at": now, "owner_id": owner}
    record.update(
        namespace=namespace,
        key=entry["key"],
        value=entry["value"],
        type=entry.get("type") or record.get("type"),
        compare_digest=digest(entry["value"]),
        updated_at=now,
    )
    state.metafields[slot] = record
    return record


def metafield_view(record: Record) -> Record:
    value = record["value"]
    return {
        "__typename": "Metafield",
        "id": record["id"],
        "legacyResourceId": str(numeric_id(record["id"])),
        "namespace": record["namespace"],
        "key": record["key"],
        "value": value,
        "type": record["type"],
        "jsonValue": lambda: _json_value(record["type"], value),
        "compareDigest": record["compare_digest"],
        "ownerType": gid_kind(record["owner_id"]).upper(),
        "createdAt": record["created_at"],
        "updatedAt": record["updated_at"],
        "description": None,
        "definition": None,
        "sizeInBytes": len(value.encode("utf-8")),
    }


def _json_value(kind: str, value: str) -> Any:
    if kind in ("json", "number_integer", "boolean") or kind.startswith("list."):
        return json.loads(value)
    return value


@mutation("metafieldsSet")
def resolve_metafields_set(state: ShopState, args: Record, info: ResolveInfo) -> Any:
    entries: list[Record] = args["metafields"]
    if len(entries) > MAX_METAFIELDS:
        message = f"Exceeded the maximum metafields input limit of {MAX_METAFIELDS}."
        error = {**user_error(["metafields"], message, "LESS_THAN_OR_EQUAL_TO"), "elementIndex": None}
        return {"metafields": None, "userErrors": [error]}
    for entry in entries:
        if gid_kind(entry["ownerId"]) not in ("Order", ""):
            raise not_implemented(gid_kind(entry["ownerId"]), "metafields")
    with state.lock:
        errors = [e for i, entry in enumerate(entries) for e in _input_errors(state, i, entry)]
        if errors:
            return {"metafields": [], "userErrors": errors}
        stored = [_store(state, entry) for entry in entries]
        return {"metafields": [metafield_view(r) for r in stored], "userErrors": []}


def _split_tags(tags: list[str]) -> list[str]:
    return [part.strip() for tag in tags for part in tag.split(",") if part.strip()]


@mutation("tagsAdd")
def resolve_tags_add(state: ShopState, args: Record, info: ResolveInfo) -> Any:
    kind = gid_kind(args["id"])
    if kind not in ("Order", ""):
        raise not_implemented(kind, "tags")  # Shopify tags products, customers... the sandbox orders
    events: list[Event] = []
    with state.lock:
        order = state.orders.get(args["id"])
        if order is None:
            return {"node": None, "userErrors": [user_error(["id"], "Order does not exist")]}
        if _add_tags(order, _split_tags(args["tags"])):
            touch(state, order)
            events = order_events(state, order, ["orders/updated"])
        view = order_view(state, order)
    publish(state, events)
    return {"node": view, "userErrors": []}


def _add_tags(order: Record, tags: list[str]) -> bool:
    """Append the tags the order lacks (Shopify's tags are case-insensitive); True if any was new."""
    known = {tag.casefold() for tag in order["tags"]}
    new = [tag for tag in dict.fromkeys(tags) if tag.casefold() not in known]
    order["tags"].extend(new)
    return bool(new)


def _owned(state: ShopState, owner: str, namespace: str | None) -> list[Record]:
    found = [r for (o, ns, _), r in state.metafields.items() if o == owner]
    return [r for r in found if namespace is None or r["namespace"] == namespace]


@object_field("Order", "metafield")
def order_metafield(state: ShopState, order: Record, args: Record) -> Record | None:
    record = state.metafields.get((order["id"], args.get("namespace") or APP_NAMESPACE, args["key"]))
    return metafield_view(record) if record else None


@object_field("Order", "metafields")
def order_metafields(state: ShopState, order: Record, args: Record) -> Record:
    records = _owned(state, order["id"], args.get("namespace"))
    keys = args.get("keys")
    if keys is not None:
        records = [r for r in records if f"{r['namespace']}.{r['key']}" in keys]
    return connection(records, node=metafield_view, **args)
