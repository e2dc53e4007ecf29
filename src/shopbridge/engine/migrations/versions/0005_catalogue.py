"""The catalogue sweep's memory: the products it gated and the duplicate SKUs it found.

Revision ID: 0005_catalogue
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_catalogue"
down_revision = "0004"
branch_labels = None
depends_on = None

_GATE_MODES = ("draft", "unpublish")  # frozen here: domain.catalogue.GateMode


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "catalogue_gates",
        sa.Column("shop", sa.String(length=128), nullable=False),
        sa.Column("product_id", sa.String(length=255), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("prior_status", sa.String(length=16), nullable=False),
        sa.Column("publications", sa.JSON(), nullable=False),
        sa.Column("blocking", sa.JSON(), nullable=False),
        sa.Column("withdrawn", sa.Integer(), server_default="0", nullable=False),
        sa.Column("gated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_one_of("mode", _GATE_MODES), name=op.f("ck_catalogue_gates_mode")),
        sa.PrimaryKeyConstraint("shop", "product_id", name=op.f("pk_catalogue_gates")),
    )
    op.create_table(
        "duplicate_skus",
        sa.Column("shop", sa.String(length=128), nullable=False),
        sa.Column("sku", sa.String(length=255), nullable=False),
        sa.Column("variant_ids", sa.JSON(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("shop", "sku", name=op.f("pk_duplicate_skus")),
    )


def downgrade() -> None:
    op.drop_table("duplicate_skus")
    op.drop_table("catalogue_gates")
