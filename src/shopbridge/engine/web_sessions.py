"""The store side of dashboard sessions: one row per sign-in, found by the SHA-256 of its id.

The id itself lives only in the signed session cookie; each function works in the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from shopbridge.engine.schema import web_sessions

__all__ = ["add_session", "is_live", "prune", "revoke_session", "revoke_user_sessions"]


def add_session(conn: sa.Connection, id_hash: str, user_name: str, *, now: datetime) -> None:
    conn.execute(web_sessions.insert().values(id_hash=id_hash, user_name=user_name, created_at=now))


def is_live(conn: sa.Connection, id_hash: str, user_name: str) -> bool:
    """True when this session was started for ``user_name`` and has not been revoked."""
    query = sa.select(web_sessions.c.id_hash).where(
        web_sessions.c.id_hash == id_hash,
        web_sessions.c.user_name == user_name,
        web_sessions.c.revoked_at.is_(None),
    )
    return conn.execute(query).first() is not None


def revoke_session(conn: sa.Connection, id_hash: str, *, now: datetime) -> bool:
    stmt = (
        web_sessions.update()
        .where(web_sessions.c.id_hash == id_hash, web_sessions.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return conn.execute(stmt).rowcount == 1


def revoke_user_sessions(conn: sa.Connection, user_name: str, *, now: datetime) -> int:
    """End every live session of ``user_name``; returns how many were live."""
    stmt = (
        web_sessions.update()
        .where(web_sessions.c.user_name == user_name, web_sessions.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return int(conn.execute(stmt).rowcount)


def prune(conn: sa.Connection, *, started_before: datetime) -> int:
    """Forget sessions started before ``started_before`` (past their lifetime: refused anyway)."""
    return int(conn.execute(web_sessions.delete().where(web_sessions.c.created_at < started_before)).rowcount)
