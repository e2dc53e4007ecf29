"""B2B price lists: what an ERP price list becomes in Shopify, and what must be sent to get there.

An ERP price list (a Sage 200 price band, a Tryton price list, a SYSPRO price code, a Prima list)
that the ``[prices]`` mapping names becomes, in one Shopify store:

- a Shopify price list in the mapping's currency, with one fixed price per variant whose SKU the
  ERP list prices (every variant carrying the SKU: Shopify allows the same SKU twice);
- a catalog over that price list, assigned to the company locations of the companies whose ERP
  account the list applies to (the ERP's own ``customer_accounts`` plus the mapping's ``accounts``,
  through the shop's ``company_accounts``).

Only what changed since the last push is sent: :func:`diff_prices` compares the wanted fixed prices
with those shopbridge last pushed, and :func:`batches` cuts the changes into calls of at most
:data:`MAX_PER_CALL` (Shopify caps every input array at 250 items). A list whose currency differs
from the Shopify price list's is refused (:class:`PriceListMismatch`), never converted.

Pure: standard library and the domain only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from shopbridge.domain.problems import ProblemKind, ProblemReport
from shopbridge.domain.records import Price, PriceList

__all__ = [
    "ENTITY_TYPE",
    "MAX_PER_CALL",
    "FixedPrice",
    "LocationChanges",
    "PriceBatch",
    "PriceChanges",
    "PriceListMismatch",
    "PriceListTarget",
    "ShopifyPriceList",
    "batches",
    "check_currency",
    "diff_prices",
    "location_changes",
    "price_list_entity",
    "unit_prices",
    "wanted_locations",
    "wanted_prices",
]

MAX_PER_CALL = 250  # Shopify: "Input arguments that accept an array have a maximum size of 250"
ENTITY_TYPE = "price_list"


@dataclass(frozen=True)
class PriceListTarget:
    """How one ERP list maps to a store: its title there, its currency, its customers' accounts."""

    code: str  # the ERP list's code
    title: str  # the Shopify price list's name and the catalog's title
    currency: str  # the Shopify price list's currency
    accounts: tuple[str, ...] = ()  # ERP accounts buying on this list, besides those the ERP names
    adjustment_percent: Decimal = Decimal(0)  # decrease from the store's prices for unpriced variants


@dataclass(frozen=True)
class ShopifyPriceList:
    """A price list as Shopify holds it, with its catalog and the catalog's company locations."""

    id: str
    name: str
    currency: str
    catalog_id: str = ""
    location_ids: tuple[str, ...] = ()


@dataclass(frozen=True, order=True)
class FixedPrice:
    """One variant's fixed price on a price list (in the list's currency)."""

    variant_id: str
    sku: str
    amount: Decimal
    compare_at: Decimal | None = None

    def same_price(self, other: FixedPrice) -> bool:
        """Equal amounts (``10.0 == 10.00``) and compare-at prices: nothing to send."""
        return self.amount == other.amount and self.compare_at == other.compare_at


@dataclass(frozen=True)
class PriceBatch:
    """One call's worth: fixed prices to add or replace, and variants whose fixed price goes."""

    upserts: tuple[FixedPrice, ...] = ()
    deletes: tuple[str, ...] = ()  # variant ids


@dataclass(frozen=True)
class PriceChanges:
    """What differs between the wanted fixed prices and those last pushed."""

    upserts: tuple[FixedPrice, ...] = ()
    deletes: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.upserts and not self.deletes


@dataclass(frozen=True)
class LocationChanges:
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.add and not self.remove


@dataclass(frozen=True)
class PriceListMismatch:
    """The typed refusal: the ERP list's currency is not the Shopify price list's."""

    code: str
    erp_currency: str
    shopify_currency: str
    details: dict[str, object] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return (
            f"ERP price list {self.code} is in {self.erp_currency} but its Shopify price list and "
            f"catalog are in {self.shopify_currency}: nothing of it was pushed"
        )

    def problem(self, shop: str) -> ProblemReport:
        return ProblemReport(
            kind=ProblemKind.PRICE_LIST_MISMATCH,
            entity_type=ENTITY_TYPE,
            entity_id=self.code,
            message=self.message,
            tried="sync the ERP price list to its Shopify price list",
            details={
                "erp_currency": self.erp_currency,
                "shopify_currency": self.shopify_currency,
                **self.details,
            },
            shop=shop,
        )


def price_list_entity(code: str) -> str:
    """The trail's entity id of one ERP price list."""
    return f"{ENTITY_TYPE}:{code}"


def check_currency(
    erp_list: PriceList, target: PriceListTarget, existing: ShopifyPriceList | None
) -> PriceListMismatch | None:
    """Refuse a list whose currency differs from the target's, or from the price list Shopify has."""
    shopify_currency = existing.currency if existing is not None else target.currency
    for expected in (target.currency, shopify_currency):
        if erp_list.currency != expected:
            return PriceListMismatch(erp_list.code, erp_list.currency, expected)
    return None


def unit_prices(prices: Iterable[Price]) -> dict[str, Price]:
    """The price per SKU for one unit: quantity breaks (``min_quantity > 1``) are not fixed prices."""
    found: dict[str, Price] = {}
    for price in prices:
        if price.min_quantity <= 1:
            found[price.sku] = price
    return found


def wanted_prices(
    erp_list: PriceList, variants_by_sku: Mapping[str, Sequence[str]]
) -> tuple[dict[str, FixedPrice], tuple[str, ...]]:
    """The fixed price per variant id, and the SKUs no Shopify variant carries (skipped)."""
    wanted: dict[str, FixedPrice] = {}
    missing: list[str] = []
    for sku, price in sorted(unit_prices(erp_list.prices).items()):
        variants = variants_by_sku.get(sku) or ()
        if not variants:
            missing.append(sku)
        compare = price.compare_at.amount if price.compare_at is not None else None
        for variant_id in variants:
            wanted[variant_id] = FixedPrice(variant_id, sku, price.price.amount, compare)
    return wanted, tuple(missing)


def diff_prices(wanted: Mapping[str, FixedPrice], pushed: Mapping[str, FixedPrice]) -> PriceChanges:
    """New or changed fixed prices to send, and the variants whose pushed price the ERP dropped."""
    upserts = tuple(
        price
        for variant_id, price in sorted(wanted.items())
        if variant_id not in pushed or not price.same_price(pushed[variant_id])
    )
    deletes = tuple(sorted(variant_id for variant_id in pushed if variant_id not in wanted))
    return PriceChanges(upserts, deletes)


def batches(changes: PriceChanges, size: int = MAX_PER_CALL) -> list[PriceBatch]:
    """The changes in calls of at most ``size`` upserts and ``size`` deletes each.

    ``priceListFixedPricesUpdate`` takes both lists in one call, each capped at 250, so the number of
    calls is ceil(max(upserts, deletes) / size): the fewest that Shopify's cap allows.
    """
    if size < 1:
        raise ValueError("a batch holds at least one price")
    count = -(-max(len(changes.upserts), len(changes.deletes)) // size)
    return [
        PriceBatch(changes.upserts[i * size : (i + 1) * size], changes.deletes[i * size : (i + 1) * size])
        for i in range(count)
    ]


def wanted_locations(
    accounts: Iterable[str],
    company_accounts: Mapping[str, str],
    locations_by_company: Mapping[str, Sequence[str]],
) -> tuple[str, ...]:
    """The company locations of every company whose ERP account buys on the list.

    ``company_accounts`` maps a Shopify company id (numeric or GID) to its ERP account;
    ``locations_by_company`` is keyed the same way.
    """
    buying = set(accounts)
    found: set[str] = set()
    for company, account in company_accounts.items():
        if account in buying:
            found.update(locations_by_company.get(company, ()))
    return tuple(sorted(found))


def location_changes(wanted: Iterable[str], current: Iterable[str]) -> LocationChanges:
    """Locations to assign to the catalog, and those it should no longer reach (shopbridge owns it)."""
    want, have = set(wanted), set(current)
    return LocationChanges(tuple(sorted(want - have)), tuple(sorted(have - want)))
