"""Returns, the part a restock needs: ``returnCreate``, ``returnProcess``, and the ``Return`` and
``ReverseFulfillmentOrder`` reads (root fields and ``node``).

``returnCreate`` opens a return (status ``OPEN``) on fulfilled units, with one reverse fulfillment
order holding a line per returned fulfillment line item. ``returnProcess`` confirms units of return
lines, disposes them (``RESTOCKED`` puts them back in ``available`` at the disposition's location,
once) and, with ``financialTransfer.issueRefund``, refunds them through the same refund the
``refundCreate`` resolver makes: its lines say ``RETURN`` where the units were restocked, at that
location, so ``refunds/create`` carries the restock. A return whose every unit is processed closes,
with its reverse fulfillment order.

The error codes are Shopify's documented ``ReturnErrorCode`` values with the ``field`` path of the
input; the message texts are the sandbox's own, as no capture of these errors is held (FIDELITY.md).
Not implemented: exchanges, return shipping and restocking fees, requested returns (approve, decline),
reverse deliveries, ``returnCancel``/``returnClose``/``returnReopen``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ..connection import connection
from ..order_events import Event, order_events, publish, refund_event
from ..order_model import return_stock
from ..order_views import line_item_view, location_view, order_view
from ..registry import ResolveInfo, mutation, query
from ..state import ShopState
from .node import NODE_LOADERS
from .refunds import apply_refund

View = dict[str, Any]
Error = dict[str, Any]


def _error(field: list[str], code: str, message: str) -> Error:
    return {"field": field, "code": code, "message": message}


# --- returnCreate ------------------------------------------------------------------------------


@mutation("returnCreate")
def resolve_return_create(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> Any:
    data = args["returnInput"]
    with state.lock:
        order = state.orders.get(data["orderId"])
        if order is None:
            return _failed(_error(["returnInput", "orderId"], "NOT_FOUND", "Order does not exist."))
        errors = _create_errors(state, order, data.get("returnLineItems") or [])
        if errors:
            return {"return": None, "userErrors": errors}
        made = _open_return(state, order, data)
        return {"return": return_view(state, made), "userErrors": []}


def _failed(error: Error) -> dict[str, Any]:
    return {"return": None, "userErrors": [error]}


def _fulfillment_lines(state: ShopState, order: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        item["id"]: item
        for fid in order["fulfillment_ids"]
        if state.fulfillments[fid]["status"] == "SUCCESS"
        for item in state.fulfillments[fid]["line_items"]
    }


def _in_returns(state: ShopState, fulfillment_line_id: str) -> int:
    """Units of a fulfillment line already on an open or closed return."""
    return sum(
        line["quantity"]
        for ret in state.returns.values()
        if ret["status"] in ("OPEN", "CLOSED")
        for line in ret["lines"]
        if line["fulfillment_line_item_id"] == fulfillment_line_id
    )


def _create_errors(state: ShopState, order: dict[str, Any], items: list[dict[str, Any]]) -> list[Error]:
    if not items:
        return [_error(["returnInput", "returnLineItems"], "BLANK", "Return line items can't be blank.")]
    shipped = _fulfillment_lines(state, order)
    errors: list[Error] = []
    for i, item in enumerate(items):
        path = ["returnInput", "returnLineItems", str(i)]
        line = shipped.get(item["fulfillmentLineItemId"])
        quantity = int(item["quantity"])
        if line is None:
            errors.append(
                _error([*path, "fulfillmentLineItemId"], "NOT_FOUND", "Fulfillment line item does not exist.")
            )
        elif quantity <= 0:
            errors.append(_error([*path, "quantity"], "GREATER_THAN", "Quantity must be greater than 0."))
        elif quantity > line["quantity"] - _in_returns(state, line["id"]):
            errors.append(_error([*path, "quantity"], "INVALID", "Quantity is not available for return."))
    return errors


def _open_return(state: ShopState, order: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    shipped = _fulfillment_lines(state, order)
    lines = [
        {
            "id": state.new_gid("ReturnLineItem"),
            "fulfillment_line_item_id": item["fulfillmentLineItemId"],
            "line_item_id": shipped[item["fulfillmentLineItemId"]]["line_item_id"],
            "quantity": int(item["quantity"]),
            "processed": 0,
            "refunded": 0,
            "reason": str(item.get("returnReason") or "UNKNOWN"),
            "note": str(item.get("returnReasonNote") or ""),
        }
        for item in data["returnLineItems"]
    ]
    count = sum(1 for r in state.returns.values() if r["order_id"] == order["id"])
    made: dict[str, Any] = {
        "id": state.new_gid("Return"),
        "order_id": order["id"],
        "name": f"{order['name']}-R{count + 1}",
        "status": "OPEN",
        "created_at": data.get("requestedAt") or state.now_iso(),
        "closed_at": None,
        "lines": lines,
        "refund_ids": [],
    }
    rfo = {
        "id": state.new_gid("ReverseFulfillmentOrder"),
        "return_id": made["id"],
        "order_id": order["id"],
        "status": "OPEN",
        "lines": [
            {
                "id": state.new_gid("ReverseFulfillmentOrderLineItem"),
                "return_line_id": line["id"],
                "fulfillment_line_item_id": line["fulfillment_line_item_id"],
                "line_item_id": line["line_item_id"],
                "total_quantity": line["quantity"],
                "dispositions": [],
            }
            for line in lines
        ],
    }
    made["rfo_ids"] = [rfo["id"]]
    state.returns[made["id"]] = made
    state.reverse_fulfillment_orders[rfo["id"]] = rfo
    return made


# --- returnProcess -----------------------------------------------------------------------------


@mutation("returnProcess")
def resolve_return_process(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> Any:
    data = args["input"]
    events: list[Event] = []
    with state.lock:
        made = state.returns.get(data["returnId"])
        if made is None:
            return _failed(_error(["input", "returnId"], "NOT_FOUND", "Return does not exist."))
        if made["status"] != "OPEN":
            return _failed(_error(["input", "returnId"], "INVALID_STATE", "Return is not open."))
        items = data.get("returnLineItems") or []
        errors = _process_errors(state, made, items)
        if errors:
            return {"return": None, "userErrors": errors}
        restocked = [_process_line(state, made, item) for item in items]
        transfer = (data.get("financialTransfer") or {}).get("issueRefund")
        if transfer is not None:
            events = _refund(state, made, items, restocked, transfer, data)
        _close_if_done(state, made)
        payload = {"return": return_view(state, made), "userErrors": []}
    publish(state, events)
    return payload


def _process_errors(state: ShopState, made: dict[str, Any], items: list[dict[str, Any]]) -> list[Error]:
    if not items:
        return [_error(["input", "returnLineItems"], "BLANK", "Return line items can't be blank.")]
    lines = {line["id"]: line for line in made["lines"]}
    rfo_lines = {
        rl["id"]: rl for rfo_id in made["rfo_ids"] for rl in state.reverse_fulfillment_orders[rfo_id]["lines"]
    }
    errors: list[Error] = []
    for i, item in enumerate(items):
        path = ["input", "returnLineItems", str(i)]
        line = lines.get(item["id"])
        quantity = int(item["quantity"])
        if line is None:
            errors.append(_error([*path, "id"], "NOT_FOUND", "Return line item does not exist."))
            continue
        if quantity <= 0:
            errors.append(_error([*path, "quantity"], "GREATER_THAN", "Quantity must be greater than 0."))
            continue
        if quantity > line["quantity"] - line["processed"]:
            errors.append(
                _error(
                    [*path, "quantity"], "INVALID", "Quantity exceeds the unprocessed quantity of the line."
                )
            )
            continue
        errors += _disposition_errors(item, line, rfo_lines, path)
    return errors


def _disposition_errors(
    item: dict[str, Any], line: dict[str, Any], rfo_lines: dict[str, dict[str, Any]], path: list[str]
) -> list[Error]:
    errors: list[Error] = []
    disposed = 0
    for j, disposal in enumerate(item.get("dispositions") or []):
        where = [*path, "dispositions", str(j)]
        rfo_line = rfo_lines.get(disposal["reverseFulfillmentOrderLineItemId"])
        if rfo_line is None or rfo_line["return_line_id"] != line["id"]:
            errors.append(
                _error(
                    [*where, "reverseFulfillmentOrderLineItemId"],
                    "NOT_FOUND",
                    "Reverse fulfillment order line item does not exist.",
                )
            )
        if disposal["dispositionType"] == "RESTOCKED" and not disposal.get("locationId"):
            errors.append(_error([*where, "locationId"], "BLANK", "Location can't be blank when restocking."))
        disposed += int(disposal["quantity"])
    if disposed > int(item["quantity"]):
        errors.append(
            _error(
                [*path, "dispositions"], "INVALID", "Disposed quantity exceeds the quantity being processed."
            )
        )
    return errors


def _process_line(state: ShopState, made: dict[str, Any], item: dict[str, Any]) -> tuple[int, str | None]:
    """Confirm the units and dispose them; returns (units restocked, where)."""
    line = next(ln for ln in made["lines"] if ln["id"] == item["id"])
    line["processed"] += int(item["quantity"])
    order = state.orders[made["order_id"]]
    order_line = next(li for li in order["line_items"] if li["id"] == line["line_item_id"])
    restocked, location = 0, None
    for disposal in item.get("dispositions") or []:
        rfo_line = _rfo_line(state, disposal["reverseFulfillmentOrderLineItemId"])
        quantity = int(disposal["quantity"])
        rfo_line["dispositions"].append(
            {
                "id": state.new_gid("ReverseFulfillmentOrderDisposition"),
                "type": disposal["dispositionType"],
                "quantity": quantity,
                "location_id": disposal.get("locationId"),
                "created_at": state.now_iso(),
            }
        )
        if disposal["dispositionType"] == "RESTOCKED":
            return_stock(state, order_line, quantity, disposal["locationId"])
            restocked, location = restocked + quantity, disposal["locationId"]
    return restocked, location


def _rfo_line(state: ShopState, gid: str) -> dict[str, Any]:
    return next(
        rl for rfo in state.reverse_fulfillment_orders.values() for rl in rfo["lines"] if rl["id"] == gid
    )


def _refund(
    state: ShopState,
    made: dict[str, Any],
    items: list[dict[str, Any]],
    restocked: list[tuple[int, str | None]],
    transfer: dict[str, Any],
    data: dict[str, Any],
) -> list[Event]:
    """The refund of the processed units: the same refund ``refundCreate`` makes, stock already moved."""
    order = state.orders[made["order_id"]]
    lines = {line["id"]: line for line in made["lines"]}
    refund_lines = []
    for item, (units, location) in zip(items, restocked, strict=True):
        line = lines[item["id"]]
        line["refunded"] += int(item["quantity"])
        refund_lines.append(
            {
                "lineItemId": line["line_item_id"],
                "quantity": int(item["quantity"]),
                "restockType": "RETURN" if units else "NO_RESTOCK",
                "locationId": location,
            }
        )
    refund_input = {
        "orderId": order["id"],
        "note": data.get("note"),
        "refundLineItems": refund_lines,
        "shipping": _shipping(data.get("refundShipping")),
        "transactions": [_transaction(order, t) for t in transfer.get("orderTransactions") or []],
    }
    refund = apply_refund(state, order, refund_input, stock_moved=True)
    refund["return_id"] = made["id"]
    made["refund_ids"].append(refund["id"])
    return [refund_event(state, refund), *order_events(state, order, ["orders/updated"])]


def _shipping(data: dict[str, Any] | None) -> dict[str, Any] | None:
    if not data:
        return None
    if data.get("fullRefund"):
        return {"fullRefund": True}
    amount = (data.get("shippingRefundAmount") or {}).get("amount")
    return {"amount": amount} if amount is not None else None


def _transaction(order: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    parent = next((t for t in order["transactions"] if t["id"] == data["parentId"]), None)
    return {
        "amount": str(Decimal(str(data["transactionAmount"]["amount"]))),
        "gateway": parent["gateway"] if parent else "manual",
        "kind": "REFUND",
        "orderId": order["id"],
        "parentId": data["parentId"],
    }


def _close_if_done(state: ShopState, made: dict[str, Any]) -> None:
    if all(line["processed"] >= line["quantity"] for line in made["lines"]):
        made["status"], made["closed_at"] = "CLOSED", state.now_iso()
        for rfo_id in made["rfo_ids"]:
            state.reverse_fulfillment_orders[rfo_id]["status"] = "CLOSED"


# --- reads -------------------------------------------------------------------------------------


def return_view(state: ShopState, made: dict[str, Any]) -> View:
    from ..fulfillment_views import refund_view

    order = state.orders[made["order_id"]]
    refunds = [state.refunds[i] for i in made["refund_ids"]]
    rfos = [state.reverse_fulfillment_orders[i] for i in made["rfo_ids"]]
    return {
        "__typename": "Return",
        "id": made["id"],
        "name": made["name"],
        "status": made["status"],
        "createdAt": made["created_at"],
        "closedAt": made["closed_at"],
        "requestApprovedAt": None,
        "decline": None,
        "order": lambda: order_view(state, order),
        "totalQuantity": sum(line["quantity"] for line in made["lines"]),
        "returnLineItems": lambda **a: connection(
            made["lines"], node=lambda ln: _return_line_view(state, order, ln), **a
        ),
        "reverseFulfillmentOrders": lambda **a: connection(rfos, node=lambda r: rfo_view(state, r), **a),
        "refunds": lambda **a: connection(refunds, node=lambda r: refund_view(state, r), **a),
        "exchangeLineItems": lambda **a: connection([], **a),
        "returnShippingFees": [],
    }


def _return_line_view(state: ShopState, order: dict[str, Any], line: dict[str, Any]) -> View:
    unprocessed = line["quantity"] - line["processed"]
    return {
        "__typename": "ReturnLineItem",
        "id": line["id"],
        "quantity": line["quantity"],
        "processedQuantity": line["processed"],
        "unprocessedQuantity": unprocessed,
        "processableQuantity": unprocessed,
        "refundedQuantity": line["refunded"],
        "refundableQuantity": line["quantity"] - line["refunded"],
        "returnReason": line["reason"],
        "returnReasonNote": line["note"],
        "customerNote": None,
        "restockingFee": None,
        "totalWeight": None,
        "fulfillmentLineItem": _fulfillment_line_view(state, order, line["fulfillment_line_item_id"]),
    }


def _fulfillment_line_view(state: ShopState, order: dict[str, Any], gid: str) -> View:
    item = _fulfillment_lines(state, order)[gid]
    line = next(li for li in order["line_items"] if li["id"] == item["line_item_id"])
    unit = line["unit"]
    return {
        "id": item["id"],
        "quantity": item["quantity"],
        "lineItem": line_item_view(state, order, line),
        "originalTotalSet": unit.scale(item["quantity"]).as_money_bag(),
        "discountedTotalSet": unit.scale(item["quantity"]).as_money_bag(),
    }


def rfo_view(state: ShopState, rfo: dict[str, Any]) -> View:
    order = state.orders[rfo["order_id"]]

    def line_node(rl: dict[str, Any]) -> View:
        return {
            "id": rl["id"],
            "totalQuantity": rl["total_quantity"],
            "fulfillmentLineItem": _fulfillment_line_view(state, order, rl["fulfillment_line_item_id"]),
            "dispositions": [_disposition_view(state, d) for d in rl["dispositions"]],
        }

    return {
        "__typename": "ReverseFulfillmentOrder",
        "id": rfo["id"],
        "status": rfo["status"],
        "order": lambda: order_view(state, order),
        "lineItems": lambda **a: connection(rfo["lines"], node=line_node, **a),
        "reverseDeliveries": lambda **a: connection([], **a),
        "thirdPartyConfirmation": None,
    }


def _disposition_view(state: ShopState, disposal: dict[str, Any]) -> View:
    return {
        "id": disposal["id"],
        "type": disposal["type"],
        "quantity": disposal["quantity"],
        "createdAt": disposal["created_at"],
        "location": location_view(state, disposal["location_id"]),
    }


def _loader(table: str, view: Callable[[ShopState, dict[str, Any]], View]) -> Callable[[ShopState, str], Any]:
    def load(state: ShopState, gid: str) -> View | None:
        with state.lock:
            record = getattr(state, table).get(gid)
            return view(state, record) if record else None

    return load


_load_return = _loader("returns", return_view)
_load_rfo = _loader("reverse_fulfillment_orders", rfo_view)
NODE_LOADERS["Return"] = _load_return
NODE_LOADERS["ReverseFulfillmentOrder"] = _load_rfo


@query("return")
def resolve_return(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> Any:
    return _load_return(state, args["id"])


@query("reverseFulfillmentOrder")
def resolve_reverse_fulfillment_order(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> Any:
    return _load_rfo(state, args["id"])
