"""``shopbridge import orders``'s Shopify read: the orders created since a date, page by page.

Shopify's search syntax on ``created_at`` (UTC, second precision, the date quoted as the search
syntax asks), sorted by ``CREATED_AT`` so a page boundary never moves while new orders arrive: they
sort after every page already read. Without the ``read_all_orders`` scope Shopify returns only the
last 60 days of orders; the listing is what Shopify gives.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from shopbridge.connectors.shopify.pagination import Executor, iterate_pages
from shopbridge.ports.shopify import OrderHeader

__all__ = ["created_since_query", "orders_since"]

_STAMP = "%Y-%m-%dT%H:%M:%SZ"


def created_since_query(since: datetime) -> str:
    """Shopify's search for "created at or after ``since``"."""
    return f"created_at:>='{since.strftime(_STAMP)}'"


def orders_since(client: Executor, since: datetime, *, page_size: int = 100) -> Iterator[list[OrderHeader]]:
    pages = iterate_pages(
        client,
        "orders_created_since",
        {"query": created_since_query(since)},
        ("orders",),
        page_size=page_size,
    )
    for page in pages:
        yield [_header(node) for node in page]


def _header(node: Mapping[str, Any]) -> OrderHeader:
    total = ((node.get("currentTotalPriceSet") or {}).get("shopMoney") or {}).get("amount")
    return OrderHeader(
        shopify_id=str(node["id"]),
        name=str(node["name"]),
        created_at=datetime.fromisoformat(str(node["createdAt"]).replace("Z", "+00:00")),
        updated_at=str(node["updatedAt"]),
        cancelled_at=node.get("cancelledAt"),
        financial_status=str(node.get("displayFinancialStatus") or ""),
        current_total="" if total is None else str(total),
    )
