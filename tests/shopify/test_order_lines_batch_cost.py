"""The batched stock lines read asks for no more than the 1,000 points one Shopify query may request,
and reads the fulfilment orders the whole order read reads (where an order ships from)."""

from __future__ import annotations

from graphql import FieldNode, IntValueNode, parse, visit
from graphql.language import Visitor

from shopbridge.connectors.shopify import order_lines_batch
from shopbridge.connectors.shopify.documents import document
from shopbridge.sandbox.shopify.cost import MAX_SINGLE_QUERY_COST, requested_cost
from shopbridge.sandbox.shopify.schema import admin_schema

PER_ORDER = 36


def _requested(orders: int) -> int:
    ids = [f"gid://shopify/Order/{n}" for n in range(1, orders + 1)]
    return requested_cost(admin_schema(), parse(document("orders_stock_lines").text), None, {"ids": ids})


def test_one_order_costs_what_the_document_says() -> None:
    """Per order, through ``... on Order``: the order 1, retailLocation 1, fulfillmentOrders
    2 + 5 x (fulfilment order 1 + location 1) = 12, lineItems 2 + 20 x 1 = 22: 36."""
    assert _requested(1) == PER_ORDER


def test_a_full_batch_fits_under_the_single_query_limit() -> None:
    """``nodes(ids:)`` is charged per id: 25 orders ask for 900 points; 28 (1,008) would be refused."""
    assert _requested(order_lines_batch.BATCH) == PER_ORDER * order_lines_batch.BATCH <= MAX_SINGLE_QUERY_COST
    assert _requested(MAX_SINGLE_QUERY_COST // PER_ORDER + 1) > MAX_SINGLE_QUERY_COST


def _firsts(name: str) -> dict[str, int]:
    """``first:`` of each field of the document that has one, by field name."""
    found: dict[str, int] = {}

    class Firsts(Visitor):
        def enter_field(self, node: FieldNode, *_: object) -> None:
            for argument in node.arguments or ():
                if argument.name.value == "first" and isinstance(argument.value, IntValueNode):
                    found[node.name.value] = int(argument.value.value)

    visit(parse(document(name).text), Firsts())
    return found


def test_the_location_comes_from_as_many_fulfilment_orders_as_the_whole_read_and_lines_never_more() -> None:
    batch, whole = _firsts("orders_stock_lines"), _firsts("order_by_id")
    assert batch["fulfillmentOrders"] == whole["fulfillmentOrders"]
    assert batch["lineItems"] <= whole["lineItems"]  # a cut page is read again with the whole read
