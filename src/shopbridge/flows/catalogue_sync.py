"""Shopify sells only what the ERP can: gate products, flag duplicate SKUs, push ERP-owned fields.

Every ``[schedules] catalogue`` seconds, per shop, the sweep reads Shopify's catalogue (the whole of it
every ``[catalogue] full_every`` seconds, otherwise only the products that changed in Shopify or in the
ERP, and those it must look at again: ``flows/catalogue_index.py``) and the ERP's items for their SKUs,
then (rules in ``domain/catalogue.py`` and ``domain/ownership.py``):

* **gates** each product on sale with a SKU the ERP lacks or holds inactive: it is set DRAFT, or
  unpublished from its sales channels (``[catalogue] gate``), remembered in the store, and merchandising
  gets one ``product_gated`` problem per product;
* **releases** a gated product once every SKU is active: back to the status (or the channels) it had,
  the problem resolved. Only what shopbridge gated is ever released: a product a person drafted is
  not ours to publish;
* **flags duplicate SKUs**: one ``duplicate_sku`` problem per SKU, counted again on each sweep while it
  lasts, resolved when it goes; the order flow quarantines orders that touch one, and they are released
  here when the SKU is no longer duplicated;
* **pushes** ERP-owned fields (``[ownership]``) where Shopify differs.

Duplicates are found from the SKU index the read keeps, so every SKU counts though few are read. The
read's cursors move only once every step succeeded (docs/architecture.md invariant 3: sweeps are the
truth), so a sweep that fails half way is simply run again; every step it takes is idempotent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from shopbridge.domain.catalogue import (
    ON_SALE,
    CatalogueProduct,
    Decision,
    Gate,
    GateMode,
    Verdict,
    decide_all,
    gate_for,
    skus_to_check,
)
from shopbridge.domain.ownership import field_changes
from shopbridge.domain.problems import ProblemKind, ProblemReport
from shopbridge.domain.records import Item
from shopbridge.engine.job import Job
from shopbridge.flows import (
    catalogue_index,
    collection_changes,
    quarantine_release,
    stock_item_refresh,
    stock_kits,
)
from shopbridge.flows.spec import Flow, FlowContext

__all__ = ["FLOW", "KIND", "PRODUCT", "SKU", "TOPICS"]

SCHEDULE = "catalogue"
KIND = f"sweep.{SCHEDULE}"
PRODUCT = "product"  # problems and trail steps of a product, by its GID
SKU = "sku"  # duplicate-SKU problems, by the SKU


def handle(job: Job, ctx: FlowContext) -> None:
    """One sweep of one shop: gate and release, duplicates, ERP-owned fields."""
    read = catalogue_index.read(ctx)  # the whole catalogue, or the products that changed
    products = read.products
    items = _erp_items(products, ctx)
    stock_kits.learn(ctx, items, whole=read.whole)  # the ERP's kits, for the stock push's bundles
    if ctx.settings.ownership.matrix().gating:
        _gate_and_release(products, items, ctx)
    _forget_deleted(read.gone, ctx)
    _flag_duplicates(ctx)
    _push_owned_fields(products, items, ctx)
    if not read.whole:  # the changed products' collections and types: the stock sweep reads them again
        stock_item_refresh.mark_stale(ctx, (sku for p in products for sku in p.skus))
    else:  # a whole read: products moved into a custom collection keep their updatedAt
        collection_changes.mark_moved(ctx, products)
    catalogue_index.finish(ctx, read)


def _erp_items(products: list[CatalogueProduct], ctx: FlowContext) -> dict[str, Item]:
    bundles = ctx.settings.bundles
    wanted = {sku for p in products for sku in (*p.skus, *skus_to_check(p, bundles))}
    return ctx.erp.get_items(sorted(wanted)) if wanted else {}


# -- gating ------------------------------------------------------------------------------------


def _gate_and_release(products: list[CatalogueProduct], items: Mapping[str, Item], ctx: FlowContext) -> None:
    with ctx.uow.begin() as tx:
        gates = tx.catalogue_gates(ctx.shop.name)
    for decision in decide_all(products, items, gates, bundles=ctx.settings.bundles):
        act = _ACTIONS.get(decision.verdict)
        if act is not None:
            act(decision, gates.get(decision.product.product_id), ctx)


def _take_off_sale(decision: Decision, _gate: Gate | None, ctx: FlowContext) -> None:
    """Remember the gate first: if Shopify fails after, the next sweep finds it and applies it again."""
    product, mode = decision.product, ctx.settings.catalogue.gate
    if mode is GateMode.UNPUBLISH:
        product = replace(product, publications=ctx.shopify.product_publications(product.product_id))
        decision = replace(decision, product=product)
    gate = gate_for(decision, mode)
    step = "withdrawn" if gate.withdrawn else "gated"
    with ctx.uow.begin() as tx:
        tx.save_gate(ctx.shop.name, gate)
        tx.add_trail(ctx.shop.name, product.product_id, step, _detail(decision, gate))
        tx.report_problem(_gated_problem(decision, ctx))
    _apply(gate, ctx)


def _keep_gated(decision: Decision, gate: Gate | None, ctx: FlowContext) -> None:
    """Still waiting: refresh what it waits for, count the problem again, and apply the gate again
    (shopbridge owns the status while the ERP cannot sell the product): a draft someone lifted, or
    channels the product went back on. The catalogue does not say which channels a product is on, so
    an unpublish gate is re-sent on every sweep (idempotent, and gated products are few)."""
    assert gate is not None
    with ctx.uow.begin() as tx:
        tx.save_gate(ctx.shop.name, replace(gate, blocking=decision.blocking))
        tx.report_problem(_gated_problem(decision, ctx))
    if gate.mode is GateMode.UNPUBLISH:
        _apply(gate, ctx)
    elif decision.product.status in ON_SALE:
        _apply(gate, ctx)
        _trail(ctx, gate.product_id, "gated_again", {"status": decision.product.status})


def _release(decision: Decision, gate: Gate | None, ctx: FlowContext) -> None:
    """Undo exactly what the gate did, then forget it and resolve the problem."""
    assert gate is not None
    product = decision.product
    if gate.mode is GateMode.UNPUBLISH:
        ctx.shopify.publish_product(product.product_id, gate.publications)
    elif product.status == "DRAFT":  # a person who archived it meanwhile decided otherwise
        ctx.shopify.set_product_status(product.product_id, gate.prior_status)
    with ctx.uow.begin() as tx:
        tx.drop_gate(ctx.shop.name, product.product_id)
        tx.resolve_problems(ProblemKind.PRODUCT_GATED, PRODUCT, product.product_id, ctx.shop.name)
        detail = {"status": gate.prior_status, "publications": list(gate.publications)}
        tx.add_trail(ctx.shop.name, product.product_id, "released", detail)


def _apply(gate: Gate, ctx: FlowContext) -> None:
    if gate.mode is GateMode.UNPUBLISH:
        ctx.shopify.unpublish_product(gate.product_id, gate.publications)
    else:
        ctx.shopify.set_product_status(gate.product_id, "DRAFT")


_Action = Callable[[Decision, Gate | None, FlowContext], None]
_ACTIONS: dict[Verdict, _Action] = {
    Verdict.GATE: _take_off_sale,
    Verdict.WITHDRAW: _take_off_sale,
    Verdict.STILL_GATED: _keep_gated,
    Verdict.RELEASE: _release,
}


def _gated_problem(decision: Decision, ctx: FlowContext) -> ProblemReport:
    product = decision.product
    why = "; ".join(
        part
        for part in (
            f"not in the ERP: {', '.join(decision.missing)}" if decision.missing else "",
            f"inactive in the ERP: {', '.join(decision.inactive)}" if decision.inactive else "",
            f"{len(decision.unskued)} variant(s) without a SKU" if decision.unskued else "",
        )
        if part
    )
    how = (
        "unpublished from its sales channels"
        if ctx.settings.catalogue.gate is GateMode.UNPUBLISH
        else "DRAFT"
    )
    return ProblemReport(
        kind=ProblemKind.PRODUCT_GATED,
        entity_type=PRODUCT,
        entity_id=product.product_id,
        message=(
            f"product {product.title!r} is kept {how}: {why}. Create or activate the items in the ERP "
            "(and give every variant a SKU); the product is released by itself."
        ),
        details=_detail(decision, None),
        shop=ctx.shop.name,
    )


def _detail(decision: Decision, gate: Gate | None) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "title": decision.product.title,
        "missing": list(decision.missing),
        "inactive": list(decision.inactive),
        "variants_without_sku": list(decision.unskued),
    }
    if gate is not None:
        detail |= {"mode": gate.mode.value, "was": gate.prior_status, "publications": list(gate.publications)}
    return detail


def _forget_deleted(gone: frozenset[str], ctx: FlowContext) -> None:
    """A gated product deleted in Shopify waits for nothing any more: forget its gate and problem."""
    if not gone:
        return
    shop = ctx.shop.name
    with ctx.uow.begin() as tx:
        for product_id in sorted(gone & set(tx.catalogue_gates(shop))):
            tx.drop_gate(shop, product_id)
            tx.resolve_problems(ProblemKind.PRODUCT_GATED, PRODUCT, product_id, shop)
            tx.add_trail(shop, product_id, "deleted_in_shopify", {})


# -- duplicate SKUs ----------------------------------------------------------------------------


def _flag_duplicates(ctx: FlowContext) -> None:
    """Duplicates from the SKU index, which the read just brought up to date."""
    shop = ctx.shop.name
    with ctx.uow.begin() as tx:
        rows = tx.sku_index_duplicates(shop)
        found = {sku: tuple(row.variant_id for row in variants) for sku, variants in rows.items()}
        titles = {row.variant_id: row.title for variants in rows.values() for row in variants}
        known = tx.duplicate_skus(shop)
        cleared = tx.replace_duplicate_skus(shop, found)
        for sku, variant_ids in found.items():
            tx.report_problem(_duplicate_problem(sku, variant_ids, titles, shop))
            if sku not in known:
                tx.add_trail(shop, f"sku:{sku}", "duplicate_sku", {"variants": list(variant_ids)})
        for sku in cleared:
            tx.resolve_problems(ProblemKind.DUPLICATE_SKU, SKU, sku, shop)
            tx.add_trail(shop, f"sku:{sku}", "duplicate_sku_fixed", {})
    if cleared:
        _release_orders(set(cleared), ctx)


def _duplicate_problem(
    sku: str, variant_ids: tuple[str, ...], titles: Mapping[str, str], shop: str
) -> ProblemReport:
    products = sorted({titles.get(v, v) for v in variant_ids})
    return ProblemReport(
        kind=ProblemKind.DUPLICATE_SKU,
        entity_type=SKU,
        entity_id=sku,
        message=(
            f"SKU {sku} is on {len(variant_ids)} Shopify variants ({', '.join(products)}); orders for it "
            "wait in quarantine until each variant has its own SKU."
        ),
        details={"sku": sku, "variants": list(variant_ids), "products": products},
        shop=shop,
    )


def _release_orders(cleared: set[str], ctx: FlowContext) -> None:
    """Orders that waited because a SKU was ambiguous go again now that it is not."""
    with ctx.uow.begin() as tx:
        waiting = tx.quarantined_orders(sorted(cleared))
    mine = [sync for sync in waiting if sync.shop == ctx.shop.name]
    if mine:
        quarantine_release.release_ready(ctx, mine, hint=cleared)


# -- ERP-owned fields --------------------------------------------------------------------------


def _push_owned_fields(products: list[CatalogueProduct], items: Mapping[str, Item], ctx: FlowContext) -> None:
    ownership = ctx.settings.ownership.matrix()
    if not ownership.erp_owned():
        return
    for product in products:
        changes = field_changes(product, items, ownership, currency=ctx.shop.currency)
        if changes:
            ctx.shopify.push_product_fields(product.product_id, changes)
            pushed = [
                {"field": c.field, "value": str(c.value), "was": _text(c.was), "variant": c.variant_id}
                for c in changes
            ]
            _trail(ctx, product.product_id, "fields_pushed", {"changes": pushed})


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _trail(ctx: FlowContext, entity_id: str, step: str, detail: Mapping[str, Any]) -> None:
    with ctx.uow.begin() as tx:
        tx.add_trail(ctx.shop.name, entity_id, step, detail)


# A product changed or deleted in Shopify starts the sweep now (one per burst: intake/webhooks.py).
TOPICS = ("products/update", "products/delete")
FLOW = Flow(switch="catalogue", kind=KIND, handle=handle, schedule=SCHEDULE, topics=TOPICS)
