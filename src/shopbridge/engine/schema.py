"""The whole database schema, readable in one place.

Invariants live here as constraints, not in code paths that might forget them:

* an inbound event is recorded once per (source, shop, event id);
* at most one *active* (pending or running) job per ``dedup_key``;
* at most one *running* job per ``entity_key`` (the backstop behind per-entity ordering);
* a Shopify id maps to one ERP id per entity type and shop, and back;
* at most one *open* problem per ``dedup_key`` (repeats raise its count);
* every enumerated column accepts exactly the values of its Python enum;
* a held ERP slot always carries the time its lease runs out (so a dead holder cannot keep it).

Alembic migrations under ``migrations/versions`` create exactly this; ``tests/engine`` diffs them.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from shopbridge.domain.access import Role
from shopbridge.domain.catalogue import GateMode
from shopbridge.domain.order_sync import SyncStatus
from shopbridge.domain.payout_state import Outcome as PayoutOutcome
from shopbridge.domain.problems import ProblemKind, ProblemStatus, Severity, Team
from shopbridge.engine.types import UTCDateTime

__all__ = [
    "ACTIVE_JOB_PREDICATE",
    "ACTIVE_JOB_STATES",
    "JobState",
    "alert_deliveries",
    "alert_messages",
    "alert_tests",
    "api_tokens",
    "audit",
    "catalogue_gates",
    "counters",
    "cursors",
    "duplicate_skus",
    "erp_slots",
    "erp_stock_levels",
    "golive_flows",
    "inbox_events",
    "jobs",
    "links",
    "login_failures",
    "metadata",
    "order_syncs",
    "payout_records",
    "pending_order_units",
    "price_list_prices",
    "problems",
    "reconcile_reports",
    "schedules",
    "stock_items",
    "stock_snapshots",
    "trail",
    "users",
    "web_sessions",
]


class JobState(StrEnum):
    """Where a job is in its life: pending -> running -> done, or dead after its last attempt."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    DEAD = "dead"


ACTIVE_JOB_STATES = (JobState.PENDING.value, JobState.RUNNING.value)

# Deterministic constraint names, so migrations and metadata agree and errors name the rule.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# BIGINT on PostgreSQL; plain INTEGER on SQLite, where only INTEGER PRIMARY KEY autoincrements.
_Id = BigInteger().with_variant(Integer(), "sqlite")


def _one_of(column: str, values: Iterable[str]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


inbox_events = Table(
    "inbox_events",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("source", String(32), nullable=False),
    Column("shop", String(128), nullable=False, server_default=""),
    Column("topic", String(128), nullable=False),
    Column("event_id", String(255), nullable=False),
    Column("webhook_id", String(255), nullable=False, server_default=""),
    Column("api_version", String(16), nullable=False, server_default=""),
    Column("triggered_at", UTCDateTime(), nullable=True),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("payload", Text, nullable=False),
    Column("status", String(32), nullable=False, server_default="received"),
    Column("processed_at", UTCDateTime(), nullable=True),
    UniqueConstraint("source", "shop", "event_id"),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("kind", String(128), nullable=False),
    Column("entity_key", String(255), nullable=True),
    Column("dedup_key", String(255), nullable=True),
    Column("payload", JSON, nullable=False),
    Column("state", String(16), nullable=False, server_default=JobState.PENDING.value),
    Column("attempts", Integer, nullable=False, server_default="0"),
    # NULL means "the engine's configured retry.max_attempts".
    Column("max_attempts", Integer, nullable=True),
    Column("run_after", UTCDateTime(), nullable=False),
    Column("lease_until", UTCDateTime(), nullable=True),
    Column("locked_by", String(255), nullable=True),
    Column("last_error", Text, nullable=False, server_default=""),
    Column("shop", String(128), nullable=False, server_default=""),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime(), nullable=True),
    CheckConstraint(_one_of("state", (s.value for s in JobState)), name="state"),
    CheckConstraint("attempts >= 0", name="attempts"),
    CheckConstraint("max_attempts IS NULL OR max_attempts >= 1", name="max_attempts"),
    CheckConstraint("state <> 'running' OR lease_until IS NOT NULL", name="running_has_lease"),
)

# Literal SQL (not bound parameters): ON CONFLICT must name this same predicate, and PostgreSQL cannot
# match a partial index against parameters once a statement is prepared with a generic plan.
ACTIVE_JOB_PREDICATE = text(_one_of("state", ACTIVE_JOB_STATES))
Index(
    "ux_jobs_dedup_active",
    jobs.c.dedup_key,
    unique=True,
    sqlite_where=ACTIVE_JOB_PREDICATE,
    postgresql_where=ACTIVE_JOB_PREDICATE,
)
_running = text("state = 'running'")
Index(
    "ux_jobs_entity_running", jobs.c.entity_key, unique=True, sqlite_where=_running, postgresql_where=_running
)
# The claim scans pending jobs in id order among those due.
_pending = text("state = 'pending'")
Index("ix_jobs_claim", jobs.c.run_after, jobs.c.id, sqlite_where=_pending, postgresql_where=_pending)
# With several stores the claim asks each shop for its oldest pending jobs (engine/fair_claim.py).
Index("ix_jobs_claim_shop", jobs.c.shop, jobs.c.id, sqlite_where=_pending, postgresql_where=_pending)
# Per-entity ordering asks "is there an earlier unfinished job for this entity?".
_unfinished = text(_one_of("state", ("pending", "running", "dead")))
Index(
    "ix_jobs_entity_unfinished",
    jobs.c.entity_key,
    jobs.c.id,
    sqlite_where=_unfinished,
    postgresql_where=_unfinished,
)
# The reaper looks for running jobs whose lease has run out.
Index("ix_jobs_lease", jobs.c.lease_until, sqlite_where=_running, postgresql_where=_running)
Index("ix_jobs_state_kind", jobs.c.state, jobs.c.kind)

links = Table(
    "links",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("entity_type", String(64), nullable=False),
    Column("shop", String(128), nullable=False, server_default=""),
    Column("shopify_id", String(255), nullable=False),
    Column("erp_id", String(255), nullable=False),
    Column("erp_reference", String(255), nullable=False, server_default=""),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("entity_type", "shop", "shopify_id"),
    # Per shop: one ERP item is a variant in each of a brand's UK, EU and US stores.
    UniqueConstraint("entity_type", "shop", "erp_id"),
)

cursors = Table(
    "cursors",
    metadata,
    Column("name", String(255), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

problems = Table(
    "problems",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("kind", String(64), nullable=False),
    Column("team", String(32), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("status", String(16), nullable=False, server_default=ProblemStatus.OPEN.value),
    Column("entity_type", String(64), nullable=False),
    Column("entity_id", String(255), nullable=False),
    Column("shop", String(128), nullable=False, server_default=""),
    Column("message", Text, nullable=False),
    Column("resolution", Text, nullable=False, server_default=""),
    Column("tried", Text, nullable=False, server_default=""),
    Column("count", Integer, nullable=False, server_default="1"),
    Column("first_seen", UTCDateTime(), nullable=False),
    Column("last_seen", UTCDateTime(), nullable=False),
    Column("closed_at", UTCDateTime(), nullable=True),
    Column("details", JSON, nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("dedup_key", String(512), nullable=False),
    CheckConstraint(_one_of("kind", (k.value for k in ProblemKind)), name="kind"),
    CheckConstraint(_one_of("team", (t.value for t in Team)), name="team"),
    CheckConstraint(_one_of("severity", (s.value for s in Severity)), name="severity"),
    CheckConstraint(_one_of("status", (s.value for s in ProblemStatus)), name="status"),
    CheckConstraint("count >= 1", name="count"),
)
_open = text("status = 'open'")
Index("ux_problems_dedup_open", problems.c.dedup_key, unique=True, sqlite_where=_open, postgresql_where=_open)
Index("ix_problems_status_team", problems.c.status, problems.c.team, problems.c.severity)
Index("ix_problems_entity", problems.c.kind, problems.c.entity_type, problems.c.entity_id)

stock_snapshots = Table(
    "stock_snapshots",
    metadata,
    Column("shop", String(128), primary_key=True),
    Column("location_id", String(255), primary_key=True),
    Column("inventory_item_id", String(255), primary_key=True),
    Column("sku", String(255), nullable=False, server_default=""),
    # What Shopify holds: whole units (ERP fractions are rounded down before pushing).
    Column("quantity", Integer, nullable=False),
    Column("pushed_at", UTCDateTime(), nullable=False),
)

audit = Table(
    "audit",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("actor", String(255), nullable=False),
    Column("action", String(64), nullable=False),
    Column("entity_type", String(64), nullable=False),
    Column("entity_id", String(255), nullable=False),
    Column("detail", JSON, nullable=False),
)
Index("ix_audit_entity", audit.c.entity_type, audit.c.entity_id)

counters = Table(
    "counters",
    metadata,
    Column("name", String(255), primary_key=True),
    Column("value", BigInteger, nullable=False, server_default="0"),
)

schedules = Table(
    "schedules",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("interval_seconds", Integer, nullable=False),
    Column("next_run_at", UTCDateTime(), nullable=False),
    Column("last_run_at", UTCDateTime(), nullable=True),
    CheckConstraint("interval_seconds > 0", name="interval_positive"),
)

# ERP concurrency slots (``engine/slots.py``): one row per slot of a pool, shared by every process and
# host on this store. A slot is free when ``holder`` is NULL or its lease has run out.
erp_slots = Table(
    "erp_slots",
    metadata,
    Column("pool", String(64), primary_key=True),
    Column("slot", Integer, primary_key=True, autoincrement=False),
    Column("holder", String(255), nullable=True),
    Column("lease_until", UTCDateTime(), nullable=True),
    Column("acquired_at", UTCDateTime(), nullable=True),
    CheckConstraint("slot >= 0", name="slot"),
    CheckConstraint(
        "(holder IS NULL AND lease_until IS NULL) OR (holder IS NOT NULL AND lease_until IS NOT NULL)",
        name="held_has_lease",
    ),
)

# Where each Shopify order stands with the ERP (``domain/order_sync.py``): one row per order, the
# order flow's memory between jobs. Its ERP document is also in ``links``; this row adds what the
# flow decides with (status, the fingerprint of what the ERP holds, the SKUs a quarantine waits for).
order_syncs = Table(
    "order_syncs",
    metadata,
    Column("shop", String(128), primary_key=True),
    Column("order_id", String(255), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("erp_id", String(255), nullable=False, server_default=""),
    Column("erp_number", String(255), nullable=False, server_default=""),
    Column("customer_account", String(255), nullable=False, server_default=""),
    Column("fingerprint", String(64), nullable=False, server_default=""),
    Column("posted_at", UTCDateTime(), nullable=True),
    Column("missing_skus", JSON, nullable=False),
    Column("written_back", Integer, nullable=False, server_default="0"),
    Column("amendments", Integer, nullable=False, server_default="0"),
    Column("updated_at", UTCDateTime(), nullable=False),
    # The order version (domain/order_versions.py) shopbridge's write-back of the ERP number produced.
    Column("written_version", String(255), nullable=False, server_default=""),
    CheckConstraint(_one_of("status", (s.value for s in SyncStatus)), name="status"),
)
Index("ix_order_syncs_status", order_syncs.c.status)
Index("ix_order_syncs_name", order_syncs.c.name)

# Every step taken for an entity (an order: received, qualified, posted, quarantined, amended ...),
# in time order: what ``shopbridge orders show`` and the dashboard's order trail print.
trail = Table(
    "trail",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("shop", String(128), nullable=False, server_default=""),
    Column("entity_id", String(255), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("step", String(64), nullable=False),
    Column("detail", JSON, nullable=False),
)
Index("ix_trail_entity", trail.c.shop, trail.c.entity_id)

# Products the catalogue sweep took off sale (``flows/catalogue_sync.py``): what it did, so it undoes
# exactly that and never releases a product a person drafted on purpose.
catalogue_gates = Table(
    "catalogue_gates",
    metadata,
    Column("shop", String(128), primary_key=True),
    Column("product_id", String(255), primary_key=True),
    Column("mode", String(16), nullable=False),
    Column("prior_status", String(16), nullable=False),
    Column("publications", JSON, nullable=False),
    Column("blocking", JSON, nullable=False),
    Column("withdrawn", Integer, nullable=False, server_default="0"),
    Column("gated_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    CheckConstraint(_one_of("mode", (m.value for m in GateMode)), name="mode"),
)

# SKUs on more than one Shopify variant, as the last catalogue sweep found them; the order flow
# quarantines orders that touch one rather than guess which product was sold.
duplicate_skus = Table(
    "duplicate_skus",
    metadata,
    Column("shop", String(128), primary_key=True),
    Column("sku", String(255), primary_key=True),
    Column("variant_ids", JSON, nullable=False),
    Column("first_seen", UTCDateTime(), nullable=False),
    Column("last_seen", UTCDateTime(), nullable=False),
)
# People who sign in to the dashboard and the API (``shopbridge users``). Passwords are argon2
# hashes; a disabled user keeps their row (the audit trail names them) but can no longer sign in.
users = Table(
    "users",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("name", String(128), nullable=False),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("disabled", Integer, nullable=False, server_default="0"),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("name"),
    CheckConstraint(_one_of("role", (r.value for r in Role)), name="role"),
    CheckConstraint("disabled IN (0, 1)", name="disabled"),
)

# API tokens for scripts: only the SHA-256 of the token is kept (it is random and long, so a slow
# hash adds nothing); the token itself is shown once, when it is made.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("user_name", String(128), nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("label", String(255), nullable=False, server_default=""),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("last_used_at", UTCDateTime(), nullable=True),
    Column("revoked_at", UTCDateTime(), nullable=True),
    UniqueConstraint("token_hash"),
)
Index("ix_api_tokens_user_name", api_tokens.c.user_name)

# Failed sign-ins, counted per user name and per client address over a sliding window.
login_failures = Table(
    "login_failures",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("user_name", String(128), nullable=False),
    Column("client", String(64), nullable=False),
)
Index("ix_login_failures_at", login_failures.c.at)

# What each alert route has been told about each problem (its count and status when last sent), so
# a sweep sends only problems that are new or changed since.
alert_deliveries = Table(
    "alert_deliveries",
    metadata,
    Column("route", String(128), primary_key=True),
    Column("problem_id", _Id, primary_key=True, autoincrement=False),
    Column("count", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("sent_at", UTCDateTime(), nullable=False),
)

# One row per message an alert route sent: the route's rate limit counts these.
alert_messages = Table(
    "alert_messages",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("route", String(128), nullable=False),
    Column("sent_at", UTCDateTime(), nullable=False),
    Column("problems", Integer, nullable=False),
    Column("digest", Integer, nullable=False, server_default="0"),
)
Index("ix_alert_messages_route", alert_messages.c.route, alert_messages.c.sent_at)
# The fixed prices shopbridge last pushed to each Shopify price list (B2B price lists flow): the
# next sweep sends only what differs from these. Amounts are decimal text (exact on every database).
price_list_prices = Table(
    "price_list_prices",
    metadata,
    Column("shop", String(128), primary_key=True),
    Column("price_list_id", String(255), primary_key=True),
    Column("variant_id", String(255), primary_key=True),
    Column("sku", String(255), nullable=False, server_default=""),
    Column("amount", String(32), nullable=False),
    Column("compare_at", String(32), nullable=True),
    Column("pushed_at", UTCDateTime(), nullable=False),
)
# One row per Shopify Payments payout shopbridge has settled (posted, refused as unbalanced, exported
# as CSV, or changed after posting): the once-only record beside its "payout" link, the status it was
# settled with, and every transaction behind its summary (the payout detail report). Amounts are
# decimal text: exact on every database.
payout_records = Table(
    "payout_records",
    metadata,
    Column("shop", String(128), primary_key=True),
    Column("payout_id", String(255), primary_key=True),
    Column("issued_at", UTCDateTime(), nullable=False),
    Column("status", String(32), nullable=False),
    Column("settled_status", String(32), nullable=False, server_default=""),
    Column("currency", String(3), nullable=False),
    Column("net", String(40), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("erp_id", String(255), nullable=False, server_default=""),
    Column("erp_reference", String(255), nullable=False, server_default=""),
    Column("difference", String(40), nullable=False, server_default="0"),
    Column("unknown_types", JSON, nullable=False),
    Column("detail", JSON, nullable=False),
    Column("journal_csv", Text, nullable=False, server_default=""),
    Column("updated_at", UTCDateTime(), nullable=False),
    CheckConstraint(_one_of("outcome", (o.value for o in PayoutOutcome)), name="outcome"),
)
Index("ix_payout_records_issued", payout_records.c.shop, payout_records.c.issued_at)
# The stock flow (``flows/stock_to_shopify.py``). The ERP's latest free stock per SKU and warehouse, as
# last read: a snapshot ERP (Prima) is compared with it to find what changed, and ``stock explain`` and
# a changed buffer recompute from it without asking the ERP. ``free`` is a Decimal kept as text.
erp_stock_levels = Table(
    "erp_stock_levels",
    metadata,
    Column("sku", String(255), primary_key=True),
    Column("warehouse", String(64), primary_key=True),
    Column("free", String(64), nullable=False),
    Column("seen_at", UTCDateTime(), nullable=False),
)

# Units of orders Shopify took that the ERP does not hold yet (order syncs waiting or quarantined),
# read once per order; they come off the available figure until the order posts.
pending_order_units = Table(
    "pending_order_units",
    metadata,
    Column("shop", String(128), primary_key=True),
    Column("order_id", String(255), primary_key=True),
    Column("sku", String(255), primary_key=True),
    Column("location_id", String(255), primary_key=True),
    Column("quantity", Integer, nullable=False),
    CheckConstraint("quantity >= 0", name="quantity"),
)

# Shopify's side of a SKU for the stock push: its variant and inventory item, and the product type
# a buffer rule may match on (from ``productVariants``).
stock_items = Table(
    "stock_items",
    metadata,
    Column("shop", String(128), primary_key=True),
    Column("sku", String(255), primary_key=True),
    Column("variant_id", String(255), nullable=False),
    Column("inventory_item_id", String(255), nullable=False),
    Column("product_type", String(255), nullable=False, server_default=""),
    Column("checked_at", UTCDateTime(), nullable=False),
    Column("collections", Text(), nullable=False, server_default=""),  # handles, comma-separated
)

# The daily reconciliation (``flows/daily_reconciliation.py``): one report per shop and day, with the
# verdict of each checkpoint (``verdicts``: name -> pass/fail/not_checkable), the whole as JSON and CSV.
reconcile_reports = Table(
    "reconcile_reports",
    metadata,
    Column("shop", String(128), primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("passed", Integer, nullable=False),
    Column("verdicts", JSON, nullable=False),
    Column("report", JSON, nullable=False),
    Column("csv", Text, nullable=False, server_default=""),
    Column("created_at", UTCDateTime(), nullable=False),
)

# Go-live (``golive/``): each flow switched from dry run to live, with who, when and whether the gates
# were overridden (the reason is audited too), and each test alert sent through a route.
golive_flows = Table(
    "golive_flows",
    metadata,
    Column("flow", String(64), primary_key=True),
    Column("live", Integer, nullable=False),
    Column("changed_at", UTCDateTime(), nullable=False),
    Column("actor", String(255), nullable=False),
    Column("override", Integer, nullable=False, server_default="0"),
    Column("reason", Text, nullable=False, server_default=""),
)

alert_tests = Table(
    "alert_tests",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("route", String(128), nullable=False),
    Column("sent_at", UTCDateTime(), nullable=False),
    Column("ok", Integer, nullable=False),
    Column("detail", Text, nullable=False, server_default=""),
)
Index("ix_alert_tests_route", alert_tests.c.route)
# Dashboard sign-ins, server side: the session cookie carries a random id whose SHA-256 is kept here,
# so signing out, disabling the user or an admin's revoke ends a session even though its cookie is
# still validly signed (a copied cookie stops working with it).
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("user_name", String(128), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime(), nullable=True),
)
Index("ix_web_sessions_user_name", web_sessions.c.user_name)

# The catalogue sweep's SKU index (``flows/catalogue_index.py``): every Shopify variant's SKU and
# product, filled by a whole-catalogue read and then kept from the products that changed, so duplicate
# SKUs are found without reading the whole catalogue on every sweep.
catalogue_skus = Table(
    "catalogue_skus",
    metadata,
    Column("shop", String(128), primary_key=True),
    Column("variant_id", String(255), primary_key=True),
    Column("sku", String(255), nullable=False, server_default=""),
    Column("product_id", String(255), nullable=False),
    Column("title", Text, nullable=False, server_default=""),
    Column("indexed_at", UTCDateTime(), nullable=False),
)
Index("ix_catalogue_skus_sku", catalogue_skus.c.shop, catalogue_skus.c.sku)
Index("ix_catalogue_skus_product", catalogue_skus.c.shop, catalogue_skus.c.product_id)
