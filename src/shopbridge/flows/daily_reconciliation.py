"""The daily proof that Shopify, shopbridge and the ledger agree (issue 12, reconciliation checkpoints).

Daily on the scheduler (``[schedules] reconcile``, kind ``sweep.reconcile``: the day before, complete)
and on demand (``shopbridge reconcile --date D``). The facts are read through the ports
(``flows/reconcile_facts.py``), judged by the pure checkpoints (``domain/reconciliation.py``), and:

- each mismatch becomes a problem for its owning team, keyed on what it is about and never on the
  day, so the same mismatch found again is the same open problem with its count raised;
- the whole report is kept per shop and day (verdicts, JSON, CSV), replaced if the day is re-run;
- :func:`parity` is the go-live gate: confirmed once ``[reconcile] parity_days`` consecutive days pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from shopbridge.domain.problems import ProblemKind, ProblemReport
from shopbridge.domain.reconciliation import (
    CheckpointResult,
    DayReport,
    DaySummary,
    Mismatch,
    Verdict,
    check_fulfilments,
    check_orders,
    check_payouts,
    check_refunds,
    check_stock,
    check_tax,
    not_checkable,
    parity_confirmed,
)
from shopbridge.domain.records import Order
from shopbridge.domain.stock_audit import PROBLEM_ENTITY as STOCK_AUDIT_ENTITY
from shopbridge.engine.job import Job
from shopbridge.flows import reconcile_facts as facts
from shopbridge.flows.spec import Flow, FlowContext
from shopbridge.flows.stock_audit import latest_cursor
from shopbridge.ports.store import UnitOfWork

__all__ = ["FLOW", "KIND", "PROBLEM_KINDS", "Parity", "agreed_since", "parity", "reconcile_day"]

SCHEDULE = "reconcile"
KIND = f"sweep.{SCHEDULE}"
ENTITY = "reconciliation"  # problems' entity type; the entity id is the mismatch's key (no date)

# The kind (and so the owning team) of each checkpoint's mismatches. A missing fulfilment is
# DISPATCH_UNMATCHED: operations must find why the dispatch did not reach Shopify.
PROBLEM_KINDS: dict[str, ProblemKind] = {
    "orders": ProblemKind.LEDGER_MISMATCH,
    "refunds": ProblemKind.LEDGER_MISMATCH,
    "fulfilments": ProblemKind.DISPATCH_UNMATCHED,
    "payouts": ProblemKind.PAYOUT_MISMATCH,
    "tax": ProblemKind.TAX_MISMATCH,
    "stock": ProblemKind.STOCK_MISMATCH,
}


def handle(job: Job, ctx: FlowContext) -> None:
    """The scheduled run: the day before today (UTC), which is complete."""
    reconcile_day(ctx, ctx.clock.now().date() - timedelta(days=1))


def reconcile_day(ctx: FlowContext, day: date) -> DayReport:
    """Run every checkpoint for ``day``, raise a problem per mismatch, keep the report; return it."""
    report = DayReport(ctx.shop.name, day.isoformat(), _checkpoints(ctx, day))
    with ctx.uow.begin() as tx:
        found_before = tx.reconciled_mismatches(ctx.shop.name, report.day)
        for mismatch in report.mismatches:
            tx.report_problem(_problem(ctx.shop.name, day, mismatch))
        for checkpoint, key in agreed_since(found_before, report):
            tx.resolve_problems(PROBLEM_KINDS[checkpoint], ENTITY, key, ctx.shop.name)
        tx.save_reconcile_report(report)
    return report


# Checkpoints whose keys name one thing (an order, a refund, a dispatch, a payout). A tax bucket's key
# ("tax:GB:0.2") is shared by every day and the stock audit owns its problem: neither closes here.
_CLOSES_ON_AGREEMENT = frozenset({"orders", "refunds", "fulfilments", "payouts"})


def agreed_since(found_before: set[tuple[str, str]], report: DayReport) -> list[tuple[str, str]]:
    """Mismatches an earlier run of the same day found that this run, checking again, does not.

    A day reconciled before its orders were all posted (a scheduled run at midnight while the queue
    was still busy, a re-run after a fix) leaves problems that no longer hold; they close, as the
    problems of the other flows close when their condition clears. A checkpoint that could not be
    checked this time closes nothing.
    """
    checked = {c.name for c in report.checkpoints if c.verdict is not Verdict.NOT_CHECKABLE}
    still = {(m.checkpoint, m.key) for m in report.mismatches}
    return sorted(
        (checkpoint, key)
        for checkpoint, key in found_before - still
        if checkpoint in checked and checkpoint in _CLOSES_ON_AGREEMENT
    )


def _checkpoints(ctx: FlowContext, day: date) -> tuple[CheckpointResult, ...]:
    # The orders without refunds are compared while Shopify's refunds are still being read; the
    # refunded ones once their refunds are in (the facts equal one comparison of the whole day).
    comparison = facts.OrderComparison(ctx)
    read = facts.shopify_day(ctx, day, ready=comparison.add)
    orders_result, tax_result = _orders_and_tax(ctx, read.orders, comparison)
    refunds = facts.refund_facts(ctx, day, read)
    refunds_result = (
        not_checkable("refunds", f"{ctx.erp.vendor} cannot read credit notes back")
        if refunds is None
        else check_refunds(refunds)
    )
    payouts, postings = facts.payout_facts(ctx, day)
    return (
        orders_result,
        refunds_result,
        check_fulfilments(facts.dispatch_facts(ctx, day)),
        check_payouts(payouts, postings),
        tax_result,
        check_stock(facts.stock_fact(ctx, latest_cursor(ctx.shop.name))),
    )


def _orders_and_tax(
    ctx: FlowContext, orders: list[Order] | None, comparison: facts.OrderComparison
) -> tuple[CheckpointResult, CheckpointResult]:
    found = None if orders is None else comparison.facts(orders)
    if found is None:
        side = "the Shopify port cannot list the day's orders" if orders is None else ""
        why = side or f"{ctx.erp.vendor} cannot read its orders back"
        return not_checkable("orders", why), not_checkable("tax", why)
    orders_result = check_orders(found.expected, found.found)
    if found.erp_tax is None:
        return orders_result, not_checkable("tax", f"{ctx.erp.vendor}'s order read gives no tax")
    return orders_result, check_tax(found.shopify_tax, found.erp_tax, found.tax_allowance)


def _problem(shop: str, day: date, mismatch: Mismatch) -> ProblemReport:
    kind = PROBLEM_KINDS[mismatch.checkpoint]
    # The stock audit already keeps one STOCK_MISMATCH per shop: the same entity is the same problem.
    entity_type, entity_id = (
        (STOCK_AUDIT_ENTITY, shop) if mismatch.checkpoint == "stock" else (ENTITY, mismatch.key)
    )
    details: dict[str, object] = {"checkpoint": mismatch.checkpoint, "what": mismatch.what}
    details |= {"day": day.isoformat(), **mismatch.details}
    return ProblemReport(
        kind=kind,
        entity_type=entity_type,
        entity_id=entity_id,
        message=f"Reconciliation of {day.isoformat()}: {mismatch.message}",
        tried=f"the daily reconciliation compared Shopify with the ERP ({mismatch.checkpoint})",
        resolution="Correct the side that is wrong, then resolve the problem; the next run checks again.",
        details=details,
        shop=shop,
    )


@dataclass(frozen=True)
class Parity:
    """The go-live gate: the stored days and whether the last ``needed`` consecutive ones passed."""

    confirmed: bool
    needed: int
    days: tuple[DaySummary, ...]

    @property
    def streak(self) -> int:
        """Passing days in a row, counting back from the latest stored day."""
        count = 0
        for summary in reversed(self.days):
            if not summary.passed:
                break
            count += 1
        return count


def parity(uow: UnitOfWork, shop: str, needed: int, *, window: int = 60) -> Parity:
    """The trend over the latest ``window`` days and the go-live gate (for the CLI and the dashboard)."""
    with uow.begin() as tx:
        days = tuple(tx.reconcile_trend(shop, window))
    confirmed = parity_confirmed([(d.day, d.passed) for d in days], needed)
    return Parity(confirmed, needed, days)


FLOW = Flow(switch="reconcile", kind=KIND, handle=handle, schedule=SCHEDULE)
