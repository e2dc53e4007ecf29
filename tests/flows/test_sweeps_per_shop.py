"""Scheduled flows run once per configured shop, each with that shop's settings and Shopify client.

Before, a sweep job carried no shop and every scheduled flow ran for the first ``[[shops]]`` entry
only: a second store's stock push, payouts or dispatches never ran. The scheduler, the worker and
the composition root are the real ones here; the flow's handler records what it was given.
"""

from __future__ import annotations

import pytest

from shopbridge import bootstrap
from shopbridge.bootstrap import Runtime, build_services
from shopbridge.config import parse_settings
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.job import Job
from shopbridge.engine.store import Store
from shopbridge.engine.worker import Worker
from shopbridge.flows import FLOWS
from shopbridge.flows.spec import Flow, FlowContext


def shop(name: str) -> dict[str, object]:
    return {
        "name": name,
        "domain": f"brand-{name}.myshopify.com",
        "access_token": {"env": f"SWEEP_TOKEN_{name.upper()}"},
        "webhook_secrets": [{"env": "SWEEP_SECRET"}],
    }


def test_a_second_shops_payout_sweep_runs_with_its_own_client(
    monkeypatch: pytest.MonkeyPatch, fake_clock: FakeClock
) -> None:
    for name in ("SWEEP_TOKEN_UK", "SWEEP_TOKEN_EU", "SWEEP_SECRET", "SWEEP_TRYTON"):
        monkeypatch.setenv(name, f"{name.lower()}-value")
    settings = parse_settings(
        {
            "shops": [
                shop("uk"),
                {**shop("eu"), "restore_rate": 1000.0, "order_reference_prefix": "EU-"},  # eu: Shopify Plus
            ],
            "schedules": {"order_sweep": 0, "alerts": 0},  # only the flow's sweep here
            "erp": {
                "vendor": "tryton",
                "tryton": {"url": "http://127.0.0.1:9", "database": "x", "password": {"env": "SWEEP_TRYTON"}},
            },
        }
    )
    ran: list[tuple[str, str, object]] = []

    def record(job: Job, ctx: FlowContext) -> None:
        ran.append((job.shop, ctx.shop.name, ctx.shopify))

    payouts = next(flow for flow in FLOWS if flow.kind == "sweep.payouts")
    recording = Flow(switch=payouts.switch, kind=payouts.kind, handle=record, schedule=payouts.schedule)
    monkeypatch.setattr(bootstrap, "FLOWS", [recording])
    store = Store.connect("sqlite://")
    store.migrate()
    services = build_services(settings, store=store, clock=fake_clock)
    monkeypatch.setattr(type(services), "erp", property(lambda self: None))  # the recorder needs none
    runtime = Runtime(services, threads=1)
    runtime.scheduler.sync()
    assert runtime.scheduler.tick() == ["payouts"]
    worker = Worker(store, runtime.registry, clock=fake_clock, services=services)
    while worker.run_once():
        pass
    assert sorted((job_shop, ctx_shop) for job_shop, ctx_shop, _ in ran) == [("eu", "eu"), ("uk", "uk")]
    clients = {job_shop: client for job_shop, _, client in ran}
    assert clients["eu"] is services.shopify("eu") and clients["uk"] is services.shopify("uk")
    assert clients["eu"] is not clients["uk"]
    # Each store's own cost budget, at its own plan's rate: one store's spending never pauses the other.
    assert clients["eu"].budget is not clients["uk"].budget
    assert (clients["uk"].budget.restore_rate, clients["eu"].budget.restore_rate) == (100.0, 1000.0)
    store.close()
