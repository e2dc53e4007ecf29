"""Shopify orders become ERP sales orders, exactly once; edits and cancels follow until the cut-off.

Every order webhook (create, paid, updated, edited, cancelled), the order sweep and a release from
quarantine enqueue the same job for the order. The handler reads the order as Shopify has it now and
takes the one step that brings the ERP in line (``domain/order_sync.py``): wait, skip, create, amend,
cancel, or tell operations that the cut-off has passed. The rules it applies (qualifying, mapping,
bundles, exact money) are pure functions in ``domain/orders.py``.

**Exactly once.** The ERP order carries the Shopify order name as its reference (after the store's
``order_reference_prefix``: ``domain/order_reference.py``), and the adapter looks it up before every
create (``ErpPort.create_sales_order``); jobs of one order never run at once. So a
redelivery, a retry after a timeout, a sweep racing a webhook or two workers give one ERP order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from shopbridge.domain.money import Money, total
from shopbridge.domain.order_reference import erp_reference
from shopbridge.domain.order_sync import (
    NextStep,
    OrderSync,
    Step,
    SyncStatus,
    cutoff_passed,
    next_step,
    state_fingerprint,
)
from shopbridge.domain.order_versions import OrderVersion, order_state
from shopbridge.domain.orders import (
    MappedOrder,
    OrderRules,
    OrderUnmappable,
    erp_skus,
    map_order,
    order_fingerprint,
    plan_customer,
    qualify,
)
from shopbridge.domain.problems import ProblemKind, ProblemReport
from shopbridge.domain.records import BundleComponent, Customer, Item, ItemStatus, Order
from shopbridge.engine.job import Job
from shopbridge.errors import NeedsPerson
from shopbridge.flows import refund_to_credit_note as refunds
from shopbridge.flows.order_settings import cutoff_of, rules_for
from shopbridge.flows.spec import Flow, FlowContext
from shopbridge.ports.erp import Capability, UnknownSku
from shopbridge.ports.shopify import ShopifyPort

__all__ = ["FLOW", "KIND", "TOPICS", "order_entity_key"]

KIND = "shopify.order"
TOPICS = ("orders/create", "orders/paid", "orders/updated", "orders/edited", "orders/cancelled")
ENTITY = "order"  # problems and links concern the order, by its Shopify GID


def handle(job: Job, ctx: FlowContext) -> None:
    """One job of one order: read it from Shopify, decide the step, take it."""
    order_id = str(job.payload.get("order_id") or job.payload.get("shopify_id") or "")
    if _own_write_back(job, order_id, ctx):
        return
    order = ctx.shopify.order(order_id)
    if order is None:
        _trail(ctx, order_id, "gone", {"reason": "Shopify no longer has this order"})
        return
    rules = replace(rules_for(ctx.settings, ctx.shop), limits=ctx.erp.field_limits)
    with ctx.uow.begin() as tx:
        sync = tx.order_sync(ctx.shop.name, order.shopify_id)
        if sync is None:  # seen for the first time: findable by name from now on
            sync = _sync_of(order, None, ctx, SyncStatus.WAITING)
            tx.save_order_sync(sync)
        tx.add_trail(ctx.shop.name, order.shopify_id, "received", _received(job, order))
    try:
        step = _decide(order, sync, rules, ctx)
        _STEPS[step.step](order, sync, step, rules, ctx)
    except OrderUnmappable as exc:
        raise _unmappable(order, exc) from exc
    except NeedsPerson as exc:
        exc.details.setdefault("entity_type", ENTITY)
        exc.details.setdefault("entity_id", order.shopify_id)
        exc.details.setdefault("order", order.name)
        raise


def _own_write_back(job: Job, order_id: str, ctx: FlowContext) -> bool:
    """True (and on the trail) for the job of the version shopbridge's own tag produced: its webhook
    came before the version was marked known (``_write_back``), and there is nothing new to read.
    Only an ``orders/updated`` can be one: other jobs go straight to the read."""
    version = job.payload.get("version")
    if not version or job.payload.get("topic") != "orders/updated":
        return False
    with ctx.uow.begin() as tx:
        sync = tx.order_sync(ctx.shop.name, order_id)
        if sync is None or sync.written_version != version:
            return False
        tx.add_trail(ctx.shop.name, order_id, "unchanged", {"reason": "shopbridge's own write-back"})
    return True


def order_entity_key(shop: str, order_id: str) -> str:
    """The queue's entity key of an order: its jobs run one at a time, in order."""
    return f"order:{shop}:{order_id.rsplit('/', 1)[-1]}"


# -- deciding ----------------------------------------------------------------------------------


def _decide(order: Order, sync: OrderSync | None, rules: OrderRules, ctx: FlowContext) -> NextStep:
    verdict = qualify(order, rules)
    fingerprint = None
    if sync is not None and sync.status in (SyncStatus.POSTED, SyncStatus.MANUAL):
        fingerprint = _state_fingerprint(order, rules, sync, ctx)
    return next_step(
        order,
        sync,
        qualifies=verdict.qualifies,
        skip=verdict.skip,
        reason=verdict.reason,
        fingerprint=fingerprint,
    )


def _state_fingerprint(order: Order, rules: OrderRules, sync: OrderSync, ctx: FlowContext) -> str:
    """What the ERP order must hold now. A cancelled order keeps the content last sent: there is
    nothing left to map (Shopify zeroes a cancelled order's quantities), and only the cancel counts."""
    if order.cancelled_at is not None:
        return state_fingerprint(sync.fingerprint.removesuffix("+cancelled"), cancelled=True)
    content = order_fingerprint(_mapped(order, rules, sync.customer_account, ctx).request)
    return state_fingerprint(content, cancelled=False)


def _mapped(order: Order, rules: OrderRules, account: str, ctx: FlowContext) -> MappedOrder:
    return map_order(order, rules, customer_account=account, kits=_kits(order, rules, ctx))


def _kits(order: Order, rules: OrderRules, ctx: FlowContext) -> dict[str, tuple[BundleComponent, ...]]:
    """Bundle definitions the ERP holds as kits, for the order's SKUs that config does not define."""
    if Capability.KITS not in ctx.erp.capabilities:
        return {}
    asked = sorted({line.sku for line in order.lines if line.sku and line.sku not in rules.bundles})
    items = _items(ctx, asked) if asked else {}
    return {sku: item.components for sku, item in items.items() if item.is_kit and item.components}


# -- the steps ---------------------------------------------------------------------------------


def _wait(order: Order, sync: OrderSync | None, step: NextStep, rules: OrderRules, ctx: FlowContext) -> None:
    _save(ctx, _sync_of(order, sync, ctx, SyncStatus.WAITING), "waiting", {"reason": step.reason})


def _skip(order: Order, sync: OrderSync | None, step: NextStep, rules: OrderRules, ctx: FlowContext) -> None:
    _save(ctx, _sync_of(order, sync, ctx, SyncStatus.SKIPPED), "skipped", {"reason": step.reason})


def _nothing(
    order: Order, sync: OrderSync | None, step: NextStep, rules: OrderRules, ctx: FlowContext
) -> None:
    _trail(ctx, order.shopify_id, "unchanged", {"reason": step.reason})
    if sync is not None and sync.erp_number and not sync.written_back:
        _write_back(order, sync, ctx)


def _create(
    order: Order, sync: OrderSync | None, step: NextStep, rules: OrderRules, ctx: FlowContext
) -> None:
    _trail(ctx, order.shopify_id, "qualified", {"reason": step.reason})
    plan = plan_customer(order, rules)
    ambiguous = _ambiguous_skus(order, ctx)
    if ambiguous:
        _quarantine(order, sync, ambiguous, ctx, duplicate=True)
        return
    missing = _missing_skus(order, rules, ctx)
    if missing:
        _quarantine(order, sync, missing, ctx)
        return
    account = plan.account or _customer_account(order, plan.customer, ctx)
    mapped = _mapped(order, rules, account, ctx)
    _trail(ctx, order.shopify_id, "mapped", _mapping_detail(mapped, plan.via))
    if Capability.CREDIT_LIMIT_CHECK in ctx.erp.capabilities:
        ctx.erp.check_credit(account, _gross(mapped))  # over the limit: a problem for finance
    try:
        posted = ctx.erp.create_sales_order(mapped.request)
    except UnknownSku as exc:
        ctx.order_items.forget(exc.skus)
        _quarantine(order, sync, exc.skus, ctx)
        return
    except NeedsPerson:
        # The SKU check may have been answered from memory (flows/order_items.py), and an item
        # deactivated since is refused here: asked afresh, such an item quarantines the order.
        refused = _missing_now(order, rules, ctx)
        if refused:
            _quarantine(order, sync, refused, ctx)
            return
        raise
    base = _sync_of(order, sync, ctx, SyncStatus.POSTED)
    posted_sync = base.moved(
        erp_id=posted.erp_id,
        erp_number=posted.number or posted.erp_id,
        customer_account=account,
        fingerprint=state_fingerprint(order_fingerprint(mapped.request), cancelled=False),
        posted_at=ctx.clock.now(),
        missing_skus=(),
    )
    _record_posted(order, posted_sync, existed=posted.existed, ctx=ctx)
    _write_back(order, posted_sync, ctx)


def _amend(order: Order, sync: OrderSync | None, step: NextStep, rules: OrderRules, ctx: FlowContext) -> None:
    assert sync is not None
    if _after_cutoff(order, sync, step, rules, ctx, Capability.AMEND_SALES_ORDER):
        return
    mapped = _mapped(order, rules, sync.customer_account, ctx)
    try:
        ctx.erp.amend_sales_order(mapped.request)
    except NeedsPerson as exc:  # e.g. Tryton: a processed sale with no free line for a new SKU
        _manual(order, sync, f"{step.reason}, and {ctx.erp.vendor} needs a person for it: {exc}", rules, ctx)
        return
    fingerprint = state_fingerprint(order_fingerprint(mapped.request), cancelled=False)
    amended = sync.moved(fingerprint=fingerprint, amendments=sync.amendments + 1)
    _save(ctx, amended, "amended", _mapping_detail(mapped, "stored account"))


def _cancel(
    order: Order, sync: OrderSync | None, step: NextStep, rules: OrderRules, ctx: FlowContext
) -> None:
    assert sync is not None
    if _after_cutoff(order, sync, step, rules, ctx, Capability.CANCEL_SALES_ORDER):
        return
    reference = erp_reference(rules.reference_prefix, order.name)
    ctx.erp.cancel_sales_order(reference, reason="cancelled in Shopify")
    _save(ctx, sync.moved(status=SyncStatus.CANCELLED), "cancelled", {"erp_number": sync.erp_number})


def _tell_operations(
    order: Order, sync: OrderSync | None, step: NextStep, rules: OrderRules, ctx: FlowContext
) -> None:
    assert sync is not None
    _manual(order, sync, step.reason, rules, ctx)


_STEPS = {
    Step.WAIT: _wait,
    Step.SKIP: _skip,
    Step.CREATE: _create,
    Step.AMEND: _amend,
    Step.CANCEL: _cancel,
    Step.AFTER_CUTOFF: _tell_operations,
    Step.NOTHING: _nothing,
}


# -- helpers of the steps ----------------------------------------------------------------------


def _missing_skus(order: Order, rules: OrderRules, ctx: FlowContext) -> tuple[str, ...]:
    """The SKUs the ERP lacks or holds inactive (after bundles become their components)."""
    kits = _kits(order, rules, ctx)
    wanted = erp_skus(order, _with_kits(rules, kits))
    items = _items(ctx, wanted)
    return tuple(sku for sku in wanted if sku not in items or items[sku].status is not ItemStatus.ACTIVE)


def _missing_now(order: Order, rules: OrderRules, ctx: FlowContext) -> tuple[str, ...]:
    """:func:`_missing_skus` read from the ERP itself, none from the order flow's memory."""
    remembered = erp_skus(order, _with_kits(rules, _kits(order, rules, ctx)))  # kit components too
    ctx.order_items.forget([*(line.sku for line in order.lines if line.sku), *remembered])
    return _missing_skus(order, rules, ctx)


def _items(ctx: FlowContext, skus: Sequence[str]) -> dict[str, Item]:
    """The ERP's items by SKU, those checked active in the last few seconds from memory."""
    return ctx.order_items.get_items(ctx.erp, skus, ctx.clock.now())


def _ambiguous_skus(order: Order, ctx: FlowContext) -> tuple[str, ...]:
    """The order's SKUs that the last catalogue sweep found on several Shopify variants."""
    skus = sorted({line.sku for line in order.lines if line.sku})
    with ctx.uow.begin() as tx:
        return tuple(sorted(tx.duplicate_skus(ctx.shop.name, skus))) if skus else ()


def _gross(mapped: MappedOrder) -> Money:
    request = mapped.request
    lines = [line.unit_price * line.quantity + line.tax for line in request.lines]
    shipping = [amount for amount in (request.shipping, request.shipping_tax) if amount is not None]
    return total([*lines, *shipping], request.currency).rounded()


def _with_kits(rules: OrderRules, kits: Mapping[str, tuple[BundleComponent, ...]]) -> OrderRules:
    if not kits:
        return rules
    return replace(rules, bundles={**kits, **rules.bundles})


def _customer_account(order: Order, customer: Customer | None, ctx: FlowContext) -> str:
    assert customer is not None  # plan_customer sets exactly one of account and customer
    match = ctx.erp.find_or_create_customer(customer, create=ctx.shop.create_customers)
    _trail(ctx, order.shopify_id, "customer", {"account": match.account, "created": match.created})
    if match.conflicts:
        _report(
            ctx,
            order,
            ProblemKind.CUSTOMER_CONFLICT,
            _conflict_message(order, match.account, match.conflicts),
        )
    return match.account


def _conflict_message(order: Order, account: str, conflicts: tuple[str, ...]) -> str:
    fields = ", ".join(conflicts)
    return (
        f"order {order.name}: ERP customer {account} matched by email differs in {fields}; "
        "the order was posted to the ERP's account as it is"
    )


def _quarantine(
    order: Order, sync: OrderSync | None, skus: tuple[str, ...], ctx: FlowContext, *, duplicate: bool = False
) -> None:
    quarantined = _sync_of(order, sync, ctx, SyncStatus.QUARANTINED).moved(missing_skus=tuple(skus))
    kind, message = (_duplicate_message if duplicate else _unknown_message)(order, skus)
    with ctx.uow.begin() as tx:
        tx.save_order_sync(quarantined)
        detail = {"skus": list(skus), **({"reason": "duplicate_sku"} if duplicate else {})}
        tx.add_trail(ctx.shop.name, order.shopify_id, "quarantined", detail)
        tx.report_problem(_problem(ctx, order, kind, message, {"skus": list(skus)}))
        if not duplicate:  # it waited for a duplicated SKU before: that is fixed, the ERP is next
            tx.resolve_problems(ProblemKind.DUPLICATE_SKU, ENTITY, order.shopify_id, ctx.shop.name)


def _unknown_message(order: Order, skus: tuple[str, ...]) -> tuple[ProblemKind, str]:
    return ProblemKind.UNKNOWN_SKU, (
        f"order {order.name} waits for SKU(s) the ERP lacks or holds inactive: {', '.join(skus)}. "
        "Create or activate them in the ERP; the order is released by itself."
    )


def _duplicate_message(order: Order, skus: tuple[str, ...]) -> tuple[ProblemKind, str]:
    return ProblemKind.DUPLICATE_SKU, (
        f"order {order.name} sells SKU(s) found on more than one Shopify variant: {', '.join(skus)}. "
        "shopbridge does not guess which product was sold; give each variant its own SKU and the "
        "order is released by the next catalogue sweep."
    )


def _record_posted(order: Order, sync: OrderSync, *, existed: bool, ctx: FlowContext) -> None:
    """Sync record, link, trail and the release of any quarantine problem: one transaction."""
    with ctx.uow.begin() as tx:
        tx.save_order_sync(sync)
        tx.link(ENTITY, ctx.shop.name, order.shopify_id, sync.erp_id, sync.erp_number)
        detail = {"erp_id": sync.erp_id, "erp_number": sync.erp_number, "existed": existed}
        tx.add_trail(ctx.shop.name, order.shopify_id, "posted", detail)
        if tx.resolve_problems(ProblemKind.UNKNOWN_SKU, ENTITY, order.shopify_id, ctx.shop.name):
            tx.add_trail(ctx.shop.name, order.shopify_id, "released", {"skus": "now in the ERP"})
        if tx.resolve_problems(ProblemKind.DUPLICATE_SKU, ENTITY, order.shopify_id, ctx.shop.name):
            tx.add_trail(ctx.shop.name, order.shopify_id, "released", {"skus": "no longer duplicated"})
        refunds.after_order_posted(tx, order, ctx)  # refunds that waited for the order


def _write_back(order: Order, sync: OrderSync, ctx: FlowContext) -> None:
    """The ERP number onto the Shopify order (metafield and tag), then remember it was done.

    The tag is a change of the order: Shopify answers with the order's new version and sends an
    ``orders/updated`` of it. That version is marked known with the sync, so its webhook makes no job
    (``domain/order_versions.py``): a read of an order that only shopbridge changed would cost a
    third of the order's Shopify points. Should the webhook come first, its job reads the order and
    finds nothing to do, as before.
    """
    shopify: ShopifyPort = ctx.shopify
    version = shopify.record_erp_order(order.shopify_id, sync.erp_number)
    if version is not None and not _only_tagged(order, version):
        version = None  # someone else changed the order too: its version must be read
    written = sync.moved(written_back=True, written_version=version.key if version else "")
    with ctx.uow.begin() as tx:
        tx.save_order_sync(written)
        tx.add_trail(ctx.shop.name, order.shopify_id, "written_back", {"erp_number": sync.erp_number})
        if version is not None:
            tx.claim_order_version(ctx.shop.name, version)


def _only_tagged(order: Order, version: OrderVersion) -> bool:
    """Whether the version after the tag still has the payment, cancellation and total as read: a
    change by someone else between the read and the tag shows there (or in a later ``updatedAt``)."""
    total = order.total_price.amount if order.total_price is not None else None
    return version.state == order_state(order.cancelled_at, order.financial_status.value, total)


def _after_cutoff(
    order: Order, sync: OrderSync, step: NextStep, rules: OrderRules, ctx: FlowContext, needed: Capability
) -> bool:
    """True (and operations told) when the change may no longer reach the ERP by itself."""
    if needed not in ctx.erp.capabilities:
        _manual(
            order,
            sync,
            f"{step.reason}, and {ctx.erp.vendor} cannot {needed.value} through its API",
            rules,
            ctx,
        )
        return True
    erp_order = ctx.erp.find_sales_order(erp_reference(rules.reference_prefix, order.name))
    why = cutoff_passed(
        cutoff_of(ctx.shop),
        erp_status=erp_order.status if erp_order else None,
        posted_at=sync.posted_at,
        now=ctx.clock.now(),
    )
    if not why:
        return False
    _manual(order, sync, f"{step.reason} after the cut-off ({why})", rules, ctx)
    return True


def _manual(order: Order, sync: OrderSync, what: str, rules: OrderRules, ctx: FlowContext) -> None:
    cancelled = order.cancelled_at is not None
    todo = "cancel it" if cancelled else "change it to match Shopify"
    message = (
        f"order {order.name} ({sync.erp_number} in the ERP): {what}. shopbridge changed nothing in the "
        f"ERP; find {sync.erp_number} there and {todo}, then resolve this problem."
    )
    fingerprint = _state_fingerprint(order, rules, sync, ctx)
    with ctx.uow.begin() as tx:
        tx.save_order_sync(sync.moved(status=SyncStatus.MANUAL, fingerprint=fingerprint))
        tx.add_trail(ctx.shop.name, order.shopify_id, "after_cutoff", {"what": what})
        tx.report_problem(_problem(ctx, order, ProblemKind.AMENDMENT_AFTER_CUTOFF, message, {"what": what}))


def _unmappable(order: Order, exc: OrderUnmappable) -> NeedsPerson:
    return NeedsPerson(
        f"order {order.name} cannot be posted: {exc.reason}",
        kind=ProblemKind.ORDER_UNMAPPABLE,
        team=exc.team,  # bad order data is ecommerce's, a configuration gap finance's or technical's
        resolution=exc.fix,
        details={"entity_type": ENTITY, "entity_id": order.shopify_id, "order": order.name, "code": exc.code},
    )


def _sync_of(order: Order, sync: OrderSync | None, ctx: FlowContext, status: SyncStatus) -> OrderSync:
    if sync is None:
        return OrderSync(shop=ctx.shop.name, order_id=order.shopify_id, name=order.name, status=status)
    return sync.moved(status=status, name=order.name)


def _save(ctx: FlowContext, sync: OrderSync, step: str, detail: Mapping[str, Any]) -> None:
    with ctx.uow.begin() as tx:
        tx.save_order_sync(sync)
        tx.add_trail(ctx.shop.name, sync.order_id, step, detail)


def _trail(ctx: FlowContext, order_id: str, step: str, detail: Mapping[str, Any]) -> None:
    with ctx.uow.begin() as tx:
        tx.add_trail(ctx.shop.name, order_id, step, detail)


def _report(ctx: FlowContext, order: Order, kind: ProblemKind, message: str) -> None:
    with ctx.uow.begin() as tx:
        tx.report_problem(_problem(ctx, order, kind, message, {}))


def _problem(
    ctx: FlowContext, order: Order, kind: ProblemKind, message: str, details: Mapping[str, Any]
) -> ProblemReport:
    return ProblemReport(
        kind=kind,
        entity_type=ENTITY,
        entity_id=order.shopify_id,
        message=message,
        details={"order": order.name, **details},
        shop=ctx.shop.name,
    )


def _received(job: Job, order: Order) -> dict[str, Any]:
    return {
        "job_id": job.id,
        "attempt": job.attempts,
        "source": job.payload.get("source", ""),
        "topic": job.payload.get("topic", ""),
        "name": order.name,
        "updated_at": order.updated_at.isoformat() if order.updated_at else "",
    }


def _mapping_detail(mapped: MappedOrder, via: str) -> dict[str, Any]:
    request = mapped.request
    return {
        "account": request.customer_account,
        "via": via,
        "lines": len(request.lines),
        "warehouse": request.warehouse,
        "cuts": [{"field": cut.field, "original": cut.original, "kept": cut.kept} for cut in mapped.cuts],
        "notes": list(mapped.notes),
    }


FLOW = Flow(switch="orders", kind=KIND, handle=handle, topics=TOPICS)
