"""``shopbridge link catalogue``: match every Shopify variant to an ERP item, link, report the rest.

Matching is by SKU; with ``by_barcode`` a variant whose SKU the ERP lacks is matched by its barcode
(an ERP item holding the same EAN/UPC). Links follow the stock flow's convention (entity
``variant``: shopify_id = variant GID, erp_id = SKU, erp_reference = inventory item GID), so the
flows find them. A variant whose SKU is duplicated is never linked: which one is meant is for a
person to say. The mismatch report has one row per finding, in four kinds.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from shopbridge.domain.catalogue import CatalogueProduct, CatalogueVariant
from shopbridge.domain.records import Item, ItemStatus
from shopbridge.ports.erp import ErpPort
from shopbridge.ports.store import UnitOfWork

VARIANT_ENTITY = "variant"

NOT_IN_ERP = "sku_not_in_erp"
NOT_ON_SHOPIFY = "erp_item_not_on_shopify"
DUPLICATE_SKU = "duplicate_sku"
EMPTY_SKU = "empty_sku"
KINDS = (NOT_IN_ERP, NOT_ON_SHOPIFY, DUPLICATE_SKU, EMPTY_SKU)


@dataclass(frozen=True)
class Mismatch:
    kind: str
    sku: str
    shopify_id: str = ""  # variant GID ("" for an ERP item not on Shopify)
    title: str = ""  # product title, or the ERP description


@dataclass
class LinkReport:
    shop: str
    variants: int = 0
    erp_items: int = 0
    linked: int = 0
    by_barcode: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(1 for m in self.mismatches if m.kind == kind)

    def summary(self) -> dict[str, int]:
        base = {"variants": self.variants, "erp_items": self.erp_items, "linked": self.linked}
        return {**base, "by_barcode": self.by_barcode, **{k: self.count(k) for k in KINDS}}


def all_erp_items(erp: ErpPort) -> list[Item]:
    """Every item the ERP has: ``items_changed`` from no cursor pages through all of them."""
    items: list[Item] = []
    cursor: str | None = None
    while True:
        page = erp.items_changed(cursor)
        items.extend(page.items)
        if not page.has_more or page.next_cursor is None:
            return items
        cursor = page.next_cursor


def _variants(products: Iterable[CatalogueProduct]) -> Iterator[tuple[CatalogueProduct, CatalogueVariant]]:
    for product in products:
        if product.gift_card:
            continue  # a gift card is a liability, never an ERP item
        for variant in product.variants:
            yield product, variant


def link_catalogue(
    shop: str,
    products: Sequence[CatalogueProduct],
    erp_items: Sequence[Item],
    uow: UnitOfWork,
    *,
    by_barcode: bool = False,
    advance: Callable[[int], None] = lambda n: None,
) -> LinkReport:
    """Link what matches and report what does not (``advance`` ticks a progress bar per variant)."""
    pairs = list(_variants(products))
    items = {item.sku: item for item in erp_items}
    barcodes = {item.barcode: item for item in erp_items if item.barcode} if by_barcode else {}
    report = LinkReport(shop=shop, variants=len(pairs), erp_items=len(erp_items))
    by_sku: dict[str, list[tuple[CatalogueProduct, CatalogueVariant]]] = defaultdict(list)
    for product, variant in pairs:
        key = variant.sku.strip()
        if key:
            by_sku[key].append((product, variant))
        else:
            report.mismatches.append(Mismatch(EMPTY_SKU, "", variant.variant_id, product.title))
    matched: set[str] = set()
    with uow.begin() as tx:
        for sku, found in sorted(by_sku.items()):
            if len(found) > 1:
                report.mismatches += [Mismatch(DUPLICATE_SKU, sku, v.variant_id, p.title) for p, v in found]
                matched.add(sku)
                advance(len(found))
                continue
            product, variant = found[0]
            item = items.get(sku) or (barcodes.get(variant.barcode) if variant.barcode else None)
            advance(1)
            if item is None or item.status is ItemStatus.MISSING:
                report.mismatches.append(Mismatch(NOT_IN_ERP, sku, variant.variant_id, product.title))
                continue
            matched.add(item.sku)
            report.by_barcode += item.sku != sku
            tx.link(VARIANT_ENTITY, shop, variant.variant_id, item.sku, variant.inventory_item_id)
            report.linked += 1
    advance(len(pairs) - sum(len(f) for f in by_sku.values()))  # the empty SKUs
    for item in erp_items:
        if item.status is ItemStatus.ACTIVE and item.sku not in matched and item.sku not in by_sku:
            report.mismatches.append(Mismatch(NOT_ON_SHOPIFY, item.sku, "", item.description))
    return report


def write_reports(report: LinkReport, folder: Path) -> tuple[Path, Path]:
    """``catalogue-mismatches-<shop>.csv`` and ``.json`` (the dashboard reads the JSON)."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"catalogue-mismatches-{report.shop}"
    csv_path, json_path = stem.with_suffix(".csv"), stem.with_suffix(".json")
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["kind", "sku", "shopify_id", "title"])
        writer.writeheader()
        writer.writerows(asdict(m) for m in report.mismatches)
    body = {
        "shop": report.shop,
        "summary": report.summary(),
        "mismatches": [asdict(m) for m in report.mismatches],
    }
    json_path.write_text(json.dumps(body, indent=2), encoding="utf-8")
    return csv_path, json_path
