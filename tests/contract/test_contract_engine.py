"""Through the engine: an order job survives a 5xx from the ERP and posts exactly one order.

Runs on the ``store`` fixture (SQLite and PostgreSQL alike, from ``tests/conftest.py``) times every
ERP harness: the worker's retry plus the adapter's dedup on the Shopify reference give exactly once.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from contract_support import order_request
from harness import ErpHarness

from shopbridge.config.model import EngineSettings
from shopbridge.ports.erp import ErpPort

queue = pytest.importorskip("shopbridge.engine.queue")
worker_module = pytest.importorskip("shopbridge.engine.worker")
clock_module = pytest.importorskip("shopbridge.engine.clock")

KIND = "contract.create_sales_order"


def _worker(store: object, erp: ErpPort, account: str, clock: object) -> object:
    def post_order(job: object, ctx: object) -> None:
        reference = job.payload["reference"]  # type: ignore[attr-defined]
        ctx.services.create_sales_order(order_request(reference, account))  # type: ignore[attr-defined]

    registry = worker_module.Registry()
    registry.register(KIND, post_order)
    return worker_module.Worker(
        store, registry, clock=clock, services=erp, settings=EngineSettings(), name="contract"
    )


def test_an_order_job_retries_through_a_5xx_and_posts_one_order(
    store: object, erp: ErpPort, harness: ErpHarness, account: str
) -> None:
    clock = clock_module.FakeClock(datetime(2026, 11, 22, 9, 0, tzinfo=UTC))
    with store.begin() as conn:  # type: ignore[attr-defined]
        queue.enqueue(
            conn,
            KIND,
            {"reference": "#C3001"},
            entity_key="order:#C3001",
            dedup_key="order:#C3001",
            now=clock.now(),
        )
    worker = _worker(store, erp, account, clock)
    harness.fail_next(503)
    assert worker.run_once() == 1  # type: ignore[attr-defined]
    assert harness.count_sales_orders("#C3001") == 0
    clock.advance(EngineSettings().retry.cap_seconds * 2)
    assert worker.run_once() == 1  # type: ignore[attr-defined]
    clock.advance(EngineSettings().retry.cap_seconds * 2)
    assert worker.run_once() == 0  # type: ignore[attr-defined]
    assert harness.count_sales_orders("#C3001") == 1
