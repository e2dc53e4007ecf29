"""The catalogue side of the Shopify port: read every variant with its product, gate and release
products (status or sales channels), and write ERP-owned product fields.

The catalogue is read flat through ``productVariants`` so a product of any size comes back whole and
each page costs the same; variants are grouped into their products here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol

from shopbridge.connectors.shopify.pagination import iterate_connection
from shopbridge.domain.catalogue import CatalogueProduct, CatalogueVariant
from shopbridge.domain.ownership import FieldChange

__all__ = [
    "VARIANT_FIELDS",
    "fetch_catalogue",
    "product_publications",
    "publish",
    "push_fields",
    "set_status",
    "unpublish",
]

# Shopify's WeightUnit -> kilograms per unit
_KG_PER_UNIT = {
    "KILOGRAMS": Decimal(1),
    "GRAMS": Decimal("0.001"),
    "POUNDS": Decimal("0.45359237"),
    "OUNCES": Decimal("0.028349523125"),
}
VARIANT_FIELDS = ("price", "barcode", "weight")  # the FieldChange fields written on a variant


class _Client(Protocol):
    def execute(
        self, name: str, variables: Mapping[str, Any] | None = None, *, key: str | None = None
    ) -> Any: ...

    def mutate(
        self, name: str, variables: Mapping[str, Any] | None = None, *, key: str | None = None
    ) -> Any: ...


def fetch_catalogue(
    client: _Client, *, page_size: int = 100, query: str | None = None
) -> list[CatalogueProduct]:
    """Every product that has variants, in the order Shopify lists their first variant (``query``, a
    ``productVariants`` search such as ``product_id:123``, narrows it)."""
    heads: dict[str, Mapping[str, Any]] = {}
    variants: dict[str, list[CatalogueVariant]] = {}
    narrow = {"query": query} if query else {}
    nodes = iterate_connection(
        client, "catalogue_variants", narrow, ("productVariants",), page_size=page_size
    )
    for node in nodes:
        product = node.get("product") or {}
        pid = str(product.get("id") or "")
        heads.setdefault(pid, product)
        variants.setdefault(pid, []).append(_variant(node))
    return [_product(heads[pid], found) for pid, found in variants.items()]


def _product(head: Mapping[str, Any], variants: Iterable[CatalogueVariant]) -> CatalogueProduct:
    return CatalogueProduct(
        product_id=str(head["id"]),
        title=str(head.get("title") or ""),
        status=str(head.get("status") or ""),
        variants=tuple(variants),
        gift_card=bool(head.get("isGiftCard")),
    )


def _variant(node: Mapping[str, Any]) -> CatalogueVariant:
    item = node.get("inventoryItem") or {}
    price = node.get("price")
    return CatalogueVariant(
        variant_id=str(node["id"]),
        sku=str(node.get("sku") or "").strip(),
        price=Decimal(str(price)) if price is not None else None,
        barcode=str(node.get("barcode") or ""),
        weight_kg=_kilograms(((item.get("measurement") or {}).get("weight")) or {}),
        inventory_item_id=str(item.get("id") or ""),
    )


def _kilograms(weight: Mapping[str, Any]) -> Decimal | None:
    if weight.get("value") is None:
        return None
    factor = _KG_PER_UNIT.get(str(weight.get("unit") or "KILOGRAMS"), Decimal(1))
    return (Decimal(str(weight["value"])) * factor).normalize()


def set_status(client: _Client, product_id: str, status: str) -> None:
    client.mutate("product_update_status", {"product": {"id": product_id, "status": status}})


def product_publications(client: _Client, product_id: str) -> tuple[str, ...]:
    """The shop's publications this product is on (one small read per publication)."""
    found = []
    for publication in iterate_connection(client, "publications", {}, ("publications",), page_size=50):
        pub = str(publication["id"])
        data = client.execute("product_published_on", {"id": product_id, "publication": pub})
        if ((data or {}).get("product") or {}).get("publishedOnPublication"):
            found.append(pub)
    return tuple(found)


def unpublish(client: _Client, product_id: str, publications: Sequence[str]) -> None:
    if publications:
        client.mutate("publishable_unpublish", {"id": product_id, "input": _inputs(publications)})


def publish(client: _Client, product_id: str, publications: Sequence[str]) -> None:
    if publications:
        client.mutate("publishable_publish", {"id": product_id, "input": _inputs(publications)})


def _inputs(publications: Sequence[str]) -> list[dict[str, str]]:
    return [{"publicationId": pub} for pub in publications]


def push_fields(client: _Client, product_id: str, changes: Sequence[FieldChange]) -> None:
    """The title through ``productUpdate``; variant fields in one ``productVariantsBulkUpdate``."""
    title = next((c for c in changes if c.field == "title"), None)
    if title is not None:
        client.mutate("product_update_title", {"product": {"id": product_id, "title": str(title.value)}})
    variants = _variant_inputs(c for c in changes if c.field in VARIANT_FIELDS)
    if variants:
        client.mutate("product_variants_bulk_update", {"productId": product_id, "variants": variants})


def _variant_inputs(changes: Iterable[FieldChange]) -> list[dict[str, Any]]:
    inputs: dict[str, dict[str, Any]] = {}
    for change in changes:
        entry = inputs.setdefault(change.variant_id, {"id": change.variant_id})
        if change.field == "price":
            entry["price"] = str(change.value)
        elif change.field == "barcode":
            entry["barcode"] = str(change.value)
        elif change.field == "weight":
            weight = {"unit": "KILOGRAMS", "value": float(change.value)}
            entry["inventoryItem"] = {"measurement": {"weight": weight}}
    return list(inputs.values())
