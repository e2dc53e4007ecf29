"""The ERP port: the one interface every ERP adapter (Sage 200, SYSPRO, Prima, Tryton, ...) offers.

Flows speak only this Protocol and canonical records. Each adapter translates its vendor's wire
format and errors at its boundary: transient failures raise :class:`~shopbridge.errors.RetryLater`,
rejections a person must look at raise :class:`~shopbridge.errors.NeedsPerson` (an unknown SKU raises
:class:`UnknownSku`), and an operation the ERP cannot do raises
:class:`~shopbridge.errors.UnsupportedOperation`. Flows check :attr:`ErpPort.capabilities` first, so
they choose the supported path rather than failing.

Cursors are opaque strings owned by the adapter (a timestamp, a row version, a journal number).
``None`` means "from the beginning". A page returns the cursor to pass next; when ``has_more`` is
false the reader is up to date and stores ``next_cursor`` as its watermark. Adapters re-read a
little overlap where their source's clock is coarse and drop what they already returned, so each
change is seen once and repeated reads converge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Generic, Protocol, TypeVar, runtime_checkable

from shopbridge.domain.money import Money
from shopbridge.domain.orders import FieldLimits
from shopbridge.domain.problems import ProblemKind, Team
from shopbridge.domain.records import (
    CreditNote,
    Customer,
    Dispatch,
    Item,
    JournalEntry,
    PriceList,
    SalesOrder,
    SalesOrderLine,
    SalesOrderRequest,
    StockLevel,
)
from shopbridge.errors import NeedsPerson

T = TypeVar("T")


class Capability(StrEnum):
    """What an ERP can do through its API. Flows consult these before choosing a path."""

    READ_ITEMS = "read_items"
    READ_STOCK = "read_stock"
    READ_PRICE_LISTS = "read_price_lists"
    CUSTOMERS = "customers"
    CREDIT_LIMIT_CHECK = "credit_limit_check"
    CREATE_SALES_ORDER = "create_sales_order"
    AMEND_SALES_ORDER = "amend_sales_order"
    CANCEL_SALES_ORDER = "cancel_sales_order"
    READ_DISPATCHES = "read_dispatches"
    CREDIT_NOTE = "credit_note"  # a ledger credit against the order
    CREDIT_NOTE_RESTOCK = "credit_note_restock"  # the credit note itself moves stock back
    RETURN_ORDER = "return_order"  # a sales return document (SOP return)
    JOURNAL = "journal"  # post a nominal journal
    BANK_RECEIPT = "bank_receipt"  # post a bank receipt/payment with nominal analysis
    KITS = "kits"  # bills of material / kits readable for bundles
    STOCK_SNAPSHOT = "stock_snapshot"  # stock_changed returns every level each time (no change feed)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of changes and the cursor to continue from."""

    items: tuple[T, ...]
    next_cursor: str | None
    has_more: bool = False


@dataclass(frozen=True)
class CustomerMatch:
    """The outcome of find-or-create: the account, and whether the ERP's details differ from ours."""

    account: str
    created: bool
    conflicts: tuple[str, ...] = ()  # field names where the ERP's record differs (email matched)


@dataclass(frozen=True)
class PostedDocument:
    """Any document the ERP created for us: its id, its human number and whether it already existed."""

    erp_id: str
    number: str = ""
    existed: bool = False
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ErpHealth:
    """What ``shopbridge erp check`` reports."""

    vendor: str
    reachable: bool
    authenticated: bool
    detail: str = ""
    capabilities: frozenset[Capability] = frozenset()


class UnknownSku(NeedsPerson):
    """The ERP has no item for one or more SKUs; the order waits in quarantine until it does."""

    def __init__(self, skus: Sequence[str], *, reference: str = "") -> None:
        self.skus = tuple(skus)
        where = f" on order {reference}" if reference else ""
        super().__init__(
            f"unknown SKU(s){where}: {', '.join(self.skus)}",
            kind=ProblemKind.UNKNOWN_SKU,
            team=Team.MERCHANDISING,
            details={"skus": list(self.skus), "reference": reference},
        )


class CustomerMissing(NeedsPerson):
    """No ERP customer has the email, and shopbridge may not create one (``create=False``)."""

    def __init__(self, email: str) -> None:
        super().__init__(
            f"no ERP customer has the email {email}, and creating customers is turned off",
            kind=ProblemKind.CUSTOMER_MISSING,
            details={"email": email},
        )


class CreditLimitExceeded(NeedsPerson):
    def __init__(self, account: str, detail: str = "") -> None:
        super().__init__(
            f"customer {account} is over its credit limit{': ' + detail if detail else ''}",
            kind=ProblemKind.CREDIT_LIMIT,
            details={"account": account},
        )


@runtime_checkable
class ErpPort(Protocol):
    """The operations shopbridge needs from an ERP. Every method may raise the error classes above."""

    vendor: str
    field_limits: FieldLimits  # text field lengths; names and addresses are cut to these, on the trail

    @property
    def capabilities(self) -> frozenset[Capability]:
        """What this ERP can do through its API."""
        ...

    def check(self) -> ErpHealth:
        """Reachability, authentication and capabilities, for ``shopbridge erp check``."""
        ...

    # Product master and stock (the ERP owns these)
    def items_changed(self, cursor: str | None, limit: int = 100) -> Page[Item]:
        """Items created or changed (including status changes) since ``cursor``."""
        ...

    def get_items(self, skus: Sequence[str]) -> dict[str, Item]:
        """Look up items by SKU; missing SKUs are absent from the result (not an error)."""
        ...

    def stock_changed(self, cursor: str | None, limit: int = 100) -> Page[StockLevel]:
        """Free stock per SKU and warehouse changed since ``cursor``."""
        ...

    def price_lists(self) -> Sequence[PriceList]:
        """All price lists (bands) with their prices."""
        ...

    # Customers
    def find_or_create_customer(self, customer: Customer, *, create: bool = True) -> CustomerMatch:
        """Find by email (then by Shopify id where the ERP stores it) or create.

        With ``create=False`` a customer the ERP does not have raises :class:`CustomerMissing`.

        Rule for an existing email with different details: the ERP keeps its record (it owns the
        account) and the differing field names are returned in ``conflicts`` so the flow can raise
        a CUSTOMER_CONFLICT problem for finance; the order still posts to the matched account.
        """
        ...

    def check_credit(self, account: str, amount_due: Money) -> None:
        """Raise :class:`CreditLimitExceeded` if the order would exceed the account's limit."""
        ...

    # Sales orders
    def find_sales_order(self, reference: str) -> SalesOrder | None:
        """The sales order carrying this Shopify reference, or ``None``."""
        ...

    def create_sales_order(self, order: SalesOrderRequest) -> PostedDocument:
        """Create the order unless one with ``order.reference`` exists (then ``existed=True``).

        Raises :class:`UnknownSku` naming every SKU the ERP lacks.
        """
        ...

    def amend_sales_order(self, order: SalesOrderRequest) -> PostedDocument:
        """Replace the lines of the existing order ``order.reference``."""
        ...

    def cancel_sales_order(self, reference: str, reason: str = "") -> PostedDocument:
        """Cancel the order; cancelling a cancelled order is a no-op."""
        ...

    # Dispatches, credits, money
    def dispatches_since(self, cursor: str | None, limit: int = 100) -> Page[Dispatch]:
        """Despatches recorded since ``cursor``, with carrier and tracking."""
        ...

    def create_credit_note(self, note: CreditNote) -> PostedDocument:
        """A credit note against ``note.order_reference``; idempotent on ``refund_reference``."""
        ...

    def post_payout(self, entry: JournalEntry) -> PostedDocument:
        """Post a balanced payout summary (as a journal, or bank receipt + payment where no journal
        POST exists); idempotent on ``entry.reference``."""
        ...


@runtime_checkable
class ErpReconcileReads(Protocol):
    """What the daily reconciliation reads back from an ERP that can answer it.

    Every adapter implements it (the contract suite holds each to it). A port without it (a test
    double) makes the refunds checkpoint "not checkable" rather than a pass, and the orders
    checkpoint falls back to ``find_sales_order`` per order (which cannot see a duplicate).
    """

    def credit_notes_held(self, refunds: Sequence[tuple[str, str]]) -> dict[str, HeldCreditNote]:
        """The credit notes posted for these (refund reference, order reference) pairs, by refund
        reference; a refund without one is absent. Adapters read them a batch at a time where they can."""
        ...

    def orders_held(self, references: Sequence[str]) -> dict[str, list[HeldOrder]]:
        """Every live (not cancelled) sales order carrying each Shopify reference: two are a duplicate.

        A reference without an order is absent. Adapters read a batch at a time where they can."""
        ...


# The kinds of ERP document shopbridge links to from the dashboard (the order trail).
DOCUMENT_SALES_ORDER = "sales_order"
DOCUMENT_CREDIT_NOTE = "credit_note"
DOCUMENT_PAYOUT_ENTRY = "payout_entry"


@runtime_checkable
class ErpDocumentLinks(Protocol):
    """An ERP whose documents have a web address a person can open (Tryton's web client does).

    Optional: an adapter without one does not implement this, and :func:`document_url` gives None.
    """

    def document_url(self, kind: str, erp_id: str) -> str | None:
        """The address of the ERP's document of ``kind`` (``DOCUMENT_*``) and id, or None."""
        ...


def document_url(erp: object, kind: str, erp_id: str) -> str | None:
    """The adapter's link to its document, or None when it has none (the port's default)."""
    if not erp_id or not isinstance(erp, ErpDocumentLinks):
        return None
    return erp.document_url(kind, erp_id)


@runtime_checkable
class ErpCreditExactness(Protocol):
    """An ERP whose credit-note format cannot carry every refund to the penny says which it cannot.

    The refunds flow asks before posting; a note the ERP would post inexactly is not posted (finance
    keys it from the figures instead). An adapter without this posts every note exactly.
    """

    def credit_note_gap(self, note: CreditNote) -> str:
        """``""`` when the ERP can post ``note`` exactly (lines, shipping, adjustment, each with
        Shopify's tax); otherwise what its format cannot carry, in words finance can act on."""
        ...


class InexactCreditNote(NeedsPerson):
    """The ERP would post this credit note inexactly, so it posts nothing: finance keys it by hand."""

    def __init__(self, vendor: str, note: CreditNote, gap: str) -> None:
        super().__init__(
            f"{vendor} cannot credit refund {note.refund_reference} exactly: {gap}",
            kind=ProblemKind.CREDIT_NOTE_MANUAL,
            details={"refund": note.refund_reference, "order_reference": note.order_reference, "gap": gap},
        )


@dataclass(frozen=True)
class HeldCreditNote:
    """A credit note as the ERP holds it, read back for the daily reconciliation.

    ``tax`` is ``None`` where the ERP works the tax out itself and the read cannot give it (SYSPRO's
    SORQRY gives net prices only): the reconciliation then compares net with Shopify's net.
    """

    refund_reference: str
    number: str
    net: Money
    tax: Money | None

    @property
    def total(self) -> Money:
        return self.net if self.tax is None else self.net + self.tax


@dataclass(frozen=True)
class HeldOrder:
    """A sales order as the ERP holds it, read back for the daily reconciliation.

    ``net`` and ``tax`` are the whole order's as the ERP totals it: goods, shipping and any rounding
    line (``tax`` ``None`` where the read cannot give it). ``goods`` are the item lines, with tax
    where known, for the tax checkpoint's per-rate buckets.
    """

    reference: str
    number: str
    net: Money
    tax: Money | None
    goods: tuple[SalesOrderLine, ...] = ()
    # The ERP works the tax out itself, line by line, from the net prices posted (SYSPRO), and no
    # rounding line can carry Shopify's figure: each taxed line may be a penny off Shopify's.
    tax_per_line: bool = False
