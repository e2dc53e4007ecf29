"""Server-side sessions: a validly signed cookie is refused once its session has ended, by signing
out, disabling the user or an admin's revoke (every session of that user at once)."""

from __future__ import annotations

import base64
import json

import httpx
import itsdangerous
import sqlalchemy as sa

from cli.signing import sign_in, signed_in_client
from shopbridge import access
from shopbridge.bootstrap import Services
from shopbridge.engine import audit
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.schema import web_sessions


def copy_of(client: httpx.Client, base: str) -> httpx.Client:
    """A second client carrying the same signed cookie (a copied or stolen cookie)."""
    return httpx.Client(base_url=base, cookies={"shopbridge_session": client.cookies["shopbridge_session"]})


def test_a_copied_cookie_stops_working_after_sign_out(base: str) -> None:
    with signed_in_client(base, "otto") as client, copy_of(client, base) as thief:
        assert thief.get("/api/status").status_code == 200  # the copy works while the session lives
        assert client.post("/logout").status_code == 303
        assert thief.get("/api/status").status_code == 401
        assert thief.get("/overview").headers["location"].startswith("/login")


def test_signing_out_ends_that_session_only(base: str) -> None:
    with signed_in_client(base, "otto") as laptop, signed_in_client(base, "otto") as phone:
        laptop.post("/logout")
        assert phone.get("/api/status").status_code == 200


def test_disabling_a_user_ends_their_live_session_and_enabling_does_not_revive_it(
    base: str, services: Services
) -> None:
    with signed_in_client(base, "otto") as client, copy_of(client, base) as copy:
        access.disable_user(services, "otto", actor="test")  # what `shopbridge users disable` calls
        assert client.get("/api/status").status_code == 401
        access.enable_user(services, "otto", actor="test")
        assert copy.get("/api/status").status_code == 401
    with signed_in_client(base, "otto") as again:  # signing in anew works
        assert again.get("/api/status").status_code == 200


def test_an_admin_revokes_every_session_of_a_user_at_once_audited(base: str, services: Services) -> None:
    with (
        signed_in_client(base, "vera") as one,
        signed_in_client(base, "vera") as two,
        signed_in_client(base, "ada") as admin,
        signed_in_client(base, "otto") as operator,
    ):
        assert operator.post("/api/users/vera/revoke-sessions").status_code == 403
        assert one.get("/api/status").status_code == 200
        refused = httpx.post(f"{base}/api/users/vera/revoke-sessions", cookies=admin.cookies)
        assert refused.status_code == 403  # no CSRF token: the action is refused
        answer = admin.post("/api/users/vera/revoke-sessions")
        assert answer.json() == {"user": "vera", "sessions_ended": 2}
        assert one.get("/api/status").status_code == 401 and two.get("/api/status").status_code == 401
        assert admin.get("/api/status").status_code == 200 and operator.get("/api/status").status_code == 200
        assert admin.post("/api/users/nobody/revoke-sessions").status_code == 404
    with services.store.begin() as conn:
        entries = audit.list_audit(conn, entity_type="user", entity_id="vera")
    revokes = [(e.actor, e.detail) for e in entries if e.action == "user.revoke_sessions"]
    assert revokes == [("ada", {"sessions": 2})]


def test_a_validly_signed_cookie_without_a_live_session_is_refused(
    base: str, configured_secrets: dict[str, str], fake_clock: FakeClock
) -> None:
    """Signed with the real secret (a leaked secret, an old cookie): no session record, no entry."""
    payload = {"user": "ada", "since": fake_clock.now().timestamp(), "csrf": "x", "sid": "made-up"}
    data = base64.b64encode(json.dumps(payload).encode("utf-8"))
    cookie = itsdangerous.TimestampSigner(configured_secrets["T_SESSION_SECRET"]).sign(data).decode("utf-8")
    with httpx.Client(base_url=base, cookies={"shopbridge_session": cookie}) as client:
        assert client.get("/api/status").status_code == 401
    with httpx.Client(base_url=base) as client:
        assert sign_in(client, "ada").status_code == 303
        assert client.get("/api/status").status_code == 200


def test_the_users_page_lets_an_admin_end_a_user_s_sessions_with_a_button(base: str) -> None:
    with (
        signed_in_client(base, "vera") as vera,
        signed_in_client(base, "ada") as admin,
        signed_in_client(base, "otto") as operator,
    ):
        page = admin.get("/users").text
        assert 'data-user="vera"' in page and '/users">users</a>' in page  # admins see it in the nav
        form = page.split('data-user="vera"')[1].split("</form>")[0]
        assert 'action="http://' in form and '/users/vera/revoke-sessions"' in form and "csrf_token" in form
        assert operator.get("/users").status_code == 403 and '/users">users</a>' not in operator.get("/").text
        assert operator.post("/users/vera/revoke-sessions").status_code == 403
        assert vera.get("/api/status").status_code == 200
        forged = httpx.post(f"{base}/users/vera/revoke-sessions", cookies=admin.cookies, data={})
        assert forged.status_code == 403 and vera.get("/api/status").status_code == 200  # no CSRF token
        token = form.split('name="csrf_token" value="')[1].split('"')[0]
        done = admin.post("/users/vera/revoke-sessions", data={"csrf_token": token})
        assert done.status_code == 303 and done.headers["location"] == "/users?user=vera&ended=1"
        assert "Ended 1 session of vera." in admin.get(done.headers["location"]).text
        assert vera.get("/api/status").status_code == 401


def test_signing_in_forgets_sessions_past_their_lifetime(
    base: str, services: Services, fake_clock: FakeClock
) -> None:
    with signed_in_client(base, "vera") as old:
        fake_clock.advance((services.settings.web.session_hours + 1) * 3600)
        assert old.get("/api/status").status_code == 401  # expired, as before
        with signed_in_client(base, "otto"), services.store.begin() as conn:
            kept = conn.execute(sa.select(web_sessions.c.user_name)).scalars().all()
    assert kept == ["otto"]
