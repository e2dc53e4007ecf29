"""What the scenario does to an order after the sale, through the same code as the mutations."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any, cast

from . import order_figures as fig
from .order_events import order_events, publish, touch
from .order_model import new_transaction
from .ordermath import Bag, bag_sum
from .registry import ResolveInfo
from .resolvers.cancel import resolve_order_cancel
from .resolvers.edits import resolve_add_variant, resolve_begin, resolve_commit, resolve_set_quantity
from .resolvers.fulfillment import resolve_fulfillment_create
from .resolvers.refunds import create_refund
from .state import ShopState, numeric_id

NO_INFO = cast(ResolveInfo, None)  # these resolvers never read the GraphQL info


def cancel(state: ShopState, order: dict[str, Any], *, restock: bool) -> bool:
    """Cancel with a refund; False when Shopify's rules refuse it (outstanding fulfillments)."""
    args = {"orderId": order["id"], "reason": "CUSTOMER", "restock": restock, "refund": True}
    return not resolve_order_cancel(state, args, NO_INFO)["userErrors"]


def capture_if_authorized(state: ShopState, order: dict[str, Any]) -> None:
    """Capture an open authorisation in full (the merchant takes the money before shipping)."""
    with state.lock:
        amount = fig.capturable(order)
        if amount.shop <= 0:
            return
        auth = next(t for t in order["transactions"] if t["kind"] == "AUTHORIZATION")
        order["transactions"].append(
            new_transaction(state, "CAPTURE", auth["gateway"], amount, parent_id=auth["id"])
        )
        touch(state, order)
        events = order_events(state, order, ["orders/paid", "orders/updated"])
    publish(state, events)


def edit(
    state: ShopState,
    rng: random.Random,
    order: dict[str, Any],
    variants: list[str],
    *,
    add_only: bool = False,
) -> bool:
    """Add a unit of another variant, or take one unit off an unfulfilled line (never with
    ``add_only``); False if neither."""
    if order["cancelled_at"] or any(line["fulfilled"] for line in order["line_items"]):
        return False
    session = resolve_begin(state, {"id": order["id"]}, NO_INFO)["calculatedOrder"]["id"]
    reducible = [line for line in order["line_items"] if fig.current_quantity(line) > 1]
    if reducible and not add_only and rng.random() < 0.5:
        line = rng.choice(reducible)
        calculated = f"gid://shopify/CalculatedLineItem/{numeric_id(line['id'])}"
        args = {
            "id": session,
            "lineItemId": calculated,
            "quantity": fig.current_quantity(line) - 1,
            "restock": True,
        }
        resolve_set_quantity(state, args, NO_INFO)
    else:
        resolve_add_variant(state, {"id": session, "variantId": rng.choice(variants), "quantity": 1}, NO_INFO)
    resolve_commit(state, {"id": session}, NO_INFO)
    return True


def fulfil(state: ShopState, rng: random.Random, order: dict[str, Any]) -> bool:
    """Ship everything that remains, with a Royal Mail tracking number."""
    with state.lock:
        groups = [
            {"fulfillmentOrderId": fo_id}
            for fo_id in order["fulfillment_order_ids"]
            if state.fulfillment_orders[fo_id]["status"] in ("OPEN", "IN_PROGRESS")
        ]
    if not groups:
        return False
    tracking = {"company": "Royal Mail", "number": f"RM{rng.randrange(10**9):09d}GB"}
    args = {
        "fulfillment": {
            "lineItemsByFulfillmentOrder": groups,
            "trackingInfo": tracking,
            "notifyCustomer": True,
        }
    }
    return bool(resolve_fulfillment_create(state, args, NO_INFO)["fulfillment"])


def _sale(order: dict[str, Any]) -> dict[str, Any]:
    return next(
        t for t in order["transactions"] if t["kind"] in ("SALE", "CAPTURE") and t["status"] == "SUCCESS"
    )


def _line_refund_amount(order: dict[str, Any], line: dict[str, Any], quantity: int) -> Decimal:
    """What one line's units cost the customer: discounted price, plus tax when not included."""
    whole = line["unit"].scale(line["quantity"]) - line["discount"]
    tax = bag_sum((t.price for t in line["tax_lines"]), fig.zero_of(order))
    paid: Bag = whole if order["taxes_included"] else whole + tax
    return paid.scale(Decimal(quantity) / Decimal(line["quantity"])).rounded().shop


def refund_partial(state: ShopState, rng: random.Random, order: dict[str, Any]) -> None:
    """One unit of one line back, restocked (returned if it was shipped, cancelled if not)."""
    lines = [line for line in order["line_items"] if fig.current_quantity(line) > 0]
    if not lines:
        return
    line = rng.choice(lines)
    restock = "RETURN" if line["fulfilled"] else "CANCEL"
    amount = min(_line_refund_amount(order, line, 1), fig.net_payment(order).shop)
    sale = _sale(order)
    create_refund(
        state,
        {
            "orderId": order["id"],
            "note": "Customer changed their mind",
            "refundLineItems": [
                {
                    "lineItemId": line["id"],
                    "quantity": 1,
                    "restockType": restock,
                    "locationId": order["location_id"],
                }
            ],
            "transactions": [
                {
                    "amount": str(amount),
                    "gateway": sale["gateway"],
                    "kind": "REFUND",
                    "orderId": order["id"],
                    "parentId": sale["id"],
                }
            ],
        },
    )


def refund_full(state: ShopState, order: dict[str, Any], *, restock: bool) -> None:
    """Everything left on the order, shipping included; restocked or not."""
    items = [
        {
            "lineItemId": line["id"],
            "quantity": fig.current_quantity(line),
            "restockType": _full_restock(line, restock),
            "locationId": order["location_id"],
        }
        for line in order["line_items"]
        if fig.current_quantity(line) > 0
    ]
    sale = _sale(order)
    amount = fig.net_payment(order).shop
    create_refund(
        state,
        {
            "orderId": order["id"],
            "note": "Full refund",
            "refundLineItems": items,
            "shipping": {"fullRefund": True},
            "transactions": [
                {
                    "amount": str(amount),
                    "gateway": sale["gateway"],
                    "kind": "REFUND",
                    "orderId": order["id"],
                    "parentId": sale["id"],
                }
            ],
        },
    )


def _full_restock(line: dict[str, Any], restock: bool) -> str:
    if not restock:
        return "NO_RESTOCK"
    return "RETURN" if line["fulfilled"] else "CANCEL"
