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

from shopbridge.demo.erp_base import DemoErp
from shopbridge.demo.erps import PrimaErp, SageErp, SysproErp
from shopbridge.demo.trade_list import LIST_CODES, TITLE, TRYTON_TRADE, tryton_list_price
from shopbridge.engine import queue
from shopbridge.ports.erp import ErpPort
from shopbridge.sandbox.sage200.state import set_price
from shopbridge.sandbox.shopify.server import SandboxServer

if TYPE_CHECKING:
    from shopbridge.demo.stack import DemoStack

__all__ = ["change_price", "count_synced", "run"]

KIND = "sweep.price_lists"
CHANGED_SKU = "TEE-M"  # its trade price changes during the day


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
    tryton_list_price(erp, CHANGED_SKU, new)
    return new


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
