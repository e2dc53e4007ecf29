"""``shopbridge connect erp``, second half: does every code the config names exist in the ERP?

Each code the config maps to (warehouses, tax codes, nominal codes, price lists, carriers, customer
accounts for web sales and B2B, the items it posts to: the gift card item and Prima's carriage
product) is asked of the ERP. Price lists and items are checked through the ports every adapter has
(``price_lists``, ``get_items``); the other kinds through an adapter's optional
``lookup_exists(kind, code) -> bool | None`` (None: that ERP cannot be asked). A kind no adapter
method answers is reported "not checkable", never assumed present.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from shopbridge.config.model import Settings, ShopSettings
from shopbridge.errors import ShopbridgeError
from shopbridge.ports.erp import ErpPort

WAREHOUSE = "warehouse"
TAX_CODE = "tax_code"
NOMINAL_CODE = "nominal_code"
PRICE_LIST = "price_list"
CARRIER = "carrier"
CUSTOMER_ACCOUNT = "customer_account"
ITEM = "item"

FOUND = "found"
MISSING = "missing"
NOT_CHECKABLE = "not checkable"


@dataclass(frozen=True)
class Lookup:
    kind: str
    code: str
    key: str  # where the config names it


@dataclass(frozen=True)
class LookupResult:
    lookup: Lookup
    status: str
    detail: str = ""


def _shop_lookups(settings: Settings, shop: ShopSettings) -> Iterator[Lookup]:
    where = f"shops[{shop.name}]"
    for location, codes in shop.locations.items():
        for code in [codes] if isinstance(codes, str) else codes:
            yield Lookup(WAREHOUSE, code, f"{where}.locations.{location}")
    if shop.default_warehouse:
        yield Lookup(WAREHOUSE, shop.default_warehouse, f"{where}.default_warehouse")
    for currency, account in shop.web_accounts.items():
        yield Lookup(CUSTOMER_ACCOUNT, account, f"{where}.web_accounts.{currency}")
    if shop.default_customer_account:
        yield Lookup(CUSTOMER_ACCOUNT, shop.default_customer_account, f"{where}.default_customer_account")
    for company, account in shop.company_accounts.items():
        yield Lookup(CUSTOMER_ACCOUNT, account, f"{where}.company_accounts.{company}")
    for currency, accounts in shop.accounts.items():
        for name in ("bank", "clearing", "fees", "suspense"):
            code = getattr(accounts, name)
            if code:
                yield Lookup(NOMINAL_CODE, code, f"{where}.accounts.{currency}.{name}")
        for category, code in accounts.payouts.items():
            yield Lookup(NOMINAL_CODE, code, f"{where}.accounts.{currency}.payouts.{category}")
    lookups = settings.lookups_for(shop)
    section = f"{where}.lookups" if shop.lookups is not None else "lookups"
    for rate, code in lookups.tax_codes.items():
        yield Lookup(TAX_CODE, code, f"{section}.tax_codes.{rate!r}")
    for courier in lookups.carriers:
        yield Lookup(CARRIER, courier, f"{section}.carriers")
    if shop.gift_card_sku:
        yield Lookup(ITEM, shop.gift_card_sku, f"{where}.gift_card_sku")


def _erp_lookups(settings: Settings) -> Iterator[Lookup]:
    """Codes in the ERP's own section: Prima's carriage product (shipping posts as a line on it)."""
    prima = settings.erp.prima if settings.erp is not None else None
    if prima is not None and prima.carriage_product:
        yield Lookup(ITEM, prima.carriage_product, "erp.prima.carriage_product")


def config_lookups(settings: Settings) -> list[Lookup]:
    """Every ERP code the configuration names, once per (kind, code, key)."""
    found: list[Lookup] = []
    for shop in settings.shops:
        found.extend(_shop_lookups(settings, shop))
    for code in settings.prices.lists:
        found.append(Lookup(PRICE_LIST, code, f"prices.lists.{code}"))
    found.extend(_erp_lookups(settings))
    return list(dict.fromkeys(found))


def check_lookups(port: ErpPort, lookups: list[Lookup]) -> list[LookupResult]:
    price_lists: set[str] | None = None
    asker: Any = getattr(port, "lookup_exists", None)
    results: list[LookupResult] = []
    for lookup in lookups:
        if lookup.kind == PRICE_LIST:
            if price_lists is None:
                price_lists = {pl.code for pl in port.price_lists()}
            exists: bool | None = lookup.code in price_lists
        elif lookup.kind == ITEM:
            exists = _item_exists(port, lookup.code)
        else:
            exists = _ask(asker, lookup)
        results.append(_result(port, lookup, exists))
    return results


def _item_exists(port: ErpPort, code: str) -> bool | None:
    """Through ``get_items``, the read the order flow makes of every SKU before it posts."""
    try:
        return code in port.get_items([code])
    except ShopbridgeError:
        return None


def _ask(asker: Any, lookup: Lookup) -> bool | None:
    if asker is None:
        return None
    try:
        answer = asker(lookup.kind, lookup.code)
    except ShopbridgeError:
        return None
    return None if answer is None else bool(answer)


def _result(port: ErpPort, lookup: Lookup, exists: bool | None) -> LookupResult:
    if exists is None:
        return LookupResult(lookup, NOT_CHECKABLE, f"{port.vendor} cannot be asked about {lookup.kind}s")
    if exists:
        return LookupResult(lookup, FOUND)
    fix = f"create {lookup.kind.replace('_', ' ')} {lookup.code!r} in {port.vendor}, or change {lookup.key}"
    return LookupResult(lookup, MISSING, fix)
