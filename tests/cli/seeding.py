"""Seed a store with the shapes an operator sees: pending jobs, a dead job and problems per team.

Used by the CLI tests and the dashboard/API tests (import as ``from cli.seeding import seed``).
The dead job dies the real way: a worker runs a handler that always fails, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from shopbridge.domain.problems import ProblemKind, ProblemReport
from shopbridge.engine import queue
from shopbridge.engine.clock import Clock
from shopbridge.engine.job import Job
from shopbridge.engine.problems import report_problem
from shopbridge.engine.store import Store
from shopbridge.engine.worker import HandlerContext, Registry, Worker


@dataclass(frozen=True)
class Seeded:
    pending_ids: list[int]
    dead_id: int
    problem_ids: dict[str, int]  # team -> the problem we reported for it


def _always_fails(job: Job, ctx: HandlerContext) -> None:
    raise RuntimeError("ERP said: account ON HOLD")


def seed(store: Store, clock: Clock) -> Seeded:
    now = clock.now()
    with store.begin() as conn:
        pending = [
            queue.enqueue(conn, "orders.create", {"order": n}, entity_key=f"order:{n}", shop="uk", now=now)
            for n in (1, 2, 3)
        ]
        pending.append(queue.enqueue(conn, "stock.push", {"sku": "A-1"}, shop="uk", now=now))
        doomed = queue.enqueue(conn, "payouts.post", {"payout": 9}, shop="uk", max_attempts=1, now=now)
    registry = Registry()
    registry.register("payouts.post", _always_fails)
    Worker(store, registry, clock=clock, name="seed-worker").run_once()  # the one attempt: dead
    return Seeded(pending, doomed, _problems(store, clock))


def _problems(store: Store, clock: Clock) -> dict[str, int]:
    reports = [
        ProblemReport(ProblemKind.UNKNOWN_SKU, "order", "#1001", "SKU A-404 is not in the ERP", shop="uk"),
        ProblemReport(ProblemKind.PAYOUT_MISMATCH, "payout", "9", "payout 9 is 0.01 GBP short", shop="uk"),
        ProblemReport(ProblemKind.STOCK_MISMATCH, "item", "A-1", "Shopify says 4, the ERP says 5", shop="uk"),
    ]
    with store.begin() as conn:
        return {r.owner.value: report_problem(conn, r, now=clock.now()) for r in reports}


def write_config(path: Path, store: Store) -> Path:
    """A configuration file pointing at ``store`` (no shops: status commands need none)."""
    url = store.engine.url.render_as_string(hide_password=False)
    path.write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
    return path
