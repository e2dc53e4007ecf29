"""The problems inbox, the order trail, the runbooks and the OpenAPI document, over real HTTP.

Signed in as the conftest's viewer (vera), operator (otto) and admin (ada); the store is seeded with
the operator shapes of ``cli.seeding`` plus one quarantined order with its trail and problem.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route

from cli.seeding import Seeded, seed
from cli.signing import csrf_of, signed_in_client
from shopbridge.bootstrap import Services
from shopbridge.domain.problems import ProblemKind, ProblemReport
from shopbridge.engine import audit, queue_admin
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.problems import get_problem, report_problem
from shopbridge.engine.schema import jobs, order_syncs, trail
from shopbridge.engine.store import Store
from shopbridge.web.api_pages import openapi_document
from shopbridge.web.pages.runbooks import render_runbook

ORDER_ID = "gid://shopify/Order/5550001"
EMAIL = "pat.customer@example.com"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "runbooks"
PACKAGED = Path(__file__).resolve().parents[2] / "src" / "shopbridge" / "web" / "runbooks"


@pytest.fixture
def seeded(sqlite_store: Store, fake_clock: FakeClock) -> Seeded:
    return seed(sqlite_store, fake_clock)


@pytest.fixture
def quarantined(sqlite_store: Store, fake_clock: FakeClock) -> int:
    """Order #1042 of shop uk waits for SKU NEW-1; its problem carries the customer's email."""
    now = fake_clock.now()
    with sqlite_store.begin() as conn:
        conn.execute(
            order_syncs.insert().values(
                shop="uk",
                order_id=ORDER_ID,
                name="#1042",
                status="quarantined",
                missing_skus=["NEW-1"],
                updated_at=now,
            )
        )
        conn.execute(
            trail.insert().values(
                shop="uk",
                entity_id=ORDER_ID,
                at=now,
                step="received",
                detail={"name": "#1042", "topic": "orders/create"},
            )
        )
        conn.execute(
            trail.insert().values(
                shop="uk", entity_id=ORDER_ID, at=now, step="quarantined", detail={"skus": ["NEW-1"]}
            )
        )
        report = ProblemReport(
            ProblemKind.UNKNOWN_SKU,
            "order",
            ORDER_ID,
            "order #1042: SKU NEW-1 is not in the ERP",
            shop="uk",
            details={"webhook": {"email": EMAIL}},
        )
        return report_problem(conn, report, now=now)


def test_the_inbox_filters_by_owner_severity_kind_and_entity(
    base: str, seeded: Seeded, quarantined: int
) -> None:
    with signed_in_client(base, "vera") as client:
        every = client.get("/problems").text
        assert every.count('class="problem-card') == 5
        finance = client.get("/problems", params={"team": "finance"}).text
        assert finance.count('class="problem-card') == 1 and "payout 9 is 0.01 GBP short" in finance
        assert client.get("/problems", params={"severity": "critical"}).text.count('class="problem-card') == 0
        by_kind = client.get("/problems", params={"kind": "unknown_sku"}).text
        assert by_kind.count('class="problem-card') == 2
        by_entity = client.get("/problems", params={"entity": "5550001"}).text
        assert by_entity.count('class="problem-card') == 1
        assert (
            "Create the item in the ERP" in by_entity
            and 'href="/runbooks/ecommerce#unknown_sku"' in by_entity
        )
        assert EMAIL not in by_entity
        assert client.get("/problems", params={"kind": "no_such_kind"}).status_code == 400


def test_a_viewer_sees_no_action_and_cannot_retry_or_bulk(
    base: str, seeded: Seeded, quarantined: int
) -> None:
    with signed_in_client(base, "vera") as client:
        page = client.get("/problems").text
        assert "retry now" not in page and 'name="problem_id"' not in page
        assert client.post(f"/api/problems/{quarantined}/retry", json={}).status_code == 403
        form = {"csrf_token": csrf_of(page), "action": "resolve", "problem_id": str(quarantined)}
        assert client.post("/problems/bulk", data=form).status_code == 403


def test_retry_gives_a_quarantined_order_a_fresh_order_job_audited_with_the_user(
    base: str, services: Services, quarantined: int, sqlite_store: Store
) -> None:
    with signed_in_client(base, "otto") as client:
        answer = client.post(f"/api/problems/{quarantined}/retry", json={})
    assert answer.status_code == 200, answer.text
    job_id = answer.json()["job_id"]
    with sqlite_store.begin() as conn:
        job = queue_admin.get_job(conn, job_id)
        entries = audit.list_audit(conn, entity_type="problem", entity_id=str(quarantined))
    assert job is not None and job.kind == "shopify.order" and str(job.state) == "pending"
    assert job.payload["order_id"] == ORDER_ID and job.entity_key == "order:uk:5550001"
    assert [(e.action, e.actor, e.detail["job_id"]) for e in entries] == [("problem.retry", "otto", job_id)]


def test_retry_replays_a_dead_jobs_problem_and_refuses_one_with_no_job(
    base: str, seeded: Seeded, sqlite_store: Store
) -> None:
    with sqlite_store.begin() as conn:
        dead_problem = conn.execute(jobs.select().where(jobs.c.id == seeded.dead_id)).first()
    assert dead_problem is not None
    with signed_in_client(base, "otto") as client:
        listed = client.get("/api/inbox", params={"entity": "job"}).json()
        assert [p["entity_id"] for p in listed] == [str(seeded.dead_id)]
        assert (
            client.post(f"/api/problems/{listed[0]['id']}/retry", json={}).json()["job_id"] == seeded.dead_id
        )
        refused = client.post(f"/api/problems/{seeded.problem_ids['finance']}/retry", json={})
        assert refused.status_code == 409 and "no job to retry" in refused.json()["error"]
    with sqlite_store.begin() as conn:
        job = queue_admin.get_job(conn, seeded.dead_id)
    assert job is not None and str(job.state) == "pending"


def test_bulk_ignore_on_a_filtered_set_needs_a_reason_and_audits_each(
    base: str, seeded: Seeded, quarantined: int, sqlite_store: Store
) -> None:
    ids = [seeded.problem_ids["merchandising"], quarantined]
    with signed_in_client(base, "otto") as client:
        page = client.get("/problems", params={"kind": "unknown_sku"}).text
        form = {
            "csrf_token": csrf_of(page),
            "action": "ignore",
            "problem_id": [str(i) for i in ids],
            "filters": "kind=unknown_sku",
        }
        assert client.post("/problems/bulk", data={**form, "reason": " "}).status_code == 400
        done = client.post("/problems/bulk", data={**form, "reason": "test orders"})
        assert done.status_code == 303
        assert done.headers["location"] == "/problems?kind=unknown_sku&action=ignore&done=2&refused=0"
        again = client.post("/problems/bulk", data={**form, "reason": "twice"}, follow_redirects=True)
        assert "ignore: 0 done, 2 refused" in again.text
        without_token = client.post(
            "/problems/bulk",
            data={k: v for k, v in form.items() if k != "csrf_token"},
            headers={"X-CSRF-Token": ""},
        )
        assert without_token.status_code == 403
    with sqlite_store.begin() as conn:
        for problem_id in ids:
            problem = get_problem(conn, problem_id)
            assert problem is not None and str(problem.status) == "ignored" and problem.note == "test orders"
            entries = audit.list_audit(conn, entity_type="problem", entity_id=str(problem_id))
            assert [(e.action, e.actor) for e in entries] == [("problem.ignore", "otto")]


def test_the_bulk_api_resolves_several_and_says_which_were_refused(base: str, seeded: Seeded) -> None:
    finance, operations = seeded.problem_ids["finance"], seeded.problem_ids["operations"]
    with signed_in_client(base, "otto") as client:
        body = {"action": "resolve", "problem_ids": [finance, operations, 999]}
        answer = client.post("/api/problems/bulk", json=body).json()
    assert answer["done"] == [finance, operations]
    assert [r["id"] for r in answer["refused"]] == [999]


@pytest.mark.parametrize("query", ["#1042", "1042", EMAIL, EMAIL.upper()])
def test_the_order_trail_finds_an_order_by_name_or_email_and_tells_its_story(
    base: str, quarantined: int, query: str
) -> None:
    with signed_in_client(base, "vera") as client:
        page = client.get("/orders", params={"q": query}).text
        found = client.get("/api/orders", params={"q": query}).json()
    assert 'id="order"' in page and "quarantined" in page
    assert 'href="https://uk.myshopify.com/admin/orders/5550001"' in page
    assert f'/problems/{quarantined}">problem unknown_sku (open)</a>' in page
    steps = [e["what"] for e in found["events"]]
    assert steps == ["order #1042", "received", "quarantined", "problem unknown_sku (open)"]
    assert EMAIL not in page.split('id="order"')[1]  # the search box may echo it; the story masks it


def test_the_order_trail_says_when_nothing_matches(base: str, quarantined: int) -> None:
    with signed_in_client(base, "vera") as client:
        assert "No order matches" in client.get("/orders", params={"q": "nobody@example.com"}).text
        assert client.get("/api/orders", params={"q": "#9999"}).json() == {"matches": [], "events": []}


def test_every_problem_kind_links_to_a_section_the_runbook_page_serves(base: str) -> None:
    with signed_in_client(base, "vera") as client:
        for kind in ProblemKind:
            team, _, anchor = kind.runbook.removeprefix("docs/runbooks/").partition(".md#")
            page = client.get(f"/runbooks/{team}")
            assert page.status_code == 200, kind
            assert f'<h2 id="{anchor}">' in page.text, kind
        assert client.get("/runbooks/nothing").status_code == 404


def test_the_runbooks_in_the_wheel_are_the_docs_runbooks() -> None:
    docs = {p.name: p.read_text(encoding="utf-8") for p in DOCS.glob("*.md")}
    packaged = {p.name: p.read_text(encoding="utf-8") for p in PACKAGED.glob("*.md")}
    assert packaged == docs, "copy docs/runbooks/*.md to src/shopbridge/web/runbooks/"


def test_runbook_markdown_cannot_inject_html() -> None:
    html = render_runbook("technical")
    assert html is not None and "<script" not in html


def test_openapi_documents_every_api_route(app: Starlette, base: str) -> None:
    api_paths = {r.path_format for r in app.routes if isinstance(r, Route) and r.path.startswith("/api/")}
    with signed_in_client(base, "vera") as client:
        document = client.get("/api/openapi.json").json()
    assert set(document["paths"]) == api_paths
    assert document == json.loads(json.dumps(openapi_document(list(app.routes))))
    assert document["paths"]["/api/orders"]["get"]["responses"]["200"]["description"].startswith(
        "matches, and"
    )
    assert document["paths"]["/api/problems/{problem_id}/retry"]["post"]["summary"].startswith("Retry")
    with httpx.Client(base_url=base) as anonymous:
        assert anonymous.get("/api/openapi.json").status_code == 401


def test_a_problems_own_page_links_its_runbook_and_offers_retry_to_operators(
    base: str, seeded: Seeded, quarantined: int
) -> None:
    with signed_in_client(base, "otto") as client:
        page = client.get(f"/problems/{quarantined}").text
        no_job = client.get(f"/problems/{seeded.problem_ids['finance']}").text
    assert 'href="/runbooks/ecommerce#unknown_sku"' in page and "retry now" in page
    assert 'href="/runbooks/finance#payout_mismatch"' in no_job and "retry now" not in no_job


def test_retry_makes_a_waiting_jobs_problem_due_now_through_the_bulk_form(
    base: str, seeded: Seeded, sqlite_store: Store, fake_clock: FakeClock
) -> None:
    waiting = seeded.pending_ids[0]
    report = ProblemReport(
        ProblemKind.REMOTE_UNAVAILABLE, "job", str(waiting), "the ERP timed out", shop="uk"
    )
    with sqlite_store.begin() as conn:
        problem_id = report_problem(conn, report, now=fake_clock.now())
    with signed_in_client(base, "otto") as client:
        page = client.get("/problems", params={"kind": "remote_unavailable"}).text
        form = {"csrf_token": csrf_of(page), "action": "retry", "problem_id": str(problem_id)}
        assert client.post("/problems/bulk", data=form).headers["location"].endswith("done=1&refused=0")
    with sqlite_store.begin() as conn:
        job_entries = audit.list_audit(conn, entity_type="job", entity_id=str(waiting))
        problem_entries = audit.list_audit(conn, entity_type="problem", entity_id=str(problem_id))
    assert [(e.action, e.actor) for e in job_entries] == [("job.retry_now", "otto")]
    assert [(e.action, e.detail["job_id"]) for e in problem_entries] == [("problem.retry", waiting)]
