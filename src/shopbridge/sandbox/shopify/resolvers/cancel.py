"""``orderCancel``: asynchronous in Shopify (it answers a job), applied at once in the sandbox.

The payload's job says ``done: false`` as Shopify's does; ``job(id:)`` then answers ``done: true``.
A cancel with ``refund: true`` (or ``refundMethod.originalPaymentMethodsRefund``) refunds the net
payment and voids open authorisations; ``restock: true`` puts unfulfilled units back on the shelf.
An order with an outstanding fulfillment (any that is not cancelled) is refused, as Shopify refuses it:
the fulfillment must be cancelled first.
"""

from __future__ import annotations

import uuid
from typing import Any

from .. import order_figures as fig
from ..order_events import Event, order_events, publish, refund_event, touch
from ..order_model import new_transaction, release_stock
from ..order_stock import level_events, snapshot
from ..order_views import order_view
from ..registry import ResolveInfo, mutation, query
from ..state import ShopState
from .refunds import apply_refund


def _error(message: str, code: str) -> dict[str, Any]:
    error = {"field": ["orderId"], "message": message, "code": code}
    return {
        "job": None,
        "orderCancelUserErrors": [error],
        "userErrors": [{"field": ["orderId"], "message": message}],
    }


@mutation("orderCancel")
def resolve_order_cancel(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> Any:
    events: list[Event] = []
    with state.lock:
        order = state.orders.get(args["orderId"])
        if order is None:
            return _error("Order does not exist", "NOT_FOUND")
        if order["cancelled_at"] is not None:
            return _error("Order has already been cancelled", "INVALID")
        if has_outstanding_fulfillments(state, order):
            return _error("Cannot cancel an order that has outstanding fulfillments", "INVALID")
        before = snapshot(state, order["line_items"])
        events = cancel_order(state, order, args) + level_events(state, before)
        job_id = f"gid://shopify/Job/{uuid.UUID(int=len(state.jobs) + 1)}"
        state.jobs[job_id] = {"id": job_id, "done": True}
    publish(state, events)
    return {
        "job": {"id": job_id, "done": False, "query": None},
        "orderCancelUserErrors": [],
        "userErrors": [],
    }


def has_outstanding_fulfillments(state: ShopState, order: dict[str, Any]) -> bool:
    """True while any of the order's fulfillments is not cancelled."""
    return any(state.fulfillments[f]["status"] != "CANCELLED" for f in order["fulfillment_ids"])


def cancel_order(state: ShopState, order: dict[str, Any], args: dict[str, Any]) -> list[Event]:
    """Cancel under the lock; returns the webhook events to publish."""
    refund_method = args.get("refundMethod") or {}
    wants_refund = bool(args.get("refund") or refund_method.get("originalPaymentMethodsRefund"))
    restock = bool(args.get("restock"))
    events: list[Event] = []
    if wants_refund and fig.net_payment(order).shop > 0:
        refund = apply_refund(state, order, _refund_input(order, restock))
        events.append(refund_event(state, refund))
    elif restock:
        _restock_unfulfilled(state, order)
    _void_authorizations(state, order)
    for fo_id in order["fulfillment_order_ids"]:
        fo = state.fulfillment_orders[fo_id]
        if fo["status"] in ("OPEN", "IN_PROGRESS"):
            fo["status"] = "CLOSED"
    order["cancelled_at"] = state.now_iso()
    order["cancel_reason"] = args.get("reason") or "OTHER"
    order["closed_at"] = order["cancelled_at"]
    touch(state, order)
    return [*events, *order_events(state, order, ["orders/cancelled", "orders/updated"])]


def _refund_input(order: dict[str, Any], restock: bool) -> dict[str, Any]:
    lines = [
        {
            "lineItemId": line["id"],
            "quantity": fig.current_quantity(line),
            "restockType": "CANCEL" if restock else "NO_RESTOCK",
        }
        for line in order["line_items"]
        if fig.current_quantity(line) > 0 and not line["fulfilled"]
    ]
    gateway = next(
        (t["gateway"] for t in order["transactions"] if t["kind"] in ("SALE", "CAPTURE")), "manual"
    )
    amount = str(fig.net_payment(order).shop)
    parent = next((t["id"] for t in order["transactions"] if t["kind"] in ("SALE", "CAPTURE")), None)
    return {
        "orderId": order["id"],
        "note": "Order canceled",
        "refundLineItems": lines,
        "shipping": {"fullRefund": True},
        "transactions": [
            {
                "amount": amount,
                "gateway": gateway,
                "kind": "REFUND",
                "orderId": order["id"],
                "parentId": parent,
            }
        ],
    }


def _restock_unfulfilled(state: ShopState, order: dict[str, Any]) -> None:
    for line in order["line_items"]:
        left = fig.current_quantity(line) - int(line["fulfilled"])
        if left > 0:
            release_stock(state, order, line, left, None)
            line["removed"] += left


def _void_authorizations(state: ShopState, order: dict[str, Any]) -> None:
    open_auth = fig.capturable(order)
    if open_auth.shop <= 0:
        return
    auth = next(t for t in order["transactions"] if t["kind"] == "AUTHORIZATION")
    order["transactions"].append(
        new_transaction(state, "VOID", auth["gateway"], open_auth, parent_id=auth["id"])
    )
    order["voided"] = True


@query("job")
def resolve_job(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> Any:
    with state.lock:
        job = state.jobs.get(args["id"])
        return {"id": job["id"], "done": job["done"], "query": None} if job else None


def _close_or_open(state: ShopState, args: dict[str, Any], closing: bool) -> dict[str, Any]:
    """Closing a closed order (or opening an open one) changes nothing, as Shopify's captures show."""
    events: list[Event] = []
    with state.lock:
        order = state.orders.get(args["input"]["id"])
        if order is None:
            return {"order": None, "userErrors": [{"field": ["id"], "message": "Order does not exist"}]}
        if closing != (order["closed_at"] is not None):
            order["closed_at"] = state.now_iso() if closing else None
            touch(state, order)
            events = order_events(state, order, ["orders/updated"])
        view = order_view(state, order)
    publish(state, events)
    return {"order": view, "userErrors": []}


@mutation("orderClose")
def resolve_order_close(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> Any:
    return _close_or_open(state, args, closing=True)


@mutation("orderOpen")
def resolve_order_open(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> Any:
    return _close_or_open(state, args, closing=False)
