"""Security of the dashboard and the API: sign-in everywhere, sessions, CSRF, roles, throttle, tokens.

The routes are enumerated from the app itself, so a route added later is refused to strangers
unless it is added to the short list of public ones on purpose.
"""

from __future__ import annotations

import base64
import json

import httpx
import itsdangerous
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount, Route

from cli.live_server import serve
from cli.seeding import Seeded, seed
from cli.signing import PASSWORD, csrf_of, sign_in, signed_in_client
from shopbridge import access
from shopbridge.bootstrap import Services, build_services
from shopbridge.engine import audit
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.problems import get_problem
from shopbridge.engine.store import Store
from shopbridge.web.app import create_app

# Served to anyone on purpose: Shopify's signed intake, the health check, static files, the sign-in form.
PUBLIC = {"/webhooks/shopify", "/healthz", "/login", "/static"}


@pytest.fixture
def seeded(sqlite_store: Store, fake_clock: FakeClock) -> Seeded:
    return seed(sqlite_store, fake_clock)


def every_route(app: Starlette) -> list[tuple[str, str]]:
    """(method, concrete path) for every route of the app, ids filled in with 1."""
    found: list[tuple[str, str]] = []
    for route in app.routes:
        if isinstance(route, Mount):
            found.append(("GET", route.path + "/dashboard.css"))
        elif isinstance(route, Route):
            path = route.path
            for name in route.param_convertors:
                path = path.replace("{" + name + ":int}", "1").replace("{" + name + "}", "1")
            found.extend((method, path) for method in sorted(route.methods or {"GET"}) if method != "HEAD")
    return found


def is_public(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in PUBLIC)


def test_the_app_has_the_routes_this_test_expects_to_check(app: Starlette) -> None:
    routes = every_route(app)
    assert ("POST", "/api/problems/1/resolve") in routes and ("GET", "/metrics") in routes
    assert {p for _, p in routes if is_public(p)} == {
        "/webhooks/shopify",
        "/healthz",
        "/login",
        "/static/dashboard.css",
    }


def test_every_route_but_the_public_ones_refuses_a_stranger(app: Starlette, anonymous: httpx.Client) -> None:
    for method, path in every_route(app):
        if is_public(path):
            continue
        response = anonymous.request(method, path, json={} if method == "POST" else None)
        if method == "GET" and not path.startswith("/api/") and path != "/metrics":
            assert response.status_code == 303, (method, path)
            assert response.headers["location"].startswith("/login?next="), (method, path)
        else:
            assert response.status_code == 401, (method, path, response.text)


def test_the_public_routes_answer_strangers_without_sign_in(anonymous: httpx.Client) -> None:
    assert anonymous.get("/healthz").json() == {"ok": True}
    assert anonymous.get("/healthz", headers={"Authorization": "Bearer junk"}).status_code == 200
    assert anonymous.get("/static/dashboard.css").status_code == 200
    assert 'id="login"' in anonymous.get("/login").text
    assert (
        anonymous.post("/webhooks/shopify", content=b"{}").status_code == 401
    )  # unsigned: the intake says no


def _forge(payload: dict[str, object], secret: str) -> str:
    data = base64.b64encode(json.dumps(payload).encode("utf-8"))
    return itsdangerous.TimestampSigner(secret).sign(data).decode("utf-8")


def test_a_session_cookie_signed_with_another_secret_is_refused(base: str, seeded: Seeded) -> None:
    forged = _forge({"user": "ada", "csrf": "x"}, "not-the-secret")
    with httpx.Client(base_url=base, cookies={"shopbridge_session": forged}) as client:
        assert client.get("/api/status").status_code == 401
        assert client.get("/").status_code == 303


def test_a_tampered_session_cookie_is_refused(base: str, seeded: Seeded) -> None:
    with signed_in_client(base, "vera") as client:
        cookie = client.cookies["shopbridge_session"]
        payload, _, rest = cookie.partition(".")
        tampered = base64.b64encode(
            json.dumps({**json.loads(base64.b64decode(payload)), "user": "ada"}).encode()
        ).decode()
        client.cookies.set("shopbridge_session", f"{tampered}.{rest}")
        assert client.get("/api/status").status_code == 401


def test_the_session_cookie_is_httponly_samesite_lax_and_secure_when_configured(
    services: Services, sqlite_store: Store, fake_clock: FakeClock
) -> None:
    with serve(create_app(services)) as url, httpx.Client(base_url=url) as client:
        cookie = sign_in(client, "vera").headers["set-cookie"]
    assert (
        "httponly" in cookie.lower() and "samesite=lax" in cookie.lower() and "secure" not in cookie.lower()
    )
    https = services.settings.model_copy(
        update={"web": services.settings.web.model_copy(update={"secure_cookies": True})}
    )
    secure = build_services(https, store=sqlite_store, clock=fake_clock)
    with serve(create_app(secure)) as url, httpx.Client(base_url=url) as client:
        # Over plain http the client rightly keeps a Secure cookie to itself, so look at the form's.
        assert "; secure" in client.get("/login").headers["set-cookie"].lower()


@pytest.mark.parametrize("token", [None, "", "wrong-token"], ids=["no token", "empty", "wrong"])
def test_an_action_without_the_sessions_csrf_token_is_refused(
    base: str, seeded: Seeded, sqlite_store: Store, token: str | None
) -> None:
    problem_id = seeded.problem_ids["finance"]
    with signed_in_client(base, "otto") as client:
        del client.headers["X-CSRF-Token"]
        headers = {} if token is None else {"X-CSRF-Token": token}
        response = client.post(f"/api/problems/{problem_id}/resolve", json={}, headers=headers)
        assert response.status_code == 403 and "CSRF" in response.json()["error"]
    with sqlite_store.begin() as conn:
        assert get_problem(conn, problem_id).status == "open"  # type: ignore[union-attr]


def test_another_sessions_csrf_token_is_refused(base: str, seeded: Seeded) -> None:
    with signed_in_client(base, "otto") as mine, signed_in_client(base, "ada") as theirs:
        theirs_token = theirs.headers["X-CSRF-Token"]
        response = mine.post(
            f"/api/problems/{seeded.problem_ids['finance']}/resolve",
            json={},
            headers={"X-CSRF-Token": theirs_token},
        )
        assert response.status_code == 403


def test_the_sign_in_form_needs_its_csrf_token(anonymous: httpx.Client) -> None:
    response = anonymous.post("/login", data={"name": "ada", "password": PASSWORD})
    assert response.status_code == 403
    assert anonymous.get("/api/status").status_code == 401  # not signed in by it


def test_sign_out_ends_the_session(base: str, seeded: Seeded) -> None:
    with signed_in_client(base, "vera") as client:
        token = client.headers["X-CSRF-Token"]
        assert client.post("/logout", data={"csrf_token": token}).status_code == 303
        assert client.get("/api/status").status_code == 401


@pytest.mark.parametrize(
    "path",
    ["/api/problems/{finance}/resolve", "/api/problems/{merchandising}/ignore", "/api/jobs/{dead}/replay"],
)
def test_a_viewer_cannot_act_on_problems_or_jobs(
    base: str, seeded: Seeded, sqlite_store: Store, path: str
) -> None:
    url = path.format(dead=seeded.dead_id, **{k: v for k, v in seeded.problem_ids.items()})
    with signed_in_client(base, "vera") as client:
        response = client.post(url, json={"reason": "because"})
        assert response.status_code == 403 and "operator" in response.json()["error"]
    with sqlite_store.begin() as conn:
        assert audit.list_audit(conn, entity_type="problem") == []
        assert audit.list_audit(conn, entity_type="job") == []


def test_an_operators_action_is_audited_with_their_name(
    base: str, seeded: Seeded, sqlite_store: Store
) -> None:
    problem_id = seeded.problem_ids["finance"]
    with signed_in_client(base, "otto") as client:
        response = client.post(
            f"/api/problems/{problem_id}/resolve", json={"note": "fee", "actor": "someone else"}
        )
        assert response.status_code == 200, response.text
    with sqlite_store.begin() as conn:
        entry = audit.list_audit(conn, entity_type="problem", entity_id=str(problem_id))[0]
    assert (entry.action, entry.actor) == ("problem.resolve", "otto")


def test_five_failed_sign_ins_refuse_the_sixth_even_with_the_right_password(
    anonymous: httpx.Client, fake_clock: FakeClock, sqlite_store: Store
) -> None:
    for _ in range(5):
        assert sign_in(anonymous, "ada", "guess guess guess").status_code == 401
    refused = sign_in(anonymous, "ada")
    assert refused.status_code == 429 and "too many failed sign-ins" in refused.text
    with sqlite_store.begin() as conn:
        actions = [e.action for e in audit.list_audit(conn, entity_type="user", entity_id="ada")]
    assert actions[0] == "login.refused" and actions.count("login.failed") == 5
    fake_clock.advance(15 * 60 + 1)
    assert sign_in(anonymous, "ada").status_code == 303


def test_failures_against_many_names_from_one_address_are_throttled_too(anonymous: httpx.Client) -> None:
    for name in ("a1", "a2", "a3", "a4", "a5"):
        assert sign_in(anonymous, name, "nope nope nope").status_code == 401
    assert sign_in(anonymous, "otto").status_code == 429


def test_an_api_token_acts_with_its_users_role_and_stops_when_revoked(
    base: str, services: Services, seeded: Seeded
) -> None:
    viewer_id, viewer_token = access.issue_token(services, "vera", actor="test")
    _, operator_token = access.issue_token(services, "otto", actor="test")
    with httpx.Client(base_url=base) as client:
        as_viewer = {"Authorization": f"Bearer {viewer_token}"}
        assert client.get("/api/status", headers=as_viewer).status_code == 200
        assert client.get("/metrics", headers=as_viewer).status_code == 200
        url = f"/api/jobs/{seeded.dead_id}/replay"
        assert client.post(url, json={}, headers=as_viewer).status_code == 403
        assert (
            client.post(url, json={}, headers={"Authorization": f"Bearer {operator_token}"}).status_code
            == 200
        )
        access.revoke_token(services, viewer_id, actor="test")
        assert client.get("/api/status", headers=as_viewer).status_code == 401
        assert client.get("/api/status", headers={"Authorization": "Bearer sbt_made-up"}).status_code == 401


def test_disabling_a_user_ends_their_session_and_tokens(base: str, services: Services) -> None:
    _, token = access.issue_token(services, "otto", actor="test")
    with signed_in_client(base, "otto") as client:
        access.disable_user(services, "otto", actor="test")
        assert client.get("/api/status").status_code == 401
        assert client.get("/api/status", headers={"Authorization": f"Bearer {token}"}).status_code == 401
        del client.headers["X-CSRF-Token"]  # the form's own token, as a browser would send
        assert sign_in(client, "otto").status_code == 401


def test_signing_in_never_redirects_off_site(anonymous: httpx.Client) -> None:
    token = csrf_of(anonymous.get("/login").text)
    form = {"name": "vera", "password": PASSWORD, "csrf_token": token, "next": "//evil.example/"}
    assert anonymous.post("/login", data=form).headers["location"] == "/"


def test_no_page_or_api_answer_renders_a_configured_secret(
    app: Starlette, base: str, seeded: Seeded, configured_secrets: dict[str, str]
) -> None:
    with signed_in_client(base, "ada") as client:
        for method, path in every_route(app):
            if method != "GET":
                continue
            response = client.get(path)
            assert response.status_code < 500, path
            for value in configured_secrets.values():
                assert value not in response.text, path


def test_a_sign_in_ends_after_session_hours_however_often_it_is_used(
    base: str, fake_clock: FakeClock, seeded: Seeded
) -> None:
    with signed_in_client(base, "vera") as client:
        fake_clock.advance(11 * 3600)
        assert client.get("/api/status").status_code == 200
        fake_clock.advance(1 * 3600 + 1)  # 12 hours (the default) and a second after signing in
        assert client.get("/api/status").status_code == 401
