"""ERP price lists become B2B price lists and catalogs in Shopify; a sweep pushes only what changed.

Every ``[schedules] price_lists`` seconds (switch ``[flows] prices``), for each list ``[prices]``
names: the ERP's list is read, its currency checked (a mismatch is one PRICE_LIST_MISMATCH problem
for ecommerce, and nothing of that list is sent), the Shopify price list and its catalog are made
once (linked as ``price_list`` and ``catalog`` to the ERP code; one made before a crash is found
again by its name), the catalog is given the company locations of the list's customers, and the
fixed prices that differ from those last pushed go in calls of at most 250. The rules are in
``domain/price_lists.py``; this module only moves things.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from shopbridge.config.model import PriceListMapping
from shopbridge.domain import price_lists as rules
from shopbridge.domain.price_lists import PriceListTarget, ShopifyPriceList
from shopbridge.domain.problems import ProblemKind, ProblemReport
from shopbridge.domain.records import PriceList
from shopbridge.engine.job import Job
from shopbridge.errors import BadInput, NeedsPerson
from shopbridge.flows.spec import Flow, FlowContext
from shopbridge.ports.erp import Capability
from shopbridge.ports.store import Transaction

__all__ = ["FLOW", "KIND", "sync_price_list", "target_of"]

SCHEDULE = "price_lists"
KIND = f"sweep.{SCHEDULE}"
CATALOG = "catalog"


def handle(job: Job, ctx: FlowContext) -> None:
    """Sync every mapped ERP price list to the job's shop."""
    mappings = ctx.settings.prices.lists
    if not mappings:
        return
    if Capability.READ_PRICE_LISTS not in ctx.erp.capabilities:
        _report(ctx, _unsupported(ctx))
        return
    erp_lists = {pl.code: pl for pl in ctx.erp.price_lists()}
    for code, mapping in sorted(mappings.items()):
        target = target_of(code, mapping, ctx.shop.currency)
        if code in erp_lists:
            sync_price_list(ctx, erp_lists[code], target)
        else:
            _report(ctx, _not_in_erp(ctx, code, sorted(erp_lists)))


def target_of(code: str, mapping: PriceListMapping, shop_currency: str) -> PriceListTarget:
    """The mapping with its defaults filled in: the code as title, the shop's currency."""
    return PriceListTarget(
        code=code,
        title=mapping.name or code,
        currency=mapping.currency or shop_currency,
        accounts=tuple(mapping.accounts),
        adjustment_percent=mapping.adjustment_percent,
    )


def sync_price_list(ctx: FlowContext, erp_list: PriceList, target: PriceListTarget) -> None:
    """One list: refuse a currency mismatch, else make the price list and catalog and push changes."""
    existing = _existing(ctx, target)
    mismatch = rules.check_currency(erp_list, target, existing)
    if mismatch is not None:
        with ctx.uow.begin() as tx:
            tx.report_problem(mismatch.problem(ctx.shop.name))
            _trail(tx, ctx, target, "price_list_refused", {"reason": mismatch.message})
        return
    with ctx.uow.begin() as tx:
        tx.resolve_problems(ProblemKind.PRICE_LIST_MISMATCH, rules.ENTITY_TYPE, target.code, ctx.shop.name)
    shopify_list = existing or _create(ctx, target)
    accounts = (*erp_list.customer_accounts, *target.accounts)
    _assign_locations(ctx, target, shopify_list, accounts)
    _push_prices(ctx, erp_list, target, shopify_list)


def _existing(ctx: FlowContext, target: PriceListTarget) -> ShopifyPriceList | None:
    """The linked price list, or (before a link exists) one of the target's name, adopted."""
    with ctx.uow.begin() as tx:
        linked = tx.linked_shopify_id(rules.ENTITY_TYPE, ctx.shop.name, target.code)
    if linked is None:
        found = ctx.shopify.price_list_named(target.title)
        if found is not None:
            _link(ctx, target, found, "price_list_adopted")
        return found
    found = ctx.shopify.price_list(linked)
    if found is None:
        raise _deleted_in_shopify(ctx, target, linked)
    return found


def _create(ctx: FlowContext, target: PriceListTarget) -> ShopifyPriceList:
    try:
        created = ctx.shopify.create_price_list(target.title, target.currency, target.adjustment_percent)
    except (BadInput, NeedsPerson):
        # Names are unique (Shopify answers TAKEN): a sweep running beside this one may have made it
        # since our look-up. Then it is the list we want; otherwise the refusal stands.
        found = ctx.shopify.price_list_named(target.title)
        if found is None:
            raise
        _link(ctx, target, found, "price_list_adopted")
        return found
    _link(ctx, target, created, "price_list_created")
    return created


def _link(ctx: FlowContext, target: PriceListTarget, pl: ShopifyPriceList, step: str) -> None:
    with ctx.uow.begin() as tx:
        tx.link(rules.ENTITY_TYPE, ctx.shop.name, pl.id, target.code, target.title)
        _trail(tx, ctx, target, step, {"price_list_id": pl.id, "currency": pl.currency})


def _assign_locations(
    ctx: FlowContext, target: PriceListTarget, pl: ShopifyPriceList, accounts: Sequence[str]
) -> None:
    """Create the catalog for the customers' company locations, or bring its locations up to date."""
    companies = sorted(c for c, account in ctx.shop.company_accounts.items() if account in set(accounts))
    by_company = ctx.shopify.company_location_ids(companies) if companies else {}
    wanted = rules.wanted_locations(accounts, ctx.shop.company_accounts, by_company)
    if not pl.catalog_id:
        if wanted:
            _create_catalog(ctx, target, pl, wanted)
        return
    changes = rules.location_changes(wanted, pl.location_ids)
    for start in range(0, max(len(changes.add), len(changes.remove)), rules.MAX_PER_CALL):
        end = start + rules.MAX_PER_CALL
        ctx.shopify.update_catalog_locations(pl.catalog_id, changes.add[start:end], changes.remove[start:end])
    if not changes.empty:
        with ctx.uow.begin() as tx:
            detail = {"added": list(changes.add), "removed": list(changes.remove)}
            _trail(tx, ctx, target, "locations_assigned", detail)


def _create_catalog(
    ctx: FlowContext, target: PriceListTarget, pl: ShopifyPriceList, locations: Sequence[str]
) -> None:
    first, rest = locations[: rules.MAX_PER_CALL], locations[rules.MAX_PER_CALL :]
    catalog_id = ctx.shopify.create_catalog(target.title, pl.id, first)
    with ctx.uow.begin() as tx:
        tx.link(CATALOG, ctx.shop.name, catalog_id, target.code, target.title)
        _trail(tx, ctx, target, "catalog_created", {"catalog_id": catalog_id, "locations": list(first)})
    for start in range(0, len(rest), rules.MAX_PER_CALL):
        ctx.shopify.update_catalog_locations(catalog_id, rest[start : start + rules.MAX_PER_CALL], ())


def _push_prices(
    ctx: FlowContext, erp_list: PriceList, target: PriceListTarget, pl: ShopifyPriceList
) -> None:
    """Send the fixed prices that differ from those last pushed, a batch per call."""
    skus = sorted(rules.unit_prices(erp_list.prices))
    variants = ctx.shopify.variant_ids_by_sku(skus) if skus else {}
    wanted, missing = rules.wanted_prices(erp_list, variants)
    with ctx.uow.begin() as tx:
        pushed = tx.pushed_prices(ctx.shop.name, pl.id)
    changes = rules.diff_prices(wanted, pushed)
    for number, batch in enumerate(rules.batches(changes), start=1):
        ctx.shopify.update_fixed_prices(pl.id, pl.currency, batch.upserts, batch.deletes)
        with ctx.uow.begin() as tx:
            tx.record_pushed_prices(ctx.shop.name, pl.id, batch.upserts, batch.deletes)
            detail = {
                "batch": number,
                "prices": {p.sku: str(p.amount) for p in batch.upserts},
                "removed": len(batch.deletes),
            }
            _trail(tx, ctx, target, "prices_pushed", detail)
    if missing and changes.upserts:
        with ctx.uow.begin() as tx:
            _trail(
                tx, ctx, target, "skus_not_in_shopify", {"skus": list(missing[:50]), "count": len(missing)}
            )


def _trail(
    tx: Transaction, ctx: FlowContext, target: PriceListTarget, step: str, detail: Mapping[str, object]
) -> None:
    tx.add_trail(ctx.shop.name, rules.price_list_entity(target.code), step, {"list": target.code, **detail})


def _report(ctx: FlowContext, report: ProblemReport) -> None:
    with ctx.uow.begin() as tx:
        tx.report_problem(report)


def _unsupported(ctx: FlowContext) -> ProblemReport:
    return ProblemReport(
        kind=ProblemKind.UNSUPPORTED_OPERATION,
        entity_type=rules.ENTITY_TYPE,
        entity_id="*",
        message=f"{ctx.erp.vendor} cannot read price lists through its API; [prices] lists are not synced",
        tried="read the ERP's price lists",
        shop=ctx.shop.name,
    )


def _not_in_erp(ctx: FlowContext, code: str, known: list[str]) -> ProblemReport:
    return ProblemReport(
        kind=ProblemKind.CONFIGURATION,
        entity_type=rules.ENTITY_TYPE,
        entity_id=code,
        message=f"[prices.lists.{code}] names a price list the ERP does not have "
        f"(it has: {', '.join(known)})",
        tried="read the ERP's price lists",
        shop=ctx.shop.name,
    )


def _deleted_in_shopify(ctx: FlowContext, target: PriceListTarget, linked: str) -> NeedsPerson:
    return NeedsPerson(
        f"the Shopify price list {linked} of ERP list {target.code} no longer exists; "
        "shopbridge does not re-create a list someone deleted",
        kind=ProblemKind.CONFIGURATION,
        details={"price_list_id": linked, "list": target.code},
    )


FLOW = Flow(switch="prices", kind=KIND, handle=handle, schedule=SCHEDULE)
