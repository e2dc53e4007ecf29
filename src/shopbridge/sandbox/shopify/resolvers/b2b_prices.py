"""B2B fixed prices and catalog contexts: priceListFixedPricesUpdate, priceListFixedPricesDelete and
catalogContextUpdate, over the price lists and catalogs of ``b2b_catalogs``.

The user errors carry the codes of Shopify's ``PriceListPriceUserErrorCode`` and
``CatalogUserErrorCode``, with the messages those enums document. A refused call changes nothing.
"""

from __future__ import annotations

from typing import Any

from ..registry import ResolveInfo, mutation
from ..state import ShopState
from .b2b_catalogs import _price_errors, _store_price, catalog_node, price_list_node, price_node
from .common import user_error

Record = dict[str, Any]

NO_FIXED_PRICE = "A fixed price for the specified product variant doesn't exist."


def _delete_errors(pl: Record, variant_ids: list[str], path: str) -> list[Record]:
    return [
        user_error([path, str(i)], NO_FIXED_PRICE, "VARIANT_NOT_FOUND")
        for i, variant_id in enumerate(variant_ids)
        if variant_id not in pl["fixed_prices"]
    ]


def _price_list_missing(path: str = "priceListId") -> Record:
    return user_error([path], "The price list doesn't exist.", "PRICE_LIST_NOT_FOUND")


@mutation("priceListFixedPricesUpdate")
def fixed_prices_update(state: ShopState, args: Record, info: ResolveInfo) -> Record:
    refused = {"priceList": None, "pricesAdded": None, "deletedFixedPriceVariantIds": None}
    deletes = [str(v) for v in args["variantIdsToDelete"]]
    with state.lock:
        pl = state.price_lists.get(str(args["priceListId"]))
        if pl is None:
            return {**refused, "userErrors": [_price_list_missing()]}
        errors = _price_errors(state, pl, args["pricesToAdd"])
        errors = [{**e, "field": ["pricesToAdd", *e["field"][1:]]} for e in errors]
        errors += _delete_errors(pl, deletes, "variantIdsToDelete")
        if errors:
            return {**refused, "userErrors": errors}
        for variant_id in deletes:
            del pl["fixed_prices"][variant_id]
        added = [_store_price(pl, p) for p in args["pricesToAdd"]]
    return {
        "priceList": price_list_node(state, pl),
        "pricesAdded": [price_node(state, pl, p) for p in added],
        "deletedFixedPriceVariantIds": deletes,
        "userErrors": [],
    }


@mutation("priceListFixedPricesDelete")
def fixed_prices_delete(state: ShopState, args: Record, info: ResolveInfo) -> Record:
    variant_ids = [str(v) for v in args["variantIds"]]
    with state.lock:
        pl = state.price_lists.get(str(args["priceListId"]))
        if pl is None:
            return {"deletedFixedPriceVariantIds": None, "userErrors": [_price_list_missing()]}
        errors = _delete_errors(pl, variant_ids, "variantIds")
        if errors:
            return {"deletedFixedPriceVariantIds": None, "userErrors": errors}
        for variant_id in variant_ids:
            del pl["fixed_prices"][variant_id]
    return {"deletedFixedPriceVariantIds": variant_ids, "userErrors": []}


@mutation("catalogContextUpdate")
def catalog_context_update(state: ShopState, args: Record, info: ResolveInfo) -> Record:
    add = [str(g) for g in ((args.get("contextsToAdd") or {}).get("companyLocationIds") or [])]
    remove = [str(g) for g in ((args.get("contextsToRemove") or {}).get("companyLocationIds") or [])]
    with state.lock:
        catalog = state.catalogs.get(str(args["catalogId"]))
        error = _context_error(state, catalog, args, add + remove)
        if error is not None:
            return {"catalog": None, "userErrors": [error]}
        assert catalog is not None
        kept = [g for g in catalog["company_location_ids"] if g not in remove]
        catalog["company_location_ids"] = kept + [g for g in dict.fromkeys(add) if g not in kept]
    return {"catalog": catalog_node(state, catalog), "userErrors": []}


def _context_error(state: ShopState, catalog: Record | None, args: Record, ids: list[str]) -> Record | None:
    if catalog is None:
        return user_error(["catalogId"], "The catalog wasn't found.", "CATALOG_NOT_FOUND")
    if args.get("contextsToAdd") is None and args.get("contextsToRemove") is None:
        message = "Must have `contexts_to_add` or `contexts_to_remove` argument."
        return user_error(None, message, "REQUIRES_CONTEXTS_TO_ADD_OR_REMOVE")
    for key in ("contextsToAdd", "contextsToRemove"):
        if (args.get(key) or {}).get("marketIds"):
            message = (
                "The arguments `contextsToAdd` and `contextsToRemove` must match existing catalog "
                "context type."
            )
            return user_error([key], message, "CONTEXT_DRIVER_MISMATCH")
    if any(g not in state.company_locations for g in ids):
        return user_error(None, "The company location could not be found.", "COMPANY_LOCATION_NOT_FOUND")
    return None
