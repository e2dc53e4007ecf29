"""The go-live page over real HTTP: the gate table of ``golive check`` (pass, fail, what to do), the
gates that ask Shopify and the ERP only when its button asks, the live flows, and its place in the
navigation. Shopify here is a local server that answers every request 401 and counts them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from cli.live_server import serve
from cli.signing import add_user, signed_in_client
from shopbridge.bootstrap import Services, build_services
from shopbridge.config import parse_settings
from shopbridge.domain.access import Role
from shopbridge.domain.problems import Team
from shopbridge.engine import golive_state
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.store import Store
from shopbridge.golive.gates import SYSTEM_GATES
from shopbridge.web.app import create_app

RECORD_GATES = ("dry run clean 7 days", "reconciliation parity 7 days", "alert routes tested")


@dataclass
class Served:
    base: str
    services: Services
    shopify_requests: list[str]


@pytest.fixture
def served(sqlite_store: Store, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    requests: list[str] = []

    async def refuse(request: Request) -> JSONResponse:
        requests.append(request.url.path)
        return JSONResponse({"errors": "[API] Invalid API key or access token"}, status_code=401)

    shopify = Starlette(routes=[Route("/{path:path}", refuse, methods=["GET", "POST"])])
    monkeypatch.setenv("T_GOLIVE_SECRET", "not-a-real-secret-1234")
    secret = {"env": "T_GOLIVE_SECRET"}
    with serve(shopify) as shopify_url:
        shop = {
            "name": "uk",
            "domain": "uk.myshopify.com",
            "admin_url": shopify_url,
            "access_token": secret,
            "webhook_secrets": [secret],
        }
        owners = {team.value: "Ann Smith" for team in Team}
        config = {
            "shops": [shop],
            "web": {"public_url": "https://bridge.example.com", "secure_cookies": False},  # tests speak http
            "dryrun": {"flows": ["orders", "stock"]},
            "golive": {"owners": owners},
        }
        services = build_services(parse_settings(config), store=sqlite_store, clock=fake_clock)
        add_user(services, "vera", Role.VIEWER)
        with serve(create_app(services)) as base_url:
            yield Served(base_url, services, requests)


def _row(page: str, gate: str) -> str:
    return page.split(f'data-gate="{gate}"')[1].split("</tr>")[0]


def test_a_viewer_sees_every_gate_in_order_with_what_to_do_without_asking_shopify(served: Served) -> None:
    with signed_in_client(served.base, "vera") as client:
        response = client.get("/golive")
    assert response.status_code == 200
    page = response.text
    gates = [part.split('"')[0] for part in page.split('data-gate="')[1:]]
    assert gates == [*SYSTEM_GATES, *RECORD_GATES, "an owner for each team"]
    for gate in SYSTEM_GATES:
        assert 'data-status="not checked"' in _row(page, gate), gate
    assert served.shopify_requests == []  # a plain view asks neither system
    dry_run = _row(page, "dry run clean 7 days")
    assert 'data-status="fail"' in dry_run and "orders, stock never ran, under 7 days ago" in dry_run
    assert "then run 7 clean days" in dry_run  # what to do
    alerts = _row(page, "alert routes tested")
    assert 'data-status="fail"' in alerts and "no [[alerts.routes]] configured" in alerts
    assert "add a route for each team" in alerts
    owners = _row(page, "an owner for each team")
    assert 'data-status="pass"' in owners and "finance: Ann Smith" in owners
    verdict = page.split('id="verdict"')[1].split("</h2>")[0]
    assert 'data-verdict="fail"' in verdict and "orders, stock" in verdict and "3 gates failing" in verdict
    assert '/golive">go-live</a>' in page  # in the navigation
    assert 'id="no-live-flows"' in page


def test_the_button_asks_shopify_and_the_erp_and_shows_why_they_fail(served: Served) -> None:
    with signed_in_client(served.base, "vera") as client:
        page = client.get("/golive", params={"systems": "check", "flow": "orders"}).text
    assert served.shopify_requests  # the connection gate asked the shop
    statuses = {g: _row(page, g).split('data-status="')[1].split('"')[0] for g in SYSTEM_GATES}
    assert statuses == dict.fromkeys(SYSTEM_GATES, "fail")
    connection = _row(page, "connection and scopes")
    assert (
        "Shopify refused the access token (401)" in connection and "shopbridge connect shopify" in connection
    )
    assert "no ERP is configured" in _row(page, "lookups complete")
    assert "shopbridge link catalogue" in _row(page, "catalogue linked")
    assert "orders never ran" in _row(page, "dry run clean 7 days")  # judged for the flow asked for


def test_an_unknown_flow_is_refused_and_the_live_flows_are_listed(
    served: Served, fake_clock: FakeClock
) -> None:
    with served.services.store.begin() as conn:
        golive_state.switch_flow(
            conn, "orders", live=True, actor="ann", override=True, reason="pilot week", now=fake_clock.now()
        )
    with signed_in_client(served.base, "vera") as client:
        unknown = client.get("/golive", params={"flow": "order"})
        page = client.get("/golive").text
    assert unknown.status_code == 400 and "no flow is named 'order'" in unknown.text
    live = page.split('id="live-flows"')[1].split("</table>")[0]
    assert 'data-flow="orders"' in live and "ann" in live and "yes: pilot week" in live
    # orders is live now: the gates judge the flows still in dry run
    assert "stock never ran" in _row(page, "dry run clean 7 days")
