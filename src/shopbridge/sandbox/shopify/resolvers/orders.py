"""Orders: ``order(id)``, ``orders(query:, sortKey:)`` with paging, ``ordersCount``, ``orderCreate``, and the
control route that places an order the way a checkout does."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .. import order_figures as fig
from ..checkout import CheckoutError, place_order
from ..connection import connection
from ..order_events import order_events, publish
from ..order_inputs import spec_from_input, validate
from ..order_model import create_order, webhook_topics_for_new_order
from ..order_stock import level_events, snapshot
from ..order_views import order_view
from ..registry import ResolveInfo, mutation, query
from ..state import ShopState, numeric_id
from .node import NODE_LOADERS

_TERM = re.compile(r"(\w+):(>=|<=|>|<|=)?'?\"?([^'\"\s]+)'?\"?")
_SORT_KEYS = {
    "ID": lambda o: numeric_id(o["id"]),
    "UPDATED_AT": lambda o: (o["updated_at"], numeric_id(o["id"])),
    "CREATED_AT": lambda o: (o["created_at"], numeric_id(o["id"])),
    "PROCESSED_AT": lambda o: (o["processed_at"], numeric_id(o["id"])),
    "ORDER_NUMBER": lambda o: o["number"],
}


def _load_order(state: ShopState, gid: str) -> dict[str, Any] | None:
    with state.lock:
        order = state.orders.get(gid)
        return order_view(state, order) if order else None


NODE_LOADERS["Order"] = _load_order


@query("order")
def resolve_order(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> Any:
    with state.lock:
        order = state.orders.get(args["id"])
        return order_view(state, order) if order else None


@query("orders")
def resolve_orders(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> Any:
    matches(None, args.get("query"))  # refuses unsupported search fields even on an empty shop
    terms = _TERM.findall(args.get("query") or "")  # parsed once, not once per order
    with state.lock:
        matching = [o for o in state.orders.values() if _all_terms(o, terms)]
        key = _SORT_KEYS.get(str(args.get("sortKey") or "ID"), _SORT_KEYS["ID"])
        matching.sort(key=key)
        window = {k: args.get(k) for k in ("first", "after", "last", "before")}
        return connection(
            matching, reverse=bool(args.get("reverse")), node=lambda o: order_view(state, o), **window
        )


ORDERS_COUNT_LIMIT = 10_000  # ordersCount's default ``limit``; ``null`` counts every match


@query("ordersCount")
def resolve_orders_count(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> Any:
    """The orders matching the search, counted up to ``limit`` (precision ``AT_LEAST`` beyond it)."""
    matches(None, args.get("query"))
    terms = _TERM.findall(args.get("query") or "")
    limit = args.get("limit", ORDERS_COUNT_LIMIT)
    with state.lock:
        count = sum(1 for o in state.orders.values() if _all_terms(o, terms))
    if limit is not None and count > limit:
        return {"count": limit, "precision": "AT_LEAST"}
    return {"count": count, "precision": "EXACT"}


def matches(order: dict[str, Any] | None, search: str | None) -> bool:
    """Shopify search syntax, the part the sweeps use: ``updated_at:>='2025-01-01T00:00:00Z'``,
    ``created_at:<...``, ``name:#1001``, ``status:open|closed|cancelled``; terms are ANDed."""
    if not search:
        return True
    unknown = {f for f, _, _ in _TERM.findall(search)} - _SEARCHABLE
    if unknown:
        raise GraphQLError(f"The shopbridge Shopify sandbox does not search orders by {sorted(unknown)}")
    if order is None:
        return True
    return _all_terms(order, _TERM.findall(search))


def _all_terms(order: dict[str, Any], terms: list[tuple[str, str, str]]) -> bool:
    return all(_term_matches(order, f, op or "=", v) for f, op, v in terms)


def _term_matches(order: dict[str, Any], field: str, op: str, value: str) -> bool:
    if field in ("updated_at", "created_at", "processed_at"):
        return _compare(_parse_time(order[field]), op, _parse_time(value))
    if field == "name":
        return str(order["name"]).lstrip("#") == value.lstrip("#")
    if field == "status":
        return _status(order) == value.lower() or value.lower() == "any"
    if field == "financial_status" and value.lower() in _REFUND_STATUSES and not _has_refund(order):
        return False  # the same answer, without working out every figure of every order on each page
    if field in _TEXT_FIELDS:
        return value.lower() in _TEXT_FIELDS[field](order)
    if field == "id":
        return _compare_numbers(numeric_id(order["id"]), op, int(value.rsplit("/", 1)[-1]))
    raise GraphQLError(
        f"The shopbridge Shopify sandbox does not search orders by '{field}'"
    )  # pragma: no cover


_TEXT_FIELDS: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "email": lambda o: [(o["email"] or "").lower()],
    "tag": lambda o: [t.lower() for t in o["tags"]],
    "financial_status": lambda o: [(fig.financial_status(o) or "pending").lower()],
    "fulfillment_status": lambda o: [fig.fulfillment_status(o).lower()],
    "customer_id": lambda o: [str(numeric_id(o["customer_id"]))] if o["customer_id"] else [],
}


_REFUND_STATUSES = ("refunded", "partially_refunded")


def _has_refund(order: dict[str, Any]) -> bool:
    """A successful refund transaction: without one no figure makes the order (partially) refunded."""
    return any(t["kind"] == "REFUND" and t["status"] == "SUCCESS" for t in order["transactions"])


_SEARCHABLE = {"updated_at", "created_at", "processed_at", "name", "status", "id", *_TEXT_FIELDS}


def _compare_numbers(left: int, op: str, right: int) -> bool:
    return {
        ">=": left >= right,
        ">": left > right,
        "<=": left <= right,
        "<": left < right,
        "=": left == right,
    }[op]


def _status(order: dict[str, Any]) -> str:
    if order["cancelled_at"]:
        return "cancelled"
    return "closed" if order["closed_at"] else "open"


@functools.lru_cache(maxsize=1 << 17)
def _parse_time(text: str) -> datetime:
    """A stamp as a datetime; cached, as every page of a sweep compares every order's stamps again."""
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise GraphQLError(f"Invalid date in search query: {text!r}") from exc


def _compare(left: datetime, op: str, right: datetime) -> bool:
    return {
        ">=": left >= right,
        ">": left > right,
        "<=": left <= right,
        "<": left < right,
        "=": left == right,
    }[op]


@mutation("orderCreate")
def resolve_order_create(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> Any:
    errors = validate(args["order"], state.clock())
    if errors:
        return {"order": None, "userErrors": errors}
    behaviour = (args.get("options") or {}).get("inventoryBehaviour") or "BYPASS"
    with state.lock:
        spec = spec_from_input(state, args["order"])
        spec.commit_inventory = behaviour != "BYPASS"
        before = snapshot(state, spec.lines)
        order = create_order(state, spec)
        events = order_events(state, order, webhook_topics_for_new_order(order)) + level_events(state, before)
        view = order_view(state, order)
    publish(state, events)
    return {"order": view, "userErrors": []}


async def _place(request: Request) -> JSONResponse:
    state: ShopState = request.app.state.sandbox.state
    try:
        order = place_order(state, await request.json())
    except CheckoutError as exc:
        return JSONResponse({"error": str(exc)}, status_code=422)
    return JSONResponse({"id": order["id"], "name": order["name"]}, status_code=201)


def order_routes() -> list[Route]:
    """Control routes D1's control API mounts under ``/_sandbox``."""
    from ..scenario import scenario_routes

    return [Route("/_sandbox/orders", _place, methods=["POST"]), *scenario_routes()]
