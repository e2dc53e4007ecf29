"""Shopify Payments payouts become one balanced summary entry each in the ERP's ledger, once.

Every ``[schedules] payouts`` seconds, per shop, the sweep reads the payouts issued since its cursor
(less :data:`LOOKBACK`, since a payout can fail or be reversed days after it was paid) and takes one
step per payout (``domain/payout_state.next_step``):

- **settle** a paid payout seen for the first time: read its balance transactions and their orders,
  build the summary (``domain/payouts.summarise``) and post it by the path the ERP has: a journal
  (JOURNAL: Tryton moves, SYSPRO GENTJL or its ARSTPY receipts) or a bank receipt with nominal
  analysis plus a bank payment for the fees (BANK_RECEIPT: Sage 200); with neither, the summary is
  kept as a ready-to-import CSV and finance gets a problem. Unknown transaction types sit on the
  suspense code with an UNKNOWN_BALANCE_TRANSACTION problem. A payout that does not balance is not
  posted: finance gets a PAYOUT_MISMATCH problem with the difference and the transactions.
- **changed**: a payout settled before whose status moved (paid -> failed, a reversal) raises
  PAYOUT_CHANGED for finance; nothing is posted twice.

**Once.** The payout's ``payout`` link and its record are looked up before posting; the ERP call is
idempotent on the entry's reference (``SP`` + the payout id) as well, so a crash between the post
and the record finds the ERP's document on the next sweep.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from shopbridge.domain.payout_state import (
    Outcome,
    PayoutRecord,
    Step,
    balance_transaction_brief,
    journal_csv,
    next_step,
    record_of,
)
from shopbridge.domain.payouts import (
    Category,
    OrderFigures,
    PayoutAccounts,
    PayoutSummary,
    PayoutUnbalanced,
    UnmappedCategory,
    category_of,
    figures_of,
    summarise,
)
from shopbridge.domain.problems import ProblemKind, ProblemReport, Team
from shopbridge.domain.records import Payout
from shopbridge.engine.job import Job
from shopbridge.errors import NeedsPerson
from shopbridge.flows.spec import Flow, FlowContext
from shopbridge.ports.erp import Capability

__all__ = ["ENTITY", "FLOW", "KIND", "LOOKBACK", "accounts_for", "cursor_name"]

SCHEDULE = "payouts"
KIND = f"sweep.{SCHEDULE}"
ENTITY = "payout"  # links, problems and the trail concern the payout, by its Shopify GID
LOOKBACK = timedelta(days=30)


def handle(job: Job, ctx: FlowContext) -> None:
    """Read the payouts since the cursor, take each one's step, move the cursor."""
    with ctx.uow.begin() as tx:
        cursor = tx.cursor(cursor_name(ctx.shop.name))
    since = date.fromisoformat(cursor) - LOOKBACK if cursor else None
    payouts = ctx.shopify.payouts(since)
    for payout in payouts:
        _one(payout, ctx)
    if payouts:
        latest = max(p.issued_at.date() for p in payouts).isoformat()
        with ctx.uow.begin() as tx:
            tx.set_cursor(cursor_name(ctx.shop.name), max(latest, cursor or latest))


def cursor_name(shop: str) -> str:
    return f"shopify.payouts:{shop}"


def accounts_for(ctx: FlowContext, currency: str) -> PayoutAccounts:
    """The shop's nominal codes in ``currency`` (``[shops.accounts.<CUR>]``), or a problem for finance."""
    found = ctx.shop.accounts.get(currency)
    if found is None:
        raise NeedsPerson(
            f"shop {ctx.shop.name} has no ledger accounts for {currency}: payouts in it cannot be posted",
            kind=ProblemKind.CONFIGURATION,
            team=Team.FINANCE,
            resolution=f"add [shops.accounts.{currency}] with bank, clearing, fees and suspense codes",
        )
    codes: dict[str, str] = {str(k): v for k, v in found.payouts.items() if v}
    if found.fees:
        codes["fees"] = found.fees
    if found.suspense:
        codes["suspense"] = found.suspense
    return PayoutAccounts(currency=currency, bank=found.bank, codes=codes, clearing=found.clearing)


# -- one payout ------------------------------------------------------------------------------------


def _one(payout: Payout, ctx: FlowContext) -> None:
    with ctx.uow.begin() as tx:
        record = tx.payout_record(ctx.shop.name, payout.shopify_id)
        linked = tx.find_link(ENTITY, ctx.shop.name, payout.shopify_id) is not None
    step = next_step(payout, record, linked=linked)
    if step is Step.CHANGED:
        _changed(payout, record, ctx)
    elif step is Step.SETTLE:
        try:
            _settle(
                replace(payout, transactions=tuple(ctx.shopify.payout_transactions(payout.shopify_id))), ctx
            )
        except NeedsPerson as exc:  # this payout waits for a person; the others still go in
            _problem(ctx, payout, exc.kind, str(exc), team=exc.team, resolution=exc.resolution, **exc.details)


def _settle(payout: Payout, ctx: FlowContext) -> None:
    try:
        summary = summarise(payout, accounts_for(ctx, payout.net.currency), _figures(payout, ctx))
    except PayoutUnbalanced as refused:
        _unbalanced(payout, refused, ctx)
        return
    except UnmappedCategory as exc:
        raise NeedsPerson(
            str(exc),
            kind=ProblemKind.CONFIGURATION,
            team=Team.FINANCE,
            resolution=f"set payouts.{exc.category} (or clearing) in [shops.accounts.{exc.currency}]",
        ) from exc
    if _has_path(ctx):
        _post(payout, summary, ctx)
    else:
        _export(payout, summary, ctx)


def _figures(payout: Payout, ctx: FlowContext) -> dict[str, OrderFigures]:
    """The source orders of the payout's charges, in shop money as Shopify converted them."""
    figures: dict[str, OrderFigures] = {}
    for tx in payout.transactions:
        order_id = tx.source_order_id
        if not order_id or order_id in figures or category_of(tx.type) is not Category.SALES:
            continue
        order = ctx.shopify.order(order_id)
        if order is not None and order.currency == payout.net.currency:
            figures[order_id] = figures_of(order)
    return figures


def _has_path(ctx: FlowContext) -> bool:
    return bool({Capability.JOURNAL, Capability.BANK_RECEIPT} & ctx.erp.capabilities)


def _path(ctx: FlowContext) -> str:
    return "journal" if Capability.JOURNAL in ctx.erp.capabilities else "bank_receipt_and_payment"


# -- outcomes --------------------------------------------------------------------------------------


def _post(payout: Payout, summary: PayoutSummary, ctx: FlowContext) -> None:
    document = ctx.erp.post_payout(summary.entry)
    reference = document.number or summary.entry.reference
    record = record_of(
        ctx.shop.name,
        payout,
        Outcome.POSTED,
        journal=journal_csv(summary.entry),
        erp_id=document.erp_id,
        erp_reference=reference,
        unknown_types=_unknown_types(summary),
    )
    with ctx.uow.begin() as tx:
        tx.link(ENTITY, ctx.shop.name, payout.shopify_id, document.erp_id, reference)
        tx.save_payout_record(record)
        tx.resolve_problems(ProblemKind.PAYOUT_MISMATCH, ENTITY, payout.shopify_id, ctx.shop.name)
        detail = {"path": _path(ctx), "erp": reference, "existed": document.existed, "net": str(payout.net)}
        tx.add_trail(ctx.shop.name, payout.shopify_id, "payout_posted", detail)
    _flag_unknown(payout, summary, ctx)


def _export(payout: Payout, summary: PayoutSummary, ctx: FlowContext) -> None:
    """No payout path in this ERP: keep the summary as a CSV for finance to import, and say so."""
    record = record_of(
        ctx.shop.name,
        payout,
        Outcome.EXPORTED,
        journal=journal_csv(summary.entry),
        erp_reference=summary.entry.reference,
        unknown_types=_unknown_types(summary),
    )
    with ctx.uow.begin() as tx:
        tx.save_payout_record(record)
        tx.add_trail(ctx.shop.name, payout.shopify_id, "payout_exported", {"net": str(payout.net)})
    number = payout.shopify_id.rsplit("/", 1)[-1]
    _problem(
        ctx,
        payout,
        ProblemKind.UNSUPPORTED_OPERATION,
        f"the {ctx.erp.vendor} ERP has no journal or bank receipt path: payout {number} "
        f"({payout.net}) waits as a CSV to import",
        team=Team.FINANCE,
        resolution=f"shopbridge payouts show {number} --journal PATH, import it, then resolve this problem",
        reference=summary.entry.reference,
    )
    _flag_unknown(payout, summary, ctx)


def _unbalanced(payout: Payout, refused: PayoutUnbalanced, ctx: FlowContext) -> None:
    record = record_of(ctx.shop.name, payout, Outcome.UNBALANCED, difference=refused.difference.amount)
    with ctx.uow.begin() as tx:
        tx.save_payout_record(record)
        tx.add_trail(
            ctx.shop.name, payout.shopify_id, "payout_unbalanced", {"difference": str(refused.difference)}
        )
    _problem(
        ctx,
        payout,
        ProblemKind.PAYOUT_MISMATCH,
        str(refused),
        difference=str(refused.difference.amount),
        suspects=[balance_transaction_brief(tx) for tx in refused.suspects],
        transactions=[balance_transaction_brief(tx) for tx in refused.transactions],
    )


def _changed(payout: Payout, record: PayoutRecord | None, ctx: FlowContext) -> None:
    was = record.status if record is not None else "PAID"
    settled = record.outcome.value if record is not None else Outcome.POSTED.value
    number = payout.shopify_id.rsplit("/", 1)[-1]
    _problem(
        ctx,
        payout,
        ProblemKind.PAYOUT_CHANGED,
        f"payout {number} was {was} when it was {settled}, and Shopify now says {payout.status}: "
        "the ledger holds a deposit the bank may not have",
        resolution="check the bank; reverse or correct the posted entry by hand, then resolve this problem",
        was=was,
        now=payout.status,
        erp=record.erp_reference if record is not None else "",
    )
    with ctx.uow.begin() as tx:
        if record is not None:
            tx.save_payout_record(replace(record, status=payout.status.upper(), outcome=Outcome.CHANGED))
        tx.add_trail(ctx.shop.name, payout.shopify_id, "payout_changed", {"was": was, "now": payout.status})


def _flag_unknown(payout: Payout, summary: PayoutSummary, ctx: FlowContext) -> None:
    if not summary.unknown:
        return
    _problem(
        ctx,
        payout,
        ProblemKind.UNKNOWN_BALANCE_TRANSACTION,
        f"payout {payout.shopify_id.rsplit('/', 1)[-1]} has balance transactions of types shopbridge does "
        f"not map ({', '.join(_unknown_types(summary))}): they are on the suspense code",
        types=list(_unknown_types(summary)),
        transactions=[balance_transaction_brief(tx) for tx in summary.unknown],
    )


def _unknown_types(summary: PayoutSummary) -> tuple[str, ...]:
    return tuple(sorted({tx.type for tx in summary.unknown}))


def _problem(
    ctx: FlowContext,
    payout: Payout,
    kind: ProblemKind,
    message: str,
    *,
    team: Team | None = None,
    resolution: str = "",
    **details: Any,
) -> None:
    facts: Mapping[str, Any] = {"payout": payout.shopify_id, "net": str(payout.net), **details}
    with ctx.uow.begin() as tx:
        tx.report_problem(
            ProblemReport(
                kind=kind,
                entity_type=ENTITY,
                entity_id=payout.shopify_id,
                message=message,
                team=team,
                resolution=resolution,
                details=dict(facts),
                shop=ctx.shop.name,
            )
        )


FLOW = Flow(switch="payouts", kind=KIND, handle=handle, schedule=SCHEDULE)
