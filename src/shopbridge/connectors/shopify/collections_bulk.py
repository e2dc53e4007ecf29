"""Every product's collection handles in one bulk operation, for the catalogue's whole read.

A product added to a custom collection (``collectionAddProducts``) keeps its ``updatedAt``, so the
incremental catalogue sweep never sees it move; the whole read compares these handles with the ones
the stock push stored (``flows/collection_changes``). The query nests two connections (products, then
each product's collections), within Shopify's limits; each collection comes back as a JSONL line of its
own naming its product in ``__parentId``.

Outside the cost limit: one mutation and a few polls, whatever the catalogue's size.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping

from shopbridge.connectors.shopify.bulk import GraphQLClient, start_bulk_query, stream_jsonl, wait_for_bulk

__all__ = ["COLLECTIONS_QUERY", "collection_handles_in_bulk", "handles_from_lines"]

COLLECTIONS_QUERY = "{ products { edges { node { id collections { edges { node { handle } } } } } } }"


def handles_from_lines(lines: Iterable[Mapping[str, object]]) -> dict[str, tuple[str, ...]]:
    """Each product's handles, sorted, by its GID; a product in no collection maps to ``()``.

    Shopify writes a collection's line after its product's, not necessarily next to it."""
    handles: dict[str, set[str]] = {}
    for line in lines:
        parent = line.get("__parentId")
        if parent is None:
            handles.setdefault(str(line["id"]), set())
        elif line.get("handle"):
            handles.setdefault(str(parent), set()).add(str(line["handle"]))
    return {product: tuple(sorted(found)) for product, found in handles.items()}


def collection_handles_in_bulk(
    client: GraphQLClient, *, interval: float = 1.0, sleep: Callable[[float], None] = time.sleep
) -> dict[str, tuple[str, ...]]:
    """Every product's collection handles (custom and smart alike), by product GID."""
    operation = start_bulk_query(client, COLLECTIONS_QUERY)
    done = wait_for_bulk(client, operation.id, interval=interval, sleep=sleep)
    if not done.url:  # an empty shop: Shopify writes no file
        return {}
    return handles_from_lines(stream_jsonl(done.url))
