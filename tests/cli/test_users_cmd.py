"""``shopbridge users``: add (prompted, from a file or a variable; never echoed), list, disable, tokens."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cli.live_server import serve
from cli.signing import signed_in_client
from shopbridge import access
from shopbridge.bootstrap import build_services
from shopbridge.cli.app import app
from shopbridge.config import Settings
from shopbridge.domain.access import LoginThrottle
from shopbridge.engine import audit
from shopbridge.engine.store import Store
from shopbridge.web.app import create_app

SECRET_PASSWORD = "a long and secret password"


def shopbridge(config: Path, *args: str, stdin: str | None = None, **env: str) -> Result:
    return CliRunner().invoke(
        app,
        ["--config", str(config), *args],
        input=stdin,
        env={"USER": "root-admin", "COLUMNS": "200", **env},
    )


def can_sign_in(store: Store, name: str, password: str) -> bool:
    services = build_services(Settings(), store=store)
    try:
        access.sign_in(services, name, password, client="cli-test", throttle=LoginThrottle(max_failures=100))
    except access.BadCredentials:
        return False
    return True


def test_add_prompts_for_the_password_twice_and_never_echoes_it(config: Path, store: Store) -> None:
    result = shopbridge(config, "users", "add", "ada", "--role", "admin", stdin=f"{SECRET_PASSWORD}\n" * 2)
    assert result.exit_code == 0, result.output
    assert SECRET_PASSWORD not in result.output and "added ada as admin" in result.output
    assert can_sign_in(store, "ada", SECRET_PASSWORD)
    with store.begin() as conn:
        entry = audit.list_audit(conn, entity_type="user", entity_id="ada")[-1]  # the first: then a sign-in
    assert (entry.action, entry.actor, entry.detail) == ("user.add", "root-admin", {"role": "admin"})


def test_add_reads_the_password_from_a_file_or_a_variable(config: Path, store: Store, tmp_path: Path) -> None:
    secret_file = tmp_path / "pw"
    secret_file.write_text(SECRET_PASSWORD + "\n", encoding="utf-8")
    assert (
        shopbridge(
            config, "users", "add", "otto", "--role", "operator", "--password-file", str(secret_file)
        ).exit_code
        == 0
    )
    assert (
        shopbridge(config, "users", "add", "vera", "--password-env", "PW", PW=SECRET_PASSWORD).exit_code == 0
    )
    listed = json.loads(shopbridge(config, "users", "list", "--json").stdout)
    assert listed == [
        {"name": "otto", "role": "operator", "disabled": False},
        {"name": "vera", "role": "viewer", "disabled": False},
    ]
    assert can_sign_in(store, "otto", SECRET_PASSWORD) and can_sign_in(store, "vera", SECRET_PASSWORD)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--password-env", "PW"], "at least 12 characters"),
        (["--password-env", "UNSET_VARIABLE"], "is not set"),
    ],
)
def test_add_refuses_a_short_or_missing_password(config: Path, args: list[str], message: str) -> None:
    result = shopbridge(config, "users", "add", "bob", *args, PW="short")
    assert result.exit_code == 1 and message in result.stderr


def test_a_name_is_added_once(config: Path) -> None:
    assert (
        shopbridge(config, "users", "add", "ada", "--password-env", "PW", PW=SECRET_PASSWORD).exit_code == 0
    )
    again = shopbridge(config, "users", "add", "ada", "--password-env", "PW", PW=SECRET_PASSWORD)
    assert again.exit_code == 1 and "already a user 'ada'" in again.stderr


def test_disable_stops_sign_in_and_enable_restores_it(config: Path, store: Store) -> None:
    shopbridge(config, "users", "add", "otto", "--password-env", "PW", PW=SECRET_PASSWORD)
    assert shopbridge(config, "users", "disable", "otto").exit_code == 0
    assert not can_sign_in(store, "otto", SECRET_PASSWORD)
    assert "disabled" in shopbridge(config, "users", "list").stdout
    assert shopbridge(config, "users", "enable", "otto").exit_code == 0
    assert can_sign_in(store, "otto", SECRET_PASSWORD)
    assert shopbridge(config, "users", "disable", "nobody").exit_code == 1


def test_token_is_printed_once_works_and_can_be_revoked(config: Path, store: Store) -> None:
    shopbridge(config, "users", "add", "scripts", "--password-env", "PW", PW=SECRET_PASSWORD)
    made = shopbridge(config, "users", "token", "scripts", "--label", "prometheus")
    assert made.exit_code == 0, made.output
    token = made.stdout.strip().splitlines()[-1]
    services = build_services(Settings(), store=store)
    user = access.user_for_token(services, token)
    assert user is not None and user.name == "scripts"
    token_id = made.stdout.split()[1]
    assert shopbridge(config, "users", "revoke", token_id).exit_code == 0
    assert access.user_for_token(services, token) is None
    assert shopbridge(config, "users", "token", "nobody").exit_code == 1


def test_disable_and_revoke_sessions_end_a_live_dashboard_session(config: Path, store: Store) -> None:
    for name in ("otto", "vera"):
        shopbridge(config, "users", "add", name, "--password-env", "PW", PW=SECRET_PASSWORD)
    with (
        serve(create_app(build_services(Settings(), store=store))) as base,
        signed_in_client(base, "otto", SECRET_PASSWORD) as otto,
        signed_in_client(base, "vera", SECRET_PASSWORD) as vera,
    ):
        assert otto.get("/api/status").status_code == 200
        assert shopbridge(config, "users", "disable", "otto").exit_code == 0
        assert otto.get("/api/status").status_code == 401
        revoked = shopbridge(config, "users", "revoke-sessions", "vera")
        assert revoked.exit_code == 0 and "ended 1 session of vera" in revoked.stdout
        assert vera.get("/api/status").status_code == 401
    assert shopbridge(config, "users", "revoke-sessions", "nobody").exit_code == 1
