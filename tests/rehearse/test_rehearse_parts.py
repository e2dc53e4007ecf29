"""The rehearsal's parts on their own: the ERP gate, the store it empties, the figures and the report."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from shopbridge.errors import ConfigurationError
from shopbridge.rehearse.database import prepare_database
from shopbridge.rehearse.erp_gate import ErpGate
from shopbridge.rehearse.metrics import bound_by, kept_up, slot_seconds_per_request, throughput
from shopbridge.rehearse.report import REPORT_FILES, clear_reports, render_html, write_reports
from shopbridge.rehearse.sampler import Sample
from shopbridge.sandbox.serving import ServerThread


async def echo(request: Request) -> JSONResponse:
    return JSONResponse(
        {"method": request.method, "path": request.url.path, "query": request.url.query,
         "body": (await request.body()).decode(), "auth": request.headers.get("authorization")},
        status_code=201,
    )  # fmt: skip


@pytest.fixture
def upstream() -> Iterator[str]:
    server = ServerThread(Starlette(routes=[Route("/{path:path}", echo, methods=["GET", "POST"])]))
    yield server.start()
    server.stop()


def gate_on(upstream: str, **options: Any) -> tuple[ErpGate, str]:
    gate = ErpGate(**{"concurrency": 2, "latency": 0.0, "error_rate": 0.0, "seed": 1, **options})
    return gate, gate.start(upstream)


def test_the_gate_forwards_method_path_query_body_and_headers(upstream: str) -> None:
    gate, url = gate_on(upstream)
    try:
        answer = httpx.post(
            f"{url}/api/sop?$filter=code eq 'A'", content=b'{"x":1}', headers={"Authorization": "Bearer t"}
        )
    finally:
        gate.stop()
    assert answer.status_code == 201
    assert answer.json() == {
        "method": "POST",
        "path": "/api/sop",
        "query": "$filter=code%20eq%20'A'",  # as sent
        "body": '{"x":1}',
        "auth": "Bearer t",
    }
    assert (gate.stats.served, gate.stats.peak_in_flight, gate.stats.in_flight) == (1, 1, 0)


def test_in_an_outage_every_request_is_refused_503_before_it_reaches_the_erp(upstream: str) -> None:
    gate, url = gate_on(upstream)
    try:
        gate.outage(600)
        answers = [httpx.get(f"{url}/items") for _ in range(3)]
    finally:
        gate.stop()
    assert [(a.status_code, a.headers["retry-after"]) for a in answers] == [(503, "1")] * 3
    assert (gate.stats.refused_outage, gate.stats.served) == (3, 0)


def test_an_error_rate_of_one_refuses_all_and_of_zero_none(upstream: str) -> None:
    gate, url = gate_on(upstream, error_rate=1.0)
    try:
        refused = httpx.get(f"{url}/items").status_code
        gate.error_rate = 0.0
        served = httpx.get(f"{url}/items").status_code
    finally:
        gate.stop()
    assert (refused, served) == (503, 201)
    assert (gate.stats.refused_errors, gate.stats.served) == (1, 1)


def test_the_gate_counts_what_it_answered_by_route_in_a_window(upstream: str) -> None:
    gate, url = gate_on(upstream)
    try:
        before = time.monotonic()
        httpx.get(f"{url}/api/sop_orders/42")
        httpx.get(f"{url}/api/sop_orders/43")
        httpx.post(f"{url}/api/sop_orders")
        after = time.monotonic()
        httpx.get(f"{url}/api/products")
        gate.outage(600)
        httpx.get(f"{url}/api/products")  # refused: not an answer of the ERP's
    finally:
        gate.stop()
    assert gate.routes_between(before, after) == {"GET /api/sop_orders": 2, "POST /api/sop_orders": 1}
    assert sum(gate.routes_between(before, time.monotonic()).values()) == 4


def test_sqlite_starts_clean_in_the_workdir(tmp_path: Path) -> None:
    (tmp_path / "rehearsal.db").write_text("old")
    (tmp_path / "rehearsal.db-wal").write_text("old")
    url = prepare_database(None, tmp_path)
    assert url == f"sqlite:///{(tmp_path / 'rehearsal.db').resolve()}"
    assert not (tmp_path / "rehearsal.db").exists() and not (tmp_path / "rehearsal.db-wal").exists()


@pytest.mark.postgres
def test_a_database_holding_tables_it_did_not_make_is_refused_not_wiped(tmp_path: Path, pg_url: Any) -> None:
    url = pg_url()  # migrated: shopbridge's tables, as a real installation's would be
    with pytest.raises(ConfigurationError, match=r"--database: .* holds .* tables"):
        prepare_database(url, tmp_path)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert "jobs" in sa.inspect(conn).get_table_names()
    engine.dispose()


@pytest.mark.postgres
def test_a_database_the_rehearsal_used_is_emptied_on_the_next_run(tmp_path: Path, pg_url: Any) -> None:
    url = prepare_database(pg_url.empty(), tmp_path)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE leftover (id int)"))
    assert prepare_database(url, tmp_path) == url
    with engine.connect() as conn:
        assert sa.inspect(conn).get_table_names() == []
    engine.dispose()


def sample(at: float, done: dict[str, int]) -> Sample:
    return Sample(at, 0, 0, 0.0, done, 0, 0, 0.0)


def test_throughput_is_jobs_done_per_second_between_samples_per_kind() -> None:
    samples = [sample(0, {}), sample(0.5, {"shopify.order": 4}), sample(1.0, {"shopify.order": 5, "x": 0})]
    assert throughput(samples) == {"shopify.order": [[0.5, 8.0], [1.0, 2.0]]}


def test_the_bound_is_the_limit_used_most_when_it_is_nearly_full() -> None:
    assert bound_by(0.95, 0.3) == "the ERP's concurrency"
    assert bound_by(0.3, 0.9) == "the Shopify cost budget"
    assert bound_by(0.5, 0.4).startswith("neither")


def test_below_both_limits_the_bound_is_the_workers_when_the_orders_were_done_slower_than_placed() -> None:
    # 120 orders placed in 20 s (6/s): done at 2/s the workers fell behind; at 5.5/s they kept up
    assert kept_up(2.0, 120, 20.0) is False and kept_up(5.5, 120, 20.0) is True
    assert kept_up(1.0, 1, 0.0) is None  # one order has no rate
    assert bound_by(0.5, 0.4, kept_up(2.0, 120, 20.0)).startswith("neither limit: the workers (")
    assert bound_by(0.5, 0.4, True).startswith("neither limit: the order rate (")
    assert bound_by(0.95, 0.3, False) == "the ERP's concurrency"  # a full limit is the bound regardless


def test_an_erp_requests_slot_time_is_the_busy_slot_seconds_over_the_requests() -> None:
    assert slot_seconds_per_request(63.0, 300) == 0.21
    assert slot_seconds_per_request(0.0, 0) is None


def a_result(ok: bool) -> dict[str, Any]:
    return {
        "scenario": {"name": "bad-day"},
        "erp": "sage200",
        "database": "postgresql",
        "workers": 3,
        "ok": ok,
        "findings": [] if ok else [{"check": "orders lost", "detail": "1 paid orders", "entities": ["#1"]}],
        "peak": {
            "orders_placed": 2, "orders_per_second_sustained": 1.0, "peak_backlog": 5,
            "peak_queue_age_seconds": 1.5, "time_to_drain_seconds": 3.0,
            "events": [{"at": 1.0, "event": "erp outage", "detail": "<20 s>"}],
        },
        "limits": {
            "erp_concurrency_share_used": 0.5, "shopify_budget_share_used": 0.2,
            "shopify_budget_share_used_by_stock_push": 0.1, "shopify_throttled": 3, "bound_by": "neither",
            "erp_slot_seconds_per_request": 0.31, "erp_latency_seconds": 0.15,
        },
        "oversells": {"units": 2, "by_sku": [{"sku": "TEE-S", "erp_stock": 1, "sold": 3, "oversold": 2,
                                             "cause": "lag"}]},
        "workers_killed": 1,
        "series": {"queue": [[0.5 * n, n, n / 2] for n in range(300)],
                   "throughput": {"shopify.order": [[0.5, 2.0], [1.0, 4.0]]}},
    }  # fmt: skip


def test_the_html_report_has_the_verdict_the_findings_and_inline_svg_charts() -> None:
    html = render_html(a_result(ok=False))
    assert "<strong>FAIL</strong>" in html and "orders lost: 1 paid orders: #1" in html
    assert html.count("<svg") == 3 and "Queue depth" in html and "shopify.order per second" in html
    assert "&lt;20 s&gt;" in html and "<20 s>" not in html  # escaped
    assert "<td>TEE-S</td><td>1</td><td>3</td><td>2</td><td>lag</td>" in html
    assert "<th>ERP slot held per request (s)</th><td>0.31</td>" in html
    assert html.count("<rect") <= 2 * 120 + 2  # long series are thinned to at most 120 bars per chart
    assert "<script" not in html and "http" not in html  # nothing fetched: charts are inline


def test_reports_are_written_whole_and_cleared_on_the_next_start(tmp_path: Path) -> None:
    json_path, html_path = write_reports(tmp_path, a_result(ok=True))
    assert json.loads(json_path.read_text())["ok"] is True and "PASS" in html_path.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(REPORT_FILES)  # no partial file left
    clear_reports(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_phase_mark_just_after_a_sample_makes_no_rate_spike() -> None:
    samples = [sample(0, {"k": 0}), sample(0.01, {"k": 1}), sample(0.5, {"k": 5})]
    assert throughput(samples) == {"k": [[0.5, 10.0]]}
