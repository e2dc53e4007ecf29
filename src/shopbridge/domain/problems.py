"""The problem taxonomy: what can go wrong, who owns it, how bad it is and how it resolves.

A *problem* is a failure turned into data (docs/architecture.md invariant 2). This module is pure: it says
what kinds exist and their defaults; the engine stores problems and the flows raise them.
The string values are stored in the database; ``tests/engine/test_enums_match_db.py`` keeps the two
in step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Team(StrEnum):
    """The team that owns a problem and is told about it."""

    FINANCE = "finance"
    OPERATIONS = "operations"
    ECOMMERCE = "ecommerce"
    MERCHANDISING = "merchandising"
    TECHNICAL = "technical"


class Severity(StrEnum):
    """How urgent a problem is; ``CRITICAL`` pages someone, ``INFO`` waits for the daily digest."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    CRITICAL = "critical"


class Resolution(StrEnum):
    """How a problem goes away."""

    AUTOMATIC_RETRY = "automatic_retry"  # the engine keeps retrying; resolves on success
    RELEASE_WHEN = "release_when"  # resolves itself when a condition holds (the SKU appears)
    PERSON = "person"  # someone must act, then resolve or ignore it


class ProblemStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    IGNORED = "ignored"


@dataclass(frozen=True)
class _KindInfo:
    team: Team
    severity: Severity
    resolution: Resolution
    advice: str


class ProblemKind(StrEnum):
    """Every kind of problem shopbridge can raise. Add a kind here, with its defaults below."""

    JOB_DEAD_LETTERED = "job_dead_lettered"
    REMOTE_REJECTED = "remote_rejected"
    REMOTE_UNAVAILABLE = "remote_unavailable"
    UNSUPPORTED_OPERATION = "unsupported_operation"
    CONFIGURATION = "configuration"
    MALFORMED_WEBHOOK = "malformed_webhook"
    UNKNOWN_WEBHOOK_TOPIC = "unknown_webhook_topic"
    UNKNOWN_SKU = "unknown_sku"
    DUPLICATE_SKU = "duplicate_sku"
    CUSTOMER_CONFLICT = "customer_conflict"
    CREDIT_LIMIT = "credit_limit"
    STOCK_MISMATCH = "stock_mismatch"
    LEDGER_MISMATCH = "ledger_mismatch"
    PAYOUT_MISMATCH = "payout_mismatch"
    UNKNOWN_BALANCE_TRANSACTION = "unknown_balance_transaction"
    AMENDMENT_AFTER_CUTOFF = "amendment_after_cutoff"
    FULFILMENT_REJECTED = "fulfilment_rejected"
    ORDER_UNMAPPABLE = "order_unmappable"
    CUSTOMER_MISSING = "customer_missing"
    # Dispatches and refunds (issue 10)
    UNMAPPED_CARRIER = "unmapped_carrier"
    DISPATCH_UNMATCHED = "dispatch_unmatched"
    RESTOCK_TASK = "restock_task"
    CREDIT_NOTE_MANUAL = "credit_note_manual"
    REFUND_UNMAPPABLE = "refund_unmappable"
    # Stock and catalogue (issue 11)
    STOCK_PUSH_HELD = "stock_push_held"
    PRODUCT_GATED = "product_gated"
    PRICE_LIST_MISMATCH = "price_list_mismatch"
    # Finance (issue 12)
    PAYOUT_CHANGED = "payout_changed"
    TAX_MISMATCH = "tax_mismatch"

    @property
    def default_team(self) -> Team:
        return _KINDS[self].team

    @property
    def default_severity(self) -> Severity:
        return _KINDS[self].severity

    @property
    def default_resolution(self) -> str:
        return _KINDS[self].resolution.value

    @property
    def advice(self) -> str:
        """What usually fixes this kind, shown beside the problem."""
        return _KINDS[self].advice

    @property
    def runbook(self) -> str:
        """The runbook section for this kind: ``docs/runbooks/<team>.md#<kind>``."""
        return f"docs/runbooks/{_RUNBOOKS[self.default_team]}.md#{self.value}"


_T, _S, _R = Team, Severity, Resolution

# Merchandising shares the ecommerce runbook: the same people look after the catalogue and the store.
_RUNBOOKS: dict[Team, str] = {
    Team.FINANCE: "finance",
    Team.OPERATIONS: "operations",
    Team.ECOMMERCE: "ecommerce",
    Team.MERCHANDISING: "ecommerce",
    Team.TECHNICAL: "technical",
}
_KINDS: dict[ProblemKind, _KindInfo] = {
    ProblemKind.UNMAPPED_CARRIER: _KindInfo(
        _T.OPERATIONS,
        _S.WARNING,
        _R.PERSON,
        "The ERP carrier has no Shopify name: add it to [lookups] carriers (its parcels went out "
        "with a custom carrier name and their tracking URL).",
    ),
    ProblemKind.DISPATCH_UNMATCHED: _KindInfo(
        _T.OPERATIONS,
        _S.ERROR,
        _R.PERSON,
        "The ERP dispatch does not match a Shopify order shopbridge posted (or ships more than was "
        "ordered): correct the dispatch in the ERP or fulfil the order in Shopify by hand.",
    ),
    ProblemKind.RESTOCK_TASK: _KindInfo(
        _T.OPERATIONS,
        _S.WARNING,
        _R.PERSON,
        "The ERP cannot restock through its API: book the listed units back into the named "
        "warehouse, then resolve this task.",
    ),
    ProblemKind.CREDIT_NOTE_MANUAL: _KindInfo(
        _T.FINANCE,
        _S.ERROR,
        _R.PERSON,
        "The ERP has no credit-note path: key in the credit note from the figures and CSV attached, "
        "then resolve this problem.",
    ),
    ProblemKind.REFUND_UNMAPPABLE: _KindInfo(
        _T.FINANCE,
        _S.ERROR,
        _R.PERSON,
        "The refund names lines the ERP order does not have: raise the credit note by hand, or "
        "correct the ERP order and retry the refund's job.",
    ),
    ProblemKind.STOCK_PUSH_HELD: _KindInfo(
        _T.TECHNICAL,
        _S.CRITICAL,
        _R.AUTOMATIC_RETRY,
        "Nothing was pushed to Shopify: the ERP was unreachable or reported an implausible drop. "
        "Check the ERP's stock; the next sweep pushes once the figures are plausible.",
    ),
    ProblemKind.PRODUCT_GATED: _KindInfo(
        _T.MERCHANDISING,
        _S.WARNING,
        _R.RELEASE_WHEN,
        "The product is kept off sale until every variant's SKU exists and is active in the ERP; "
        "it is released by itself.",
    ),
    ProblemKind.PRICE_LIST_MISMATCH: _KindInfo(
        _T.ECOMMERCE,
        _S.ERROR,
        _R.PERSON,
        "The ERP price list cannot be synced as it is (its currency differs from the catalog's): "
        "correct the mapping in [prices] or the list in the ERP.",
    ),
    ProblemKind.PAYOUT_CHANGED: _KindInfo(
        _T.FINANCE,
        _S.CRITICAL,
        _R.PERSON,
        "A payout changed status after it was posted: reverse or correct the entry in the ERP by hand.",
    ),
    ProblemKind.TAX_MISMATCH: _KindInfo(
        _T.FINANCE,
        _S.ERROR,
        _R.PERSON,
        "Shopify's tax and the ERP's tax for the day differ: the detail lists the orders behind it.",
    ),
    ProblemKind.CUSTOMER_MISSING: _KindInfo(
        _T.FINANCE,
        _S.ERROR,
        _R.PERSON,
        "Create the customer's account in the ERP (shopbridge may not: create_customers is off), "
        "then retry the order's job.",
    ),
    ProblemKind.ORDER_UNMAPPABLE: _KindInfo(
        _T.ECOMMERCE,
        _S.ERROR,
        _R.PERSON,
        "Correct the order in Shopify or the named setting, then retry the order's job.",
    ),
    ProblemKind.JOB_DEAD_LETTERED: _KindInfo(
        _T.TECHNICAL,
        _S.ERROR,
        _R.PERSON,
        "Read the last error, fix the cause, then `shopbridge jobs replay`.",
    ),
    ProblemKind.REMOTE_REJECTED: _KindInfo(
        _T.TECHNICAL, _S.ERROR, _R.PERSON, "The remote system refused the request; its message says why."
    ),
    ProblemKind.REMOTE_UNAVAILABLE: _KindInfo(
        _T.TECHNICAL,
        _S.WARNING,
        _R.AUTOMATIC_RETRY,
        "Retried automatically; check the system if it persists.",
    ),
    ProblemKind.UNSUPPORTED_OPERATION: _KindInfo(
        _T.TECHNICAL,
        _S.ERROR,
        _R.PERSON,
        "The ERP cannot do this through its API: do it by hand or change the flow.",
    ),
    ProblemKind.CONFIGURATION: _KindInfo(
        _T.TECHNICAL, _S.CRITICAL, _R.PERSON, "Correct the named setting and restart."
    ),
    ProblemKind.MALFORMED_WEBHOOK: _KindInfo(
        _T.TECHNICAL,
        _S.WARNING,
        _R.PERSON,
        "The raw body is kept; the sweep brings the record in regardless.",
    ),
    ProblemKind.UNKNOWN_WEBHOOK_TOPIC: _KindInfo(
        _T.TECHNICAL, _S.INFO, _R.PERSON, "Unsubscribe the topic in Shopify or add a handler for it."
    ),
    ProblemKind.UNKNOWN_SKU: _KindInfo(
        _T.MERCHANDISING,
        _S.ERROR,
        _R.RELEASE_WHEN,
        "Create the item in the ERP; the order is released by itself.",
    ),
    ProblemKind.DUPLICATE_SKU: _KindInfo(
        _T.MERCHANDISING, _S.WARNING, _R.PERSON, "Give each Shopify variant its own SKU."
    ),
    ProblemKind.CUSTOMER_CONFLICT: _KindInfo(
        _T.FINANCE,
        _S.WARNING,
        _R.PERSON,
        "An ERP account has this email with other details: merge or link by hand.",
    ),
    ProblemKind.CREDIT_LIMIT: _KindInfo(
        _T.FINANCE, _S.ERROR, _R.PERSON, "Raise the credit limit or release the order in the ERP."
    ),
    ProblemKind.STOCK_MISMATCH: _KindInfo(
        _T.OPERATIONS, _S.WARNING, _R.AUTOMATIC_RETRY, "The next stock push corrects Shopify."
    ),
    ProblemKind.LEDGER_MISMATCH: _KindInfo(
        _T.FINANCE, _S.ERROR, _R.PERSON, "An order and its ledger entry disagree: check both documents."
    ),
    ProblemKind.PAYOUT_MISMATCH: _KindInfo(
        _T.FINANCE, _S.ERROR, _R.PERSON, "The posted payout does not equal the bank deposit."
    ),
    ProblemKind.UNKNOWN_BALANCE_TRANSACTION: _KindInfo(
        _T.FINANCE, _S.WARNING, _R.PERSON, "Posted to suspense: map the transaction type to a nominal code."
    ),
    ProblemKind.AMENDMENT_AFTER_CUTOFF: _KindInfo(
        _T.OPERATIONS,
        _S.WARNING,
        _R.PERSON,
        "The order was edited after the cut-off: amend it in the ERP by hand.",
    ),
    ProblemKind.FULFILMENT_REJECTED: _KindInfo(
        _T.OPERATIONS,
        _S.ERROR,
        _R.PERSON,
        "Shopify refused the fulfilment: check the order's fulfilment orders.",
    ),
}


@dataclass(frozen=True)
class ProblemReport:
    """What a flow or the engine reports; the store turns repeats of one ``dedup_key`` into a count."""

    kind: ProblemKind
    entity_type: str
    entity_id: str
    message: str
    team: Team | None = None
    severity: Severity | None = None
    resolution: str = ""
    tried: str = ""
    details: dict[str, object] = field(default_factory=dict)
    shop: str = ""

    @property
    def owner(self) -> Team:
        return self.team or self.kind.default_team

    @property
    def effective_severity(self) -> Severity:
        return self.severity or self.kind.default_severity

    @property
    def dedup_key(self) -> str:
        """One open problem per kind and entity: a repeat raises its count, not a new row."""
        return f"{self.kind.value}:{self.shop}:{self.entity_type}:{self.entity_id}"


@dataclass(frozen=True)
class Problem:
    """A stored problem, as read back from the store."""

    id: int
    kind: ProblemKind
    team: Team
    severity: Severity
    status: ProblemStatus
    entity_type: str
    entity_id: str
    message: str
    resolution: str
    tried: str
    count: int
    first_seen: datetime
    last_seen: datetime
    shop: str = ""
    details: dict[str, object] = field(default_factory=dict)
    note: str = ""
