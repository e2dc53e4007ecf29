"""The reconciliation page, its downloads and ``/api/reconciliation``, and today's checkpoints on the
overview, over real HTTP, from reports kept the way the daily reconciliation keeps them."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from cli.live_server import serve
from cli.signing import add_user, signed_in_client
from shopbridge.bootstrap import build_services
from shopbridge.config import parse_settings
from shopbridge.domain.access import Role
from shopbridge.domain.reconciliation import (
    CheckpointResult,
    DayReport,
    Mismatch,
    StockFact,
    Verdict,
    check_orders,
    check_stock,
    not_checkable,
)
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.store import Store
from shopbridge.engine.uow import StoreUnitOfWork
from shopbridge.flows import daily_reconciliation
from shopbridge.web.app import create_app
from shopbridge.web.charts import verdict_grid

MISSING = Mismatch(
    "refunds", "refund:9", "missing", "refund 9 of #1009 has no credit note", {"order": "#1009"}
)


@pytest.fixture
def served(sqlite_store: Store, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("T_RECON_SECRET", "not-a-real-secret-1234")
    secret = {"env": "T_RECON_SECRET"}
    shop = {"name": "uk", "domain": "uk.myshopify.com", "access_token": secret, "webhook_secrets": [secret]}
    services = build_services(parse_settings({"shops": [shop]}), store=sqlite_store, clock=fake_clock)
    add_user(services, "vera", Role.VIEWER)
    with serve(create_app(services)) as base_url:
        yield base_url


def keep(services_store: Store, clock: FakeClock, day: date, *, failing: bool) -> None:
    """Keep a day's report as the flow does, with the problem it raises per mismatch."""
    refunds = (
        CheckpointResult("refunds", Verdict.FAIL, 1, (MISSING,))
        if failing
        else CheckpointResult("refunds", Verdict.PASS, 1)
    )
    checkpoints = (
        check_orders([], {}),
        refunds,
        not_checkable("tax", "the Shopify port cannot list the day's orders"),
        check_stock(StockFact(0)),
    )
    report = DayReport("uk", day.isoformat(), checkpoints)
    with StoreUnitOfWork(services_store, clock).begin() as tx:
        for mismatch in report.mismatches:
            tx.report_problem(daily_reconciliation._problem("uk", day, mismatch))
        tx.save_reconcile_report(report)


def test_a_viewer_reads_a_kept_day_with_owners_problems_and_neighbours(
    served: str, sqlite_store: Store, fake_clock: FakeClock
) -> None:
    today = fake_clock.now().date()
    for back, failing in ((3, False), (2, True), (1, False)):
        keep(sqlite_store, fake_clock, today - timedelta(days=back), failing=failing)
    failing_day = (today - timedelta(days=2)).isoformat()
    with signed_in_client(served, "vera") as client:
        page = client.get("/reconciliation", params={"date": failing_day}).text
        latest = client.get("/reconciliation").text
        missing = client.get("/reconciliation", params={"date": "2001-01-01"}).text
        bad = client.get("/reconciliation", params={"date": "yesterday"})
    refunds = page.split('data-checkpoint="refunds"')[1].split("</tr>")[0]
    assert 'data-verdict="fail"' in refunds and "refund 9 of #1009 has no credit note" in refunds
    assert "team=finance" in refunds  # a ledger mismatch is finance's
    assert 'class="problem-link"' in refunds and '/problems/1"' in refunds and "(open)" in refunds
    tax = page.split('data-checkpoint="tax"')[1].split("</tr>")[0]
    assert 'data-verdict="not_checkable"' in tax and "cannot list the day" in tax
    assert (
        f"date={(today - timedelta(days=3)).isoformat()}" in page.split('id="previous-day"')[1].split(">")[0]
    )
    assert f"date={(today - timedelta(days=1)).isoformat()}" in page.split('id="next-day"')[1].split(">")[0]
    assert 'data-passed="false"' in page and page.count("<svg") == 2 and "verdict-fail" in page
    assert (today - timedelta(days=1)).isoformat() in latest.split('id="verdict"')[1].split("</h2>")[0]
    assert 'id="next-day"' not in latest and 'data-passed="false"' in latest  # tax is not checkable
    assert "No reconciliation of uk is kept for 2001-01-01." in missing
    assert bad.status_code == 400
    assert '/reconciliation">reconciliation</a>' in latest  # in the navigation


def test_the_downloads_and_the_api_carry_the_kept_report(
    served: str, sqlite_store: Store, fake_clock: FakeClock
) -> None:
    today = fake_clock.now().date()
    day = (today - timedelta(days=1)).isoformat()
    keep(sqlite_store, fake_clock, today - timedelta(days=2), failing=False)
    keep(sqlite_store, fake_clock, today - timedelta(days=1), failing=True)
    with signed_in_client(served, "vera") as client:
        sheet = client.get("/reconciliation.csv", params={"date": day})
        document = client.get("/reconciliation.json", params={"date": day})
        api = client.get("/api/reconciliation", params={"date": day}).json()
        assert client.get("/api/reconciliation", params={"date": "2001-01-01"}).status_code == 404
        assert client.get("/api/reconciliation", params={"date": "1 May"}).status_code == 400
        documented = client.get("/api/openapi.json").json()["paths"]
    rows = list(csv.reader(io.StringIO(sheet.text)))
    assert rows[0] == ["checkpoint", "verdict", "key", "what", "message"]
    assert ["refunds", "fail", "refund:9", "missing", MISSING.message] in rows
    assert f'filename="reconciliation-uk-{day}.csv"' in sheet.headers["content-disposition"]
    assert document.json()["checkpoints"]["refunds"]["mismatches"][0]["key"] == "refund:9"
    refunds = api["checkpoints"]["refunds"]
    assert refunds["team"] == "finance" and refunds["verdict"] == "fail"
    assert refunds["mismatches"][0]["problem_id"] is not None and api["next"] is None
    assert api["previous"] == (today - timedelta(days=2)).isoformat()
    assert [(d["day"], d["mismatches"]) for d in api["trend"]] == [(api["previous"], 0), (day, 1)]
    assert api["trend"][1]["verdicts"]["refunds"] == "fail"
    assert "get" in documented["/api/reconciliation"]


def test_the_overview_shows_the_checkpoints_kept_for_today(
    served: str, sqlite_store: Store, fake_clock: FakeClock
) -> None:
    keep(sqlite_store, fake_clock, fake_clock.now().date() - timedelta(days=5), failing=True)
    with signed_in_client(served, "vera") as client:
        stale = client.get("/overview").text
        keep(sqlite_store, fake_clock, fake_clock.now().date() - timedelta(days=1), failing=True)
        page = client.get("/overview").text
        view = client.get("/api/overview").json()
    assert "No reconciliation report yet today." in stale  # a week-old report is not today's
    item = page.split('<li data-checkpoint="refunds"')[1].split("</li>")[0]
    assert 'data-verdict="fail"' in item and "(1 mismatch)" in item
    verdicts = {(r["checkpoint"], r["verdict"]) for r in view["reconciliation"]}
    assert verdicts == {("orders", "pass"), ("refunds", "fail"), ("tax", "not_checkable"), ("stock", "pass")}


def test_the_verdict_grid_colours_each_day_and_escapes_its_labels() -> None:
    svg = str(
        verdict_grid(
            [("d1", {"orders": "pass"}), ("<d2>", {"orders": "fail", "tax": "not_checkable"})],
            ["orders", "tax"],
            title="t<script>",
        )
    )
    assert "<script>" not in svg and "&lt;d2&gt;" in svg
    assert svg.count('class="verdict-pass"') == 1 and svg.count('class="verdict-fail"') == 1
    assert svg.count('class="verdict-not_checkable"') == 1 and svg.count('class="verdict-none"') == 1
