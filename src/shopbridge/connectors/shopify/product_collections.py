"""A product's collection handles, every one of them: the first page comes with the variant read, the
rest (a product in more than ten collections) is paged from that page's ``endCursor``.

Shopify's ``Product.collections`` lists custom and smart collections alike (a smart collection's
membership is Shopify's to compute), so a buffer rule on a collection matches the same way for both.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

from shopbridge.connectors.shopify.pagination import Executor

__all__ = ["PAGE", "collection_handles"]

PAGE = 250  # handles per follow-up page: one cheap object each


def collection_handles(
    client: Executor, product: Mapping[str, Any], known: MutableMapping[str, tuple[str, ...]]
) -> tuple[str, ...]:
    """Every collection handle of ``product`` (a ``product { id collections {...} }`` node), sorted.

    ``known`` keeps each product's answer for the rest of one read: its other variants cost nothing.
    """
    product_id = str(product.get("id") or "")
    if product_id in known:
        return known[product_id]
    connection = product.get("collections") or {}
    handles = set(_handles(connection))
    info = connection.get("pageInfo") or {}
    while info.get("hasNextPage") and info.get("endCursor") and product_id:
        data = client.execute(
            "product_collections", {"id": product_id, "first": PAGE, "after": str(info["endCursor"])}
        )
        connection = ((data or {}).get("product") or {}).get("collections") or {}
        handles.update(_handles(connection))
        info = connection.get("pageInfo") or {}
    found = tuple(sorted(handles))
    if product_id:
        known[product_id] = found
    return found


def _handles(connection: Mapping[str, Any]) -> list[str]:
    return [str(n["handle"]) for n in connection.get("nodes") or [] if n and n.get("handle")]
