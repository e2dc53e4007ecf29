"""``refundCreate`` (``@idempotent`` is mandatory since 2026-04) and the stock it puts back.

Checks, in Shopify's words (from the recorded captures): an unknown order, a line refunded beyond
what is left of it, and refund transactions worth more than the net payment received (Shopify
refuses that even with ``allowOverRefunding: true``, as the capture shows).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .. import order_figures as fig
from ..fulfillment_views import refund_view
from ..idempotency import run_idempotent
from ..order_events import Event, order_events, publish, refund_event, touch
from ..order_inputs import dec
from ..order_model import new_transaction, release_stock, return_stock
from ..order_stock import level_events, snapshot
from ..order_views import order_view
from ..ordermath import Bag, TaxLine, bag_sum, round_money
from ..registry import ResolveInfo, mutation
from ..state import ShopState
from .node import NODE_LOADERS

_SYMBOLS = {"USD": "$", "CAD": "$", "AUD": "$", "NZD": "$", "GBP": "£", "EUR": "€", "JPY": "¥"}
RESTOCKING = ("RETURN", "CANCEL", "LEGACY_RESTOCK")


def money_text(amount: Decimal, currency: str) -> str:
    """Money as Shopify's messages write it: "$25.00"."""
    symbol = _SYMBOLS.get(currency)
    text = str(round_money(amount, currency))
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


@mutation("refundCreate")
def resolve_refund_create(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> Any:
    def failure(error: dict[str, Any]) -> dict[str, Any]:
        return {"refund": None, "order": None, "userErrors": [error]}

    return run_idempotent(state, info, args, lambda: create_refund(state, args["input"]), failure)


def create_refund(state: ShopState, data: dict[str, Any]) -> dict[str, Any]:
    """Validate and apply one refund; the payload as ``RefundCreatePayload``."""
    events: list[Event] = []
    with state.lock:
        order = state.orders.get(data["orderId"])
        if order is None:
            return {
                "refund": None,
                "order": None,
                "userErrors": [{"field": ["orderId"], "message": "Order does not exist"}],
            }
        errors = refund_errors(order, data)
        if errors:
            return {"refund": None, "order": order_view(state, order), "userErrors": errors}
        before = snapshot(state, order["line_items"])
        refund = apply_refund(state, order, data)
        events = [refund_event(state, refund), *order_events(state, order, ["orders/updated"])]
        events += level_events(state, before)
        payload = {"refund": refund_view(state, refund), "order": order_view(state, order), "userErrors": []}
    publish(state, events)
    return payload


def refund_errors(order: dict[str, Any], data: dict[str, Any]) -> list[dict[str, Any]]:
    lines = {line["id"]: line for line in order["line_items"]}
    errors: list[dict[str, Any]] = []
    for i, item in enumerate(data.get("refundLineItems") or []):
        line = lines.get(item["lineItemId"])
        if line is None:
            errors.append(
                {"field": ["refundLineItems", str(i), "lineItemId"], "message": "Line item does not exist"}
            )
        elif int(item["quantity"]) > fig.refundable_quantity(line):
            errors.append(
                {
                    "field": ["refundLineItems", str(i), "quantity"],
                    "message": "Quantity cannot refund more items than were purchased",
                }
            )
    return errors or _amount_errors(order, data)


def _amount_errors(order: dict[str, Any], data: dict[str, Any]) -> list[dict[str, Any]]:
    asked = sum((dec(t["amount"]) for t in data.get("transactions") or []), Decimal(0))
    net = fig.net_payment(order).shop
    if asked <= net:
        return []
    currency = order["currency"]
    message = (
        f"Refund amount {money_text(asked, currency)} is greater than "
        f"net payment received {money_text(net, currency)}"
    )
    return [{"field": None, "message": message}]


def apply_refund(
    state: ShopState, order: dict[str, Any], data: dict[str, Any], *, stock_moved: bool = False
) -> dict[str, Any]:
    """Store the refund: lines (with restock), shipping, refund transactions (under the lock).

    ``stock_moved``: the units' stock already moved (a processed return's disposition did it).
    """
    refund_id = state.new_gid("Refund")
    lines = {line["id"]: line for line in order["line_items"]}
    items = [
        _refund_line(state, order, lines[i["lineItemId"]], i, stock_moved=stock_moved)
        for i in data.get("refundLineItems") or []
    ]
    refund = {
        "id": refund_id,
        "order_id": order["id"],
        "note": data.get("note"),
        "created_at": state.now_iso(),
        "lines": items,
        "shipping_lines": _refund_shipping(state, order, data.get("shipping")),
        "order_adjustments": [],
        "transaction_ids": [
            _refund_transaction(state, order, t)["id"] for t in data.get("transactions") or []
        ],
    }
    state.refunds[refund_id] = refund
    order["refund_ids"].append(refund_id)
    touch(state, order)
    return refund


def _refund_line(
    state: ShopState,
    order: dict[str, Any],
    line: dict[str, Any],
    item: dict[str, Any],
    *,
    stock_moved: bool = False,
) -> dict[str, Any]:
    quantity = int(item["quantity"])
    restock_type = str(item.get("restockType") or "NO_RESTOCK")
    location = item.get("locationId")
    unfulfilled = max(0, fig.current_quantity(line) - int(line["fulfilled"]))
    from_unfulfilled = min(quantity, unfulfilled)
    line["refunded"] += quantity
    _shrink_fulfillment_orders(state, order, line, from_unfulfilled)
    restocked = restock_type in RESTOCKING
    if restocked and not stock_moved:
        release_stock(state, order, line, from_unfulfilled, location)
        return_stock(state, line, quantity - from_unfulfilled, location or order["location_id"])
    return {
        "id": state.new_gid("RefundLineItem"),
        "line_item_id": line["id"],
        "quantity": quantity,
        "restock_type": restock_type,
        "restocked": restocked,
        "location_id": location,
        "price": line["unit"],
        "subtotal": _share(
            line["unit"].scale(line["quantity"]) - line["discount"], quantity, line["quantity"]
        ),
        "tax": _share(
            bag_sum((t.price for t in line["tax_lines"]), fig.zero_of(order)), quantity, line["quantity"]
        ),
    }


def _share(amount: Bag, part: int, whole: int) -> Bag:
    return amount if part == whole else amount.scale(Decimal(part) / Decimal(whole)).rounded()


def _shrink_fulfillment_orders(
    state: ShopState, order: dict[str, Any], line: dict[str, Any], quantity: int
) -> None:
    """Refunded unfulfilled units leave the fulfilment order (Shopify stops asking to ship them)."""
    for fo_id in _open_fulfillment_orders(state, order):
        for item in state.fulfillment_orders[fo_id]["line_items"]:
            if item["line_item_id"] == line["id"] and quantity > 0:
                taken = min(quantity, item["remaining_quantity"])
                item["remaining_quantity"] -= taken
                item["total_quantity"] -= taken
                quantity -= taken
        _close_if_done(state.fulfillment_orders[fo_id])


def _open_fulfillment_orders(state: ShopState, order: dict[str, Any]) -> list[str]:
    return [
        i
        for i in order["fulfillment_order_ids"]
        if state.fulfillment_orders[i]["status"] in ("OPEN", "IN_PROGRESS")
    ]


def _close_if_done(fo: dict[str, Any]) -> None:
    if fo["status"] in ("OPEN", "IN_PROGRESS") and all(
        i["remaining_quantity"] == 0 for i in fo["line_items"]
    ):
        fo["status"] = "CLOSED"


def _refund_shipping(
    state: ShopState, order: dict[str, Any], data: dict[str, Any] | None
) -> list[dict[str, Any]]:
    if not data or not order["shipping_lines"]:
        return []
    ship = order["shipping_lines"][0]
    already: Bag = ship["refunded"] or fig.zero_of(order)
    left = ship["price"] - ship["discount"] - already
    if data.get("fullRefund"):
        amount = left
    else:
        value = dec(data.get("amount") or 0)
        amount = Bag(value, value, left.shop_currency, left.presentment_currency)
    ship["refunded"] = already + amount
    tax = _shipping_tax_share(order, ship, amount)
    return [
        {
            "id": state.new_gid("RefundShippingLine"),
            "shipping_line_id": ship["id"],
            "title": ship["title"],
            "amount": amount,
            "tax": tax,
        }
    ]


def _shipping_tax_share(order: dict[str, Any], ship: dict[str, Any], amount: Bag) -> Bag:
    taxes: list[TaxLine] = ship["tax_lines"]
    base: Bag = ship["price"] - ship["discount"]
    total = bag_sum((t.price for t in taxes), fig.zero_of(order))
    if base.is_zero() or total.is_zero():
        return fig.zero_of(order)
    return total.scale(amount.shop / base.shop).rounded()


def _refund_transaction(state: ShopState, order: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    value = dec(data["amount"])
    amount = Bag(value, value, order["currency"], order["presentment_currency"])
    tx = new_transaction(
        state, "REFUND", str(data.get("gateway") or "manual"), amount, parent_id=data.get("parentId")
    )
    order["transactions"].append(tx)
    return tx


def _load_refund(state: ShopState, gid: str) -> dict[str, Any] | None:
    with state.lock:
        refund = state.refunds.get(gid)
        return refund_view(state, refund) if refund else None


NODE_LOADERS["Refund"] = _load_refund
