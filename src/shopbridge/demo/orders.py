"""The demo's order check, read from the sandboxes' own state rather than from shopbridge's counters.

Shopify's side is the Shopify sandbox's orders as sold (edits applied; refunds are credit notes, not
changes of the sales order);
the ERP's side is the ERP sandbox's own sales orders, by the reference the adapter writes (the
Shopify order name: Sage 200's ``customer_document_no``, SYSPRO's ``CustomerPoNumber``, Prima's
``CustomerRef``, Tryton's ``sale.sale`` reference). Where the ERP keeps no tax on a sales order
(SYSPRO) only the net is compared; where it works tax out itself (Tryton) the difference is listed.
Only ``quarantined``, ``released``, ``amended`` and
``after_cutoff_problems`` come from shopbridge's own store (its trail and problems tables): the ERP
keeps no record of why an order arrived late or was not amended.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from shopbridge.demo.erp_base import DemoErp, ErpOrder
from shopbridge.sandbox.shopify import order_figures as fig
from shopbridge.sandbox.shopify.state import ShopState

# The order trigger "paid": paid in full, refunds later or not. A paid order edited to cost more is
# PARTIALLY_PAID until the balance is paid, and waits for it like any unpaid order.
PAID = frozenset({"PAID", "PARTIALLY_REFUNDED", "REFUNDED"})
PENNY = Decimal("0.01")


def sources(erp: DemoErp) -> dict[str, str]:
    return {
        "in_shopify": "Shopify sandbox orders",
        "qualifying": "Shopify sandbox: paid, not test, not cancelled before posting, something left to post",
        "in_erp": f"{erp.title} sales orders by reference",
        "duplicates_in_erp": f"{erp.title} sales orders by reference",
        "totals_differ": f"{erp.totals_source} vs Shopify sandbox totals as sold (edits, not refunds)",
        "cancelled_in_erp": f"{erp.title} sales orders",
        **_STORE_SOURCES,
    }


_STORE_SOURCES = {
    "quarantined": "shopbridge trail",
    "released": "shopbridge trail",
    "amended": "shopbridge trail",
    "after_cutoff_problems": "shopbridge problems",
}


def qualifies(order: dict[str, Any], cancelled_after_posting: Iterable[str]) -> bool:
    """Should this Shopify order be in the ERP, judged from the Shopify sandbox alone?"""
    if order.get("test"):
        return False
    if order["name"] in set(cancelled_after_posting):
        return True
    if order.get("cancelled_at"):
        return False
    if fig.financial_status(order) not in PAID:
        return False
    return any(fig.sold_quantity(line) > 0 for line in order["line_items"])


def shopify_totals(order: dict[str, Any]) -> tuple[Decimal, Decimal, Decimal]:
    totals = fig.sold_totals(order)  # what the sales order must carry: refunds are credit notes
    gross, tax = Decimal(totals.total.shop), Decimal(totals.tax.shop)
    return (gross - tax).quantize(PENNY), tax.quantize(PENNY), gross.quantize(PENNY)


def erp_totals(record: ErpOrder) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    return tuple(  # type: ignore[return-value]
        None if v is None else v.quantize(PENNY) for v in (record.net, record.tax, record.gross)
    )


def _differs(want: tuple[Decimal, Decimal, Decimal], got: tuple[Decimal | None, ...]) -> bool:
    """Compared figure by figure, skipping those the ERP does not keep."""
    return any(g is not None and g != w for w, g in zip(want, got, strict=True))


def order_check(
    shop: ShopState,
    erp: DemoErp,
    conn: sa.Connection,
    *,
    cancelled_after_posting: Iterable[str] = (),
) -> dict[str, Any]:
    cancelled = set(cancelled_after_posting)
    with shop.lock:
        orders = sorted(shop.orders.values(), key=lambda o: str(o["name"]))
        qualifying = [o for o in orders if qualifies(o, cancelled)]
        expected = {o["name"]: shopify_totals(o) for o in qualifying}
        ids = {o["id"]: o["name"] for o in orders}
    erp_orders = erp.orders()
    by_reference = Counter(r.reference for r in erp_orders)
    erp_by_name = {r.reference: r for r in erp_orders}
    store = _from_store(conn, ids)
    held = set(store["after_cutoff"])
    differ = []
    for name, want in expected.items():
        record = erp_by_name.get(name)
        if record is None or record.cancelled or name in held:
            continue
        got = erp_totals(record)
        if _differs(want, got):
            differ.append({"order": name, "shopify": [str(v) for v in want], "erp": [str(v) for v in got]})
    in_erp_once = [n for n in expected if by_reference.get(n) == 1]
    return {
        "erp": erp.title,
        "in_shopify": len(orders),
        "qualifying": len(qualifying),
        "in_erp": sum(1 for n in expected if by_reference.get(n)),
        "in_erp_exactly_once": len(in_erp_once),
        "missing_in_erp": sorted(n for n in expected if not by_reference.get(n)),
        "duplicates_in_erp": sum(1 for count in by_reference.values() if count > 1),
        "not_qualifying_in_erp": sorted(n for n in by_reference if n not in expected),
        "totals_differ": len(differ),
        "totals_differ_orders": differ,
        "quarantined": len(store["quarantined"]),
        "released": len(store["released"]),
        "amended": len(store["amended"]),
        "cancelled_in_erp": sum(1 for r in erp_orders if r.cancelled),
        "after_cutoff_problems": len(held),
        "after_cutoff_orders": sorted(held),
        "sources": sources(erp),
    }


def _from_store(conn: sa.Connection, names: dict[str, str]) -> dict[str, list[str]]:
    def steps(step: str) -> list[str]:
        rows = conn.execute(sa.text("SELECT DISTINCT entity_id FROM trail WHERE step = :s"), {"s": step})
        return sorted(names.get(str(r[0]), str(r[0])) for r in rows)

    problems = conn.execute(
        sa.text("SELECT DISTINCT entity_id FROM problems WHERE kind = 'amendment_after_cutoff'")
    )
    return {
        "quarantined": steps("quarantined"),
        "released": steps("released"),
        "amended": steps("amended"),
        "after_cutoff": sorted(names.get(str(r[0]), str(r[0])) for r in problems),
    }
