"""The overview (flow health, problems by owner and severity, peak mode, charts), the stock page and
the payouts page, over real HTTP, from a store seeded with what the flows leave behind."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest

from cli.live_server import serve
from cli.seeding import seed
from cli.signing import add_user, csrf_of, signed_in_client
from shopbridge import stock_admin
from shopbridge.bootstrap import Services, build_services
from shopbridge.config import parse_settings
from shopbridge.domain.access import Role
from shopbridge.domain.payout_state import DetailRow, Outcome, PayoutRecord
from shopbridge.domain.problems import ProblemKind, ProblemReport
from shopbridge.engine import audit, payouts, queue
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.problems import report_problem
from shopbridge.engine.schema import jobs, order_syncs, stock_snapshots
from shopbridge.engine.store import Store
from shopbridge.web.app import create_app
from shopbridge.web.charts import bar_chart


@pytest.fixture
def stocked(
    sqlite_store: Store, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, Services]]:
    monkeypatch.setenv("T_PAGES_SECRET", "not-a-real-secret-1234")
    secret = {"env": "T_PAGES_SECRET"}
    shop = {"name": "uk", "domain": "uk.myshopify.com", "access_token": secret, "webhook_secrets": [secret]}
    settings = parse_settings(
        {
            "shops": [shop],
            "buffers": {"default": "2", "per_sku": {"TEE-L": "5"}, "peak_default": "4"},
        }
    )
    services = build_services(settings, store=sqlite_store, clock=fake_clock)
    add_user(services, "otto", Role.OPERATOR)
    add_user(services, "vera", Role.VIEWER)
    with serve(create_app(services)) as base_url:
        yield base_url, services


def _finished_jobs(store: Store, clock: FakeClock, kind: str, minutes_ago: list[int]) -> None:
    now = clock.now()
    with store.begin() as conn:
        for ago in minutes_ago:
            job_id = queue.enqueue(conn, kind, {}, now=now - timedelta(minutes=ago + 2))
            done_at = now - timedelta(minutes=ago)
            conn.execute(jobs.update().where(jobs.c.id == job_id).values(state="done", finished_at=done_at))


def test_the_overview_shows_flow_health_problems_by_owner_and_severity_and_charts(
    stocked: tuple[str, Services], sqlite_store: Store, fake_clock: FakeClock
) -> None:
    base, _ = stocked
    seed(sqlite_store, fake_clock)
    _finished_jobs(sqlite_store, fake_clock, "shopify.order", [5, 30, 90])
    with signed_in_client(base, "vera") as client:
        page = client.get("/overview").text
    row = page.split('data-kind="shopify.order"')[1].split("</tr>")[0]
    cells = [c.split("</td>")[0] for c in row.split("<td>")[2:]]
    last = (fake_clock.now() - timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M:%S UTC")
    assert cells == [last, "5m", "2", "3", "0", "0"]
    assert 'data-kind="payouts.post"' in page and "No reconciliation report yet today." in page
    matrix = page.split('data-team="finance"')[1].split("</tr>")[0]
    assert "team=finance&amp;severity=error" in matrix  # the seeded payout mismatch
    assert page.count("<svg") == 4 and "jobs done per hour" in page
    assert "turn peak mode on" not in page  # a viewer has no switch


def test_an_operator_turns_peak_mode_on_from_the_overview_audited(
    stocked: tuple[str, Services], sqlite_store: Store
) -> None:
    base, services = stocked
    with signed_in_client(base, "otto") as client:
        page = client.get("/overview").text
        assert 'id="peak-state">off' in page
        done = client.post("/overview/peak", data={"csrf_token": csrf_of(page), "peak": "on"})
        assert done.status_code == 303
        assert 'id="peak-state">on' in client.get("/overview").text
    assert stock_admin.is_peak(services)
    with sqlite_store.begin() as conn:
        entries = audit.list_audit(conn, entity_type="stock", entity_id="peak")
    assert [(e.action, e.actor) for e in entries] == [("peak_on", "otto")]


def test_a_viewer_cannot_switch_peak_mode(stocked: tuple[str, Services]) -> None:
    base, services = stocked
    with signed_in_client(base, "vera") as client:
        page = client.get("/overview").text
        assert (
            client.post("/overview/peak", data={"csrf_token": csrf_of(page), "peak": "on"}).status_code == 403
        )
    assert not stock_admin.is_peak(services)


def test_the_stock_page_shows_drift_by_sku_and_location_buffers_and_last_pushes(
    stocked: tuple[str, Services], sqlite_store: Store, fake_clock: FakeClock
) -> None:
    base, _ = stocked
    now = fake_clock.now()
    worst = [
        {
            "sku": "MUG-01",
            "location_id": "gid://shopify/Location/7",
            "inventory_item_id": "i1",
            "shopify": 9,
            "expected": 4,
            "difference": 5,
        }
    ]
    report = ProblemReport(
        ProblemKind.STOCK_MISMATCH,
        "stock_audit",
        "uk",
        "drift",
        shop="uk",
        details={"drift": 3, "repaired": 3, "worst": worst},
    )
    with sqlite_store.begin() as conn:
        report_problem(conn, report, now=now)
        conn.execute(
            stock_snapshots.insert().values(
                shop="uk",
                location_id="gid://shopify/Location/7",
                inventory_item_id="i1",
                sku="MUG-01",
                quantity=4,
                pushed_at=now,
            )
        )
    with signed_in_client(base, "vera") as client:
        page = client.get("/stock").text
    drift = page.split('class="drift"')[1].split("</table>")[0]
    assert "MUG-01" in drift and "gid://shopify/Location/7" in drift and "+5" in drift
    buffers = page.split('id="buffers"')[1].split("</table>")[0]
    assert "sku TEE-L" in buffers and "5 units" in buffers and "default" in buffers
    assert "The most specific rule wins" in page
    pushes = page.split('id="pushes"')[1].split("</table>")[0]
    assert "MUG-01" in pushes and "<td>4</td>" in pushes
    assert "levels in drift per audit" in page


def test_the_payouts_page_lists_a_payout_its_entry_its_transactions_and_a_csv(
    stocked: tuple[str, Services], sqlite_store: Store, fake_clock: FakeClock
) -> None:
    base, _ = stocked
    record = PayoutRecord(
        shop="uk",
        payout_id="gid://shopify/ShopifyPaymentsPayout/623721858",
        issued_at=fake_clock.now(),
        status="paid",
        currency="GBP",
        net=Decimal("97.10"),
        outcome=Outcome.POSTED,
        erp_id="J-1",
        erp_reference="PAYOUT-623721858",
        detail=(
            DetailRow(
                "t1",
                "charge",
                "sale",
                Decimal("100.00"),
                Decimal("2.90"),
                Decimal("97.10"),
                "gid://shopify/Order/1",
                "#1001",
            ),
        ),
    )
    with sqlite_store.begin() as conn:
        payouts.save_record(conn, record, now=fake_clock.now())
        conn.execute(
            order_syncs.insert().values(
                shop="uk",
                order_id="gid://shopify/Order/1",
                name="#1001",
                status="posted",
                erp_number="SO-1",
                missing_skus=[],
                updated_at=fake_clock.now(),
            )
        )
    with signed_in_client(base, "vera") as client:
        listing = client.get("/payouts").text
        assert 'data-payout="623721858"' in listing and "PAYOUT-623721858" in listing
        detail = client.get("/payouts/623721858").text
        assert "97.10 GBP" in detail and "#1001" in detail and "SO-1" in detail
        csv = client.get("/payouts/623721858/csv")
        assert csv.headers["content-type"].startswith("text/csv")
        assert "t1" in csv.text and "SO-1" in csv.text
        assert client.get("/payouts/999").status_code == 404


def test_a_bar_chart_escapes_its_labels_and_scales_to_the_highest_value() -> None:
    svg = str(bar_chart([("<b>", 1.0), ("b", 4.0)], title="t<script>"))
    assert "<script>" not in svg and "&lt;b&gt;" in svg
    heights = [float(h.split('"')[0]) for h in svg.split('height="')[1:]]
    assert heights == [40.0, 160.0]


def test_the_api_serves_the_same_data_as_the_pages(
    stocked: tuple[str, Services], sqlite_store: Store, fake_clock: FakeClock
) -> None:
    base, _ = stocked
    _finished_jobs(sqlite_store, fake_clock, "stock.push", [10])
    with signed_in_client(base, "vera") as client:
        view = client.get("/api/overview").json()
        stock = client.get("/api/stock").json()
        assert client.get("/api/payouts").json() == []
        assert client.get("/api/payouts/1").status_code == 404
    [flow] = view["flows"]
    assert (flow["kind"], flow["done_last_hour"], flow["lag_seconds"]) == ("stock.push", 1, 600.0)
    assert view["peak"] is False and view["reconciliation"] is None
    assert sum(n for _, n in view["charts"]["jobs_per_hour"]) == 1
    assert {(b["scope"], b["key"], b["amount"]) for b in stock["buffers"]} >= {("sku", "TEE-L", "5")}
    assert stock["drift"] == [] and stock["pushes"] == []
