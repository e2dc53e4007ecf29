"""``shopbridge import orders --since D``: bring historic Shopify orders in, as links or as posts.

Each order created since ``D`` is looked up in the ERP by its name (the reference every ERP order
shopbridge posts carries, ``ErpPort.find_sales_order``). One the ERP has is linked exactly as the order
flow links a posted order (entity ``order``: shopify_id = order GID, erp_id and erp_reference = the
ERP's id and number), with a trail entry, so refunds, fulfilments and reconciliation find it. The
order's sync record is left alone: should a webhook for it ever arrive, the order flow looks the
reference up before creating and records it as existing, so linking never causes a second ERP order.

An order the ERP lacks is only counted, unless the caller posts the missing ones: then each is handed
to ``enqueue``, which puts it on the normal order flow (exactly once, quarantine, problems apply).
A second run changes nothing: linked orders are counted as already linked, and an order version
already enqueued is not enqueued again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from shopbridge.domain.order_reference import erp_reference
from shopbridge.ports.erp import ErpPort
from shopbridge.ports.shopify import OrderHeader
from shopbridge.ports.store import UnitOfWork

__all__ = ["ORDER_ENTITY", "ImportReport", "link_orders", "post_missing"]

ORDER_ENTITY = "order"  # the order flow's link entity (flows/order_to_sales_order.ENTITY)


@dataclass
class ImportReport:
    shop: str
    orders: int = 0
    linked: int = 0
    already_linked: int = 0
    enqueued: int = 0
    already_enqueued: int = 0
    missing: list[OrderHeader] = field(default_factory=list)  # orders the ERP lacks

    def summary(self) -> dict[str, int]:
        posted = self.enqueued + self.already_enqueued
        return {
            "orders": self.orders,
            "linked": self.linked,
            "already linked": self.already_linked,
            "posted (enqueued)": self.enqueued,
            "already enqueued": self.already_enqueued,
            "missing, not posted": len(self.missing) - posted,
        }


def link_orders(
    shop: str,
    orders: Iterable[OrderHeader],
    erp: ErpPort,
    uow: UnitOfWork,
    *,
    advance: Callable[[int], None] = lambda n: None,
    reference_prefix: str = "",
) -> ImportReport:
    """Link every order the ERP already has; list the ones it lacks in ``report.missing``.

    ``reference_prefix`` is the shop's ``order_reference_prefix``: the ERP knows the order by it
    and the order name (``domain/order_reference.py``)."""
    report = ImportReport(shop)
    for order in orders:
        report.orders += 1
        _link_one(shop, order, erp, uow, report, reference_prefix)
        advance(1)
    return report


def _link_one(
    shop: str, order: OrderHeader, erp: ErpPort, uow: UnitOfWork, report: ImportReport, prefix: str
) -> None:
    with uow.begin() as tx:
        if tx.find_link(ORDER_ENTITY, shop, order.shopify_id) is not None:
            report.already_linked += 1
            return
    erp_order = erp.find_sales_order(erp_reference(prefix, order.name))
    if erp_order is None:
        report.missing.append(order)
        return
    number = erp_order.erp_number or erp_order.erp_id
    with uow.begin() as tx:
        tx.link(ORDER_ENTITY, shop, order.shopify_id, erp_order.erp_id, number)
        detail = {"erp_id": erp_order.erp_id, "erp_number": number, "source": "import"}
        tx.add_trail(shop, order.shopify_id, "linked", detail)
    report.linked += 1


def post_missing(
    report: ImportReport,
    enqueue: Callable[[OrderHeader], bool],
    *,
    advance: Callable[[int], None] = lambda n: None,
) -> None:
    """Hand each missing order to ``enqueue`` (True: a new job; False: that version was enqueued before)."""
    for order in report.missing:
        if enqueue(order):
            report.enqueued += 1
        else:
            report.already_enqueued += 1
        advance(1)
