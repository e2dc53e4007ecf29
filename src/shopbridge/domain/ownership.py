"""The field ownership matrix: which system owns each product field, and what the ERP may push.

One owner per field (docs/architecture.md invariant 4): the owner's value overwrites the other side's,
never the reverse. The ERP owns the product master, but a merchant lays out the shop, so the default is:

========  ==========  =====================================================================
field     owner       why
========  ==========  =====================================================================
title     shopify     the ERP's description is a warehouse name; the merchant writes copy
barcode   erp         goods-in scans it; one barcode per item, kept where the item lives
weight    erp         the warehouse weighs the item; shipping rates need the real figure
price     shopify     retail prices are set per store and campaign; the ERP's price is the
                      trade/list price (B2B prices reach Shopify through price lists)
status    shopbridge  shopbridge gates products whose SKUs the ERP lacks or holds inactive
========  ==========  =====================================================================

``status`` is owned by ``shopbridge`` (gating on) or ``shopify`` (gating off: problems only).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal
from enum import StrEnum

from shopbridge.domain.catalogue import CatalogueProduct, CatalogueVariant
from shopbridge.domain.records import Item

__all__ = [
    "FIELD_NOTES",
    "FieldChange",
    "Owner",
    "Ownership",
    "field_changes",
]


class Owner(StrEnum):
    SHOPIFY = "shopify"
    ERP = "erp"
    SHOPBRIDGE = "shopbridge"


FIELD_NOTES: dict[str, str] = {
    "title": "product title, from the ERP item's description",
    "barcode": "variant barcode (EAN/UPC)",
    "weight": "inventory item weight, in kilograms",
    "price": "variant price, from the ERP item's unit price",
    "status": "on sale or not: shopbridge gates products the ERP cannot sell",
}


@dataclass(frozen=True)
class Ownership:
    """The matrix in force. Build it from config (``[ownership]``); the defaults are the module's table."""

    title: Owner = Owner.SHOPIFY
    barcode: Owner = Owner.ERP
    weight: Owner = Owner.ERP
    price: Owner = Owner.SHOPIFY
    status: Owner = Owner.SHOPBRIDGE

    def __post_init__(self) -> None:
        for name in ("title", "barcode", "weight", "price"):
            if getattr(self, name) not in (Owner.SHOPIFY, Owner.ERP):
                raise ValueError(f"ownership of {name} is shopify or erp, not {getattr(self, name)}")
        if self.status not in (Owner.SHOPIFY, Owner.SHOPBRIDGE):
            raise ValueError(f"ownership of status is shopbridge or shopify, not {self.status}")

    def owner(self, field: str) -> Owner:
        return Owner(getattr(self, field))

    def erp_owned(self) -> tuple[str, ...]:
        return tuple(name for name in self.fields() if self.owner(name) is Owner.ERP)

    @property
    def gating(self) -> bool:
        """Whether shopbridge may take products off sale (it owns their status)."""
        return self.status is Owner.SHOPBRIDGE

    @staticmethod
    def fields() -> tuple[str, ...]:
        return tuple(f.name for f in fields(Ownership))

    def rows(self) -> list[tuple[str, str, str]]:
        """(field, owner, what it is), for ``shopbridge config explain ownership``."""
        return [(name, self.owner(name).value, FIELD_NOTES[name]) for name in self.fields()]


@dataclass(frozen=True)
class FieldChange:
    """One ERP-owned field to write into Shopify: on the product (title) or on one variant."""

    product_id: str
    field: str
    value: str | Decimal
    was: str | Decimal | None
    variant_id: str = ""
    inventory_item_id: str = ""


def field_changes(
    product: CatalogueProduct, items: Mapping[str, Item], ownership: Ownership, *, currency: str
) -> list[FieldChange]:
    """The ERP-owned fields where Shopify differs from the ERP. Fields the ERP leaves empty are left
    alone (an ERP with no barcode does not clear Shopify's), and so is a price in another currency
    than the store's; the title follows the first variant's item."""
    owned = set(ownership.erp_owned())
    changes: list[FieldChange] = []
    if "title" in owned:
        changes.extend(_title_change(product, items))
    for variant in product.variants:
        item = items.get(variant.sku) if variant.sku else None
        if item is not None:
            changes.extend(_variant_changes(product.product_id, variant, item, owned, currency))
    return changes


def _title_change(product: CatalogueProduct, items: Mapping[str, Item]) -> list[FieldChange]:
    first = next((items[v.sku] for v in product.variants if v.sku in items), None)
    if first is None or not first.description.strip() or first.description == product.title:
        return []
    return [FieldChange(product.product_id, "title", first.description, product.title)]


def _variant_changes(
    product_id: str, variant: CatalogueVariant, item: Item, owned: set[str], currency: str
) -> list[FieldChange]:
    price = item.unit_price.amount if item.unit_price and item.unit_price.currency == currency else None
    wanted: dict[str, tuple[str | Decimal | None, str | Decimal | None]] = {
        "barcode": (item.barcode or None, variant.barcode or None),
        "weight": (item.weight_kg, variant.weight_kg),
        "price": (price, variant.price),
    }
    return [
        FieldChange(product_id, name, value, was, variant.variant_id, variant.inventory_item_id)
        for name, (value, was) in wanted.items()
        if name in owned and value is not None and not _same(value, was)
    ]


def _same(value: str | Decimal, was: str | Decimal | None) -> bool:
    if isinstance(value, Decimal):
        return was is not None and Decimal(str(was)) == value
    return value == was
