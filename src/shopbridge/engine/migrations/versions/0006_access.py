"""Sign-in and alerts: users, API tokens, failed sign-ins, and what alert routes have sent.

Revision ID: 0006_access
Revises: 0005_catalogue
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_access"
down_revision = "0005_catalogue"
branch_labels = None
depends_on = None

# Frozen here: the roles of this revision (a later role needs a later revision).
_ROLES = ("viewer", "operator", "admin")
_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", _Id, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("disabled", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_one_of("role", _ROLES), name=op.f("ck_users_role")),
        sa.CheckConstraint("disabled IN (0, 1)", name=op.f("ck_users_disabled")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("name", name=op.f("uq_users_name")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", _Id, autoincrement=True, nullable=False),
        sa.Column("user_name", sa.String(length=128), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=255), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index("ix_api_tokens_user_name", "api_tokens", ["user_name"])
    op.create_table(
        "login_failures",
        sa.Column("id", _Id, autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_name", sa.String(length=128), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    op.create_index("ix_login_failures_at", "login_failures", ["at"])
    op.create_table(
        "alert_deliveries",
        sa.Column("route", sa.String(length=128), nullable=False),
        sa.Column("problem_id", _Id, autoincrement=False, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("route", "problem_id", name=op.f("pk_alert_deliveries")),
    )
    op.create_table(
        "alert_messages",
        sa.Column("id", _Id, autoincrement=True, nullable=False),
        sa.Column("route", sa.String(length=128), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("problems", sa.Integer(), nullable=False),
        sa.Column("digest", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_messages")),
    )
    op.create_index("ix_alert_messages_route", "alert_messages", ["route", "sent_at"])


def downgrade() -> None:
    op.drop_index("ix_alert_messages_route", table_name="alert_messages")
    op.drop_table("alert_messages")
    op.drop_table("alert_deliveries")
    op.drop_index("ix_login_failures_at", table_name="login_failures")
    op.drop_table("login_failures")
    op.drop_index("ix_api_tokens_user_name", table_name="api_tokens")
    op.drop_table("api_tokens")
    op.drop_table("users")
