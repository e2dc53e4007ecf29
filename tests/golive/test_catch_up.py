"""The go-live catch-up: orders only a dry run would have posted are enqueued through the order flow,
once each; those the ERP holds through shopbridge already are left alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest
import sqlalchemy as sa

from shopbridge.bootstrap import DRY_RUN_ENV, build_services, worker_registry
from shopbridge.config import parse_settings
from shopbridge.connectors.erp.memory import MemoryErp
from shopbridge.dryrun import DRY_RUN_PREFIX, WOULD_DO_STEP
from shopbridge.dryrun.mode import dry_run_context
from shopbridge.engine import golive_state
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.cursors import get_cursor
from shopbridge.engine.job import Job, JobState
from shopbridge.engine.schema import inbox_events, jobs, order_syncs, trail
from shopbridge.engine.store import Store
from shopbridge.engine.uow import StoreUnitOfWork
from shopbridge.engine.worker import HandlerContext
from shopbridge.flows.order_to_sales_order import KIND as ORDER_KIND
from shopbridge.flows.spec import FlowContext
from shopbridge.golive.catch_up import (
    CATCH_UP_KIND,
    CURSOR,
    SETTLE,
    catch_up_orders,
    catch_up_when_live,
    handle_catch_up,
    rearm,
)
from shopbridge.golive.switch import enable_flow
from shopbridge.ports.shopify import ShopifyPort

SHOP = "shop-a"
ORDER = "gid://shopify/Order/"


def _would_do(conn: sa.Connection, number: int, kind: str, clock: FakeClock, shop: str = SHOP) -> None:
    detail = {"flow": "orders", "kind": kind, "reference": f"#{number}", "payload": {"order": {}}}
    row = {"shop": shop, "entity_id": f"{ORDER}{number}", "at": clock.now(), "step": WOULD_DO_STEP}
    conn.execute(trail.insert().values(**row, detail=detail))


def _sync(conn: sa.Connection, number: int, erp_id: str, clock: FakeClock) -> None:
    conn.execute(
        order_syncs.insert().values(
            shop=SHOP,
            order_id=f"{ORDER}{number}",
            name=f"#{number}",
            status="posted" if erp_id else "waiting",
            erp_id=erp_id,
            missing_skus=[],
            updated_at=clock.now(),
        )
    )


def _order_jobs(store: Store) -> list[tuple[str, dict[str, Any], str]]:
    with store.begin() as conn:
        query = sa.select(jobs.c.entity_key, jobs.c.payload, jobs.c.state).where(jobs.c.kind == ORDER_KIND)
        return [
            (key, dict(payload), state) for key, payload, state in conn.execute(query.order_by(jobs.c.id))
        ]


def _finish_jobs(store: Store) -> None:
    with store.begin() as conn:
        conn.execute(jobs.update().values(state="done"))


def _day(store: Store, clock: FakeClock) -> None:
    """Four orders the dry run would have posted (one twice), one it would only have written back,
    one posted live already, one whose only sync is a dry run's."""
    with store.begin() as conn:
        for number in (1001, 1002, 1002, 1003, 1005, 1006):
            _would_do(conn, number, "erp.create_sales_order", clock)
        _would_do(conn, 1004, "shopify.record_erp_order", clock)
        _sync(conn, 1005, "SO-77", clock)  # the live flow posted it already
        _sync(conn, 1006, f"{DRY_RUN_PREFIX}SO", clock)


def test_each_order_only_a_dry_run_would_have_posted_is_enqueued_once(
    store: Store, fake_clock: FakeClock
) -> None:
    _day(store, fake_clock)
    with store.begin() as conn:
        first = catch_up_orders(conn, now=fake_clock.now())
    assert [c.order_id.rsplit("/", 1)[-1] for c in first] == ["1001", "1002", "1003", "1006"]
    found = _order_jobs(store)
    assert [key for key, _, _ in found] == [f"order:{SHOP}:{n}" for n in (1001, 1002, 1003, 1006)]
    assert found[0][1] == {"order_id": f"{ORDER}1001", "source": "golive", "topic": "golive"}

    _finish_jobs(store)  # the jobs ran; a second catch-up (enable again, a restart) adds nothing
    with store.begin() as conn:
        assert catch_up_orders(conn, now=fake_clock.now()) == []
        _would_do(conn, 1007, "erp.create_sales_order", fake_clock)  # a later dry-run order still counts
        assert [c.order_id for c in catch_up_orders(conn, now=fake_clock.now())] == [f"{ORDER}1007"]
    assert len(_order_jobs(store)) == 5


def test_the_run_start_catches_up_only_when_the_orders_flow_was_switched_live(
    store: Store, fake_clock: FakeClock
) -> None:
    _day(store, fake_clock)
    assert catch_up_when_live(store, now=fake_clock.now()) == []  # never enabled
    with store.begin() as conn:
        golive_state.switch_flow(
            conn, "orders", live=True, actor="ann", override=False, reason="", now=fake_clock.now()
        )
    assert catch_up_when_live(store, now=fake_clock.now(), forced_dry=True) == []  # `run --dry-run`
    assert len(catch_up_when_live(store, now=fake_clock.now())) == 4
    assert catch_up_when_live(store, now=fake_clock.now()) == []


def test_enabling_the_orders_flow_enqueues_them_and_a_refusal_enqueues_nothing(
    store: Store, fake_clock: FakeClock
) -> None:
    settings = parse_settings({"dryrun": {"flows": ["orders", "stock"]}})
    services = build_services(settings, store=store, clock=fake_clock)
    _day(store, fake_clock)
    stock = enable_flow(services, "stock", actor="ann", override=True, reason="pilot")
    assert stock.caught_up == ()  # only the orders flow posts orders
    switched = enable_flow(services, "orders", actor="ann", override=True, reason="pilot")
    assert len(switched.caught_up) == 4 and len(_order_jobs(store)) == 4


def test_the_catch_up_runs_again_after_the_dry_run_jobs_in_flight_have_finished(
    store: Store, fake_clock: FakeClock
) -> None:
    settings = parse_settings({"dryrun": {"flows": ["orders"]}})
    services = build_services(settings, store=store, clock=fake_clock)
    _day(store, fake_clock)
    enable_flow(services, "orders", actor="ann", override=True, reason="pilot")
    with store.begin() as conn:
        again = conn.execute(sa.select(jobs).where(jobs.c.kind == CATCH_UP_KIND)).one()
        # A dry-run job that was running as the flow went live records its order afterwards.
        _would_do(conn, 1010, "erp.create_sales_order", fake_clock)
    assert again.run_after >= fake_clock.now() + SETTLE  # once the jobs in flight have finished
    job = Job(
        again.id, CATCH_UP_KIND, None, {}, 1, None, "", again.dedup_key, again.created_at, JobState.RUNNING
    )
    services.dry_run = True  # a process started with --dry-run catches up nothing
    handle_catch_up(job, HandlerContext(store, fake_clock, services))
    assert len(_order_jobs(store)) == 4
    services.dry_run = False
    handle_catch_up(job, HandlerContext(store, fake_clock, services))
    assert [key for key, _, _ in _order_jobs(store)][4:] == [f"order:{SHOP}:1010"]


def test_a_catch_up_job_that_runs_dry_is_enqueued_again_by_the_next_live_run(
    store: Store, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CATCH_UP_TOKEN", "x")
    secret = {"env": "CATCH_UP_TOKEN"}
    shop = {
        "name": SHOP,
        "domain": "shop-a.myshopify.com",
        "access_token": secret,
        "webhook_secrets": [secret],
    }
    settings = parse_settings({"shops": [shop]})
    shopify = cast(ShopifyPort, object())  # a dry-run context only wraps it
    uow = StoreUnitOfWork(store, fake_clock)
    context = FlowContext(MemoryErp(), shopify, uow, fake_clock, settings, settings.shops[0])
    with store.begin() as conn:
        _would_do(conn, 1001, "erp.create_sales_order", fake_clock)
        _would_do(conn, 1002, "erp.create_sales_order", fake_clock)
        golive_state.switch_flow(
            conn, "orders", live=True, actor="ann", override=False, reason="", now=fake_clock.now()
        )
    first, _second = catch_up_when_live(store, now=fake_clock.now())
    payload = _order_jobs(store)[0][1]
    job = Job(
        first.job_id,
        ORDER_KIND,
        first.order_id,
        payload,
        1,
        None,
        SHOP,
        None,
        fake_clock.now(),
        JobState.RUNNING,
    )
    # A worker still started with --dry-run picks the first one up: that order is not caught up.
    dry_run_context(context, store, fake_clock, "orders", job)
    _finish_jobs(store)
    assert [c.order_id for c in catch_up_when_live(store, now=fake_clock.now())] == [first.order_id]
    assert catch_up_when_live(store, now=fake_clock.now()) == []


def test_a_spawned_worker_catches_up_when_it_starts_live_and_not_when_dry(
    tmp_path: Path, store: Store, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``shopbridge worker`` processes (the deployed shape: web and workers apart) start as Runtime."""
    config = tmp_path / "shopbridge.toml"
    url = store.engine.url.render_as_string(hide_password=False)
    config.write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
    monkeypatch.setenv("SHOPBRIDGE_CONFIG", str(config))
    monkeypatch.setattr("shopbridge.bootstrap.setup_logging", lambda _settings: None)  # keep pytest's
    _day(store, fake_clock)
    with store.begin() as conn:
        golive_state.switch_flow(
            conn, "orders", live=True, actor="ann", override=False, reason="", now=fake_clock.now()
        )
    for flag, enqueued in (("1", 0), ("0", 4), ("0", 4)):
        monkeypatch.setenv(DRY_RUN_ENV, flag)
        _registry, services = worker_registry()
        services.close()
        assert len(_order_jobs(store)) == enqueued, flag


def test_a_catch_up_reads_the_trail_from_where_the_last_one_settled(
    store: Store, fake_clock: FakeClock
) -> None:
    with store.begin() as conn:
        _would_do(conn, 1001, "erp.create_sales_order", fake_clock)
    fake_clock.advance(600)
    with store.begin() as conn:
        _would_do(conn, 1002, "erp.create_sales_order", fake_clock)  # young: read again next time
        first = catch_up_orders(conn, now=fake_clock.now())
        ids = list(conn.execute(sa.select(trail.c.id).order_by(trail.c.id)).scalars())
        assert get_cursor(conn, CURSOR) == str(ids[0])
        # An order that was caught up yet has its marker gone is not read again below the cursor...
        conn.execute(inbox_events.delete().where(inbox_events.c.event_id == "1001"))
        assert catch_up_orders(conn, now=fake_clock.now()) == []
    assert [c.order_id for c in first] == [f"{ORDER}1001", f"{ORDER}1002"]
    fake_clock.advance(600)
    with store.begin() as conn:
        catch_up_orders(conn, now=fake_clock.now())
        assert get_cursor(conn, CURSOR) == str(ids[1])
    rearm(store, SHOP, f"{ORDER}1001")  # ...unless it is rearmed (a dry run took its job): read afresh
    with store.begin() as conn:
        assert [c.order_id for c in catch_up_orders(conn, now=fake_clock.now())] == [f"{ORDER}1001"]
