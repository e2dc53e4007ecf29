"""In-memory Prima company: products, stock, customers, orders, despatches, credits, journals.

Every change takes the next ``sequence`` number; the enquiries' ``ChangedSince`` compares with it.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

# The standard catalogue of the contract suite (SKU, description, price, free stock in MAIN).
SEED_ITEMS: tuple[tuple[str, str, Decimal, Decimal], ...] = (
    ("TSHIRT-RED-M", "T-shirt red M", Decimal("12.50"), Decimal(40)),
    ("TSHIRT-BLU-L", "T-shirt blue L", Decimal("12.50"), Decimal(25)),
    ("MUG-WHITE", "White mug", Decimal("8.00"), Decimal(100)),
    ("CAP-BLACK", "Black cap", Decimal("15.00"), Decimal(0)),
)
SEED_CUSTOMERS = (
    ("CUST001", "Existing Customer", "existing@example.com", Decimal(0)),
    ("TRADE01", "Trade Account Ltd", "trade@example.com", Decimal("500.00")),
)
WAREHOUSES = ("MAIN", "STORE1", "RETURNS")
TAX_CODES = ("S", "Z", "E")
CARRIERS = ("DPD", "Royal Mail", "DHL", "Yodel")
DEFAULT_WAREHOUSE = "MAIN"


@dataclass
class Product:
    code: str
    description: str
    price: Decimal
    active: bool = True
    tax_code: str = "S"
    sequence: int = 0


@dataclass
class Stock:
    product: str
    warehouse: str
    on_hand: Decimal
    allocated: Decimal = Decimal(0)
    sequence: int = 0

    @property
    def free(self) -> Decimal:
        return max(self.on_hand - self.allocated, Decimal(0))


@dataclass
class Account:
    account: str
    name: str
    email: str
    credit_limit: Decimal = Decimal(0)
    phone: str = ""
    balance: Decimal = Decimal(0)


@dataclass
class Line:
    product: str
    quantity: int
    price: Decimal
    tax: Decimal
    warehouse: str
    tax_code: str = ""
    despatched: int = 0


@dataclass
class Order:
    number: str  # the caller's OrderNumber: Prima takes the number it is given
    reference: str  # CustomerRef (the shop's order name)
    customer: str
    lines: list[Line]
    status: str = "Processing"  # then Part-Despatched, Despatched, Cancelled
    credits: dict[str, str] = field(default_factory=dict)
    charges: Decimal = Decimal(0)  # the OrderChargeData values (carriage), as Prima keeps no tax on them

    @property
    def value(self) -> Decimal:
        return sum((ln.price * ln.quantity for ln in self.lines), Decimal(0))


@dataclass
class Despatch:
    number: str
    order: Order
    carrier: str
    consignment: str
    lines: list[tuple[str, int]]
    warehouse: str
    sequence: int
    at: datetime


@dataclass
class PrimaCompany:
    products: dict[str, Product] = field(default_factory=dict)
    stock: dict[tuple[str, str], Stock] = field(default_factory=dict)
    customers: dict[str, Account] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
    despatches: list[Despatch] = field(default_factory=list)
    credits: dict[str, list[tuple[str, int, bool]]] = field(default_factory=dict)
    # Each credit's (net, VAT) as posted: its lines' Price (the line's net, as sent) and Carriage,
    # and their ExtTaxVal; OrderStatus shows them on the order's Credit element.
    credit_values: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)
    journals: dict[str, str] = field(default_factory=dict)
    # Each journal's lines as (nominal, debit - credit), by reference: what a ledger enquiry would show
    # (kept for tests and the demo; the wire's JournalEnquiry answers the number only).
    journal_lines: dict[str, list[tuple[str, Decimal]]] = field(default_factory=dict)

    def nominal_balance(self, code: str) -> Decimal:
        """Debit - credit on one nominal code over every journal."""
        return sum((v for lines in self.journal_lines.values() for c, v in lines if c == code), Decimal(0))

    sequence: int = 0
    counters: dict[str, int] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def next_sequence(self) -> int:
        self.sequence += 1
        return self.sequence

    def next_number(self, prefix: str) -> str:
        self.counters[prefix] = self.counters.get(prefix, 0) + 1
        return f"{prefix}{self.counters[prefix]:06d}"

    def add_item(self, code: str, description: str, price: Decimal, *, active: bool = True) -> None:
        self.products[code] = Product(code, description, price, active, sequence=self.next_sequence())
        if (code, DEFAULT_WAREHOUSE) not in self.stock:
            self.set_stock(code, DEFAULT_WAREHOUSE, Decimal(0))

    def set_item_active(self, code: str, active: bool) -> None:
        product = self.products[code]
        product.active, product.sequence = active, self.next_sequence()

    def set_credit_limit(self, account: str, limit: Decimal) -> None:
        self.customers[account].credit_limit = limit

    def set_stock(self, code: str, warehouse: str, free: Decimal) -> None:
        row = self.stock.get((code, warehouse)) or Stock(code, warehouse, Decimal(0))
        row.on_hand, row.sequence = free + row.allocated, self.next_sequence()
        self.stock[(code, warehouse)] = row

    def move(self, code: str, warehouse: str, *, on_hand: Decimal, allocated: Decimal) -> None:
        row = self.stock.setdefault((code, warehouse), Stock(code, warehouse, Decimal(0)))
        row.on_hand += on_hand
        row.allocated = max(row.allocated + allocated, Decimal(0))
        row.sequence = self.next_sequence()

    def order_by_ref(self, reference: str) -> Order | None:
        return next((o for o in self.orders.values() if o.reference == reference), None)

    def despatch(
        self, reference: str, *, carrier: str, consignment: str, quantities: Mapping[str, int] | None = None
    ) -> str:
        """Despatch what is outstanding, or only ``quantities`` (product code -> units)."""
        order = self.order_by_ref(reference)
        if order is None or order.status not in ("Processing", "Part-Despatched"):
            raise KeyError(f"no open order with customer order ref {reference}")
        sent = _picks(order, quantities)
        for line, qty in sent:
            line.despatched += qty
            self.move(line.product, line.warehouse, on_hand=-Decimal(qty), allocated=-Decimal(qty))
        whole = all(ln.despatched >= ln.quantity for ln in order.lines)
        order.status = "Despatched" if whole else "Part-Despatched"
        number = self.next_number("DN")
        warehouse = sent[0][0].warehouse if sent else DEFAULT_WAREHOUSE
        lines = [(ln.product, qty) for ln, qty in sent]
        self.despatches.append(
            Despatch(
                number, order, carrier, consignment, lines, warehouse, self.next_sequence(), datetime.now(UTC)
            )
        )
        return number


def _picks(order: Order, quantities: Mapping[str, int] | None) -> list[tuple[Line, int]]:
    """(line, units) to despatch: every outstanding unit, or ``quantities`` per product in line order."""
    open_lines = [(ln, ln.quantity - ln.despatched) for ln in order.lines if ln.quantity > ln.despatched]
    if quantities is None:
        return open_lines
    wanted = dict(quantities)
    picks: list[tuple[Line, int]] = []
    for line, left in open_lines:
        units = min(left, wanted.get(line.product, 0))
        if units > 0:
            picks.append((line, units))
            wanted[line.product] -= units
    if any(units > 0 for units in wanted.values()):
        raise ValueError(f"cannot despatch more than is outstanding on {order.reference}: {wanted}")
    return picks


def seeded() -> PrimaCompany:
    company = PrimaCompany()
    for code, description, price, free in SEED_ITEMS:
        company.add_item(code, description, price)
        company.set_stock(code, DEFAULT_WAREHOUSE, free)
    for account, name, email, limit in SEED_CUSTOMERS:
        company.customers[account] = Account(account, name, email, limit)
    return company
