"""Flows: one module per flow, named for what it moves. :data:`FLOWS` is the one list of them.

Bootstrap builds the webhook topic table, the scheduler's plan and the worker registry from this
list and nothing else; to add a flow, write its module and add its ``FLOW`` here.
"""

from __future__ import annotations

from shopbridge.flows import (
    catalogue_sync,
    daily_reconciliation,
    dispatch_to_fulfilment,
    order_to_sales_order,
    payout_to_ledger,
    price_lists_to_catalogs,
    quarantine_release,
    refund_to_credit_note,
    stock_audit,
    stock_to_shopify,
)
from shopbridge.flows.spec import Flow, FlowContext

__all__ = ["FLOWS", "Flow", "FlowContext"]

FLOWS: tuple[Flow, ...] = (
    order_to_sales_order.FLOW,
    quarantine_release.FLOW,
    catalogue_sync.FLOW,
    price_lists_to_catalogs.FLOW,
    stock_audit.FLOW,
    payout_to_ledger.FLOW,
    dispatch_to_fulfilment.SWEEP_FLOW,
    dispatch_to_fulfilment.FLOW,
    refund_to_credit_note.FLOW,
    refund_to_credit_note.SWEEP,
    stock_to_shopify.FLOW,
    stock_to_shopify.PEAK_FLOW,
    daily_reconciliation.FLOW,
)
