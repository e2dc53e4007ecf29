"""Flows: one module per flow, named for what it moves. :data:`FLOWS` is the one list of them.

Bootstrap builds the webhook topic table, the scheduler's plan and the worker registry from this
list and nothing else; to add a flow, write its module and add its ``FLOW`` here.
"""

from __future__ import annotations

from shopbridge.flows import order_to_sales_order, quarantine_release, stock_to_shopify
from shopbridge.flows.spec import Flow, FlowContext

__all__ = ["FLOWS", "Flow", "FlowContext"]

FLOWS: tuple[Flow, ...] = (
    order_to_sales_order.FLOW,
    quarantine_release.FLOW,
    stock_to_shopify.FLOW,
    stock_to_shopify.PEAK_FLOW,
)
