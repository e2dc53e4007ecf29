"""The order flow's item memory (flows/order_items.py) against the Sage 200 adapter and sandbox.

What an order costs in Sage requests once its items were checked a moment ago, and what Sage does
when the memory is behind: it refuses to sell an item deactivated since, so nothing is posted.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sage200_scenario import order

from shopbridge.connectors.erp.sage200 import Sage200Adapter
from shopbridge.domain.records import ItemStatus
from shopbridge.errors import NeedsPerson
from shopbridge.flows.order_items import RecentItems
from shopbridge.sandbox.sage200 import Sage200Sandbox

SKUS = ["TSHIRT-RED-M", "MUG-WHITE"]
NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)


def _calls(sent: list[httpx.Request]) -> list[str]:
    return [f"{r.method} {r.url.path.rsplit('/', 1)[-1]}" for r in sent]


def test_an_order_whose_items_were_checked_a_moment_ago_costs_two_requests_not_four(
    adapter: Sage200Adapter, sent: list[httpx.Request]
) -> None:
    memory = RecentItems(30)
    memory.get_items(adapter, SKUS, NOW)
    adapter.create_sales_order(order("#MEM-0", "EXIST01"))  # reference data read once (warehouses, ...)
    sent.clear()
    memory.get_items(adapter, SKUS, NOW + timedelta(seconds=40))  # older than the memory: read
    adapter.create_sales_order(order("#MEM-1", "EXIST01"))
    assert _calls(sent) == ["GET products", "GET product_price_views", "GET sop_orders", "POST sop_orders"]
    sent.clear()
    items = memory.get_items(adapter, SKUS, NOW + timedelta(seconds=50))
    adapter.create_sales_order(order("#MEM-2", "EXIST01"))
    assert all(items[sku].status is ItemStatus.ACTIVE for sku in SKUS)
    assert _calls(sent) == ["GET sop_orders", "POST sop_orders"]  # "does it exist", then the create


def test_without_the_memory_the_check_reads_sage_each_time(
    adapter: Sage200Adapter, sent: list[httpx.Request]
) -> None:
    memory = RecentItems(0)
    memory.get_items(adapter, SKUS, NOW)
    memory.get_items(adapter, SKUS, NOW + timedelta(seconds=10))
    assert _calls(sent).count("GET products") == 2


def test_sage_refuses_an_item_deactivated_while_the_memory_held_it_active(
    adapter: Sage200Adapter, sandbox: Sage200Sandbox, sent: list[httpx.Request]
) -> None:
    memory = RecentItems(30)
    memory.get_items(adapter, SKUS, NOW)
    sandbox.set_item_active("MUG-WHITE", False)
    remembered = memory.get_items(adapter, SKUS, NOW + timedelta(seconds=5))
    assert remembered["MUG-WHITE"].status is ItemStatus.ACTIVE  # the memory is behind
    sent.clear()
    with pytest.raises(NeedsPerson, match="'MUG-WHITE' is inactive and cannot be sold"):  # Sage's words
        adapter.create_sales_order(order("#MEM-STALE", "EXIST01"))
    assert "POST sop_orders" in _calls(sent)  # refused by Sage itself, not by a check of ours
    assert adapter.find_sales_order("#MEM-STALE") is None  # nothing was posted
    memory.forget(SKUS)  # what the flow does on a refusal: ask afresh
    fresh = memory.get_items(adapter, SKUS, NOW + timedelta(seconds=6))
    assert fresh["MUG-WHITE"].status is ItemStatus.INACTIVE
