"""What the Sage 200 adapter does not read twice in a burst of orders, and what it always reads again.

Each GET spends one of Sage's ~10 request slots; a burst of orders sells the same SKUs to customers
looked up a moment before. Reads that change what is posted (does the order exist, is the item
active now) are never served from memory in a way that could post twice or post an item Sage has
deactivated and said so in its feed.
"""

from __future__ import annotations

import httpx
from sage200_scenario import gbp, order

from shopbridge.connectors.erp.sage200 import Sage200Adapter
from shopbridge.domain.records import Customer, ItemStatus
from shopbridge.sandbox.sage200 import Sage200Sandbox


def _paths(sent: list[httpx.Request]) -> list[str]:
    return [request.url.path.rsplit("/", 1)[-1] for request in sent]


def test_the_credit_check_uses_the_customer_row_the_order_just_read(
    adapter: Sage200Adapter, sent: list[httpx.Request]
) -> None:
    account = adapter.find_or_create_customer(Customer(email="existing@example.com")).account
    sent.clear()
    adapter.check_credit(account, gbp("10.00"))
    assert "customer_views" not in _paths(sent)


def test_the_credit_check_reads_an_account_nobody_read_lately(
    adapter: Sage200Adapter, sent: list[httpx.Request]
) -> None:
    adapter.check_credit("EXIST01", gbp("10.00"))
    assert _paths(sent).count("customer_views") == 1


def test_a_second_order_of_the_same_skus_reads_neither_products_nor_prices(
    adapter: Sage200Adapter, sent: list[httpx.Request]
) -> None:
    first = adapter.get_items(["TSHIRT-RED-M", "MUG-WHITE"])
    sent.clear()
    again = adapter.get_items(["MUG-WHITE", "TSHIRT-RED-M"])
    assert again == first
    assert "products" not in _paths(sent) and "product_price_views" not in _paths(sent)


def test_only_the_skus_not_read_lately_are_read(adapter: Sage200Adapter, sent: list[httpx.Request]) -> None:
    adapter.get_items(["MUG-WHITE"])
    sent.clear()
    items = adapter.get_items(["MUG-WHITE", "CAP-BLACK"])
    assert set(items) == {"MUG-WHITE", "CAP-BLACK"}
    product_reads = [r for r in sent if r.url.path.endswith("/products")]
    assert len(product_reads) == 1
    assert "CAP-BLACK" in str(product_reads[0].url) and "MUG-WHITE" not in str(product_reads[0].url)


def test_an_item_remembered_inactive_is_read_again_so_its_activation_is_seen_at_once(
    adapter: Sage200Adapter, sandbox: Sage200Sandbox
) -> None:
    sandbox.set_item_active("MUG-WHITE", False)
    assert adapter.get_items(["MUG-WHITE"])["MUG-WHITE"].status is ItemStatus.INACTIVE
    sandbox.set_item_active("MUG-WHITE", True)
    assert adapter.get_items(["MUG-WHITE"])["MUG-WHITE"].status is ItemStatus.ACTIVE


def test_an_item_the_feed_saw_change_is_read_again(adapter: Sage200Adapter, sandbox: Sage200Sandbox) -> None:
    assert adapter.get_items(["MUG-WHITE"])["MUG-WHITE"].status is ItemStatus.ACTIVE
    sandbox.set_item_active("MUG-WHITE", False)
    page = adapter.items_changed(None, limit=1000)
    assert "MUG-WHITE" in {item.sku for item in page.items}
    assert adapter.get_items(["MUG-WHITE"])["MUG-WHITE"].status is ItemStatus.INACTIVE


def test_every_create_still_asks_sage_whether_the_order_exists(
    adapter: Sage200Adapter, sent: list[httpx.Request]
) -> None:
    adapter.get_items(["TSHIRT-RED-M", "MUG-WHITE"])
    adapter.create_sales_order(order("#REREAD-1", "EXIST01"))
    sent.clear()
    again = adapter.create_sales_order(order("#REREAD-1", "EXIST01"))
    assert again.existed
    assert [(r.method, p) for r, p in zip(sent, _paths(sent), strict=True)] == [("GET", "sop_orders")]
