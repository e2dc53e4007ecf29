"""The catalogue sweep's incremental reads (:class:`~shopbridge.ports.shopify.ShopifyCatalogueChanges`):
the products changed since a time, then those products whole.

Changed products are listed with ``products(query: "updated_at:>='…'")``, which costs a point or two
per page of 250 ids. Each product is then read through the same flat ``productVariants`` walk as the
whole catalogue (narrowed to ``product_id:<id>``), so a product of any size comes back whole with the
same fields; one that Shopify no longer has reads back empty (every Shopify product has a variant),
which is how the sweep learns it was deleted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from shopbridge.connectors.shopify.catalogue import fetch_catalogue
from shopbridge.connectors.shopify.pagination import iterate_connection
from shopbridge.connectors.shopify.translate import numeric_id
from shopbridge.domain.catalogue import CatalogueProduct

__all__ = ["catalogue_products", "existing_products", "products_updated_since", "updated_since_query"]

IDS_PAGE = 250  # product ids a page: the largest page Shopify serves
IDS_PER_CALL = 250  # ids per nodes(ids:): Shopify's input array limit


class Client(Protocol):
    def execute(
        self, name: str, variables: Mapping[str, Any] | None = None, *, key: str | None = None
    ) -> Any: ...

    def mutate(
        self, name: str, variables: Mapping[str, Any] | None = None, *, key: str | None = None
    ) -> Any: ...


def updated_since_query(since: datetime) -> str:
    """Shopify's search syntax for "updated at or after ``since``" (whole seconds, UTC)."""
    stamp = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"updated_at:>='{stamp}'"


def products_updated_since(client: Client, since: datetime) -> tuple[str, ...]:
    """The GIDs of the products updated at or after ``since``, oldest change first."""
    nodes = iterate_connection(
        client,
        "products_updated_since",
        {"query": updated_since_query(since)},
        ("products",),
        page_size=IDS_PAGE,
    )
    return tuple(dict.fromkeys(str(node["id"]) for node in nodes if node and node.get("id")))


def existing_products(client: Client, product_ids: Sequence[str]) -> frozenset[str]:
    """Those of ``product_ids`` Shopify still has (``nodes(ids:)`` answers null for a deleted one)."""
    wanted = list(dict.fromkeys(product_ids))
    found: set[str] = set()
    for start in range(0, len(wanted), IDS_PER_CALL):
        data = client.execute("products_existing", {"ids": wanted[start : start + IDS_PER_CALL]})
        found.update(str(node["id"]) for node in (data or {}).get("nodes") or [] if node and node.get("id"))
    return frozenset(found)


def catalogue_products(
    client: Client, product_ids: Sequence[str], *, page_size: int = 100
) -> list[CatalogueProduct]:
    """Each of ``product_ids`` whole (all its variants); products Shopify no longer has are absent."""
    found: list[CatalogueProduct] = []
    for product_id in dict.fromkeys(product_ids):
        query = f"product_id:{numeric_id(product_id)}"
        found.extend(p for p in fetch_catalogue(client, page_size=page_size, query=query) if p.product_id)
    return found
