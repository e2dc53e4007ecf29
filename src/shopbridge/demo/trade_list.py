"""The demo's B2B trade list before the day starts: the trade customer's company in the Shopify
sandbox, each ERP's trade list mapped to it in the configuration (Sage 200's TRADE price band,
Tryton's "Trade" price list, SYSPRO's price code A, Prima's TRADE list).

The stack writes this into its configuration; ``prices_day`` changes a price during the day and
counts what Shopify shows.
"""

from __future__ import annotations

from decimal import Decimal

from shopbridge.demo.erp_base import DemoErp
from shopbridge.sandbox.shopify.resolvers.b2b import add_company
from shopbridge.sandbox.shopify.server import SandboxServer

__all__ = ["LIST_CODES", "TITLE", "TRYTON_TRADE", "config", "prepare", "tryton_list_price"]

LIST_CODES = {"sage200": "TRADE", "tryton": "Trade", "syspro": "A", "prima": "TRADE"}
TITLE = "Trade (ERP)"
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
            tryton_list_price(erp, sku, price)
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


def tryton_list_price(erp: DemoErp, sku: str, price: Decimal) -> None:
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
