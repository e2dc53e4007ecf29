"""The demo's B2B price list: a trade customer's company in Shopify, the ERP's trade list mapped to
it, a price change on that list during the day, and the count of lists Shopify now prices as the
ERP does (``stock.price_lists_synced`` in the report).

Each ERP's trade list is its own: Sage 200's TRADE price band, Tryton's "Trade" price list, SYSPRO's
price code A, Prima's TRADE list. The change is made as a pricing clerk would, in the ERP sandbox's
own state (Tryton: over JSON-RPC); the count reads the Shopify sandbox's price lists, never
shopbridge's belief.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from shopbridge.demo.erps import DemoErp, PrimaErp, SageErp, SysproErp
from shopbridge.engine import queue
from shopbridge.ports.erp import ErpPort
from shopbridge.sandbox.sage200.state import set_price
from shopbridge.sandbox.shopify.resolvers.b2b import add_company
from shopbridge.sandbox.shopify.server import SandboxServer

if TYPE_CHECKING:
    from shopbridge.demo.stack import DemoStack

__all__ = ["LIST_CODES", "TITLE", "change_price", "config", "count_synced", "prepare", "run"]

LIST_CODES = {"sage200": "TRADE", "tryton": "Trade", "syspro": "A", "prima": "TRADE"}
TITLE = "Trade (ERP)"
KIND = "sweep.price_lists"
CHANGED_SKU = "TEE-M"  # its trade price changes during the day
TRYTON_TRADE = {"TEE-S": Decimal("9.00"), "TEE-M": Decimal("9.50"), "MUG-01": Decimal("6.00")}


def prepare(erp: DemoErp, shopify: SandboxServer) -> str:
    """The trade customer's company in Shopify, and the configuration mapping the list to it."""
    location = {
        "name": "Trade Buyer HQ",
        "shippingAddress": {"address1": "1 Trade Road", "countryCode": "GB"},
    }
    company = add_company(shopify.state, {"name": "Trade Buyer Ltd"}, None, location)
    if erp.vendor == "tryton":  # Tryton's seeded trade list prices its own items: price the shop's too
        for sku, price in TRYTON_TRADE.items():
            _tryton_list_price(erp, sku, price)
    return config(erp, str(company["id"]))


def config(erp: DemoErp, company_id: str) -> str:
    """``[flows] prices``, the list's mapping, and the company's ERP account (the shop's table)."""
    code = LIST_CODES[erp.vendor]
    return f"""
[flows]
prices = true

[prices.lists."{code}"]
name = "{TITLE}"
accounts = ["{erp.web_account}"]

[shops.company_accounts]
"{company_id}" = "{erp.web_account}"
"""


def change_price(erp: DemoErp) -> Decimal:
    """Lower the changed SKU's trade price by 0.50, as the ERP's pricing clerk would; the new price."""
    if isinstance(erp, SageErp):
        state = erp.sandbox.state
        with state.lock:
            product = state.product_by_code(CHANGED_SKU)
            band = state.first("price_bands", name=LIST_CODES[erp.vendor])
            assert product is not None and band is not None
            row = state.first("product_prices", product_id=product["id"], price_band_id=band["id"])
            new = Decimal(str(row["price"] if row else 0)) - Decimal("0.50")
            set_price(state, product, band, new)
        return new
    if isinstance(erp, SysproErp):
        company = erp.sandbox.state.company
        with company.lock:
            row = dict(company.table("InvPrice")[f"{CHANGED_SKU}|A"])
            new = Decimal(row["SellingPrice"]) - Decimal("0.50")
            company.put("InvPrice", f"{CHANGED_SKU}|A", {**row, "SellingPrice": str(new)})
        return new
    if isinstance(erp, PrimaErp):  # Prima's TRADE list is 90% of the product's price
        prima: Any = erp.sandbox.state.company
        with prima.lock:
            product = prima.products[CHANGED_SKU]
            lowered = dataclasses.replace(product, price=product.price - Decimal("0.50"))
            prima.products[CHANGED_SKU] = lowered
        return Decimal(lowered.price * Decimal("0.9")).quantize(Decimal("0.01"))
    new = TRYTON_TRADE[CHANGED_SKU] - Decimal("0.50")
    _tryton_list_price(erp, CHANGED_SKU, new)
    return new


def _tryton_list_price(erp: DemoErp, sku: str, price: Decimal) -> None:
    from shopbridge.demo.tryton import TrytonErp  # a real server: only loaded when asked for

    assert isinstance(erp, TrytonErp)
    call = erp._call  # the Tryton demo ERP's clerk, over JSON-RPC
    found = call("product.price_list", "search", [("name", "=", LIST_CODES["tryton"])], 0, 1, None)
    product = call("product.product", "search", [("suffix_code", "=", sku)], 0, 1, None)[0]
    domain = [("price_list", "=", found[0]), ("product", "=", product)]
    lines = call("product.price_list.line", "search", domain, 0, None, None)
    if lines:
        call("product.price_list.line", "write", lines, {"formula": str(price)})
    else:
        line = {"price_list": found[0], "product": product, "formula": str(price), "sequence": 0}
        call("product.price_list.line", "create", [line])


def count_synced(port: ErpPort, shopify: SandboxServer, codes: dict[str, str]) -> int:
    """Price lists in the Shopify sandbox whose fixed prices equal the ERP list's, SKU by SKU.

    ``codes`` maps an ERP list code to its Shopify price list's name. A list counts when every
    variant carrying one of its SKUs has exactly the ERP's price and no other fixed price exists.
    """
    erp_lists = {pl.code: pl for pl in port.price_lists()}
    state = shopify.state
    synced = 0
    with state.lock:
        skus_of = {gid: str(v.get("sku") or "") for gid, v in state.variants.items()}
        for code, name in codes.items():
            erp_list = erp_lists.get(code)
            shopify_lists = [pl for pl in state.price_lists.values() if pl["name"] == name]
            if erp_list is None or len(shopify_lists) != 1:
                continue
            wanted = {p.sku: p.price.amount for p in erp_list.prices if p.min_quantity <= 1}
            expected = {gid: wanted[sku] for gid, sku in skus_of.items() if sku in wanted}
            held = {gid: Decimal(str(p["price"])) for gid, p in shopify_lists[0]["fixed_prices"].items()}
            synced += int(bool(expected) and held == expected)
    return synced


def run(stack: DemoStack) -> dict[str, Any]:
    """Sync the trade list, change a price on it in the ERP, sweep once more; what Shopify shows."""
    services, shopify = stack.services, stack.shopify
    assert services is not None and shopify is not None
    _sweep(stack)
    new_price = change_price(stack.erp)
    _sweep(stack)
    codes = {LIST_CODES[stack.erp.vendor]: TITLE}
    return {
        "price_lists_synced": count_synced(services.erp, shopify, codes),
        "price_change": {"sku": CHANGED_SKU, "price": str(new_price)},
    }


def _sweep(stack: DemoStack) -> None:
    services = stack.services
    assert services is not None
    with services.store.begin() as conn:  # the schedule's own key: never two sweeps at once
        queue.enqueue(conn, KIND, {}, dedup_key=KIND, now=services.clock.now())
    stack.wait_until_idle()
