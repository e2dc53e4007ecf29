"""Initial schema: inbox, jobs, links, cursors, problems, stock snapshots, audit, counters, schedules.

Revision ID: 0001
Revises:
Create Date: 2026-11-22

Frozen: later changes go in new revisions. Timestamps are ``timestamptz`` on PostgreSQL and naive
UTC text on SQLite (see ``shopbridge.engine.types.UTCDateTime``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("entity_type", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.String(length=255), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit")),
    )
    op.create_index("ix_audit_entity", "audit", ["entity_type", "entity_id"], unique=False)
    op.create_table(
        "counters",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("value", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_counters")),
    )
    op.create_table(
        "cursors",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_cursors")),
    )
    op.create_table(
        "inbox_events",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("shop", sa.String(length=128), server_default="", nullable=False),
        sa.Column("topic", sa.String(length=128), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("webhook_id", sa.String(length=255), server_default="", nullable=False),
        sa.Column("api_version", sa.String(length=16), server_default="", nullable=False),
        sa.Column("triggered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=32), server_default="received", nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_events")),
        sa.UniqueConstraint("source", "shop", "event_id", name=op.f("uq_inbox_events_source_shop_event_id")),
    )
    op.create_table(
        "jobs",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("kind", sa.String(length=128), nullable=False),
        sa.Column("entity_key", sa.String(length=255), nullable=True),
        sa.Column("dedup_key", sa.String(length=255), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=True),
        sa.Column("run_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_by", sa.String(length=255), nullable=True),
        sa.Column("last_error", sa.Text(), server_default="", nullable=False),
        sa.Column("shop", sa.String(length=128), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state <> 'running' OR lease_until IS NOT NULL", name=op.f("ck_jobs_running_has_lease")
        ),
        sa.CheckConstraint("state IN ('pending', 'running', 'done', 'dead')", name=op.f("ck_jobs_state")),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_jobs_attempts")),
        sa.CheckConstraint("max_attempts IS NULL OR max_attempts >= 1", name=op.f("ck_jobs_max_attempts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    op.create_index(
        "ix_jobs_claim",
        "jobs",
        ["run_after", "id"],
        unique=False,
        sqlite_where=sa.text("state = 'pending'"),
        postgresql_where=sa.text("state = 'pending'"),
    )
    op.create_index(
        "ix_jobs_entity_unfinished",
        "jobs",
        ["entity_key", "id"],
        unique=False,
        sqlite_where=sa.text("state IN ('pending', 'running', 'dead')"),
        postgresql_where=sa.text("state IN ('pending', 'running', 'dead')"),
    )
    op.create_index(
        "ix_jobs_lease",
        "jobs",
        ["lease_until"],
        unique=False,
        sqlite_where=sa.text("state = 'running'"),
        postgresql_where=sa.text("state = 'running'"),
    )
    op.create_index("ix_jobs_state_kind", "jobs", ["state", "kind"], unique=False)
    op.create_index(
        "ux_jobs_dedup_active",
        "jobs",
        ["dedup_key"],
        unique=True,
        sqlite_where=sa.text("state IN ('pending', 'running')"),
        postgresql_where=sa.text("state IN ('pending', 'running')"),
    )
    op.create_index(
        "ux_jobs_entity_running",
        "jobs",
        ["entity_key"],
        unique=True,
        sqlite_where=sa.text("state = 'running'"),
        postgresql_where=sa.text("state = 'running'"),
    )
    op.create_table(
        "links",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("entity_type", sa.String(length=64), nullable=False),
        sa.Column("shop", sa.String(length=128), server_default="", nullable=False),
        sa.Column("shopify_id", sa.String(length=255), nullable=False),
        sa.Column("erp_id", sa.String(length=255), nullable=False),
        sa.Column("erp_reference", sa.String(length=255), server_default="", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_links")),
        sa.UniqueConstraint("entity_type", "shop", "erp_id", name=op.f("uq_links_entity_type_shop_erp_id")),
        sa.UniqueConstraint(
            "entity_type", "shop", "shopify_id", name=op.f("uq_links_entity_type_shop_shopify_id")
        ),
    )
    op.create_table(
        "problems",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("team", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="open", nullable=False),
        sa.Column("entity_type", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.String(length=255), nullable=False),
        sa.Column("shop", sa.String(length=128), server_default="", nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("resolution", sa.Text(), server_default="", nullable=False),
        sa.Column("tried", sa.Text(), server_default="", nullable=False),
        sa.Column("count", sa.Integer(), server_default="1", nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("dedup_key", sa.String(length=512), nullable=False),
        sa.CheckConstraint(
            (
                "kind IN ("
                "'job_dead_lettered', 'remote_rejected', 'remote_unavailable', 'unsupported_operation', "
                "'configuration', 'malformed_webhook', 'unknown_webhook_topic', 'unknown_sku', "
                "'duplicate_sku', 'customer_conflict', 'credit_limit', 'stock_mismatch', "
                "'ledger_mismatch', 'payout_mismatch', 'unknown_balance_transaction', "
                "'amendment_after_cutoff', 'fulfilment_rejected')"
            ),
            name=op.f("ck_problems_kind"),
        ),
        sa.CheckConstraint(
            "severity IN ('info', 'warning', 'error', 'critical')", name=op.f("ck_problems_severity")
        ),
        sa.CheckConstraint("status IN ('open', 'resolved', 'ignored')", name=op.f("ck_problems_status")),
        sa.CheckConstraint(
            "team IN ('finance', 'operations', 'ecommerce', 'merchandising', 'technical')",
            name=op.f("ck_problems_team"),
        ),
        sa.CheckConstraint("count >= 1", name=op.f("ck_problems_count")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_problems")),
    )
    op.create_index("ix_problems_entity", "problems", ["kind", "entity_type", "entity_id"], unique=False)
    op.create_index("ix_problems_status_team", "problems", ["status", "team", "severity"], unique=False)
    op.create_index(
        "ux_problems_dedup_open",
        "problems",
        ["dedup_key"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_table(
        "schedules",
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("interval_seconds", sa.Integer(), nullable=False),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("interval_seconds > 0", name=op.f("ck_schedules_interval_positive")),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_schedules")),
    )
    op.create_table(
        "stock_snapshots",
        sa.Column("shop", sa.String(length=128), nullable=False),
        sa.Column("location_id", sa.String(length=255), nullable=False),
        sa.Column("inventory_item_id", sa.String(length=255), nullable=False),
        sa.Column("sku", sa.String(length=255), server_default="", nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("pushed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("shop", "location_id", "inventory_item_id", name=op.f("pk_stock_snapshots")),
    )


def downgrade() -> None:
    op.drop_table("stock_snapshots")
    op.drop_table("schedules")
    op.drop_index(
        "ux_problems_dedup_open",
        table_name="problems",
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )
    op.drop_index("ix_problems_status_team", table_name="problems")
    op.drop_index("ix_problems_entity", table_name="problems")
    op.drop_table("problems")
    op.drop_table("links")
    op.drop_index(
        "ux_jobs_entity_running",
        table_name="jobs",
        sqlite_where=sa.text("state = 'running'"),
        postgresql_where=sa.text("state = 'running'"),
    )
    op.drop_index(
        "ux_jobs_dedup_active",
        table_name="jobs",
        sqlite_where=sa.text("state IN ('pending', 'running')"),
        postgresql_where=sa.text("state IN ('pending', 'running')"),
    )
    op.drop_index("ix_jobs_state_kind", table_name="jobs")
    op.drop_index(
        "ix_jobs_lease",
        table_name="jobs",
        sqlite_where=sa.text("state = 'running'"),
        postgresql_where=sa.text("state = 'running'"),
    )
    op.drop_index(
        "ix_jobs_entity_unfinished",
        table_name="jobs",
        sqlite_where=sa.text("state IN ('pending', 'running', 'dead')"),
        postgresql_where=sa.text("state IN ('pending', 'running', 'dead')"),
    )
    op.drop_index(
        "ix_jobs_claim",
        table_name="jobs",
        sqlite_where=sa.text("state = 'pending'"),
        postgresql_where=sa.text("state = 'pending'"),
    )
    op.drop_table("jobs")
    op.drop_table("inbox_events")
    op.drop_table("cursors")
    op.drop_table("counters")
    op.drop_index("ix_audit_entity", table_name="audit")
    op.drop_table("audit")
