"""Through the engine: an order job survives a 5xx from the ERP and posts exactly one order.

Runs on the ``store`` fixture (SQLite and PostgreSQL alike, from ``tests/conftest.py``) times every
ERP harness: the worker's retry plus the adapter's dedup on the Shopify reference give exactly once.
"""

from __future__ import annotations

from datetime import UTC, datetime

from contract_support import order_request
from harness import ErpHarness

from shopbridge.config.model import EngineSettings
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.job import Job
from shopbridge.engine.queue import enqueue
from shopbridge.engine.store import Store
from shopbridge.engine.worker import HandlerContext, Registry, Worker
from shopbridge.ports.erp import ErpPort

KIND = "contract.create_sales_order"
SETTINGS = EngineSettings()


def _worker(store: Store, erp: ErpPort, account: str, clock: FakeClock) -> Worker:
    def post_order(job: Job, ctx: HandlerContext) -> None:
        ctx.services.create_sales_order(order_request(job.payload["reference"], account))

    registry = Registry()
    registry.register(KIND, post_order)
    return Worker(store, registry, clock=clock, services=erp, settings=SETTINGS, name="contract")


def test_an_order_job_retries_through_a_5xx_and_posts_one_order(
    store: Store, erp: ErpPort, harness: ErpHarness, account: str
) -> None:
    clock = FakeClock(datetime(2026, 11, 22, 9, 0, tzinfo=UTC))
    with store.begin() as conn:
        enqueue(
            conn,
            KIND,
            {"reference": "#C3001"},
            entity_key="order:#C3001",
            dedup_key="order:#C3001",
            now=clock.now(),
        )
    worker = _worker(store, erp, account, clock)
    harness.fail_next(503)
    assert worker.run_once() == 1  # the first attempt meets the 5xx and is scheduled again
    assert harness.count_sales_orders("#C3001") == 0
    clock.advance(SETTINGS.retry.cap_seconds * 2)
    assert worker.run_once() == 1
    clock.advance(SETTINGS.retry.cap_seconds * 2)
    assert worker.run_once() == 0, "the job should be done, not waiting for another attempt"
    assert harness.count_sales_orders("#C3001") == 1
