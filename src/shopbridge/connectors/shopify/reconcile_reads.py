"""The daily reconciliation's Shopify reads: the orders created in one day, page by page.

The day's orders are found with Shopify's search syntax on ``created_at`` (a half-open interval, UTC,
second precision) over the order sweep's own document, so one page of 100 ids costs what a sweep
page costs; each order is then read whole with the port's ``order``.
"""

from __future__ import annotations

from datetime import datetime

from shopbridge.connectors.shopify.pagination import Executor, iterate_pages

__all__ = ["created_query", "orders_created_between"]

_STAMP = "%Y-%m-%dT%H:%M:%SZ"


def created_query(start: datetime, end: datetime) -> str:
    """Shopify's search for "created at or after ``start`` and before ``end``"."""
    return f"created_at:>='{start.strftime(_STAMP)}' created_at:<'{end.strftime(_STAMP)}'"


def orders_created_between(client: Executor, start: datetime, end: datetime) -> tuple[str, ...]:
    found: list[str] = []
    for page in iterate_pages(
        client, "orders_updated_since", {"query": created_query(start, end)}, ("orders",)
    ):
        found += [str(node["id"]) for node in page]
    return tuple(dict.fromkeys(found))
