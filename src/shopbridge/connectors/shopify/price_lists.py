"""The B2B price list side of the Shopify port: variants by SKU, company locations, price lists,
catalogs and fixed prices, in the documents of ``queries/``.

Shopify caps every input array at 250 items; the flow batches its changes to that size, and the
reads here chunk their own ids the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol

from shopbridge.connectors.shopify.pagination import iterate_connection
from shopbridge.connectors.shopify.translate import gid
from shopbridge.domain.price_lists import FixedPrice, ShopifyPriceList
from shopbridge.errors import BadInput, NeedsPerson

__all__ = [
    "company_location_ids",
    "create_catalog",
    "create_price_list",
    "price_list",
    "price_list_named",
    "update_catalog_locations",
    "update_fixed_prices",
    "variant_ids_by_sku",
]

# company_locations asks for 253 points a company (the company 1, locations(first: 250) 2 + 250), and
# nodes(ids:) is charged per id: three companies a read stay under the 1,000 points of one query.
COMPANIES_PER_CALL = 3
# price_lists asks for 254 points a price list (its node 1, the catalog 1, companyLocations 2 + 250 in
# the CompanyLocationCatalog fragment): 2 + 3 x 254 = 764 points a page.
PRICE_LISTS_PAGE = 3

# Up to this many SKUs are searched one by one; more, and one walk over every variant is cheaper.
SEARCH_EACH_UP_TO = 10


class _Client(Protocol):
    def execute(
        self, name: str, variables: Mapping[str, Any] | None = None, *, key: str | None = None
    ) -> Any: ...

    def mutate(
        self, name: str, variables: Mapping[str, Any] | None = None, *, key: str | None = None
    ) -> Any: ...


def variant_ids_by_sku(client: _Client, skus: Sequence[str]) -> dict[str, tuple[str, ...]]:
    wanted = set(skus)
    if len(wanted) <= SEARCH_EACH_UP_TO:
        nodes = [node for sku in sorted(wanted) for node in _search_sku(client, sku)]
    else:
        nodes = list(iterate_connection(client, "variant_skus", {}, ("productVariants",), page_size=250))
    found: dict[str, list[str]] = {}
    for node in nodes:
        sku = str(node.get("sku") or "")
        if sku in wanted:
            found.setdefault(sku, []).append(str(node["id"]))
    return {sku: tuple(sorted(set(ids))) for sku, ids in found.items()}


def _search_sku(client: _Client, sku: str) -> list[Any]:
    escaped = sku.replace("\\", "\\\\").replace("'", "\\'")
    variables = {"query": f"sku:'{escaped}'"}
    return list(iterate_connection(client, "variants_by_sku", variables, ("productVariants",), page_size=50))


def company_location_ids(client: _Client, company_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
    found: dict[str, tuple[str, ...]] = {}
    unique = sorted(set(company_ids))
    for start in range(0, len(unique), COMPANIES_PER_CALL):
        chunk = unique[start : start + COMPANIES_PER_CALL]
        data = client.execute("company_locations", {"ids": [gid("Company", c) for c in chunk]})
        by_gid = {str(node["id"]): node for node in (data or {}).get("nodes") or () if node and "id" in node}
        for company in chunk:
            node = by_gid.get(gid("Company", company))
            if node is not None:
                found[company] = tuple(str(loc["id"]) for loc in node["locations"]["nodes"])
    return found


def price_list(client: _Client, price_list_id: str) -> ShopifyPriceList | None:
    node = (client.execute("price_list_by_id", {"id": price_list_id}) or {}).get("priceList")
    return None if node is None else _price_list(node)


def price_list_named(client: _Client, name: str) -> ShopifyPriceList | None:
    for node in iterate_connection(client, "price_lists", {}, ("priceLists",), page_size=PRICE_LISTS_PAGE):
        if node.get("name") == name:
            return _price_list(node)
    return None


def _price_list(node: Mapping[str, Any]) -> ShopifyPriceList:
    catalog = node.get("catalog") or {}
    locations = (catalog.get("companyLocations") or {}).get("nodes") or ()
    return ShopifyPriceList(
        id=str(node["id"]),
        name=str(node["name"]),
        currency=str(node["currency"]),
        catalog_id=str(catalog.get("id") or ""),
        location_ids=tuple(sorted(str(loc["id"]) for loc in locations)),
    )


def create_price_list(
    client: _Client, name: str, currency: str, adjustment_percent: Decimal
) -> ShopifyPriceList:
    adjustment = {"type": "PERCENTAGE_DECREASE", "value": float(adjustment_percent)}
    variables = {"input": {"name": name, "currency": currency, "parent": {"adjustment": adjustment}}}
    node = client.mutate("price_list_create", variables)["priceList"]
    return ShopifyPriceList(id=str(node["id"]), name=str(node["name"]), currency=str(node["currency"]))


def create_catalog(client: _Client, title: str, price_list_id: str, location_ids: Sequence[str]) -> str:
    variables = {
        "input": {
            "title": title,
            "status": "ACTIVE",
            "context": {"companyLocationIds": list(location_ids)},
            "priceListId": price_list_id,
        }
    }
    return str(client.mutate("catalog_create", variables)["catalog"]["id"])


def update_catalog_locations(
    client: _Client, catalog_id: str, add: Sequence[str], remove: Sequence[str]
) -> None:
    variables: dict[str, Any] = {"catalogId": catalog_id}
    if add:
        variables["contextsToAdd"] = {"companyLocationIds": list(add)}
    if remove:
        variables["contextsToRemove"] = {"companyLocationIds": list(remove)}
    client.mutate("catalog_context_update", variables)


def update_fixed_prices(
    client: _Client, price_list_id: str, currency: str, upserts: Sequence[FixedPrice], deletes: Sequence[str]
) -> None:
    variables = {
        "priceListId": price_list_id,
        "pricesToAdd": [_price_input(price, currency) for price in upserts],
        "variantIdsToDelete": list(deletes),
    }
    try:
        client.mutate("price_list_fixed_prices_update", variables)
    except (BadInput, NeedsPerson) as refused:
        # A fixed price someone removed by hand is refused as VARIANT_NOT_FOUND, and the whole call
        # with it. It is already what we wanted: send the call again without those deletions.
        gone = _already_deleted(refused, deletes)
        if not gone:
            raise
        variables["variantIdsToDelete"] = [v for v in deletes if v not in gone]
        client.mutate("price_list_fixed_prices_update", variables)


def _already_deleted(refused: BadInput | NeedsPerson, deletes: Sequence[str]) -> set[str]:
    """The deletions refused because the list holds no fixed price for them, if those are all."""
    codes = refused.details.get("codes") or []
    fields = refused.details.get("fields") or []
    gone: set[str] = set()
    for code, field in zip(codes, fields, strict=False):
        if code != "VARIANT_NOT_FOUND" or not field or field[0] != "variantIdsToDelete" or len(field) < 2:
            return set()
        gone.add(deletes[int(field[1])])
    return gone


def _price_input(price: FixedPrice, currency: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "variantId": price.variant_id,
        "price": {"amount": str(price.amount), "currencyCode": currency},
    }
    if price.compare_at is not None:
        entry["compareAtPrice"] = {"amount": str(price.compare_at), "currencyCode": currency}
    return entry
