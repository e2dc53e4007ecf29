"""``webhookSubscriptionCreate/Update/Delete``, ``webhookSubscription(s)`` and
``currentAppInstallation.accessScopes``, on the records ``subscriptions.py`` keeps."""

from __future__ import annotations

from typing import Any

from ..connection import connection
from ..registry import ResolveInfo, mutation, query
from ..state import ShopState, numeric_id
from ..subscriptions import (
    MISSING,
    TAKEN,
    address_error,
    granted_scopes,
    subscriptions,
    taken,
)
from ..webhooks import ensure_emitter
from .common import sorted_records, user_error

API_VERSION = "2026-07"
_ADDRESS_FIELD = ["webhookSubscription", "callbackUrl"]


def _uri(given: dict[str, Any]) -> str | None:
    uri = given.get("uri") or given.get("callbackUrl")
    return str(uri) if uri else None


def view(sub: dict[str, Any]) -> dict[str, Any]:
    """A WebhookSubscription as GraphQL returns it."""
    return {
        "__typename": "WebhookSubscription",
        "id": sub["id"],
        "legacyResourceId": str(numeric_id(sub["id"])),
        "topic": sub["topic"],
        "uri": sub["uri"],
        "callbackUrl": sub["uri"],
        "endpoint": {"__typename": "WebhookHttpEndpoint", "callbackUrl": sub["uri"]},
        "format": sub["format"],
        "filter": sub["filter"],
        "includeFields": list(sub["includeFields"]),
        "metafieldNamespaces": list(sub["metafieldNamespaces"]),
        "metafields": [],
        "name": sub["name"],
        "apiVersion": {"handle": API_VERSION, "displayName": API_VERSION, "supported": True},
        "createdAt": sub["createdAt"],
        "updatedAt": sub["updatedAt"],
    }


def _refused(message: str, field: list[str], payload_key: str = "webhookSubscription") -> dict[str, Any]:
    return {payload_key: None, "userErrors": [user_error(field, message)]}


def _apply(sub: dict[str, Any], given: dict[str, Any]) -> None:
    for name in ("format", "filter", "name"):
        if given.get(name) is not None:
            sub[name] = given[name]
    for name in ("includeFields", "metafieldNamespaces"):
        if given.get(name) is not None:
            sub[name] = list(given[name])


@mutation("webhookSubscriptionCreate")
def create(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> dict[str, Any]:
    given = args["webhookSubscription"]
    topic, uri = args["topic"], _uri(given)
    problem = address_error(uri)
    if problem is not None or uri is None:
        return _refused(problem or "Address is invalid", _ADDRESS_FIELD)
    if taken(state, topic, uri):
        return _refused(TAKEN, _ADDRESS_FIELD)
    now = state.now_iso()
    sub: dict[str, Any] = {
        "id": state.new_gid("WebhookSubscription"),
        "topic": topic,
        "uri": uri,
        "format": "JSON",
        "filter": None,
        "includeFields": [],
        "metafieldNamespaces": [],
        "name": None,
        "createdAt": now,
        "updatedAt": now,
    }
    _apply(sub, given)
    subscriptions(state)[sub["id"]] = sub
    ensure_emitter(state)
    return {"webhookSubscription": view(sub), "userErrors": []}


@mutation("webhookSubscriptionUpdate")
def update(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> dict[str, Any]:
    sub = subscriptions(state).get(args["id"])
    if sub is None:
        return _refused(MISSING, ["id"])
    given = args["webhookSubscription"]
    uri = _uri(given)
    if uri is not None:
        problem = address_error(uri)
        if problem is not None:
            return _refused(problem, _ADDRESS_FIELD)
        if taken(state, sub["topic"], uri, except_id=sub["id"]):
            return _refused(TAKEN, _ADDRESS_FIELD)
        sub["uri"] = uri
    _apply(sub, given)
    sub["updatedAt"] = state.now_iso()
    return {"webhookSubscription": view(sub), "userErrors": []}


@mutation("webhookSubscriptionDelete")
def delete(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> dict[str, Any]:
    if subscriptions(state).pop(args["id"], None) is None:
        return _refused(MISSING, ["id"], payload_key="deletedWebhookSubscriptionId")
    return {"deletedWebhookSubscriptionId": args["id"], "userErrors": []}


@query("webhookSubscription")
def one(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> dict[str, Any] | None:
    sub = subscriptions(state).get(args["id"])
    return None if sub is None else view(sub)


def _wanted(sub: dict[str, Any], args: dict[str, Any]) -> bool:
    topics = args.get("topics")
    uri = args.get("uri") or args.get("callbackUrl")
    if topics and sub["topic"] not in topics:
        return False
    if uri and sub["uri"] != uri:
        return False
    return not (args.get("format") and sub["format"] != args["format"])


@query("webhookSubscriptions")
def many(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> dict[str, Any]:
    by = {"CREATED_AT": lambda r: r["createdAt"]}
    records = sorted_records(state, subscriptions(state), args.get("sortKey"), by)
    chosen = [r for r in records if _wanted(r, args)]
    return connection(chosen, **args, node=view)


_DESCRIPTIONS = {"read": "Read", "write": "Modify"}


def scope_view(handle: str) -> dict[str, str]:
    action, _, resource = handle.partition("_")
    verb = _DESCRIPTIONS.get(action, action.capitalize())
    return {"handle": handle, "description": f"{verb} {resource.replace('_', ' ')}"}


@query("currentAppInstallation")
def installation(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> dict[str, Any]:
    return {
        "__typename": "AppInstallation",
        "id": "gid://shopify/AppInstallation/1",
        "accessScopes": [scope_view(handle) for handle in granted_scopes(state)],
    }
