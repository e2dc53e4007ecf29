"""The JSON API behind the dashboard's buttons, on SQLite and PostgreSQL, signed in as an operator."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from cli.live_server import serve
from cli.seeding import Seeded, seed
from cli.signing import add_user, signed_in_client
from shopbridge.bootstrap import build_services
from shopbridge.config import Settings
from shopbridge.domain.access import Role
from shopbridge.engine import audit
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.store import Store
from shopbridge.web.app import create_app


@pytest.fixture
def seeded(store: Store, fake_clock: FakeClock) -> Seeded:
    return seed(store, fake_clock)


@pytest.fixture
def client(store: Store, fake_clock: FakeClock) -> Iterator[httpx.Client]:
    services = build_services(Settings(), store=store, clock=fake_clock)
    add_user(services, "dora", Role.OPERATOR)
    with serve(create_app(services)) as base_url, signed_in_client(base_url, "dora") as client:
        yield client


def test_status_reports_queue_and_problem_counts(client: httpx.Client, seeded: Seeded) -> None:
    body = client.get("/api/status").json()
    assert {(r["kind"], r["state"], r["count"]) for r in body["queue"]} == {
        ("orders.create", "pending", 3),
        ("stock.push", "pending", 1),
        ("payouts.post", "dead", 1),
    }
    assert sum(r["count"] for r in body["problems"]) == 4


def test_problems_filter_by_team_and_severity(client: httpx.Client, seeded: Seeded) -> None:
    found = client.get("/api/problems", params={"team": "operations", "severity": "warning"}).json()
    assert [p["id"] for p in found] == [seeded.problem_ids["operations"]]
    assert client.get("/api/problems", params={"team": "nobody"}).status_code == 400


def test_resolve_closes_the_problem_and_audits_the_actor(
    client: httpx.Client, seeded: Seeded, store: Store
) -> None:
    problem_id = seeded.problem_ids["finance"]
    response = client.post(f"/api/problems/{problem_id}/resolve", json={"note": "bank fee"})
    assert response.status_code == 200, response.text
    assert response.json()["problem"]["status"] == "resolved"
    with store.begin() as conn:
        entry = audit.list_audit(conn, entity_type="problem", entity_id=str(problem_id))[0]
    assert (entry.action, entry.actor, entry.detail["note"]) == ("problem.resolve", "dora", "bank fee")
    again = client.post(f"/api/problems/{problem_id}/resolve", json={})
    assert again.status_code == 409 and "already resolved" in again.json()["error"]


def test_ignore_needs_a_reason(client: httpx.Client, seeded: Seeded) -> None:
    url = f"/api/problems/{seeded.problem_ids['merchandising']}/ignore"
    assert client.post(url, json={}).status_code == 400
    response = client.post(url, json={"reason": "discontinued SKU"})
    assert response.status_code == 200 and response.json()["problem"]["status"] == "ignored"


def test_replay_requeues_a_dead_job(client: httpx.Client, seeded: Seeded) -> None:
    response = client.post(f"/api/jobs/{seeded.dead_id}/replay", json={})
    assert response.status_code == 200, response.text
    assert response.json()["job"]["state"] == "pending"
    assert client.get("/api/jobs", params={"state": "dead"}).json() == []
    assert client.post(f"/api/jobs/{seeded.dead_id}/replay", json={}).status_code == 409


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        (
            {"content": b"actor=mallory", "headers": {"content-type": "application/x-www-form-urlencoded"}},
            400,
        ),
        ({"content": b"[1]", "headers": {"content-type": "application/json"}}, 400),
    ],
    ids=["form post", "not an object"],
)
def test_actions_refuse_non_json_requests(
    client: httpx.Client, seeded: Seeded, kwargs: dict[str, object], status: int
) -> None:
    response = client.post(f"/api/problems/{seeded.problem_ids['finance']}/resolve", **kwargs)  # type: ignore[arg-type]
    assert response.status_code == status


def test_unknown_ids_answer_404(client: httpx.Client, seeded: Seeded) -> None:
    assert client.post("/api/problems/999/resolve", json={}).status_code == 404
    assert client.post("/api/jobs/999/replay", json={}).status_code == 404
    assert client.get("/problems/999").status_code == 404


def test_healthz_answers_when_the_store_does(client: httpx.Client) -> None:
    assert client.get("/healthz").json() == {"ok": True}


def test_metrics_expose_queue_problems_and_engine_counters(
    client: httpx.Client, seeded: Seeded, store: Store
) -> None:
    from shopbridge.engine import counters

    with store.begin() as conn:
        counters.increment(conn, "webhooks.received", 3)
    text = client.get("/metrics").text
    assert 'shopbridge_jobs{kind="orders.create",state="pending"} 3.0' in text
    assert 'shopbridge_problems_open{severity="error",team="finance"} 1.0' in text
    assert "shopbridge_webhooks_received_total 3.0" in text


def test_dashboard_lists_problems_grouped_by_team(client: httpx.Client, seeded: Seeded) -> None:
    page = client.get("/").text
    for team in ("finance", "operations", "merchandising", "technical"):
        assert f'id="team-{team}"' in page
    assert "payout 9 is 0.01 GBP short" in page
    assert f'data-job-id="{seeded.dead_id}"' in page


def test_problem_page_shows_the_advice(client: httpx.Client, seeded: Seeded) -> None:
    page = client.get(f"/problems/{seeded.problem_ids['merchandising']}").text
    assert "SKU A-404 is not in the ERP" in page and "Create the item in the ERP" in page
