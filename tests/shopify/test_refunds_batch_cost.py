"""The batched refunds read asks for no more than the 1,000 points one Shopify query may request."""

from __future__ import annotations

from graphql import parse

from shopbridge.connectors.shopify import refunds_batch
from shopbridge.connectors.shopify.documents import document
from shopbridge.sandbox.shopify.cost import MAX_SINGLE_QUERY_COST, requested_cost
from shopbridge.sandbox.shopify.schema import admin_schema


def _requested(orders: int) -> int:
    ids = [f"gid://shopify/Order/{n}" for n in range(1, orders + 1)]
    return requested_cost(admin_schema(), parse(document("refunds_of_orders").text), None, {"ids": ids})


def test_one_order_costs_what_the_document_says() -> None:
    """Per order, through ``... on Order``: the order 1, its refunds (a list of Refund) 1,
    refundLineItems 2 + 20 x (node 1 + lineItem 1 + location 1) = 62, refundShippingLines 2 + 3 x 1,
    orderAdjustments 2 + 3 x 1, transactions 2 + 5 x 1 (MoneyBags cost 0): 1 + 1 + 62 + 5 + 5 + 7 = 81."""
    assert _requested(1) == 81


def test_a_full_batch_fits_under_the_single_query_limit() -> None:
    """``nodes(ids:)`` is charged per id: ten orders ask for 810 points, under 1,000. Twelve would
    still fit (972); thirteen (1,053) would be refused with MAX_COST_EXCEEDED."""
    assert _requested(refunds_batch.BATCH) == 81 * refunds_batch.BATCH
    assert _requested(refunds_batch.BATCH) <= MAX_SINGLE_QUERY_COST
    assert _requested(MAX_SINGLE_QUERY_COST // 81 + 1) > MAX_SINGLE_QUERY_COST
