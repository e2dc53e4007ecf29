"""B2B catalogs and price lists: priceListCreate, priceListFixedPricesAdd, catalogCreate."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..connection import connection
from ..registry import ResolveInfo, mutation, query
from ..state import ShopState
from .catalog import variant_node
from .common import money_v2, user_error
from .node import node_loader

Record = dict[str, Any]


def price_list_node(state: ShopState, pl: Record) -> Record:
    prices = list(pl["fixed_prices"].values())
    catalog = state.catalogs.get(pl.get("catalog_id") or "")
    return {
        "__typename": "PriceList",
        "id": pl["id"],
        "name": pl["name"],
        "currency": pl["currency"],
        "fixedPricesCount": len(prices),
        "parent": {"adjustment": dict(pl["adjustment"]), "settings": {"compareAtMode": "ADJUSTED"}},
        "catalog": catalog_node(state, catalog) if catalog else None,
        "prices": lambda originType=None, **kw: connection(
            [p for p in prices if originType in (None, "FIXED")],
            node=lambda p: price_node(state, pl, p),
            **kw,
        ),
    }


def price_node(state: ShopState, pl: Record, price: Record) -> Record:
    compare = price.get("compare_at_price")
    return {
        "price": money_v2(price["price"], pl["currency"]),
        "compareAtPrice": None if compare is None else money_v2(compare, pl["currency"]),
        "originType": "FIXED",
        "variant": lambda: variant_node(state, state.variants[price["variant_id"]]),
    }


def catalog_node(state: ShopState, c: Record) -> Record:
    from .b2b import company_location_node

    locations = [
        state.company_locations[g] for g in c["company_location_ids"] if g in state.company_locations
    ]
    pl = state.price_lists.get(c.get("price_list_id") or "")
    pub = state.publications.get(c.get("publication_id") or "")
    return {
        "__typename": "CompanyLocationCatalog",
        "id": c["id"],
        "title": c["title"],
        "status": c["status"],
        "operations": [],
        "priceList": (lambda: price_list_node(state, pl)) if pl else None,
        "publication": {"__typename": "Publication", "id": pub["id"], "name": pub["name"]} if pub else None,
        "companyLocations": lambda **kw: connection(
            locations, node=lambda loc: company_location_node(state, loc), **kw
        ),
        "companyLocationsCount": {"count": len(locations), "precision": "EXACT"},
    }


@mutation("priceListCreate")
def price_list_create(state: ShopState, args: Record, info: ResolveInfo) -> Record:
    data = args["input"]
    if not data["name"].strip():
        return {
            "priceList": None,
            "userErrors": [user_error(["input", "name"], "Name can't be blank", "BLANK")],
        }
    with state.lock:
        if any(p["name"] == data["name"] for p in state.price_lists.values()):
            error = user_error(["input", "name"], "Name has already been taken", "TAKEN")
            return {"priceList": None, "userErrors": [error]}
        gid = state.new_gid("PriceList")
        adjustment = data["parent"]["adjustment"]
        pl = {"id": gid, "name": data["name"], "currency": data["currency"], "fixed_prices": {}}
        pl["adjustment"] = {"type": adjustment["type"], "value": adjustment["value"]}
        pl["catalog_id"] = data.get("catalogId")
        state.price_lists[gid] = pl
        if pl["catalog_id"] in state.catalogs:
            state.catalogs[pl["catalog_id"]]["price_list_id"] = gid
    return {"priceList": price_list_node(state, pl), "userErrors": []}


def _price_errors(state: ShopState, pl: Record, prices: list[Record]) -> list[Record]:
    errors = []
    for i, p in enumerate(prices):
        if str(p["variantId"]) not in state.variants:
            message = "Variant not found."
            errors.append(user_error(["prices", str(i), "variantId"], message, "VARIANT_NOT_FOUND"))
        elif p["price"]["currencyCode"] != pl["currency"]:
            message = "The specified currency doesn't match the price list's currency."
            errors.append(
                user_error(
                    ["prices", str(i), "price", "currencyCode"], message, "PRICE_LIST_CURRENCY_MISMATCH"
                )
            )
    return errors


@mutation("priceListFixedPricesAdd")
def fixed_prices_add(state: ShopState, args: Record, info: ResolveInfo) -> Record:
    with state.lock:
        pl = state.price_lists.get(str(args["priceListId"]))
        if pl is None:
            error = user_error(["priceListId"], "Price list not found.", "PRICE_LIST_NOT_FOUND")
            return {"prices": None, "userErrors": [error]}
        errors = _price_errors(state, pl, args["prices"])
        if errors:
            return {"prices": None, "userErrors": errors}
        added = [_store_price(pl, p) for p in args["prices"]]
    return {"prices": [price_node(state, pl, p) for p in added], "userErrors": []}


def _store_price(pl: Record, p: Record) -> Record:
    compare = p.get("compareAtPrice")
    price = {"variant_id": str(p["variantId"]), "price": Decimal(str(p["price"]["amount"]))}
    price["compare_at_price"] = None if compare is None else Decimal(str(compare["amount"]))
    pl["fixed_prices"][price["variant_id"]] = price
    return price


@mutation("catalogCreate")
def catalog_create(state: ShopState, args: Record, info: ResolveInfo) -> Record:
    data = args["input"]
    location_ids = [str(g) for g in (data["context"].get("companyLocationIds") or [])]
    with state.lock:
        missing = [g for g in location_ids if g not in state.company_locations]
        if missing or not location_ids:
            error = user_error(
                ["input", "context"], "Company location not found.", "COMPANY_LOCATION_NOT_FOUND"
            )
            return {"catalog": None, "userErrors": [error]}
        if data.get("priceListId") and str(data["priceListId"]) not in state.price_lists:
            error = user_error(["input", "priceListId"], "Price list not found.", "PRICE_LIST_NOT_FOUND")
            return {"catalog": None, "userErrors": [error]}
        gid = state.new_gid("CompanyLocationCatalog")
        catalog = {
            "id": gid,
            "title": data["title"],
            "status": data["status"],
            "company_location_ids": location_ids,
        }
        catalog |= {"price_list_id": data.get("priceListId"), "publication_id": data.get("publicationId")}
        state.catalogs[gid] = catalog
        if catalog["price_list_id"]:
            state.price_lists[catalog["price_list_id"]]["catalog_id"] = gid
    return {"catalog": catalog_node(state, catalog), "userErrors": []}


@query("catalogs")
def resolve_catalogs(state: ShopState, args: Record, info: ResolveInfo) -> Record:
    found = [c for c in state.catalogs.values() if args.get("type") in (None, "COMPANY_LOCATION")]
    return connection(found, node=lambda c: catalog_node(state, c), **args)


@query("catalog")
def resolve_catalog(state: ShopState, args: Record, info: ResolveInfo) -> Record | None:
    catalog = state.catalogs.get(str(args["id"]))
    return catalog_node(state, catalog) if catalog else None


@query("priceList")
def resolve_price_list(state: ShopState, args: Record, info: ResolveInfo) -> Record | None:
    pl = state.price_lists.get(str(args["id"]))
    return price_list_node(state, pl) if pl else None


@query("priceLists")
def resolve_price_lists(state: ShopState, args: Record, info: ResolveInfo) -> Record:
    return connection(list(state.price_lists.values()), node=lambda p: price_list_node(state, p), **args)


@node_loader("PriceList")
def _load_price_list(state: ShopState, gid: str) -> Record | None:
    return price_list_node(state, state.price_lists[gid]) if gid in state.price_lists else None


@node_loader("CompanyLocationCatalog")
def _load_catalog(state: ShopState, gid: str) -> Record | None:
    return catalog_node(state, state.catalogs[gid]) if gid in state.catalogs else None
