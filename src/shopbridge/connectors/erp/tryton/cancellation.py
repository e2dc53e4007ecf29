"""Cancelling a Tryton sale from shopbridge.

Tryton processes a sale as soon as it is confirmed: it has a customer shipment and an invoice, and
its workflow has no way back to "cancelled". So we do what a Tryton user does: cancel the shipment
and the (unposted) invoice, then answer the two exception wizards the sale raises by ignoring the
cancelled moves and invoices. The sale ends ``done`` with nothing shipped and nothing invoiced, which
we read back as cancelled. A sale already shipped or invoiced-and-posted needs a person (refund it).
"""

from __future__ import annotations

from typing import Any

from shopbridge.connectors.erp.tryton import translate as tr
from shopbridge.connectors.erp.tryton.lookups import Lookups
from shopbridge.domain.records import SalesOrderStatus
from shopbridge.errors import NeedsPerson
from shopbridge.ports.erp import PostedDocument

_EXCEPTIONS = (
    ("sale.handle.shipment.exception", "moves"),
    ("sale.handle.invoice.exception", "invoices"),
)


def cancel_sale(look: Lookups, sale: dict[str, Any], reason: str) -> PostedDocument:
    sale_id = int(sale["id"])
    posted = PostedDocument(str(sale_id), str(sale.get("number") or ""))
    if tr.order_status(sale) == SalesOrderStatus.CANCELLED:
        return PostedDocument(posted.erp_id, posted.number, existed=True)
    if sale.get("state") in ("draft", "quotation", "confirmed"):
        _cancel_unprocessed(look, sale_id, str(sale.get("state")))
        return posted
    _refuse_if_past_cancelling(look, sale)
    if reason:
        look.rpc.model("sale.sale", "write", [sale_id], {"comment": f"Cancelled in Shopify: {reason}"})
    _cancel_documents(look, sale)
    look.rpc.model("sale.sale", "process", [sale_id])
    for wizard, kind in _EXCEPTIONS:
        _ignore_all(look, wizard, kind, sale_id)
    look.rpc.model("sale.sale", "process", [sale_id])
    return posted


def _cancel_unprocessed(look: Lookups, sale_id: int, state: str) -> None:
    if state == "confirmed":
        look.rpc.model("sale.sale", "draft", [sale_id])
    look.rpc.model("sale.sale", "cancel", [sale_id])


def _refuse_if_past_cancelling(look: Lookups, sale: dict[str, Any]) -> None:
    reference = sale.get("reference")
    if sale.get("shipment_state") in ("sent", "partially shipped"):
        raise NeedsPerson(f"Tryton sale {reference} has already shipped; refund the order instead")
    posted = look.search_read(
        "account.invoice", [("sales", "in", [int(sale["id"])]), ("state", "in", ["posted", "paid"])], ["id"]
    )
    if posted:
        raise NeedsPerson(f"Tryton sale {reference} has a posted invoice; credit it rather than cancel")


def _cancel_documents(look: Lookups, sale: dict[str, Any]) -> None:
    sale_id = int(sale["id"])
    shipments = look.search_read(
        "stock.shipment.out",
        [("id", "in", list(sale.get("shipments") or [])), ("state", "not in", ["done", "cancelled"])],
        ["id"],
    )
    if shipments:
        look.rpc.model("stock.shipment.out", "cancel", [int(s["id"]) for s in shipments])
    invoices = look.search_read(
        "account.invoice", [("sales", "in", [sale_id]), ("state", "in", ["draft", "validated"])], ["id"]
    )
    if invoices:
        look.rpc.model("account.invoice", "cancel", [int(i["id"]) for i in invoices])


def _ignore_all(look: Lookups, wizard: str, kind: str, sale_id: int) -> None:
    """Run one exception wizard: ignore every cancelled move (or invoice) it offers, recreate none."""
    context = {**look.rpc.context, "active_model": "sale.sale", "active_id": sale_id, "active_ids": [sale_id]}
    session, start, _end = look.rpc.call(f"wizard.{wizard}.create", context)
    try:
        shown = look.rpc.call(f"wizard.{wizard}.execute", session, {}, start, context)
        offered = shown["view"]["defaults"].get(f"domain_{kind}", [])
        if offered:
            answer = {f"domain_{kind}": offered, f"ignore_{kind}": offered, f"recreate_{kind}": []}
            look.rpc.call(f"wizard.{wizard}.execute", session, {start: answer}, "handle", context)
    finally:
        look.rpc.call(f"wizard.{wizard}.delete", session, context)
