"""Order edits: ``orderEditBegin`` -> ``orderEditAddVariant`` / ``orderEditSetQuantity`` ->
``orderEditCommit``. Only unfulfilled units can be edited; nothing changes until the commit, which
fires ``orders/edited`` and ``orders/updated``.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from .. import order_figures as fig
from ..checkout import CheckoutError, checkout_line
from ..edit_views import calculated_order_view
from ..order_events import Event, order_events, publish, touch
from ..order_model import commit_stock, open_fulfillment_order, release_stock
from ..order_stock import level_events, snapshot
from ..order_views import order_view
from ..ordermath import Bag, TaxLine, TaxRule, tax_on
from ..registry import ResolveInfo, mutation
from ..state import ShopState, numeric_id

Session = dict[str, Any]


def _fail(message: str, field: str = "id") -> dict[str, Any]:
    return {
        "calculatedOrder": None,
        "calculatedLineItem": None,
        "userErrors": [{"field": [field], "message": message}],
    }


@mutation("orderEditBegin")
def resolve_begin(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> Any:
    with state.lock:
        order = state.orders.get(args["id"])
        if order is None:
            return _fail("The order does not exist.")
        if order["cancelled_at"]:
            return _fail("The order cannot be edited because it is cancelled.")
        session = {
            "id": state.new_gid("CalculatedOrder"),
            "order_id": order["id"],
            "added": [],
            "quantities": {},
            "restock": {},
        }
        state.order_edits[session["id"]] = session
        return {
            "calculatedOrder": calculated_order_view(state, session, preview(state, session)),
            "userErrors": [],
        }


@mutation("orderEditAddVariant")
def resolve_add_variant(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> Any:
    with state.lock:
        session = state.order_edits.get(args["id"])
        if session is None:
            return _fail("The calculated order does not exist.")
        order = state.orders[session["order_id"]]
        try:
            line = checkout_line(
                state, {"variant_id": args["variantId"], "quantity": args["quantity"]}, order["currency"]
            )
        except CheckoutError:
            return _fail("The variant does not exist.", "variantId")
        line_id = state.new_gid("LineItem")
        session["added"].append({"id": line_id, "spec": line, "quantity": int(args["quantity"])})
        view = calculated_order_view(state, session, preview(state, session))
        item = _find(view, line_id)
        return {"calculatedOrder": view, "calculatedLineItem": item, "userErrors": []}


@mutation("orderEditSetQuantity")
def resolve_set_quantity(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> Any:
    with state.lock:
        session = state.order_edits.get(args["id"])
        if session is None:
            return _fail("The calculated order does not exist.")
        error = _stage_quantity(state, session, args)
        if error:
            return _fail(error, "lineItemId")
        view = calculated_order_view(state, session, preview(state, session))
        return {
            "calculatedOrder": view,
            "calculatedLineItem": _find(view, _line_gid(args["lineItemId"])),
            "userErrors": [],
        }


def _line_gid(calculated_id: str) -> str:
    return f"gid://shopify/LineItem/{numeric_id(calculated_id)}"


def _stage_quantity(state: ShopState, session: Session, args: dict[str, Any]) -> str | None:
    line_id, quantity = _line_gid(args["lineItemId"]), int(args["quantity"])
    for added in session["added"]:
        if added["id"] == line_id:
            added["quantity"] = quantity
            return None
    order = state.orders[session["order_id"]]
    line = next((li for li in order["line_items"] if li["id"] == line_id), None)
    if line is None:
        return "The line item does not exist."
    if line["fulfilled"]:
        return "The line item has been fulfilled and cannot be edited."
    if quantity < 0:
        return "The quantity must be zero or more."
    session["quantities"][line_id] = quantity
    session["restock"][line_id] = bool(args.get("restock"))
    return None


def _find(view: dict[str, Any], line_id: str) -> Any:
    wanted = f"gid://shopify/CalculatedLineItem/{numeric_id(line_id)}"
    nodes = view["lineItems"](first=250)["nodes"]
    return next((n for n in nodes if n["id"] == wanted), None)


def preview(state: ShopState, session: Session) -> dict[str, Any]:
    """The order as it would be after the staged changes (a copy: nothing is applied)."""
    order = copy.deepcopy(state.orders[session["order_id"]])
    for line in order["line_items"]:
        if line["id"] in session["quantities"]:
            _set_current(line, session["quantities"][line["id"]])
    order["line_items"].extend(_added_record(order, a) for a in session["added"] if a["quantity"] > 0)
    return order


def _set_current(line: dict[str, Any], wanted: int) -> None:
    """Fewer units are removed from the line; more units grow it (its taxes grow in proportion,
    its code discount does not: Shopify does not extend a code discount to units added later)."""
    change = wanted - fig.current_quantity(line)
    if change <= 0:
        line["removed"] -= change
        return
    old = int(line["quantity"])
    line["quantity"] = old + change
    if old:
        ratio = Decimal(old + change) / Decimal(old)
        line["tax_lines"] = [
            TaxLine(t.title, t.rate, t.price.scale(ratio).rounded()) for t in line["tax_lines"]
        ]


def _added_record(order: dict[str, Any], added: dict[str, Any]) -> dict[str, Any]:
    spec = added["spec"]
    quantity = added["quantity"]
    unit: Bag = spec.unit
    rule = _order_tax_rule(order)
    taxes = [tax_on(unit.scale(quantity), rule, order["taxes_included"])] if rule and spec.taxable else []
    return {
        "id": added["id"],
        "title": spec.title,
        "sku": spec.sku,
        "variant_id": spec.variant_id,
        "product_id": spec.product_id,
        "inventory_item_id": spec.inventory_item_id,
        "variant_title": spec.variant_title,
        "vendor": spec.vendor,
        "quantity": quantity,
        "unit": unit,
        "taxable": spec.taxable,
        "requires_shipping": True,
        "tax_lines": taxes,
        "discount": fig.zero_of(order),
        "refunded": 0,
        "removed": 0,
        "fulfilled": 0,
    }


def _order_tax_rule(order: dict[str, Any]) -> TaxRule | None:
    """Added items are taxed at the rate the order's lines already carry (the shop's rate)."""
    for line in order["line_items"]:
        for tax in line["tax_lines"]:
            return TaxRule(tax.title, tax.rate)
    return None


@mutation("orderEditCommit")
def resolve_commit(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> Any:
    events: list[Event] = []
    with state.lock:
        session = state.order_edits.pop(args["id"], None)
        if session is None:
            return {
                "order": None,
                "successMessages": [],
                "userErrors": [{"field": ["id"], "message": "The calculated order does not exist."}],
            }
        if not session["added"] and not session["quantities"]:
            message = "There must be at least one change to be made."
            return {
                "order": None,
                "successMessages": [],
                "userErrors": [{"field": ["id"], "message": message}],
            }
        order = state.orders[session["order_id"]]
        before = snapshot(state, [*order["line_items"], *(a["spec"] for a in session["added"])])
        changes = commit_edit(state, order, session)
        events = [
            ("orders/edited", _edit_body(order, session, changes)),
            *order_events(state, order, ["orders/updated"]),
            *level_events(state, before),
        ]
        view = order_view(state, order)
    publish(state, events)
    return {"order": view, "successMessages": ["Order updated"], "userErrors": []}


def commit_edit(state: ShopState, order: dict[str, Any], session: Session) -> dict[str, int]:
    """Apply the staged changes; returns {line item id: quantity delta}."""
    previewed = {li["id"]: li for li in preview(state, session)["line_items"]}
    deltas: dict[str, int] = {}
    for line in order["line_items"]:
        if line["id"] in session["quantities"]:
            before = fig.current_quantity(line)
            for key in ("removed", "quantity", "tax_lines"):
                line[key] = previewed[line["id"]][key]
            deltas[line["id"]] = fig.current_quantity(line) - before
            _adjust_fulfillment(state, order, line, deltas[line["id"]], session["restock"][line["id"]])
    added = [previewed[a["id"]] for a in session["added"] if a["quantity"] > 0]
    order["line_items"].extend(added)
    deltas.update({a["id"]: a["quantity"] for a in added})
    open_fulfillment_order(state, order, added)
    commit_stock(state, order, added)
    order["edited"] = True
    touch(state, order)
    return deltas


def _adjust_fulfillment(
    state: ShopState, order: dict[str, Any], line: dict[str, Any], delta: int, restock: bool
) -> None:
    if delta < 0 and restock:
        release_stock(state, order, line, -delta, None)
    if delta > 0:
        commit_stock(state, order, [{**line, "quantity": delta}])
    for fo_id in order["fulfillment_order_ids"]:
        if state.fulfillment_orders[fo_id]["status"] not in ("OPEN", "IN_PROGRESS"):
            continue
        for item in state.fulfillment_orders[fo_id]["line_items"]:
            if item["line_item_id"] == line["id"]:
                item["remaining_quantity"] = max(0, item["remaining_quantity"] + delta)
                item["total_quantity"] = max(0, item["total_quantity"] + delta)
                return


def _edit_body(order: dict[str, Any], session: Session, deltas: dict[str, int]) -> dict[str, Any]:
    """The ``orders/edited`` body: Shopify sends an ``order_edit`` with additions and removals."""
    additions = [{"id": numeric_id(k), "delta": d} for k, d in deltas.items() if d > 0]
    removals = [{"id": numeric_id(k), "delta": -d} for k, d in deltas.items() if d < 0]
    return {
        "order_edit": {
            "id": numeric_id(session["id"]),
            "app_id": None,
            "created_at": order["updated_at"],
            "committed_at": order["updated_at"],
            "notify_customer": False,
            "order_id": numeric_id(order["id"]),
            "staff_note": "",
            "user_id": None,
            "line_items": {"additions": additions, "removals": removals},
            "discounts": {"line_item": {"additions": [], "removals": []}},
            "shipping_lines": {"additions": [], "removals": []},
        }
    }
