"""Product gating and SKU integrity: which Shopify products may be on sale, and which SKUs are ambiguous.

A Shopify variant may be sold only if its SKU exists and is active in the ERP (the ERP owns the product
master). A product with any variant that fails the test is *gated*: kept DRAFT, or unpublished from the
sales channels, until the ERP has every SKU active; then it is *released*. A product on sale whose item
the ERP makes inactive is *withdrawn* the same way. Shopbridge remembers what it gated (a
:class:`Gate`), so it never releases a product a person drafted on purpose.

Shopify allows one SKU on several variants; the ERP does not, so an order for such a SKU cannot say which
product was sold. :func:`duplicate_skus` finds them, and :func:`empty_sku_variants` the variants without
a SKU, on every sweep.

Everything here is a function of records and settings (docs/architecture.md invariant 6).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from shopbridge.domain.records import Item, ItemStatus

__all__ = [
    "ON_SALE",
    "CatalogueProduct",
    "CatalogueVariant",
    "Decision",
    "Gate",
    "GateMode",
    "Verdict",
    "decide",
    "decide_all",
    "duplicate_skus",
    "empty_sku_variants",
    "gate_for",
    "skus_to_check",
]

ON_SALE = frozenset({"ACTIVE", "UNLISTED"})  # statuses in which a customer can buy the product
ARCHIVED = "ARCHIVED"


class GateMode(StrEnum):
    """How a gated product is kept off sale."""

    DRAFT = "draft"  # its status becomes DRAFT; released to the status it had
    UNPUBLISH = "unpublish"  # it leaves the sales channels; released to the channels it was on


@dataclass(frozen=True)
class CatalogueVariant:
    """One Shopify variant as the catalogue sweep reads it. ``sku`` is "" when Shopify has none."""

    variant_id: str
    sku: str
    price: Decimal | None = None
    barcode: str = ""
    weight_kg: Decimal | None = None
    inventory_item_id: str = ""


@dataclass(frozen=True)
class CatalogueProduct:
    """One Shopify product: its status (ACTIVE, DRAFT, ARCHIVED, UNLISTED), title and variants.

    ``publications`` are the sales channels it is on, read only in unpublish mode.
    """

    product_id: str
    title: str
    status: str
    variants: tuple[CatalogueVariant, ...] = ()
    publications: tuple[str, ...] = ()
    gift_card: bool = False  # a gift card is a liability, not an ERP item: never gated

    @property
    def skus(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v.sku for v in self.variants if v.sku))


@dataclass(frozen=True)
class Gate:
    """What shopbridge did to keep a product off sale, so it can undo exactly that and nothing else."""

    product_id: str
    mode: GateMode
    prior_status: str  # the status to restore (draft mode)
    publications: tuple[str, ...] = ()  # the channels to republish to (unpublish mode)
    blocking: tuple[str, ...] = ()  # the SKUs it waits for (missing or inactive in the ERP)
    withdrawn: bool = False  # gated because an item it sold became inactive


class Verdict(StrEnum):
    SELLABLE = "sellable"  # on sale, every SKU active: nothing to do
    GATE = "gate"  # on sale, a SKU missing (or a variant without SKU): take it off sale
    WITHDRAW = "withdraw"  # on sale, every SKU known but one inactive: take it off sale
    STILL_GATED = "still_gated"  # shopbridge gated it and the ERP is not ready yet
    RELEASE = "release"  # shopbridge gated it and every SKU is active now: put it back
    NOT_OURS = "not_ours"  # off sale by a person's choice (draft, archived): leave it alone


@dataclass(frozen=True)
class Decision:
    """The verdict for one product and why: the SKUs the ERP lacks, holds inactive, the unskued variants."""

    product: CatalogueProduct
    verdict: Verdict
    missing: tuple[str, ...] = ()
    inactive: tuple[str, ...] = ()
    unskued: tuple[str, ...] = ()  # variant ids without a SKU

    @property
    def blocking(self) -> tuple[str, ...]:
        return self.missing + self.inactive

    @property
    def takes_off_sale(self) -> bool:
        return self.verdict in (Verdict.GATE, Verdict.WITHDRAW)


def skus_to_check(product: CatalogueProduct, bundles: Mapping[str, Mapping[str, int]]) -> tuple[str, ...]:
    """The ERP SKUs that must be active for ``product`` to be sold: a configured bundle's components
    stand in for the bundle's own SKU (the ERP never holds a virtual bundle)."""
    wanted: list[str] = []
    for sku in product.skus:
        wanted.extend(bundles.get(sku, {sku: 1}))
    return tuple(dict.fromkeys(wanted))


def decide(
    product: CatalogueProduct,
    items: Mapping[str, Item],
    gate: Gate | None,
    *,
    bundles: Mapping[str, Mapping[str, int]],
) -> Decision:
    """What to do with one product, given the ERP's items and what shopbridge gated before."""
    wanted = skus_to_check(product, bundles)
    missing = tuple(sku for sku in wanted if sku not in items)
    inactive = tuple(sku for sku in wanted if sku in items and items[sku].status is not ItemStatus.ACTIVE)
    unskued = tuple(v.variant_id for v in product.variants if not v.sku)
    facts = {"missing": missing, "inactive": inactive, "unskued": unskued}
    ready = not (missing or inactive or unskued)
    if gate is not None:
        return Decision(product, Verdict.RELEASE if ready else Verdict.STILL_GATED, **facts)
    if product.status not in ON_SALE or not product.variants or product.gift_card:
        return Decision(product, Verdict.NOT_OURS, **facts)
    if ready:
        return Decision(product, Verdict.SELLABLE, **facts)
    withdrawn = not missing and not unskued  # every SKU is known: an item was made inactive
    return Decision(product, Verdict.WITHDRAW if withdrawn else Verdict.GATE, **facts)


def decide_all(
    products: Iterable[CatalogueProduct],
    items: Mapping[str, Item],
    gates: Mapping[str, Gate],
    *,
    bundles: Mapping[str, Mapping[str, int]],
) -> list[Decision]:
    """:func:`decide` for each product; archived products that shopbridge never gated are skipped."""
    return [
        decide(product, items, gates.get(product.product_id), bundles=bundles)
        for product in products
        if product.status != ARCHIVED or product.product_id in gates
    ]


def gate_for(decision: Decision, mode: GateMode) -> Gate:
    """The record of gating ``decision``'s product in ``mode``: what to restore on release."""
    product = decision.product
    return Gate(
        product_id=product.product_id,
        mode=mode,
        prior_status=product.status,
        publications=product.publications if mode is GateMode.UNPUBLISH else (),
        blocking=decision.blocking,
        withdrawn=decision.verdict is Verdict.WITHDRAW,
    )


def duplicate_skus(products: Iterable[CatalogueProduct]) -> dict[str, tuple[str, ...]]:
    """SKU -> the variant ids carrying it, for every SKU on more than one variant (any status)."""
    seen: dict[str, list[str]] = {}
    for product in products:
        for variant in product.variants:
            if variant.sku:
                seen.setdefault(variant.sku, []).append(variant.variant_id)
    return {sku: tuple(ids) for sku, ids in sorted(seen.items()) if len(ids) > 1}


def empty_sku_variants(products: Sequence[CatalogueProduct]) -> dict[str, tuple[str, ...]]:
    """Product id -> its variants without a SKU (they cannot be checked against the ERP)."""
    found = {p.product_id: tuple(v.variant_id for v in p.variants if not v.sku) for p in products}
    return {pid: ids for pid, ids in found.items() if ids}
