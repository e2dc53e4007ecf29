"""``shopbridge users add|list|disable|enable|password|token|revoke|revoke-sessions``: who may sign in.

Passwords are never taken on the command line (it would land in the shell history and in ``ps``):
``add`` and ``password`` prompt for one without echoing it, or read it from ``--password-file``
or the environment variable named by ``--password-env`` (for scripts).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer
from rich.table import Table

from shopbridge import access
from shopbridge.cli.common import console, default_actor, open_services
from shopbridge.cli.render import when
from shopbridge.domain.access import Role
from shopbridge.errors import BadInput

__all__ = ["users_app"]

users_app = typer.Typer(help="Add, list and disable dashboard users; make API tokens.", no_args_is_help=True)

_ACTOR = typer.Option(None, "--actor", help="who is acting (default: $USER); recorded in the audit")
_PASSWORD_FILE = typer.Option(None, "--password-file", help="read the password from this file")
_PASSWORD_ENV = typer.Option(None, "--password-env", help="read the password from this environment variable")
_ROLE = typer.Option(Role.VIEWER, help="viewer (reads), operator (acts on problems), admin (users, reveals)")


def _password(password_file: Path | None, password_env: str | None) -> str:
    if password_file is not None and password_env is not None:
        raise BadInput("give --password-file or --password-env, not both")
    if password_file is not None:
        try:
            return password_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise BadInput(f"cannot read {password_file}: {exc.strerror}") from exc
    if password_env is not None:
        value = os.environ.get(password_env, "")
        if not value:
            raise BadInput(f"environment variable {password_env} is not set")
        return value
    prompted: str = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    return prompted


@users_app.command("add")
def add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="the name they sign in with"),
    role: Role = _ROLE,
    password_file: Path | None = _PASSWORD_FILE,
    password_env: str | None = _PASSWORD_ENV,
    actor: str | None = _ACTOR,
) -> None:
    """Add a user; the password is prompted for (not echoed) unless read from a file or variable."""
    password = _password(password_file, password_env)
    with open_services(ctx) as services:
        access.add_user(services, name, role, password, actor=actor or default_actor())
    console.print(f"added {name} as {role}")


@users_app.command("list")
def list_users(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """Every user, their role, and whether they may sign in."""
    with open_services(ctx) as services:
        rows = access.list_users(services)
    if as_json:
        data = [{"name": r.name, "role": str(r.role), "disabled": r.disabled} for r in rows]
        typer.echo(json.dumps(data, indent=2))
        return
    table = Table("name", "role", "status", "added")
    for row in rows:
        table.add_row(row.name, str(row.role), "disabled" if row.disabled else "active", when(row.created_at))
    console.print(table if rows else "No users yet: add one with `shopbridge users add NAME --role admin`.")


@users_app.command("disable")
def disable(ctx: typer.Context, name: str = typer.Argument(...), actor: str | None = _ACTOR) -> None:
    """Stop a user signing in; their open sessions and API tokens stop working at once."""
    with open_services(ctx) as services:
        access.disable_user(services, name, actor=actor or default_actor())
    console.print(f"disabled {name}")


@users_app.command("revoke-sessions")
def revoke_sessions(ctx: typer.Context, name: str = typer.Argument(...), actor: str | None = _ACTOR) -> None:
    """End every dashboard session of a user at once (a copied session cookie stops working too)."""
    with open_services(ctx) as services:
        ended = access.revoke_sessions(services, name, actor=actor or default_actor())
    console.print(f"ended {ended} session{'' if ended == 1 else 's'} of {name}")


@users_app.command("enable")
def enable(ctx: typer.Context, name: str = typer.Argument(...), actor: str | None = _ACTOR) -> None:
    """Let a disabled user sign in again."""
    with open_services(ctx) as services:
        access.enable_user(services, name, actor=actor or default_actor())
    console.print(f"enabled {name}")


@users_app.command("password")
def password(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    password_file: Path | None = _PASSWORD_FILE,
    password_env: str | None = _PASSWORD_ENV,
    actor: str | None = _ACTOR,
) -> None:
    """Set a user's password."""
    value = _password(password_file, password_env)
    with open_services(ctx) as services:
        access.set_password(services, name, value, actor=actor or default_actor())
    console.print(f"password of {name} changed")


@users_app.command("token")
def token(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="the user the token acts as (with their role)"),
    label: str = typer.Option("", help="what the token is for, e.g. prometheus"),
    actor: str | None = _ACTOR,
) -> None:
    """Make an API token (sent as ``Authorization: Bearer <token>``); it is printed once, only here."""
    with open_services(ctx) as services:
        token_id, value = access.issue_token(services, name, label=label, actor=actor or default_actor())
    console.print(f"token {token_id} for {name} (shown once; keep it in a secret store):", highlight=False)
    typer.echo(value)


@users_app.command("revoke")
def revoke(ctx: typer.Context, token_id: int = typer.Argument(...), actor: str | None = _ACTOR) -> None:
    """Revoke an API token by its id."""
    with open_services(ctx) as services:
        access.revoke_token(services, token_id, actor=actor or default_actor())
    console.print(f"revoked token {token_id}")
