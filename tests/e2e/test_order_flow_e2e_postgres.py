"""Exactly once under load, end to end on PostgreSQL: 20 paid orders, every webhook delivered twice,
an order sweep racing the webhooks, 4 worker threads; the Sage 200 sandbox holds each order once.

Its own Shopify and Sage 200 sandboxes (the sweep reads every recent order of the shop), and the ERP
wired from the configuration as an installation would (``[erp.sage200]``, token in the environment).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from e2e_stack import ENV_SAGE_TOKEN, SHOPIFY_SKUS, Shopify, Stack, start_shopify

from shopbridge.sandbox.sage200 import Sage200Sandbox

pytestmark = pytest.mark.postgres


@pytest.fixture
def own_shopify() -> Iterator[Shopify]:
    server = start_shopify()
    shop = Shopify(server)
    try:
        yield shop
    finally:
        shop.close()
        server.stop()


@pytest.fixture
def sage() -> Iterator[Sage200Sandbox]:
    sandbox = Sage200Sandbox(token=os.environ[ENV_SAGE_TOKEN])
    sandbox.start()
    try:
        for sku in SHOPIFY_SKUS:
            sandbox.add_item(sku, price=Decimal("15.00"))
        yield sandbox
    finally:
        sandbox.stop()


def sage_config(sage: Sage200Sandbox) -> str:
    return f"""[erp]
vendor = "sage200"

[erp.sage200]
base_url = "{sage.base_url}"
site_id = "{sage.site_id}"
company_id = "{sage.company_id}"
access_token = {{ env = "{ENV_SAGE_TOKEN}" }}
"""


def test_twenty_orders_delivered_twice_and_swept_by_four_workers_on_postgres_post_exactly_once(
    own_shopify: Shopify, sage: Sage200Sandbox, pg_url: Any, tmp_path: Path
) -> None:
    stack = Stack(own_shopify, tmp_path, database=pg_url(), erp_config=sage_config(sage), workers=4)
    try:
        own_shopify.emitter.settings.update({"duplicate_rate": 1.0})
        skus = ["TEE-S", "TEE-M", "TEE-L", "MUG-01", "BOTTLE-01"]
        orders = []
        for i in range(20):
            orders.append(own_shopify.place([(skus[i % len(skus)], 1 + i % 3)]))
            if i == 9:
                stack.sweep_orders()  # a sweep while webhooks are still arriving
        stack.sweep_orders()
        stack.settle(timeout=120)
        stack.sweep_orders()
        stack.settle(timeout=120)
        assert own_shopify.emitter.stats.duplicated >= 20
        counts = {order["name"]: sage.count_sales_orders(order["name"]) for order in orders}
        assert counts == {order["name"]: 1 for order in orders}
        for order in orders:
            number = stack.sync(order).sync.erp_number
            seen = own_shopify.read(order["id"])
            assert seen["metafield"] == {"value": number} and f"ERP:{number}" in seen["tags"]
        assert [p for p in stack.problems() if p.kind.value != "customer_conflict"] == []
        assert [job for job in stack.jobs("dead")] == []
    finally:
        stack.stop()
