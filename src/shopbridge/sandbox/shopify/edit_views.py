"""An open order edit -> the GraphQL ``CalculatedOrder`` (totals of the previewed order)."""

from __future__ import annotations

from typing import Any

from . import order_figures as fig
from .connection import connection
from .order_views import order_view, tax_line_view, variant_view
from .ordermath import Bag
from .state import ShopState, numeric_id

View = dict[str, Any]


def calculated_line_view(state: ShopState, line: dict[str, Any], original: dict[str, Any] | None) -> View:
    current = fig.current_quantity(line)
    editable = max(0, current - int(line["fulfilled"]))
    before = fig.current_quantity(original) - int(original["fulfilled"]) if original else 0
    unit: Bag = line["unit"]
    return {
        "id": f"gid://shopify/CalculatedLineItem/{numeric_id(line['id'])}",
        "title": line["title"],
        "sku": line["sku"],
        "quantity": current,
        "variant": variant_view(state, line["variant_id"]),
        "variantTitle": line["variant_title"],
        "image": None,
        "originalUnitPriceSet": unit.as_money_bag(),
        "discountedUnitPriceSet": unit.as_money_bag(),
        "editableQuantity": editable,
        "editableQuantityBeforeChanges": before,
        "editableSubtotalSet": unit.scale(editable).as_money_bag(),
        "uneditableSubtotalSet": unit.scale(current - editable).as_money_bag(),
        "restockable": True,
        "restocking": False,
        "hasStagedLineItemDiscount": False,
        "stagedChanges": [],
        "calculatedDiscountAllocations": [],
        "discountAllocations": [],
        "customAttributes": [],
    }


def calculated_order_view(state: ShopState, session: dict[str, Any], previewed: dict[str, Any]) -> View:
    originals = {li["id"]: li for li in state.orders[session["order_id"]]["line_items"]}
    added_ids = {a["id"] for a in session["added"]}
    nodes = [calculated_line_view(state, li, originals.get(li["id"])) for li in previewed["line_items"]]
    added = [n for n, li in zip(nodes, previewed["line_items"], strict=True) if li["id"] in added_ids]
    totals = fig.current_totals(previewed)
    return {
        "id": session["id"],
        "committed": False,
        "originalOrder": order_view(state, state.orders[session["order_id"]]),
        "lineItems": lambda **a: connection(nodes, **{k: v for k, v in a.items() if k != "query"}),
        "addedLineItems": lambda **a: connection(added, **a),
        "stagedChanges": lambda **a: connection([], **a),
        "addedDiscountApplications": lambda **a: connection([], **a),
        "subtotalLineItemsQuantity": sum(fig.current_quantity(li) for li in previewed["line_items"]),
        "subtotalPriceSet": totals.subtotal.as_money_bag(),
        "totalPriceSet": totals.total.as_money_bag(),
        "totalOutstandingSet": fig.outstanding(previewed).as_money_bag(),
        "cartDiscountAmountSet": None,
        "taxLines": [tax_line_view(t) for t in fig.order_tax_lines(previewed)],
        "shippingLines": [],
        "notificationPreviewTitle": "",
        "notificationPreviewHtml": None,
    }
