"""Canonical records: the shapes both sides are translated into and out of.

Connectors translate Shopify's and each ERP's wire shapes to these records at their boundary; flows
and mapping rules see only these. They are frozen, typed and validated on construction (a record
that exists is consistent: line currencies match the order, quantities are positive, times are
timezone-aware UTC).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from shopbridge.domain.money import Money, total


def _require_utc(name: str, value: datetime | None) -> None:
    if value is not None and value.utcoffset() != timedelta(0):
        raise ValueError(f"{name} must be timezone-aware UTC, got {value!r}")


def _require_currency(name: str, money: Money, currency: str) -> None:
    if money.currency != currency:
        raise ValueError(f"{name} is in {money.currency}, expected {currency}")


@dataclass(frozen=True)
class Address:
    line1: str = ""
    line2: str = ""
    city: str = ""
    region: str = ""
    postcode: str = ""
    country_code: str = ""
    company: str = ""
    name: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Customer:
    """A buyer. ``shopify_id`` is the GID; ``erp_account`` the ERP's account code once linked."""

    email: str
    first_name: str = ""
    last_name: str = ""
    shopify_id: str = ""
    erp_account: str = ""
    phone: str = ""
    company: str = ""
    billing_address: Address | None = None
    shipping_address: Address | None = None
    currency: str = ""
    credit_limit: Money | None = None

    def __post_init__(self) -> None:
        if "@" not in self.email and self.email:
            raise ValueError(f"not an email address: {self.email!r}")

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.company or self.email


class ItemStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"  # exists but may not be sold (discontinued, on hold)
    MISSING = "missing"  # the ERP has no such item


@dataclass(frozen=True)
class Item:
    """A stock item as the ERP knows it (the ERP owns the product master)."""

    sku: str
    description: str = ""
    status: ItemStatus = ItemStatus.ACTIVE
    erp_id: str = ""
    unit_price: Money | None = None
    tax_code: str = ""
    is_kit: bool = False
    components: tuple[BundleComponent, ...] = ()
    updated_at: datetime | None = None
    barcode: str = ""  # EAN/UPC where the ERP holds one ("" = the ERP has none)
    weight_kg: Decimal | None = None  # shipping weight where the ERP holds one

    def __post_init__(self) -> None:
        if not self.sku.strip():
            raise ValueError("an item needs a non-empty SKU")
        _require_utc("updated_at", self.updated_at)


@dataclass(frozen=True)
class BundleComponent:
    sku: str
    quantity: int

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise ValueError(f"bundle component {self.sku} needs a positive quantity")


@dataclass(frozen=True)
class Variant:
    """A Shopify variant with its inventory item (where stock is held)."""

    shopify_id: str
    sku: str
    product_id: str = ""
    inventory_item_id: str = ""
    title: str = ""
    price: Money | None = None


@dataclass(frozen=True)
class TaxLine:
    title: str
    rate: Decimal
    amount: Money


@dataclass(frozen=True)
class DiscountAllocation:
    amount: Money
    code: str = ""  # discount code or title of the discount application


@dataclass(frozen=True)
class OrderLine:
    """One order line. ``unit_price`` is before discounts; tax is Shopify's, carried as is."""

    line_id: str
    sku: str
    quantity: int
    unit_price: Money
    title: str = ""
    tax_lines: tuple[TaxLine, ...] = ()
    discounts: tuple[DiscountAllocation, ...] = ()
    variant_id: str = ""
    location_id: str = ""
    requires_shipping: bool = True
    # The units Shopify charged ``tax_lines`` and ``discounts`` on (0: ``quantity``). An edit that
    # removes units keeps the line's original taxes and discounts: they are prorated to ``quantity``.
    ordered_quantity: int = 0
    is_gift_card: bool = False  # a gift card sold (Shopify ``LineItem.isGiftCard``): a liability, not stock

    def __post_init__(self) -> None:
        if self.quantity < 0:
            raise ValueError(f"line {self.line_id}: quantity must not be negative")
        for tax in self.tax_lines:
            _require_currency(f"line {self.line_id} tax", tax.amount, self.unit_price.currency)
        for disc in self.discounts:
            _require_currency(f"line {self.line_id} discount", disc.amount, self.unit_price.currency)

    @property
    def gross(self) -> Money:
        return self.unit_price * self.quantity

    @property
    def discount_total(self) -> Money:
        return total((d.amount for d in self.discounts), self.unit_price.currency)

    @property
    def tax_total(self) -> Money:
        return total((t.amount for t in self.tax_lines), self.unit_price.currency)

    @property
    def net(self) -> Money:
        return self.gross - self.discount_total


@dataclass(frozen=True)
class ShippingLine:
    title: str
    price: Money
    code: str = ""
    tax_lines: tuple[TaxLine, ...] = ()
    discounts: tuple[DiscountAllocation, ...] = ()


class FinancialStatus(StrEnum):
    PENDING = "pending"
    AUTHORIZED = "authorized"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    VOIDED = "voided"


@dataclass(frozen=True)
class Transaction:
    kind: str  # sale, capture, authorization, refund, void
    status: str
    gateway: str
    amount: Money
    shopify_id: str = ""


@dataclass(frozen=True)
class Order:
    """A Shopify order in canonical form. ``name`` (``#1001``) is the ERP dedup reference."""

    shopify_id: str
    name: str
    currency: str
    created_at: datetime
    lines: tuple[OrderLine, ...]
    customer: Customer | None = None
    shipping_address: Address | None = None
    billing_address: Address | None = None
    shipping_lines: tuple[ShippingLine, ...] = ()
    transactions: tuple[Transaction, ...] = ()
    financial_status: FinancialStatus = FinancialStatus.PENDING
    cancelled_at: datetime | None = None
    updated_at: datetime | None = None
    location_id: str = ""
    taxes_included: bool = False
    shop: str = ""
    total_price: Money | None = None
    note: str = ""
    test: bool = False  # Shopify's ``Order.test``: placed with a test gateway
    company_id: str = ""  # B2B: the Shopify company GID (``purchasingEntity`` is a PurchasingCompany)
    presentment_currency: str = ""  # the currency the buyer saw, when it differs from the shop's

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("an order needs its name (e.g. #1001)")
        _require_utc("created_at", self.created_at)
        _require_utc("updated_at", self.updated_at)
        _require_utc("cancelled_at", self.cancelled_at)
        for line in self.lines:
            _require_currency(f"line {line.line_id}", line.unit_price, self.currency)
        for ship in self.shipping_lines:
            _require_currency("shipping", ship.price, self.currency)

    @property
    def skus(self) -> tuple[str, ...]:
        return tuple(line.sku for line in self.lines)

    @property
    def tax_total(self) -> Money:
        line_tax = total((line.tax_total for line in self.lines), self.currency)
        ship_tax = total((t.amount for s in self.shipping_lines for t in s.tax_lines), self.currency)
        return line_tax + ship_tax


class RestockType(StrEnum):
    RETURN = "return"
    CANCEL = "cancel"
    NO_RESTOCK = "no_restock"


@dataclass(frozen=True)
class RefundLine:
    line_id: str
    sku: str
    quantity: int
    subtotal: Money
    tax: Money
    restock_type: RestockType = RestockType.NO_RESTOCK
    location_id: str = ""


@dataclass(frozen=True)
class Refund:
    shopify_id: str
    order_id: str
    order_name: str
    created_at: datetime
    currency: str
    lines: tuple[RefundLine, ...] = ()
    shipping: Money | None = None
    adjustments: tuple[Money, ...] = ()
    transactions: tuple[Transaction, ...] = ()
    note: str = ""
    shipping_tax: Money | None = None  # Shopify's tax on the refunded shipping
    adjustments_tax: Money | None = None  # Shopify's tax on the order adjustments
    total: Money | None = None  # what Shopify refunded (``totalRefundedSet``); None: the parts' sum
    taxes_included: bool = False  # the order's prices include tax, so the refund's subtotals do too

    def __post_init__(self) -> None:
        _require_utc("created_at", self.created_at)
        for line in self.lines:
            _require_currency(f"refund line {line.line_id}", line.subtotal, self.currency)
        if self.total is not None:
            _require_currency(f"refund {self.shopify_id} total", self.total, self.currency)

    @property
    def goods_total(self) -> Money:
        return total((line.subtotal for line in self.lines), self.currency)

    @property
    def tax_total(self) -> Money:
        return total((line.tax for line in self.lines), self.currency)

    @property
    def value(self) -> Money:
        """What Shopify refunded: ``totalRefundedSet`` where read, else the sum of the parts."""
        if self.total is not None:
            return self.total
        extras = [m for m in (self.shipping, self.shipping_tax, self.adjustments_tax) if m is not None]
        return total([self.goods_total, self.tax_total, *extras, *self.adjustments], self.currency)


@dataclass(frozen=True)
class RefundTotal:
    """A refund as the daily reconciliation reads it in bulk: what Shopify refunded and the units it
    refunded per line item, without the lines' money (a third of a full read's cost points)."""

    shopify_id: str
    order_id: str
    order_name: str
    created_at: datetime
    total: Money
    units: tuple[tuple[str, int], ...]  # (line item GID, units refunded), as the refund lists them

    def __post_init__(self) -> None:
        _require_utc("created_at", self.created_at)

    @classmethod
    def of(cls, refund: Refund) -> RefundTotal:
        units = tuple((line.line_id, line.quantity) for line in refund.lines)
        return cls(
            refund.shopify_id, refund.order_id, refund.order_name, refund.created_at, refund.value, units
        )


@dataclass(frozen=True)
class DispatchLine:
    sku: str
    quantity: int


@dataclass(frozen=True)
class Dispatch:
    """A despatch recorded in the ERP, to become a Shopify fulfilment."""

    erp_id: str
    order_reference: str  # the Shopify order name the ERP order carries
    dispatched_at: datetime
    lines: tuple[DispatchLine, ...]
    carrier: str = ""
    tracking_numbers: tuple[str, ...] = ()
    tracking_url: str = ""
    warehouse: str = ""

    def __post_init__(self) -> None:
        _require_utc("dispatched_at", self.dispatched_at)


@dataclass(frozen=True)
class StockLevel:
    """Free stock of one SKU in one ERP warehouse."""

    sku: str
    warehouse: str
    free: Decimal
    on_hand: Decimal | None = None
    allocated: Decimal | None = None
    updated_at: datetime | None = None

    def __post_init__(self) -> None:
        _require_utc("updated_at", self.updated_at)


@dataclass(frozen=True)
class Price:
    sku: str
    price: Money
    compare_at: Money | None = None
    min_quantity: int = 1


@dataclass(frozen=True)
class PriceList:
    code: str
    currency: str
    name: str = ""
    prices: tuple[Price, ...] = ()
    customer_accounts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for p in self.prices:
            _require_currency(f"price of {p.sku}", p.price, self.currency)


@dataclass(frozen=True)
class BalanceTransaction:
    """One Shopify Payments balance transaction (charge, refund, fee, dispute, ...)."""

    shopify_id: str
    type: str  # kept as text: Shopify has ~90 types and adds more (never switch exhaustively)
    amount: Money
    fee: Money
    net: Money
    processed_at: datetime
    source_order_id: str = ""
    source_order_name: str = ""
    adjustment_reason: str = ""


@dataclass(frozen=True)
class Payout:
    shopify_id: str
    issued_at: datetime
    status: str
    net: Money
    transactions: tuple[BalanceTransaction, ...] = ()
    bank_reference: str = ""

    def __post_init__(self) -> None:
        _require_utc("issued_at", self.issued_at)


@dataclass(frozen=True)
class JournalLine:
    nominal_code: str
    description: str
    debit: Money | None = None
    credit: Money | None = None
    tax_code: str = ""

    def __post_init__(self) -> None:
        if (self.debit is None) == (self.credit is None):
            raise ValueError(f"journal line {self.nominal_code}: exactly one of debit or credit")


@dataclass(frozen=True)
class JournalEntry:
    """A balanced journal (debits equal credits to the cent), e.g. a payout summary."""

    reference: str
    posted_on: date
    currency: str
    lines: tuple[JournalLine, ...]
    narrative: str = ""
    bank_account: str = ""

    def __post_init__(self) -> None:
        debit = total((ln.debit for ln in self.lines if ln.debit), self.currency)
        credit = total((ln.credit for ln in self.lines if ln.credit), self.currency)
        if debit.rounded() != credit.rounded():
            raise ValueError(f"journal {self.reference} does not balance: debit {debit} != credit {credit}")


@dataclass(frozen=True)
class CreditNoteLine:
    sku: str
    quantity: int
    net: Money
    tax: Money
    restock: bool = False
    warehouse: str = ""


@dataclass(frozen=True)
class CreditNote:
    """A credit note against an ERP sales order, from a Shopify refund."""

    refund_reference: str  # the Shopify refund id: the ERP dedup key
    order_reference: str  # the Shopify order name
    currency: str
    lines: tuple[CreditNoteLine, ...]
    shipping: Money | None = None
    issued_on: date | None = None
    reason: str = ""
    shipping_tax: Money | None = None
    adjustment: Money | None = None  # order-level adjustments and refund discrepancy, net of tax
    adjustment_tax: Money | None = None

    @property
    def goods_total(self) -> Money:
        return total((ln.net for ln in self.lines), self.currency)

    @property
    def net_total(self) -> Money:
        """Goods, shipping and adjustment, net of tax."""
        extras = (m for m in (self.shipping, self.adjustment) if m is not None)
        return self.goods_total + total(extras, self.currency)

    @property
    def tax_total(self) -> Money:
        """The lines' tax, the shipping's and the adjustment's: Shopify's, carried."""
        extras = (m for m in (self.shipping_tax, self.adjustment_tax) if m is not None)
        return total((ln.tax for ln in self.lines), self.currency) + total(extras, self.currency)

    @property
    def total(self) -> Money:
        """What the customer is credited, tax included."""
        return self.net_total + self.tax_total


@dataclass(frozen=True)
class SalesOrderLine:
    """A line of the ERP sales order we ask the ERP to create."""

    sku: str
    quantity: int
    unit_price: Money  # net of discount, per unit, as the ERP should charge it
    tax: Money
    tax_code: str = ""
    description: str = ""
    warehouse: str = ""
    discount: Money | None = None


@dataclass(frozen=True)
class SalesOrderRequest:
    """What the ERP port's ``create_sales_order`` takes: a mapped order, ready for the ERP."""

    reference: str  # Shopify order name: dedup key (Sage customer_document_no, SYSPRO PO number)
    customer_account: str
    currency: str
    order_date: date
    lines: tuple[SalesOrderLine, ...]
    shipping: Money | None = None
    shipping_tax: Money | None = None
    shipping_tax_code: str = ""  # the ERP tax code of the shipping charge ("": the ERP finds it by rate)
    shipping_method: str = ""
    payment_method: str = ""
    warehouse: str = ""
    delivery_address: Address | None = None
    shopify_id: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        if not self.reference or len(self.reference) > 30:
            raise ValueError(f"order reference must be 1..30 characters, got {self.reference!r}")
        if not self.lines:
            raise ValueError(f"order {self.reference} has no lines")


class SalesOrderStatus(StrEnum):
    OPEN = "open"
    PART_DISPATCHED = "part_dispatched"
    DISPATCHED = "dispatched"
    CANCELLED = "cancelled"
    CLOSED = "closed"


@dataclass(frozen=True)
class SalesOrder:
    """An ERP sales order as read back."""

    erp_id: str
    reference: str
    customer_account: str
    status: SalesOrderStatus
    lines: tuple[SalesOrderLine, ...] = ()
    erp_number: str = ""
    extra: dict[str, str] = field(default_factory=dict)
