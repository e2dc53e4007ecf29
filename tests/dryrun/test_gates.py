"""The go-live gates that judge shopbridge's own records, the alert test, and enabling a flow."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from cli.live_server import serve
from shopbridge.bootstrap import Services, build_services
from shopbridge.config import parse_settings
from shopbridge.domain.problems import ProblemKind, ProblemReport, Team
from shopbridge.engine import queue
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.problems import report_problem
from shopbridge.engine.schema import audit, jobs
from shopbridge.engine.store import Store
from shopbridge.errors import BadInput
from shopbridge.golive import gates
from shopbridge.golive.gates import Gate
from shopbridge.golive.switch import Refused, enable_flow, send_test_alerts


def services_of(store: Store, clock: FakeClock, **config: Any) -> Services:
    return build_services(parse_settings(config), store=store, clock=clock)


@pytest.fixture
def hook() -> Iterator[tuple[list[dict[str, Any]], str]]:
    received: list[dict[str, Any]] = []

    async def endpoint(request: Request) -> JSONResponse:
        received.append(await request.json())
        return JSONResponse({"ok": True})

    with serve(Starlette(routes=[Route("/hook", endpoint, methods=["POST"])])) as base_url:
        yield received, base_url


def test_owners_gate_names_each_team_without_an_owner(store: Store, fake_clock: FakeClock) -> None:
    some = services_of(store, fake_clock, golive={"owners": {"finance": "Ann", "technical": "Raj"}})
    gate = gates.owners_gate(some)
    assert not gate.passed and gate.detail == "no owner for operations, ecommerce, merchandising"
    every = services_of(store, fake_clock, golive={"owners": {t.value: "Ann" for t in Team}})
    assert gates.owners_gate(every).passed


def test_the_dry_run_gate_needs_n_days_without_dead_jobs_or_problems(
    store: Store, fake_clock: FakeClock
) -> None:
    services = services_of(store, fake_clock, dryrun={"flows": ["orders"], "clean_days": 3})
    assert "never ran" in gates.dry_run_gate(services, ["orders"]).detail
    with store.begin() as conn:
        queue.enqueue(conn, "shopify.order", {}, dedup_key="o1", now=fake_clock.now())
    fake_clock.advance(86400)
    young = gates.dry_run_gate(services, ["orders"])
    assert not young.passed and "under 3 days ago" in young.detail
    fake_clock.advance(3 * 86400)
    assert gates.dry_run_gate(services, ["orders"]).passed
    with store.begin() as conn:
        conn.execute(sa.update(jobs).values(state="dead", updated_at=fake_clock.now()))
        report_problem(
            conn,
            ProblemReport(ProblemKind.UNKNOWN_SKU, "order", "gid://shopify/Order/1", "no SKU"),
            now=fake_clock.now(),
        )
    dirty = gates.dry_run_gate(services, ["orders"])
    assert not dirty.passed
    assert "1 dead shopify.order job(s)" in dirty.detail and "1 unknown_sku problem(s) opened" in dirty.detail
    assert gates.dry_run_gate(services, ["payouts"]).detail.startswith("payouts never ran")


def test_alert_routes_pass_once_a_test_was_delivered_through_each(
    store: Store,
    fake_clock: FakeClock,
    hook: tuple[list[dict[str, Any]], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    received, base_url = hook
    monkeypatch.setenv("T_GOOD", f"{base_url}/hook")
    monkeypatch.setenv("T_BAD", f"{base_url}/nowhere")
    routes = [
        {"name": "good", "channel": "webhook", "url": {"env": "T_GOOD"}},
        {"name": "bad", "channel": "webhook", "url": {"env": "T_BAD"}},
    ]
    services = services_of(store, fake_clock, alerts={"routes": routes})
    assert gates.alerts_gate(services).detail == "good: never tested; bad: never tested"
    results = {r.route: r for r in send_test_alerts(services)}
    assert results["good"].ok and not results["bad"].ok
    assert len(received) == 1 and "test alert" in str(received[0])
    gate = gates.alerts_gate(services)
    assert not gate.passed and gate.detail.startswith("bad: last test failed")
    with pytest.raises(BadInput, match="no alert route named nope"):
        send_test_alerts(services, ["nope"])


def test_enable_is_refused_while_a_gate_fails_and_an_override_needs_a_reason(
    store: Store, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = services_of(store, fake_clock, dryrun={"flows": ["orders"]})
    verdicts = [Gate("one", True, "fine"), Gate("two", False, "broken", "mend it")]
    monkeypatch.setattr("shopbridge.golive.switch.check_gates", lambda _s, _f: verdicts)
    with pytest.raises(Refused, match="gate\\(s\\) failing: two"):
        enable_flow(services, "orders", actor="ann")
    with pytest.raises(BadInput, match="needs a reason"):
        enable_flow(services, "orders", actor="ann", override=True, reason=" ")
    with pytest.raises(BadInput, match="the flows are: orders, stock"):
        enable_flow(services, "order", actor="ann")
    from shopbridge.dryrun.mode import runs_dry

    assert runs_dry(services.settings, store, "orders")
    switched = enable_flow(services, "orders", actor="ann", override=True, reason="pilot")
    assert switched.override and not runs_dry(services.settings, store, "orders")
    verdicts[1] = Gate("two", True, "mended")
    enable_flow(services, "orders", actor="raj")  # every gate passes: no override recorded
    with store.begin() as conn:
        entries = conn.execute(sa.select(audit).order_by(audit.c.id)).all()
    assert [(e.actor, e.detail["override"], e.detail["reason"]) for e in entries] == [
        ("ann", True, "pilot"),
        ("raj", False, ""),
    ]


def test_spawned_workers_run_dry_when_asked(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shopbridge.bootstrap import DRY_RUN_ENV, worker_registry

    config = tmp_path / "shopbridge.toml"
    url = store.engine.url.render_as_string(hide_password=False)
    config.write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
    monkeypatch.setenv("SHOPBRIDGE_CONFIG", str(config))
    monkeypatch.setattr("shopbridge.bootstrap.setup_logging", lambda _settings: None)  # keep pytest's
    for flag, dry in (("1", True), ("0", False)):
        monkeypatch.setenv(DRY_RUN_ENV, flag)
        _registry, services = worker_registry()
        try:
            assert services.dry_run is dry
        finally:
            services.close()
