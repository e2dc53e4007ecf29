"""One Shopify Payments payout as one balanced summary journal (pure, table-tested).

Each balance transaction of the payout lands on the nominal code of its *category* (gross sales,
shipping, tax, refunds, fees, chargebacks, adjustments, reserved funds, gift cards); the bank takes the
payout's net. The rules:

- **Types are text.** Shopify has about ninety balance transaction types and adds more, so the
  category is a lookup with a default (:data:`SUSPENSE`), never an exhaustive switch: an unknown type
  goes to the suspense code, is named in :attr:`PayoutSummary.unknown`, and the flow tells finance.
- **Signs are Shopify's.** A transaction's ``amount`` is money in (+) or out (-) of the balance and its
  ``fee`` what Shopify kept, so ``net = amount - fee``. Money in is a credit on its category, money
  out a debit; fees are debits on the fees code (a fee refund a credit). Lines of one category are
  summed and the side follows the sign of the sum, so every journal line is positive.
- **A charge is split by its order.** Balance transactions carry one gross amount per charge. Where
  the source order is known (:class:`OrderFigures`, in shop money exactly as Shopify converted it: a
  presentment-currency order is never converted at a rate of ours) the charge is split into goods,
  shipping, tax and gift cards sold, and a gift card the buyer redeemed on the order is a debit on
  the gift-card code. When the charge is not the whole amount the card paid (a partial capture, or
  several charges), it is split pro rata over goods, shipping, tax and gift cards sold, without the
  redemption (it belongs to the order, not to one of its charges). Without the order the charge is
  all gross sales.
- **Balanced to the cent, or refused.** The payout's net must equal the sum of its transactions'
  nets, and each net its amount less its fee; otherwise :class:`PayoutUnbalanced` carries the
  difference and the transactions behind it, and nothing is posted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from shopbridge.domain.money import Money, allocate, total
from shopbridge.domain.order_money import line_net, shipping_net
from shopbridge.domain.records import BalanceTransaction, JournalEntry, JournalLine, Order, Payout

__all__ = [
    "BANK",
    "Category",
    "OrderFigures",
    "PayoutAccounts",
    "PayoutSummary",
    "PayoutUnbalanced",
    "UnmappedCategory",
    "category_of",
    "figures_of",
    "is_transfer",
    "payout_reference",
    "summarise",
]


class Category(StrEnum):
    """Where a part of a payout goes: each has a nominal code per currency in the config."""

    SALES = "sales"
    SHIPPING = "shipping"
    TAX = "tax"
    REFUNDS = "refunds"
    FEES = "fees"
    CHARGEBACKS = "chargebacks"
    ADJUSTMENTS = "adjustments"
    RESERVED_FUNDS = "reserved_funds"
    GIFT_CARDS = "gift_cards"
    SUSPENSE = "suspense"


BANK = "bank"
SUSPENSE = Category.SUSPENSE

# Shopify's balance transaction types (GraphQL ``ShopifyPaymentsTransactionType``, upper case; the
# REST resource's lower-case ``type`` is upper-cased first) -> category. Deliberately partial: what is
# not here is suspense, seen and flagged, never dropped.
_CATEGORIES: Mapping[str, Category] = {
    "CHARGE": Category.SALES,
    "REFUND": Category.REFUNDS,
    "REFUND_FAILURE": Category.REFUNDS,
    "REFUND_ADJUSTMENT": Category.REFUNDS,
    "DISPUTE": Category.CHARGEBACKS,  # REST
    "DISPUTE_WITHDRAWAL": Category.CHARGEBACKS,
    "DISPUTE_REVERSAL": Category.CHARGEBACKS,
    "CHARGEBACK_HOLD": Category.CHARGEBACKS,
    "CHARGEBACK_HOLD_RELEASE": Category.CHARGEBACKS,
    "CHARGEBACK_FEE": Category.CHARGEBACKS,
    "CHARGEBACK_FEE_REFUND": Category.CHARGEBACKS,
    "ADJUSTMENT": Category.ADJUSTMENTS,
    "CHARGE_ADJUSTMENT": Category.ADJUSTMENTS,
    "CREDIT": Category.ADJUSTMENTS,  # REST: a balance adjustment (or its reversal) in the merchant's favour
    "DEBIT": Category.ADJUSTMENTS,  # REST: the same against the merchant
    "SHIPPING_LABEL": Category.ADJUSTMENTS,
    "SHIPPING_LABEL_ADJUSTMENT": Category.ADJUSTMENTS,
    "RESERVE": Category.RESERVED_FUNDS,  # REST
    "RESERVED_FUNDS": Category.RESERVED_FUNDS,
    "RESERVED_FUNDS_WITHDRAWAL": Category.RESERVED_FUNDS,
    "RESERVED_FUNDS_REVERSAL": Category.RESERVED_FUNDS,
    "RISK_WITHDRAWAL": Category.RESERVED_FUNDS,
    "RISK_REVERSAL": Category.RESERVED_FUNDS,
    "APPLICATION_FEE_REFUND": Category.FEES,
}
# The payout itself, as a row of the balance (GraphQL TRANSFER, REST "payout"): it is the bank line.
_TRANSFERS = frozenset({"TRANSFER", "PAYOUT"})
_DESCRIPTIONS: Mapping[Category, str] = {
    Category.SALES: "Shopify Payments gross sales",
    Category.SHIPPING: "Shipping charged",
    Category.TAX: "Tax collected",
    Category.REFUNDS: "Refunds",
    Category.FEES: "Shopify Payments fees",
    Category.CHARGEBACKS: "Chargebacks and dispute reversals",
    Category.ADJUSTMENTS: "Adjustments",
    Category.RESERVED_FUNDS: "Reserved funds",
    Category.GIFT_CARDS: "Gift cards sold less redeemed",
    Category.SUSPENSE: "Unknown balance transaction types (suspense)",
}


def category_of(kind: str) -> Category:
    """The category of a balance transaction type; any type not known here is suspense."""
    return _CATEGORIES.get(kind.strip().upper(), SUSPENSE)


def is_transfer(kind: str) -> bool:
    """The payout's own row in the balance (the deposit), which the bank line stands for."""
    return kind.strip().upper() in _TRANSFERS


@dataclass(frozen=True)
class OrderFigures:
    """An order's money in shop money, as Shopify converted it: what a charge is split by."""

    goods: Money
    shipping: Money
    tax: Money
    gift_cards_sold: Money
    gift_cards_redeemed: Money

    @property
    def card_due(self) -> Money:
        """What the buyer paid other than by gift card: one charge of this is the whole order."""
        return self.goods + self.shipping + self.tax + self.gift_cards_sold - self.gift_cards_redeemed


def figures_of(order: Order) -> OrderFigures:
    """The order as sold (before refunds: those are their own transactions), net of tax."""
    currency = order.currency
    goods = [line_net(ln, order.taxes_included) for ln in order.lines if not ln.is_gift_card]
    cards = [line_net(ln, order.taxes_included) for ln in order.lines if ln.is_gift_card]
    shipping = [shipping_net(s, order.taxes_included) for s in order.shipping_lines]
    redeemed = [
        tx.amount
        for tx in order.transactions
        if tx.gateway == "gift_card" and tx.kind in ("sale", "capture") and tx.status == "success"
    ]
    return OrderFigures(
        goods=total(goods, currency),
        shipping=total(shipping, currency),
        tax=order.tax_total,
        gift_cards_sold=total(cards, currency),
        gift_cards_redeemed=total(redeemed, currency),
    )


class UnmappedCategory(ValueError):
    """A category with no nominal code (nor a clearing code to fall back on) in this currency."""

    def __init__(self, category: str, currency: str) -> None:
        self.category = category
        self.currency = currency
        super().__init__(f"no nominal code for payout {category} in {currency}, and no clearing code")


@dataclass(frozen=True)
class PayoutAccounts:
    """The nominal codes of one currency: the bank, each category, and the fallback for unset ones."""

    currency: str
    bank: str
    codes: Mapping[str, str]
    clearing: str = ""

    def code(self, category: str) -> str:
        """The category's own code, else the clearing code (so a ledger may start with a few codes)."""
        found = self.codes.get(category) or self.clearing
        if not found:
            raise UnmappedCategory(category, self.currency)
        return found


class PayoutUnbalanced(ValueError):
    """The payout's net is not the sum of its transactions (or a transaction is not amount - fee)."""

    def __init__(self, payout: Payout, difference: Money, suspects: Sequence[BalanceTransaction]) -> None:
        self.payout_id = payout.shopify_id
        self.difference = difference
        self.transactions = tuple(tx for tx in payout.transactions if not is_transfer(tx.type))
        self.suspects = tuple(suspects)
        super().__init__(
            f"payout {payout.shopify_id} does not balance: its net {payout.net} differs from its "
            f"transactions by {difference}"
        )


@dataclass(frozen=True)
class PayoutSummary:
    """The journal of one payout, and the transactions whose type was not known (in suspense)."""

    entry: JournalEntry
    unknown: tuple[BalanceTransaction, ...]
    amounts: Mapping[str, Money]  # signed credit per category, and "bank": the payout's net (debit)


def summarise(
    payout: Payout, accounts: PayoutAccounts, orders: Mapping[str, OrderFigures] | None = None
) -> PayoutSummary:
    """The payout's summary journal, or :class:`PayoutUnbalanced`. ``payout.net`` is signed (a
    withdrawal is negative); ``orders`` are the source orders' figures by order id."""
    rows = [tx for tx in payout.transactions if not is_transfer(tx.type)]
    _check_balance(payout, rows)
    credits = _credits(rows, orders or {}, payout.net.currency)
    lines = _lines(credits, payout.net, accounts)
    entry = JournalEntry(
        reference=payout_reference(payout.shopify_id),
        posted_on=payout.issued_at.date(),
        currency=payout.net.currency,
        lines=tuple(lines),
        narrative=f"Shopify payout {payout.shopify_id.rsplit('/', 1)[-1]}",
        bank_account=accounts.bank,
    )
    unknown = tuple(tx for tx in rows if category_of(tx.type) is SUSPENSE)
    return PayoutSummary(entry, unknown, {**credits, BANK: payout.net})


def payout_reference(payout_id: str) -> str:
    """The ERP dedup key of a payout: ``SP`` + Shopify's numeric id (short enough for every ERP)."""
    return f"SP{payout_id.rsplit('/', 1)[-1]}"


def _check_balance(payout: Payout, rows: Sequence[BalanceTransaction]) -> None:
    currency = payout.net.currency
    suspects = [tx for tx in rows if tx.amount - tx.fee != tx.net or tx.net.currency != currency]
    if suspects:
        wrong = total(
            (tx.net - (tx.amount - tx.fee) for tx in suspects if tx.net.currency == currency), currency
        )
        raise PayoutUnbalanced(payout, wrong, suspects)
    difference = payout.net - total((tx.net for tx in rows), currency)
    if not difference.is_zero():
        raise PayoutUnbalanced(payout, difference, rows)


def _credits(
    rows: Iterable[BalanceTransaction], orders: Mapping[str, OrderFigures], currency: str
) -> dict[str, Money]:
    """Signed credit per category (money in +, money out -); fees are negative credits."""
    credits: dict[str, Money] = {}

    def add(category: str, amount: Money) -> None:
        credits[category] = credits.get(category, Money.zero(currency)) + amount

    for tx in rows:
        category = category_of(tx.type)
        if category is Category.SALES:
            for part, amount in _split_charge(tx.amount, orders.get(tx.source_order_id)):
                add(part, amount)
        else:
            add(category, tx.amount)
        if not tx.fee.is_zero():
            add(Category.FEES, -tx.fee)
    return credits


def _split_charge(amount: Money, figures: OrderFigures | None) -> list[tuple[Category, Money]]:
    if figures is None:
        return [(Category.SALES, amount)]
    if figures.card_due == amount:
        return [
            (Category.SALES, figures.goods),
            (Category.SHIPPING, figures.shipping),
            (Category.TAX, figures.tax),
            (Category.GIFT_CARDS, figures.gift_cards_sold - figures.gift_cards_redeemed),
        ]
    parts = (Category.SALES, Category.SHIPPING, Category.TAX, Category.GIFT_CARDS)
    weights = [
        figures.goods.amount,
        figures.shipping.amount,
        figures.tax.amount,
        figures.gift_cards_sold.amount,
    ]
    if sum(weights) <= 0 or any(w < 0 for w in weights):
        return [(Category.SALES, amount)]
    return list(zip(parts, _allocate_signed(amount, weights), strict=True))


def _allocate_signed(amount: Money, weights: Sequence[Decimal]) -> list[Money]:
    if amount.amount >= 0:
        return allocate(amount, weights)
    return [-part for part in allocate(-amount, weights)]


def _lines(credits: Mapping[str, Money], net: Money, accounts: PayoutAccounts) -> list[JournalLine]:
    lines = [_line(accounts.bank, "Payout to bank", -net)] if not net.is_zero() else []
    for category in Category:  # the enum's order: a stable, readable journal
        amount = credits.get(category)
        if amount is not None and not amount.is_zero():
            lines.append(_line(accounts.code(category), _DESCRIPTIONS[category], amount))
    return lines


def _line(code: str, description: str, credit: Money) -> JournalLine:
    """A positive line: a positive signed credit is a credit, a negative one a debit."""
    if credit.amount > 0:
        return JournalLine(code, description, credit=credit)
    return JournalLine(code, description, debit=-credit)
