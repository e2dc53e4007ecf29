"""The full stock audit: read every level from Shopify, compare with the snapshots, repair, report.

Daily (``[schedules] stock_audit``) and on demand (``shopbridge stock audit``). One bulk operation
reads every inventory level's ``available`` quantity; the levels are streamed in chunks, each chunk
compared with the stock snapshots (the last value shopbridge pushed: what Shopify should hold), and
drift is set back in batches of at most 250, compare-and-swap on the value Shopify reported.

Nothing is repaired before the read has completed: a read cancelled or failed in Shopify raises
``RetryLater`` from the port, and the job runs again later with a fresh read. Each repair batch is
all or nothing in Shopify; a crash between batches leaves each level either repaired or as it was,
and the next audit finds what is left. The drift is reported as one STOCK_MISMATCH problem per shop
(count and worst SKUs, see ``domain/stock_audit.audit_problem``); an audit without drift resolves it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import TypeVar

from shopbridge.domain.problems import ProblemKind
from shopbridge.domain.stock_audit import (
    PROBLEM_ENTITY,
    AuditReport,
    Drift,
    ShopifyLevel,
    audit_problem,
    drifts,
)
from shopbridge.engine.job import Job
from shopbridge.flows.spec import Flow, FlowContext
from shopbridge.ports.shopify import ShopifyPort
from shopbridge.ports.store import UnitOfWork

__all__ = ["FLOW", "KIND", "AuditProgress", "run_audit"]

SCHEDULE = "stock_audit"
KIND = f"sweep.{SCHEDULE}"
CHUNK = 2000  # levels compared per store query: bounds memory whatever the shop's size
REPAIR_BATCH = 250  # Shopify's cap on inventorySetQuantities' quantities
WORST = 10
T = TypeVar("T")


@dataclass
class AuditProgress:
    """Callbacks for a person watching (the CLI's progress bar); all optional."""

    reading: Callable[[int], None] | None = None  # objects read so far by the bulk operation
    read_total: Callable[[int], None] | None = None  # the bulk read finished with this many objects
    compared: Callable[[int], None] | None = None  # levels compared so far


def handle(job: Job, ctx: FlowContext) -> None:
    """The scheduled run: audit the job's shop."""
    run_audit(ctx.shopify, ctx.uow, ctx.shop.name, key=job.attempt_idempotency_key)


def run_audit(
    shopify: ShopifyPort,
    uow: UnitOfWork,
    shop: str,
    *,
    key: str,
    progress: AuditProgress | None = None,
    worst: int = WORST,
) -> AuditReport:
    """Audit ``shop`` once and return what was found and done (also reported as a problem)."""
    progress = progress or AuditProgress()
    operation = shopify.start_inventory_read()
    total = shopify.wait_inventory_read(operation, progress=progress.reading)
    if progress.read_total is not None:
        progress.read_total(total)
    report = AuditReport(shop=shop, worst_limit=worst)
    pending: list[Drift] = []  # drift waiting for a full batch: at most 249 between chunks
    for chunk in _chunks(shopify.inventory_levels(operation), CHUNK):
        pending += _compare_chunk(uow, report, chunk)
        while len(pending) >= REPAIR_BATCH:
            _repair(shopify, report, pending[:REPAIR_BATCH], key)
            del pending[:REPAIR_BATCH]
        if progress.compared is not None:
            progress.compared(report.levels_read)
    if pending:
        _repair(shopify, report, pending, key)
    _report(uow, report)
    return report


def _compare_chunk(uow: UnitOfWork, report: AuditReport, chunk: list[ShopifyLevel]) -> list[Drift]:
    with uow.begin() as tx:
        expected = tx.expected_stock(report.shop, [level.key for level in chunk])
    found = drifts(chunk, expected)
    report.add_read(len(chunk), sum(1 for level in chunk if level.key in expected))
    report.add_drifts(found)
    return found


def _repair(shopify: ShopifyPort, report: AuditReport, batch: list[Drift], key: str) -> None:
    report.repaired += shopify.repair_inventory_levels(batch, key=key)
    report.moved_meanwhile = report.drift_count - report.repaired


def _report(uow: UnitOfWork, report: AuditReport) -> None:
    problem = audit_problem(report)
    with uow.begin() as tx:
        tx.set_cursor(latest_cursor(report.shop), str(report.drift_count))  # the reconciliation's stock fact
        if problem is None:
            tx.resolve_problems(ProblemKind.STOCK_MISMATCH, PROBLEM_ENTITY, report.shop, report.shop)
        else:
            tx.report_problem(problem)


def latest_cursor(shop: str) -> str:
    """The cursor holding the drift count of the shop's latest completed audit."""
    return f"stock_audit.latest_drift:{shop}"


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


FLOW = Flow(switch="stock", kind=KIND, handle=handle, schedule=SCHEDULE)
