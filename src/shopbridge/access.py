"""Sign-in's service layer: users, passwords, API tokens and the login throttle.

Like :mod:`shopbridge.admin`, entrypoints (the CLI's ``shopbridge users``, the web app's sign-in)
call these functions and never the store. Passwords are hashed with argon2id (argon2-cffi's
defaults); API tokens are random, shown once, and stored as their SHA-256. Every change to a user,
every sign-in, failed or refused, and every reveal of personal data is written to the audit trail.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from shopbridge.admin import NotFound, Refused, Services
from shopbridge.domain.access import LoginThrottle, Role
from shopbridge.engine import audit, web_sessions
from shopbridge.engine import users as user_store
from shopbridge.errors import BadInput

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "TOKEN_PREFIX",
    "BadCredentials",
    "SignInRefused",
    "User",
    "add_user",
    "audit_reveal",
    "disable_user",
    "enable_user",
    "end_session",
    "issue_token",
    "list_users",
    "revoke_sessions",
    "revoke_token",
    "session_user",
    "set_password",
    "sign_in",
    "start_session",
    "user_by_name",
    "user_for_token",
]

MIN_PASSWORD_LENGTH = 12
TOKEN_PREFIX = "sbt_"
_NAME_LIMIT = 128
_FAILURES_KEPT = timedelta(days=1)
_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the user does not exist, so an unknown name takes as long as a wrong
    password (the time would otherwise tell a prober which names exist). Made on first use, not at
    import: hashing costs every CLI command that imports this module time and memory."""
    return _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class User:
    """Someone signed in (by password or API token), as the web app sees them."""

    name: str
    role: Role

    def may(self, needed: Role) -> bool:
        return self.role.includes(needed)


class BadCredentials(BadInput):
    """Wrong user name or password (which one is never said)."""


class SignInRefused(BadInput):
    """Too many failed sign-ins for this user or from this address; try again later."""


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > _NAME_LIMIT or any(c.isspace() for c in name):
        raise BadInput(f"a user name is 1 to {_NAME_LIMIT} characters without spaces, got {name!r}")
    return name


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadInput(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")


def add_user(services: Services, name: str, role: Role, password: str, *, actor: str) -> User:
    name = _check_name(name)
    _check_password(password)
    now = services.clock.now()
    with services.store.begin() as conn:
        if user_store.get_user(conn, name) is not None:
            raise Refused(f"there is already a user {name!r}")
        user_store.add_user(conn, name, role, _hasher.hash(password), now=now)
        audit.record(
            conn,
            actor=actor,
            action="user.add",
            entity_type="user",
            entity_id=name,
            detail={"role": role.value},
            now=now,
        )
    return User(name, role)


def list_users(services: Services) -> list[user_store.UserRow]:
    with services.store.begin() as conn:
        return user_store.list_users(conn)


def user_by_name(services: Services, name: str) -> User | None:
    """The enabled user of this name (a disabled one is as good as absent: their session ends)."""
    with services.store.begin() as conn:
        row = user_store.get_user(conn, name)
    return User(row.name, row.role) if row is not None and not row.disabled else None


def disable_user(services: Services, name: str, *, actor: str) -> None:
    """Refuse the user's sign-in, sessions and API tokens from now on."""
    _set_disabled(services, name, True, actor=actor)


def enable_user(services: Services, name: str, *, actor: str) -> None:
    _set_disabled(services, name, False, actor=actor)


def _set_disabled(services: Services, name: str, disabled: bool, *, actor: str) -> None:
    now = services.clock.now()
    action = "user.disable" if disabled else "user.enable"
    with services.store.begin() as conn:
        if not user_store.set_disabled(conn, name, disabled, now=now):
            raise NotFound(f"there is no user {name!r}")
        if disabled:  # enabling again must not bring an old session back
            web_sessions.revoke_user_sessions(conn, name, now=now)
        audit.record(conn, actor=actor, action=action, entity_type="user", entity_id=name, now=now)


def set_password(services: Services, name: str, password: str, *, actor: str) -> None:
    _check_password(password)
    now = services.clock.now()
    with services.store.begin() as conn:
        if not user_store.set_password_hash(conn, name, _hasher.hash(password), now=now):
            raise NotFound(f"there is no user {name!r}")
        audit.record(conn, actor=actor, action="user.password", entity_type="user", entity_id=name, now=now)


# --- sign-in ---------------------------------------------------------------------------------------


def sign_in(services: Services, name: str, password: str, *, client: str, throttle: LoginThrottle) -> User:
    """The user, if the password is right and the throttle allows; every outcome is audited.

    Raises :class:`SignInRefused` (throttled, checked before the password so a locked-out guesser
    learns nothing) or :class:`BadCredentials`.
    """
    name = name.strip()[:_NAME_LIMIT]
    now = services.clock.now()
    with services.store.begin() as conn:
        by_user, by_client = user_store.count_failures(
            conn, user_name=name, client=client, window_seconds=throttle.window_seconds, now=now
        )
        row = user_store.get_user(conn, name)
    if throttle.refuses(failures_for_user=by_user, failures_from_client=by_client):
        _audit_sign_in(services, name, "login.refused", client)
        minutes = max(1, throttle.window_seconds // 60)
        raise SignInRefused(f"too many failed sign-ins; try again in {minutes} minutes")
    password_ok = _verify(row.password_hash if row is not None else _dummy_hash(), password)
    if row is None or row.disabled or not password_ok:
        _record_failure(services, name, client)
        raise BadCredentials("wrong user name or password")
    if _hasher.check_needs_rehash(row.password_hash):
        set_password(services, name, password, actor=name)
    _audit_sign_in(services, name, "login", client)
    return User(row.name, row.role)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _record_failure(services: Services, name: str, client: str) -> None:
    now = services.clock.now()
    with services.store.begin() as conn:
        user_store.record_failure(conn, name, client, now=now)
        user_store.prune_failures(conn, before=now - _FAILURES_KEPT)
    _audit_sign_in(services, name, "login.failed", client)


def _audit_sign_in(services: Services, name: str, action: str, client: str) -> None:
    with services.store.begin() as conn:
        audit.record(
            conn,
            actor=name or "unknown",
            action=action,
            entity_type="user",
            entity_id=name,
            detail={"client": client},
            now=services.clock.now(),
        )


# --- API tokens ------------------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(services: Services, name: str, *, label: str = "", actor: str) -> tuple[int, str]:
    """A new API token for ``name``: its id and the token, which is never shown again."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = services.clock.now()
    with services.store.begin() as conn:
        if user_store.get_user(conn, name) is None:
            raise NotFound(f"there is no user {name!r}")
        token_id = user_store.add_token(conn, name, _token_hash(token), label, now=now)
        audit.record(
            conn,
            actor=actor,
            action="token.issue",
            entity_type="user",
            entity_id=name,
            detail={"token_id": token_id, "label": label},
            now=now,
        )
    return token_id, token


def revoke_token(services: Services, token_id: int, *, actor: str) -> None:
    now = services.clock.now()
    with services.store.begin() as conn:
        if not user_store.revoke_token(conn, token_id, now=now):
            raise NotFound(f"there is no live token {token_id}")
        audit.record(
            conn, actor=actor, action="token.revoke", entity_type="token", entity_id=str(token_id), now=now
        )


def user_for_token(services: Services, token: str) -> User | None:
    """The enabled user holding this live token, or None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    with services.store.begin() as conn:
        found = user_store.find_token(conn, _token_hash(token))
        if found is None:
            return None
        user_store.touch_token(conn, found.id, now=services.clock.now())
        row = user_store.get_user(conn, found.user_name)
    return User(row.name, row.role) if row is not None and not row.disabled else None


def audit_reveal(services: Services, user: User, problem_id: int) -> None:
    """Record that ``user`` saw a problem's personal data unmasked."""
    with services.store.begin() as conn:
        audit.record(
            conn,
            actor=user.name,
            action="problem.reveal",
            entity_type="problem",
            entity_id=str(problem_id),
            now=services.clock.now(),
        )


# --- dashboard sessions ----------------------------------------------------------------------------
# The cookie is signed, but a signature cannot be taken back: each sign-in is also a row, found by
# the SHA-256 of the random id the cookie carries, so a session can be ended on the server.


def start_session(services: Services, user: User, *, lifetime: timedelta | None = None) -> str:
    """A new server-side session for ``user``; returns its id (for the signed cookie only).

    With ``lifetime`` (``[web] session_hours``), sessions older than that are forgotten on the way,
    so the table holds only the sessions that could still be used.
    """
    session_id = secrets.token_urlsafe(32)
    now = services.clock.now()
    with services.store.begin() as conn:
        if lifetime is not None:
            web_sessions.prune(conn, started_before=now - lifetime)
        web_sessions.add_session(conn, _token_hash(session_id), user.name, now=now)
    return session_id


def session_user(services: Services, name: str, session_id: str) -> User | None:
    """The enabled user of a live session (None: signed out, revoked, disabled, or not theirs)."""
    with services.store.begin() as conn:
        if not web_sessions.is_live(conn, _token_hash(session_id), name):
            return None
        row = user_store.get_user(conn, name)
    return User(row.name, row.role) if row is not None and not row.disabled else None


def end_session(services: Services, session_id: str) -> None:
    """Signing out: this session ends here and for any copy of its cookie."""
    with services.store.begin() as conn:
        web_sessions.revoke_session(conn, _token_hash(session_id), now=services.clock.now())


def revoke_sessions(services: Services, name: str, *, actor: str) -> int:
    """End every live dashboard session of ``name`` at once (audited); returns how many there were."""
    now = services.clock.now()
    with services.store.begin() as conn:
        if user_store.get_user(conn, name) is None:
            raise NotFound(f"there is no user {name!r}")
        ended = web_sessions.revoke_user_sessions(conn, name, now=now)
        audit.record(
            conn,
            actor=actor,
            action="user.revoke_sessions",
            entity_type="user",
            entity_id=name,
            now=now,
            detail={"sessions": ended},
        )
    return ended
