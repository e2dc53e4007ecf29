"""The store side of sign-in: users, API tokens (hashed) and failed sign-ins.

Hashing passwords is not done here (see :mod:`shopbridge.access`): these functions keep and find
rows, each in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from shopbridge.domain.access import Role
from shopbridge.engine.schema import api_tokens, login_failures, users

__all__ = [
    "ApiToken",
    "UserRow",
    "add_token",
    "add_user",
    "count_failures",
    "find_token",
    "get_user",
    "list_tokens",
    "list_users",
    "prune_failures",
    "record_failure",
    "revoke_token",
    "set_disabled",
    "set_password_hash",
    "touch_token",
]


@dataclass(frozen=True)
class UserRow:
    name: str
    role: Role
    password_hash: str
    disabled: bool
    created_at: datetime


@dataclass(frozen=True)
class ApiToken:
    id: int
    user_name: str
    label: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def _user(row: sa.Row[tuple[object, ...]]) -> UserRow:
    m = row._mapping
    return UserRow(m["name"], Role(m["role"]), m["password_hash"], bool(m["disabled"]), m["created_at"])


def add_user(conn: sa.Connection, name: str, role: Role, password_hash: str, *, now: datetime) -> None:
    values = {"name": name, "role": role.value, "password_hash": password_hash}
    conn.execute(users.insert().values(**values, disabled=0, created_at=now, updated_at=now))


def get_user(conn: sa.Connection, name: str) -> UserRow | None:
    row = conn.execute(sa.select(users).where(users.c.name == name)).first()
    return _user(row) if row is not None else None


def list_users(conn: sa.Connection) -> list[UserRow]:
    return [_user(row) for row in conn.execute(sa.select(users).order_by(users.c.name))]


def set_disabled(conn: sa.Connection, name: str, disabled: bool, *, now: datetime) -> bool:
    stmt = users.update().where(users.c.name == name).values(disabled=int(disabled), updated_at=now)
    return conn.execute(stmt).rowcount == 1


def set_password_hash(conn: sa.Connection, name: str, password_hash: str, *, now: datetime) -> bool:
    stmt = users.update().where(users.c.name == name).values(password_hash=password_hash, updated_at=now)
    return conn.execute(stmt).rowcount == 1


# --- API tokens ------------------------------------------------------------------------------------


def add_token(conn: sa.Connection, user_name: str, token_hash: str, label: str, *, now: datetime) -> int:
    stmt = api_tokens.insert().values(user_name=user_name, token_hash=token_hash, label=label, created_at=now)
    return int(conn.execute(stmt.returning(api_tokens.c.id)).scalar_one())


def find_token(conn: sa.Connection, token_hash: str) -> ApiToken | None:
    """The unrevoked token with this hash, if any."""
    query = sa.select(api_tokens).where(
        api_tokens.c.token_hash == token_hash, api_tokens.c.revoked_at.is_(None)
    )
    row = conn.execute(query).first()
    return _token(row) if row is not None else None


def touch_token(conn: sa.Connection, token_id: int, *, now: datetime) -> None:
    conn.execute(api_tokens.update().where(api_tokens.c.id == token_id).values(last_used_at=now))


def list_tokens(conn: sa.Connection, user_name: str) -> list[ApiToken]:
    query = sa.select(api_tokens).where(api_tokens.c.user_name == user_name).order_by(api_tokens.c.id)
    return [_token(row) for row in conn.execute(query)]


def revoke_token(conn: sa.Connection, token_id: int, *, now: datetime) -> bool:
    stmt = (
        api_tokens.update()
        .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return conn.execute(stmt).rowcount == 1


def _token(row: sa.Row[tuple[object, ...]]) -> ApiToken:
    m = row._mapping
    return ApiToken(m["id"], m["user_name"], m["label"], m["created_at"], m["last_used_at"], m["revoked_at"])


# --- failed sign-ins -------------------------------------------------------------------------------


def record_failure(conn: sa.Connection, user_name: str, client: str, *, now: datetime) -> None:
    conn.execute(login_failures.insert().values(at=now, user_name=user_name[:128], client=client[:64]))


def count_failures(
    conn: sa.Connection, *, user_name: str, client: str, window_seconds: int, now: datetime
) -> tuple[int, int]:
    """Failures in the window for this user name, and from this client address."""
    since = now - timedelta(seconds=window_seconds)
    recent = login_failures.c.at > since
    count = sa.func.count()
    by_user = sa.select(count).where(recent, login_failures.c.user_name == user_name)
    by_client = sa.select(count).where(recent, login_failures.c.client == client)
    return int(conn.execute(by_user).scalar_one()), int(conn.execute(by_client).scalar_one())


def prune_failures(conn: sa.Connection, *, before: datetime) -> None:
    """Forget failures older than ``before`` (long past any throttle window)."""
    conn.execute(login_failures.delete().where(login_failures.c.at < before))
