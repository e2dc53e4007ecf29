"""An in-memory ERP implementing the port faithfully: for flow unit tests and the contract suite.

It keeps the rules a real ERP keeps (one order per Shopify reference, unknown SKUs refused, credit
notes and payouts idempotent on their references, cancelled orders stay cancelled) and exposes the
levers a warehouse clerk has (despatch, change stock, deactivate an item) plus fault injection.
Every change takes the next number of one sequence; a cursor is the last number read, so a feed
returns each change once and a re-read from the stored cursor converges to nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import TypeVar

from shopbridge.domain.money import Money, total
from shopbridge.domain.orders import FieldLimits
from shopbridge.domain.problems import Team
from shopbridge.domain.records import (
    BundleComponent,
    CreditNote,
    Customer,
    Dispatch,
    DispatchLine,
    Item,
    ItemStatus,
    JournalEntry,
    Price,
    PriceList,
    SalesOrder,
    SalesOrderRequest,
    SalesOrderStatus,
    StockLevel,
)
from shopbridge.errors import NeedsPerson, RetryLater, Throttled, UnsupportedOperation
from shopbridge.ports.erp import (
    Capability,
    CreditLimitExceeded,
    CustomerMatch,
    CustomerMissing,
    ErpHealth,
    HeldCreditNote,
    HeldOrder,
    Page,
    PostedDocument,
    UnknownSku,
)

T = TypeVar("T")
# Everything but STOCK_SNAPSHOT: the fake has a real change feed (a test adds the flag to play Prima).
ALL_CAPABILITIES = frozenset(Capability) - {Capability.STOCK_SNAPSHOT}
_CONFLICT_FIELDS = ("first_name", "last_name", "phone", "company")


@dataclass
class _Versioned:
    """A record with the sequence number of its last change (the cursor position)."""

    seq: int


R = TypeVar("R", bound=_Versioned)


@dataclass
class _ItemRow(_Versioned):
    item: Item


@dataclass
class _StockRow(_Versioned):
    level: StockLevel


@dataclass
class _DispatchRow(_Versioned):
    dispatch: Dispatch


@dataclass
class _OrderRow:
    order: SalesOrder
    currency: str
    dispatched: bool = False
    shipping: tuple[Decimal, Decimal] = (Decimal(0), Decimal(0))  # (net, tax) as the request said


@dataclass
class _Faults:
    status: int = 0
    times: int = 0


@dataclass
class MemoryErp:
    """The fake ERP. ``capabilities`` can be narrowed to play an ERP that lacks something."""

    vendor: str = "memory"
    field_limits: FieldLimits = field(default_factory=FieldLimits)
    warehouse: str = "WH"
    currency: str = "GBP"
    enabled: frozenset[Capability] = ALL_CAPABILITIES
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    _seq: int = 0
    _items: dict[str, _ItemRow] = field(default_factory=dict)
    _stock: dict[tuple[str, str], _StockRow] = field(default_factory=dict)
    _customers: dict[str, Customer] = field(default_factory=dict)
    _orders: dict[str, _OrderRow] = field(default_factory=dict)
    _dispatches: list[_DispatchRow] = field(default_factory=list)
    _credit_notes: dict[str, tuple[str, CreditNote]] = field(default_factory=dict)
    _journals: dict[str, tuple[str, JournalEntry]] = field(default_factory=dict)
    _faults: _Faults = field(default_factory=_Faults)
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _duplicates: list[_OrderRow] = field(default_factory=list)  # orders keyed in by hand twice

    @property
    def capabilities(self) -> frozenset[Capability]:
        return self.enabled

    # --- levers (what a person does in the ERP) ----------------------------------------------
    def add_item(
        self,
        sku: str,
        description: str = "",
        *,
        price: Decimal = Decimal("10.00"),
        active: bool = True,
        free: Decimal | None = None,
        barcode: str = "",
        weight_kg: Decimal | None = None,
    ) -> None:
        status = ItemStatus.ACTIVE if active else ItemStatus.INACTIVE
        item = Item(
            sku=sku,
            description=description or sku,
            status=status,
            erp_id=f"ITEM-{sku}",
            unit_price=Money(price, self.currency),
            barcode=barcode,
            weight_kg=weight_kg,
        )
        with self._lock:
            self._items[sku] = _ItemRow(self._next(), replace(item, updated_at=self.now()))
            if free is not None:
                self.set_stock(sku, self.warehouse, free)

    def set_item_active(self, sku: str, active: bool) -> None:
        with self._lock:
            row = self._items[sku]
            status = ItemStatus.ACTIVE if active else ItemStatus.INACTIVE
            row.item = replace(row.item, status=status, updated_at=self.now())
            row.seq = self._next()

    def set_kit(self, sku: str, components: dict[str, int]) -> None:
        """Make ``sku`` a kit of ``components`` (SKU -> units per kit) as a BOM does; empty: not a kit."""
        parts = tuple(BundleComponent(c, q) for c, q in components.items())
        with self._lock:
            row = self._items[sku]
            row.item = replace(row.item, is_kit=bool(parts), components=parts, updated_at=self.now())
            row.seq = self._next()

    def set_stock(self, sku: str, warehouse: str, free: Decimal) -> None:
        with self._lock:
            level = StockLevel(sku=sku, warehouse=warehouse, free=free, on_hand=free, updated_at=self.now())
            self._stock[(sku, warehouse)] = _StockRow(self._next(), level)

    def add_customer(self, customer: Customer) -> str:
        with self._lock:
            account = customer.erp_account or f"CUST{len(self._customers) + 1:04d}"
            self._customers[account] = replace(customer, erp_account=account)
            return account

    def set_credit_limit(self, account: str, limit: Decimal) -> None:
        with self._lock:
            customer = self._customers[account]
            self._customers[account] = replace(customer, credit_limit=Money(limit, self.currency))

    def dispatch(self, reference: str, *, carrier: str, tracking: str) -> None:
        with self._lock:
            row = self._orders[reference]
            lines = tuple(DispatchLine(ln.sku, ln.quantity) for ln in row.order.lines)
            sent = Dispatch(
                erp_id=f"DSP{len(self._dispatches) + 1:05d}",
                order_reference=reference,
                dispatched_at=self.now(),
                lines=lines,
                carrier=carrier,
                tracking_numbers=(tracking,),
                warehouse=self.warehouse,
            )
            self._dispatches.append(_DispatchRow(self._next(), sent))
            row.order = replace(row.order, status=SalesOrderStatus.DISPATCHED)
            for line in lines:
                self._take_stock(line.sku, Decimal(line.quantity))

    def fail_next(self, status: int, times: int = 1) -> None:
        with self._lock:
            self._faults = _Faults(status, times)

    def count_sales_orders(self, reference: str) -> int:
        return 1 if reference in self._orders else 0

    def count_credit_notes(self, order_reference: str) -> int:
        return sum(1 for _id, note in self._credit_notes.values() if note.order_reference == order_reference)

    def credit_notes(self) -> dict[str, CreditNote]:
        """Every credit note made, by refund reference."""
        with self._lock:
            return {ref: note for ref, (_number, note) in self._credit_notes.items()}

    # --- the port ------------------------------------------------------------------------------
    def check(self) -> ErpHealth:
        self._gate()
        return ErpHealth(self.vendor, True, True, "in-memory fake", self.capabilities)

    def items_changed(self, cursor: str | None, limit: int = 100) -> Page[Item]:
        self._gate(Capability.READ_ITEMS)
        return _page(self._items.values(), cursor, limit, lambda row: row.item)

    def get_items(self, skus: Sequence[str]) -> dict[str, Item]:
        self._gate(Capability.READ_ITEMS)
        return {sku: self._items[sku].item for sku in skus if sku in self._items}

    def stock_changed(self, cursor: str | None, limit: int = 100) -> Page[StockLevel]:
        self._gate(Capability.READ_STOCK)
        return _page(self._stock.values(), cursor, limit, lambda row: row.level)

    def price_lists(self) -> Sequence[PriceList]:
        self._gate(Capability.READ_PRICE_LISTS)
        prices = tuple(
            Price(row.item.sku, row.item.unit_price) for row in self._items.values() if row.item.unit_price
        )
        return (PriceList(code="RETAIL", currency=self.currency, name="Retail", prices=prices),)

    def find_or_create_customer(self, customer: Customer, *, create: bool = True) -> CustomerMatch:
        self._gate(Capability.CUSTOMERS)
        with self._lock:
            known = self._by_email(customer.email)
            if known is None and not create:
                raise CustomerMissing(customer.email)
            if known is None:
                return CustomerMatch(self.add_customer(replace(customer, erp_account="")), created=True)
            return CustomerMatch(known.erp_account, created=False, conflicts=_conflicts(known, customer))

    def check_credit(self, account: str, amount_due: Money) -> None:
        self._gate(Capability.CREDIT_LIMIT_CHECK)
        customer = self._customers.get(account)
        if customer is None or customer.credit_limit is None:
            return
        owed = total((self._order_total(r) for r in self._open_orders(account)), amount_due.currency)
        if owed + amount_due > customer.credit_limit:
            raise CreditLimitExceeded(account, f"owes {owed}, limit {customer.credit_limit}")

    def find_sales_order(self, reference: str) -> SalesOrder | None:
        self._gate()
        row = self._orders.get(reference)
        return row.order if row else None

    def create_sales_order(self, order: SalesOrderRequest) -> PostedDocument:
        self._gate(Capability.CREATE_SALES_ORDER)
        with self._lock:
            existing = self._orders.get(order.reference)
            if existing is not None:
                return _posted(existing.order, existed=True)
            self._require_skus(order)
            self._require_account(order.customer_account)
            number = f"SO{len(self._orders) + 1:05d}"
            made = SalesOrder(
                erp_id=number,
                reference=order.reference,
                customer_account=order.customer_account,
                status=SalesOrderStatus.OPEN,
                lines=order.lines,
                erp_number=number,
            )
            self._orders[order.reference] = _OrderRow(made, order.currency, shipping=_shipping(order))
            return _posted(made)

    def amend_sales_order(self, order: SalesOrderRequest) -> PostedDocument:
        self._gate(Capability.AMEND_SALES_ORDER)
        with self._lock:
            row = self._open_order(order.reference)
            self._require_skus(order)
            row.order = replace(row.order, lines=order.lines)
            row.shipping = _shipping(order)
            return _posted(row.order)

    def cancel_sales_order(self, reference: str, reason: str = "") -> PostedDocument:
        self._gate(Capability.CANCEL_SALES_ORDER)
        with self._lock:
            row = self._orders.get(reference)
            if row is None:
                raise NeedsPerson(f"no sales order carries reference {reference}; nothing to cancel")
            if row.order.status == SalesOrderStatus.CANCELLED:
                return _posted(row.order, existed=True)
            row = self._open_order(reference)
            row.order = replace(row.order, status=SalesOrderStatus.CANCELLED, extra={"reason": reason})
            return _posted(row.order)

    def dispatches_since(self, cursor: str | None, limit: int = 100) -> Page[Dispatch]:
        self._gate(Capability.READ_DISPATCHES)
        return _page(self._dispatches, cursor, limit, lambda row: row.dispatch)

    def create_credit_note(self, note: CreditNote) -> PostedDocument:
        self._gate(Capability.CREDIT_NOTE, Capability.RETURN_ORDER)
        restocks = bool({Capability.CREDIT_NOTE_RESTOCK, Capability.RETURN_ORDER} & self.enabled)
        with self._lock:
            if note.refund_reference in self._credit_notes:
                number, _note = self._credit_notes[note.refund_reference]
                return PostedDocument(number, number, existed=True)
            if note.order_reference not in self._orders:
                raise NeedsPerson(f"credit note {note.refund_reference}: no order {note.order_reference}")
            number = f"CN{len(self._credit_notes) + 1:05d}"
            self._credit_notes[note.refund_reference] = (number, note)
            for line in note.lines:
                if line.restock and restocks:  # an ERP that cannot restock credits only
                    self._take_stock(line.sku, -Decimal(line.quantity))
            return PostedDocument(number, number)

    def post_payout(self, entry: JournalEntry) -> PostedDocument:
        self._gate(Capability.JOURNAL, Capability.BANK_RECEIPT)
        with self._lock:
            if entry.reference in self._journals:
                number, _entry = self._journals[entry.reference]
                return PostedDocument(number, number, existed=True)
            number = f"JNL{len(self._journals) + 1:05d}"
            self._journals[entry.reference] = (number, entry)
            return PostedDocument(number, number)

    def journals(self) -> dict[str, JournalEntry]:
        """Posted journals by reference (for flow tests that check what reached the books)."""
        return {ref: entry for ref, (_n, entry) in self._journals.items()}

    # --- internals -----------------------------------------------------------------------------
    def _next(self) -> int:
        self._seq += 1
        return self._seq

    def _gate(self, *needs: Capability) -> None:
        """Refuse a missing capability, then play any injected fault (as the wire would)."""
        if needs and not set(needs) & self.enabled:
            raise UnsupportedOperation(f"the {self.vendor} ERP cannot {needs[0].value.replace('_', ' ')}")
        with self._lock:
            if self._faults.times <= 0:
                return
            self._faults.times -= 1
            status = self._faults.status
        raise _fault(status)

    def _require_skus(self, order: SalesOrderRequest) -> None:
        missing = [ln.sku for ln in order.lines if ln.sku not in self._items]
        if missing:
            raise UnknownSku(missing, reference=order.reference)
        # An ERP does not sell an item it holds inactive (Sage 200 answers 400 "... is inactive and
        # cannot be sold"), whatever the caller believed a moment ago.
        inactive = sorted(
            {ln.sku for ln in order.lines if self._items[ln.sku].item.status is not ItemStatus.ACTIVE}
        )
        if inactive:
            raise NeedsPerson(
                f"item(s) inactive on order {order.reference}: {', '.join(inactive)}",
                team=Team.MERCHANDISING,
                details={"skus": inactive},
            )

    def _require_account(self, account: str) -> None:
        if account not in self._customers:
            raise NeedsPerson(f"no customer account {account}; create or link the customer first")

    def _open_order(self, reference: str) -> _OrderRow:
        row = self._orders.get(reference)
        if row is None or row.order.status != SalesOrderStatus.OPEN:
            state = "missing" if row is None else row.order.status.value
            raise NeedsPerson(f"sales order {reference} is {state}; it can no longer be changed")
        return row

    def _open_orders(self, account: str) -> list[_OrderRow]:
        return [
            r
            for r in self._orders.values()
            if r.order.customer_account == account and r.order.status == SalesOrderStatus.OPEN
        ]

    @staticmethod
    def _order_total(row: _OrderRow) -> Money:
        return total((ln.unit_price * ln.quantity + ln.tax for ln in row.order.lines), row.currency)

    def _by_email(self, email: str) -> Customer | None:
        wanted = email.strip().lower()
        return next((c for c in self._customers.values() if c.email.strip().lower() == wanted), None)

    def _take_stock(self, sku: str, quantity: Decimal) -> None:
        row = self._stock.get((sku, self.warehouse))
        if row is not None:
            self.set_stock(sku, self.warehouse, row.level.free - quantity)

    # --- the reconciliation's reads (ports/erp.ErpReconcileReads) --------------------------------
    def credit_notes_held(self, refunds: Sequence[tuple[str, str]]) -> dict[str, HeldCreditNote]:
        self._gate()
        with self._lock:
            found = {ref: self._credit_notes[ref] for ref, _order in refunds if ref in self._credit_notes}
        return {
            ref: HeldCreditNote(ref, number, note.net_total, note.tax_total)
            for ref, (number, note) in found.items()
        }

    def orders_held(self, references: Sequence[str]) -> dict[str, list[HeldOrder]]:
        self._gate()
        wanted = set(references)
        held: dict[str, list[HeldOrder]] = {}
        with self._lock:
            for row in [*self._orders.values(), *self._duplicates]:
                if row.order.reference in wanted and row.order.status != SalesOrderStatus.CANCELLED:
                    held.setdefault(row.order.reference, []).append(_held(row))
        return held

    def duplicate_order(self, reference: str) -> str:
        """Lever: a clerk keys the order in again by hand (the ERP now holds two for one reference)."""
        with self._lock:
            row = self._orders[reference]
            number = f"SO{len(self._orders) + len(self._duplicates) + 1:05d}"
            copy = replace(row.order, erp_id=number, erp_number=number)
            self._duplicates.append(_OrderRow(copy, row.currency, shipping=row.shipping))
            return number


def _page(rows: Iterable[R], cursor: str | None, limit: int, pick: Callable[[R], T]) -> Page[T]:
    after = int(cursor) if cursor else 0
    newer = sorted((r for r in rows if r.seq > after), key=lambda r: r.seq)
    chunk = newer[:limit]
    last = chunk[-1].seq if chunk else after
    return Page(tuple(pick(r) for r in chunk), str(last), has_more=len(newer) > limit)


def _shipping(order: SalesOrderRequest) -> tuple[Decimal, Decimal]:
    net = order.shipping.amount if order.shipping is not None else Decimal(0)
    return net, order.shipping_tax.amount if order.shipping_tax is not None else Decimal(0)


def _held(row: _OrderRow) -> HeldOrder:
    lines = row.order.lines
    net = sum((ln.unit_price.amount * ln.quantity for ln in lines), row.shipping[0])
    tax = sum((ln.tax.amount for ln in lines), row.shipping[1])
    number = row.order.erp_number
    return HeldOrder(row.order.reference, number, Money(net, row.currency), Money(tax, row.currency), lines)


def _posted(order: SalesOrder, *, existed: bool = False) -> PostedDocument:
    return PostedDocument(order.erp_id, order.erp_number, existed=existed)


def _conflicts(known: Customer, ours: Customer) -> tuple[str, ...]:
    return tuple(
        name
        for name in _CONFLICT_FIELDS
        if getattr(ours, name) and getattr(ours, name).strip().lower() != getattr(known, name).strip().lower()
    )


def _fault(status: int) -> Exception:
    if status == 429:
        return Throttled("memory ERP: 429 too many requests", retry_after=1.0)
    if status >= 500:
        return RetryLater(f"memory ERP: HTTP {status} (injected)", details={"status": status})
    return NeedsPerson(f"memory ERP: HTTP {status} (injected)", details={"status": status})


def seed_standard(erp: MemoryErp, items: Iterable[tuple[str, str, Decimal, Decimal]], email: str) -> None:
    """Seed a catalogue of ``(sku, description, price, free stock)`` and one customer account."""
    for sku, description, price, free in items:
        erp.add_item(sku, description, price=price, free=free)
    erp.add_customer(Customer(email=email, first_name="Ellen", last_name="Existing"))
