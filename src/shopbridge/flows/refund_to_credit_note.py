"""Shopify refunds become ERP credit notes against the original order, exactly once per refund.

``refunds/create`` and the refunds sweep (``[schedules] refunds``) both enqueue the same job for the
refund's *order*: it reads every refund of the order and credits those not yet credited. The job runs
under the order's entity key, so it never runs beside the order's own jobs.

**Exactly once.** Each credit note is linked to its refund (links entity ``credit_note``), and the
link is looked up before every create; the ERP port's ``create_credit_note`` is idempotent on the
refund's id too, so a retry after a timeout finds the credit note the ERP did make.

**Before the order is in the ERP.** A refund of an order not yet posted waits: the job notes it on the
order's trail and ends. When the order flow posts a refunded order it enqueues this job
(:func:`after_order_posted`), and the sweep re-reads refunded orders anyway, so the refund is never
lost and never reaches the ERP before its order.

**No credit-note path.** An ERP with neither ``CREDIT_NOTE`` nor ``RETURN_ORDER`` gets nothing;
finance gets one ``credit_note_manual`` problem per refund with the figures ready to key (lines, tax,
total) and the same as CSV in its details.

**No exact credit note.** An ERP whose credit-note format cannot carry a refund to the penny (its
adapter offers :class:`~shopbridge.ports.erp.ErpCreditExactness` and names the gap: e.g. SYSPRO
cannot set Shopify's tax on shipping) is not given an inexact note: finance gets the same
``credit_note_manual`` problem, with the figures to key and the ERP order's number, and the refund
is marked handled by hand so later jobs and sweeps do not try it again.

**Restock** (``domain/credit_notes.py`` decides what comes back): an ERP
with ``CREDIT_NOTE_RESTOCK`` or ``RETURN_ORDER`` restocks with the credit note; otherwise operations
get a ``restock_task`` problem listing SKU, quantity and warehouse.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from shopbridge.domain.credit_notes import (
    MappedRefund,
    RefundRules,
    RefundUnmappable,
    map_refund,
    part_of_cancel,
    restock_rows,
)
from shopbridge.domain.order_reference import erp_reference
from shopbridge.domain.order_sync import OrderSync, SyncStatus
from shopbridge.domain.problems import ProblemKind, ProblemReport
from shopbridge.domain.records import BundleComponent, CreditNote, Order, Refund
from shopbridge.engine.job import Job
from shopbridge.errors import NeedsPerson
from shopbridge.flows.order_settings import rules_for
from shopbridge.flows.spec import Flow, FlowContext
from shopbridge.ports.erp import Capability, ErpCreditExactness
from shopbridge.ports.store import Transaction

__all__ = ["FLOW", "KIND", "SWEEP", "after_order_posted", "credit_note_csv", "enqueue_refunds"]

KIND = "shopify.refunds"
TOPICS = ("refunds/create",)
LINK = "credit_note"  # links: refund GID -> ERP credit note
MANUAL_LINK = "credit_note_manual"  # links: refund GID -> the refund itself, once finance was told
ENTITY = "refund"  # problems concern the refund, by its GID
_POSTED = (SyncStatus.POSTED, SyncStatus.MANUAL)
_RESTOCKS = (Capability.CREDIT_NOTE_RESTOCK, Capability.RETURN_ORDER)
_REFUNDED = ("partially_refunded", "refunded")
_NOTHING_TO_CREDIT = {
    SyncStatus.SKIPPED: "the order was never posted to the ERP (skipped), so there is nothing to credit",
    SyncStatus.CANCELLED: "the ERP order was cancelled, so nothing was invoiced to credit",
}


def handle(job: Job, ctx: FlowContext) -> None:
    """Credit every refund of the job's order that has no credit note yet."""
    order_id = str(job.payload.get("order_id") or job.payload.get("shopify_id") or "")
    refunds = ctx.shopify.order_refunds(order_id)
    with ctx.uow.begin() as tx:
        sync = tx.order_sync(ctx.shop.name, order_id)
        pending = [r for r in refunds if not _done(tx, ctx.shop.name, r.shopify_id)]
    if not pending:
        return
    if sync is None or sync.status not in _POSTED or not sync.erp_number:
        _wait_or_skip(ctx, order_id, sync, pending)
        return
    pending = _not_of_cancel(ctx, order_id, pending)
    for refund in pending:
        _credit(refund, sync.erp_number, ctx)


def _not_of_cancel(ctx: FlowContext, order_id: str, pending: list[Refund]) -> list[Refund]:
    """The refunds to credit: not those of the order's cancel (the order job cancels the ERP order;
    its refund can arrive first). Read the order only when it may matter."""
    order = ctx.shopify.order(order_id)
    cancelled_at = order.cancelled_at if order is not None else None
    of_cancel = [r for r in pending if part_of_cancel(r, cancelled_at)]
    if of_cancel:
        reason = "the refund of the order's cancel: the ERP order is cancelled instead"
        detail = {"refunds": [r.shopify_id for r in of_cancel], "reason": reason}
        with ctx.uow.begin() as tx:
            tx.add_trail(ctx.shop.name, order_id, "refund_not_credited", detail)
    return [r for r in pending if r not in of_cancel]


def enqueue_refunds(tx: Transaction, shop: str, order_id: str, *, source: str, dedup: str) -> None:
    """The refunds job of one order, under the order's entity key (after the order's own jobs)."""
    tx.enqueue(
        KIND,
        {"order_id": order_id, "source": source, "topic": source},
        entity_key=f"order:{shop}:{order_id.rsplit('/', 1)[-1]}",
        dedup_key=f"refunds:{shop}:{order_id}:{dedup}",
        shop=shop,
    )


def after_order_posted(tx: Transaction, order: Order, ctx: FlowContext) -> None:
    """The order flow's hook: a refunded order just posted gets its refunds credited now (when the
    refunds flow is on: a job no handler takes would wait forever)."""
    if ctx.settings.flows.refunds and order.financial_status.value in _REFUNDED:
        enqueue_refunds(tx, ctx.shop.name, order.shopify_id, source="order_posted", dedup="posted")


# -- one refund --------------------------------------------------------------------------------


def _credit(refund: Refund, erp_order: str, ctx: FlowContext) -> None:
    try:
        mapped = _mapped(refund, ctx)
    except RefundUnmappable as exc:
        _unmappable(refund, exc, ctx)
        return
    if not {Capability.CREDIT_NOTE, Capability.RETURN_ORDER} & ctx.erp.capabilities:
        _manual(refund, mapped, erp_order, f"{ctx.erp.vendor} has no credit-note API", ctx)
        return
    gap = _inexact(mapped.note, ctx)
    if gap:
        _manual(refund, mapped, erp_order, f"{ctx.erp.vendor} cannot post it exactly ({gap})", ctx)
        return
    erp_restocks = _erp_restocks(ctx)
    posted = ctx.erp.create_credit_note(mapped.note)
    with ctx.uow.begin() as tx:
        tx.link(LINK, ctx.shop.name, refund.shopify_id, posted.erp_id, posted.number or posted.erp_id)
        tx.add_trail(ctx.shop.name, refund.order_id, "credited", _credited(refund, mapped, posted.existed))
        tx.resolve_problems(ProblemKind.REFUND_UNMAPPABLE, ENTITY, refund.shopify_id, ctx.shop.name)
        if mapped.restocks and not erp_restocks:
            tx.report_problem(_restock_task(refund, mapped, ctx))
            tx.add_trail(
                ctx.shop.name, refund.order_id, "restock_task", {"rows": restock_rows(mapped.restocks)}
            )


def _inexact(note: CreditNote, ctx: FlowContext) -> str:
    """What the ERP's credit-note format cannot carry of ``note`` exactly; "" when it can."""
    return ctx.erp.credit_note_gap(note) if isinstance(ctx.erp, ErpCreditExactness) else ""


def _erp_restocks(ctx: FlowContext) -> bool:
    return any(capability in ctx.erp.capabilities for capability in _RESTOCKS)


def _mapped(refund: Refund, ctx: FlowContext) -> MappedRefund:
    erp_order = ctx.erp.find_sales_order(erp_reference(ctx.shop.order_reference_prefix, refund.order_name))
    if erp_order is None:
        raise NeedsPerson(
            f"refund {refund.shopify_id}: the ERP has no order {refund.order_name} to credit, "
            "though shopbridge posted it",
            kind=ProblemKind.REFUND_UNMAPPABLE,
            details={"entity_type": ENTITY, "entity_id": refund.shopify_id, "order": refund.order_name},
        )
    return map_refund(refund, erp_order.lines, _rules(refund, ctx))


def _rules(refund: Refund, ctx: FlowContext) -> RefundRules:
    order_rules = rules_for(ctx.settings, ctx.shop)
    return RefundRules(
        bundles={**_kits(refund, set(order_rules.bundles), ctx), **order_rules.bundles},
        saleable_return_locations=frozenset(ctx.shop.saleable_return_locations),
        warehouses=order_rules.warehouses,
        default_warehouse=order_rules.default_warehouse,
        order_reference_prefix=order_rules.reference_prefix,
    )


def _kits(refund: Refund, configured: set[str], ctx: FlowContext) -> dict[str, tuple[BundleComponent, ...]]:
    """Bundles the ERP holds as kits, for refunded SKUs the configuration does not define."""
    if Capability.KITS not in ctx.erp.capabilities:
        return {}
    asked = sorted({ln.sku for ln in refund.lines if ln.sku and ln.sku not in configured})
    items = ctx.erp.get_items(asked) if asked else {}
    return {sku: item.components for sku, item in items.items() if item.is_kit and item.components}


def _done(tx: Transaction, shop: str, refund_id: str) -> bool:
    return bool(tx.linked_erp_id(LINK, shop, refund_id) or tx.linked_erp_id(MANUAL_LINK, shop, refund_id))


# -- waiting, refusing, telling people ---------------------------------------------------------


def _wait_or_skip(ctx: FlowContext, order_id: str, sync: OrderSync | None, pending: list[Refund]) -> None:
    ids = [r.shopify_id for r in pending]
    with ctx.uow.begin() as tx:
        if sync is not None and sync.status in _NOTHING_TO_CREDIT:
            reason = _NOTHING_TO_CREDIT[sync.status]
            tx.add_trail(ctx.shop.name, order_id, "refund_not_credited", {"refunds": ids, "reason": reason})
            return
        status = sync.status.value if sync else "unseen"
        detail = {"refunds": ids, "order_status": status, "reason": "the order is not in the ERP yet"}
        tx.add_trail(ctx.shop.name, order_id, "refund_waiting", detail)


def _unmappable(refund: Refund, exc: RefundUnmappable, ctx: FlowContext) -> None:
    report = ProblemReport(
        kind=ProblemKind.REFUND_UNMAPPABLE,
        entity_type=ENTITY,
        entity_id=refund.shopify_id,
        message=f"refund {refund.shopify_id} on {refund.order_name} is not credited: {exc.reason}",
        resolution=exc.fix,
        details={"order": refund.order_name, "code": exc.code, **_figures_of_refund(refund)},
        shop=ctx.shop.name,
    )
    with ctx.uow.begin() as tx:
        tx.report_problem(report)
        tx.add_trail(
            ctx.shop.name,
            refund.order_id,
            "refund_unmappable",
            {"refund": refund.shopify_id, "code": exc.code},
        )


def _manual(refund: Refund, mapped: MappedRefund, erp_order: str, why: str, ctx: FlowContext) -> None:
    """No (exact) credit-note path: finance keys the note from the figures, once per refund.

    The ``credit_note_manual`` link marks the refund handled by hand, so no later job posts it. Goods
    that come back still need booking in where the ERP cannot restock through its API.
    """
    note = mapped.note
    report = ProblemReport(
        kind=ProblemKind.CREDIT_NOTE_MANUAL,
        entity_type=ENTITY,
        entity_id=refund.shopify_id,
        message=(
            f"refund {refund.shopify_id} on {refund.order_name}: {why}. Key a credit note of "
            f"{note.total.rounded()} against ERP order {erp_order} ({refund.order_name}) from the "
            "figures (details: lines, shipping, adjustment, net, tax, total, csv), then resolve this problem."
        ),
        details={
            "order": refund.order_name,
            "erp_order": erp_order,
            "reason": why,
            **_figures(note),
            "restock": restock_rows(mapped.restocks),
            "csv": credit_note_csv(note),
        },
        shop=ctx.shop.name,
    )
    with ctx.uow.begin() as tx:
        tx.report_problem(report)
        tx.link(MANUAL_LINK, ctx.shop.name, refund.shopify_id, refund.shopify_id, refund.order_name)
        tx.add_trail(
            ctx.shop.name, refund.order_id, "credit_note_manual", {"refund": refund.shopify_id, "reason": why}
        )
        if mapped.restocks and not _erp_restocks(ctx):
            tx.report_problem(_restock_task(refund, mapped, ctx))


def _restock_task(refund: Refund, mapped: MappedRefund, ctx: FlowContext) -> ProblemReport:
    rows = restock_rows(mapped.restocks)
    listing = "; ".join(
        f"{r['sku']} x{r['quantity']} into {r['warehouse'] or 'the default warehouse'}" for r in rows
    )
    return ProblemReport(
        kind=ProblemKind.RESTOCK_TASK,
        entity_type=ENTITY,
        entity_id=refund.shopify_id,
        message=(
            f"returned goods of {refund.order_name} (refund {refund.shopify_id}) go back on the shelf: "
            f"{listing}. {ctx.erp.vendor} cannot restock through its API; book the stock in, then "
            "resolve this problem."
        ),
        details={"order": refund.order_name, "rows": rows},
        shop=ctx.shop.name,
    )


# -- figures -----------------------------------------------------------------------------------


def credit_note_csv(note: CreditNote) -> str:
    """The credit note as CSV: one row per line, then shipping, adjustment and the total."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["order", "refund", "kind", "sku", "quantity", "net", "tax", "gross", "currency"])
    head = [note.order_reference, note.refund_reference]
    for ln in note.lines:
        row = ["line", ln.sku, ln.quantity, ln.net.rounded().amount, ln.tax.rounded().amount]
        writer.writerow([*head, *row, (ln.net + ln.tax).rounded().amount, note.currency])
    extras = (
        ("shipping", note.shipping, note.shipping_tax),
        ("adjustment", note.adjustment, note.adjustment_tax),
    )
    zero = note.total - note.total
    for kind, net, tax in extras:
        if net is not None or tax is not None:
            net, tax = net or zero, tax or zero
            writer.writerow([*head, kind, "", "", net.amount, tax.amount, (net + tax).amount, note.currency])
    total_row = ["total", "", "", note.net_total.amount, note.tax_total.amount, note.total.amount]
    writer.writerow([*head, *total_row, note.currency])
    return out.getvalue()


def _figures(note: CreditNote) -> dict[str, Any]:
    return {
        "lines": [
            {"sku": ln.sku, "quantity": ln.quantity, "net": str(ln.net.amount), "tax": str(ln.tax.amount)}
            for ln in note.lines
        ],
        "shipping": str(note.shipping.amount) if note.shipping else "0",
        "shipping_tax": str(note.shipping_tax.amount) if note.shipping_tax else "0",
        "adjustment": str(note.adjustment.amount) if note.adjustment else "0",
        "adjustment_tax": str(note.adjustment_tax.amount) if note.adjustment_tax else "0",
        "net": str(note.net_total.amount),
        "tax": str(note.tax_total.amount),
        "total": str(note.total.amount),
        "currency": note.currency,
    }


def _figures_of_refund(refund: Refund) -> dict[str, Any]:
    lines = [
        {"sku": ln.sku, "quantity": ln.quantity, "subtotal": str(ln.subtotal.amount)} for ln in refund.lines
    ]
    return {"lines": lines, "total": str(refund.total.amount) if refund.total else ""}


def _credited(refund: Refund, mapped: MappedRefund, existed: bool) -> Mapping[str, Any]:
    note = mapped.note
    return {
        "refund": refund.shopify_id,
        "existed": existed,
        "lines": len(note.lines),
        "net": str(note.net_total.amount),
        "tax": str(note.tax_total.amount),
        "total": str(note.total.amount),
        "restock": restock_rows(mapped.restocks),
    }


# -- the sweep behind the webhook -------------------------------------------------------------

SCHEDULE = "refunds"
SWEEP_KIND = f"sweep.{SCHEDULE}"


def sweep(job: Job, ctx: FlowContext) -> None:
    """Enqueue the refunds job of each order with refunds updated since the watermark (with overlap).

    The scheduler's job names no shop: with several shops it becomes one sweep job per shop.
    """
    if not job.shop and len(ctx.settings.shops) > 1:
        _sweep_each_shop(ctx)
        return
    cursor_name = f"shopify.refunds.updated_at:{ctx.shop.name}"
    started = ctx.clock.now()
    with ctx.uow.begin() as tx:
        watermark = tx.cursor(cursor_name)
    overlap = timedelta(seconds=ctx.settings.schedules.order_sweep_overlap)
    since = (datetime.fromisoformat(watermark) if watermark else started) - overlap
    found = ctx.shopify.refunded_orders_since(since)
    with ctx.uow.begin() as tx:
        for order in found:
            enqueue_refunds(tx, ctx.shop.name, order.order_id, source="sweep", dedup="sweep")
        tx.set_cursor(cursor_name, started.isoformat())


def _sweep_each_shop(ctx: FlowContext) -> None:
    with ctx.uow.begin() as tx:
        for shop in ctx.settings.shops:
            key = f"{SWEEP_KIND}:{shop.name}"
            tx.enqueue(SWEEP_KIND, {"shop": shop.name}, entity_key=key, dedup_key=key, shop=shop.name)


FLOW = Flow(switch="refunds", kind=KIND, handle=handle, topics=TOPICS)
SWEEP = Flow(switch="refunds", kind=SWEEP_KIND, handle=sweep, schedule=SCHEDULE)
