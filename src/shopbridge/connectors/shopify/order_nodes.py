"""Many orders read a batch at a time through ``nodes(ids:)``: each distinct id given, with its node.

The batched reads (refunds, refund totals, stock lines) each ask a document of ``... on Order``
fields for as many orders as stay within the 1,000 points one query may request; Shopify answers one
node per id, ``null`` for an order it no longer has.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol

from shopbridge.connectors.shopify.translate import gid

__all__ = ["order_nodes"]


class _Client(Protocol):
    def execute(
        self, name: str, variables: Mapping[str, Any] | None = None, *, key: str | None = None
    ) -> Any: ...


def order_nodes(
    client: _Client, document: str, order_ids: Sequence[str], batch: int
) -> Iterator[tuple[str, Mapping[str, Any] | None]]:
    """Each distinct order id in the order given, with its node from ``document`` (``None``: none),
    read ``batch`` orders a request."""
    wanted = list(dict.fromkeys(order_ids))
    for start in range(0, len(wanted), batch):
        chunk = wanted[start : start + batch]
        data = client.execute(document, {"ids": [gid("Order", order_id) for order_id in chunk]})
        nodes = list((data or {}).get("nodes") or ())
        yield from zip(chunk, nodes + [None] * (len(chunk) - len(nodes)), strict=True)
