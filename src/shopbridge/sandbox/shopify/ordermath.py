"""Pure order money math, as Shopify computes it (no state, no clock, no I/O).

Every amount is a :class:`Bag`: the shop-currency and the presentment-currency amount side by side,
because Shopify answers every order total as a ``MoneyBag`` and computes both sides with the same
rules. Rounding is half-up to the currency's minor unit and happens *per line* (a line's discount
allocation and a line's tax are rounded on their own, then summed): that is what makes an order's
total tax differ by a cent from "rate x subtotal" and it is what the recorded matrix shows.

Shopify's totals (the names are the GraphQL fields they feed):

- ``subtotalPriceSet``  = sum(unit price x quantity) - line discounts (after discounts, before
  shipping and tax);
- ``totalDiscountsSet`` = line discounts + shipping discounts;
- ``totalShippingPriceSet`` = shipping prices - shipping discounts;
- ``totalTaxSet`` = line taxes + shipping taxes;
- ``totalPriceSet`` = subtotal + shipping + tax (tax is not added again when taxes are included).

The ``current*`` totals use the same function with the *current* quantities (after refunds, edits
and removals) and the shipping that is left after shipping refunds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal(0)

# The sandbox's own table of ISO 4217 minor units (deliberately not shopbridge.domain's: a rounding
# bug of ours must not hide behind the same bug in the sandbox). Every currency not listed has 2.
_ZERO_DECIMAL = [
    "BIF",
    "CLP",
    "DJF",
    "GNF",
    "ISK",
    "JPY",
    "KMF",
    "KRW",
    "PYG",
    "RWF",
    "UGX",
    "VND",
    "VUV",
    "XAF",
    "XOF",
    "XPF",
]
_THREE_DECIMAL = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"]
MINOR_UNITS: dict[str, int] = {code: 0 for code in _ZERO_DECIMAL} | {code: 3 for code in _THREE_DECIMAL}


def minor_units(currency: str) -> int:
    """Decimals of ``currency`` as ISO 4217 lists them (2 for every currency not in the table)."""
    return MINOR_UNITS.get(currency, 2)


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Half-up to the currency's minor unit (Shopify rounds order money half-up)."""
    return amount.quantize(Decimal(1).scaleb(-minor_units(currency)), rounding=ROUND_HALF_UP)


def format_amount(amount: Decimal) -> str:
    """Shopify's ``Decimal`` scalar text: trailing zeros dropped, at least one decimal ("20.0", "2.4")."""
    text = format(amount.normalize(), "f")
    return text if "." in text else f"{text}.0"


@dataclass(frozen=True)
class Bag:
    """An amount in the shop currency and in the presentment currency (Shopify's MoneyBag)."""

    shop: Decimal
    presentment: Decimal
    shop_currency: str
    presentment_currency: str

    @classmethod
    def zero(cls, shop_currency: str, presentment_currency: str | None = None) -> Bag:
        return cls(ZERO, ZERO, shop_currency, presentment_currency or shop_currency)

    @classmethod
    def single(cls, amount: Decimal, currency: str) -> Bag:
        return cls(amount, amount, currency, currency)

    def map(self, fn: Callable[[Decimal, str], Decimal]) -> Bag:
        """Apply ``fn(amount, currency)`` to both sides."""
        return Bag(
            fn(self.shop, self.shop_currency),
            fn(self.presentment, self.presentment_currency),
            self.shop_currency,
            self.presentment_currency,
        )

    def __add__(self, other: Bag) -> Bag:
        return Bag(
            self.shop + other.shop,
            self.presentment + other.presentment,
            self.shop_currency,
            self.presentment_currency,
        )

    def __sub__(self, other: Bag) -> Bag:
        return self + other.scale(Decimal(-1))

    def scale(self, factor: Decimal | int) -> Bag:
        return self.map(lambda amount, _currency: amount * factor)

    def rounded(self) -> Bag:
        return self.map(round_money)

    def is_zero(self) -> bool:
        return self.shop == ZERO and self.presentment == ZERO

    def as_money_bag(self) -> dict[str, dict[str, str]]:
        """The GraphQL ``MoneyBag`` answer."""
        return {
            "shopMoney": {"amount": format_amount(self.shop), "currencyCode": self.shop_currency},
            "presentmentMoney": {
                "amount": format_amount(self.presentment),
                "currencyCode": self.presentment_currency,
            },
        }


def bag_sum(bags: Iterable[Bag], zero: Bag) -> Bag:
    total = zero
    for bag in bags:
        total = total + bag
    return total


@dataclass(frozen=True)
class TaxLine:
    """One tax on a line or on shipping: ``price`` is the tax amount."""

    title: str
    rate: Decimal
    price: Bag


@dataclass(frozen=True)
class LineInput:
    """A line as the checkout prices it. ``tax_lines`` given are kept as they are (Shopify does)."""

    quantity: int
    unit_price: Bag
    taxable: bool = True
    tax_lines: tuple[TaxLine, ...] | None = None


@dataclass(frozen=True)
class ShippingInput:
    price: Bag
    tax_lines: tuple[TaxLine, ...] | None = None


@dataclass(frozen=True)
class Discount:
    """An order discount code: a fixed amount spread over the lines, a percentage of each line, or
    free shipping."""

    code: str
    kind: str  # "fixed" | "percentage" | "free_shipping"
    value: Decimal  # the fixed amount in shop currency, or the percentage (10 = 10%)
    presentment_value: Decimal | None = None


@dataclass(frozen=True)
class TaxRule:
    """The rate applied to lines and shipping that carry no explicit tax lines."""

    title: str
    rate: Decimal
    shipping_taxable: bool = True


@dataclass(frozen=True)
class PricedLine:
    subtotal: Bag  # unit x quantity, before discounts
    discount: Bag
    tax_lines: tuple[TaxLine, ...]

    @property
    def tax(self) -> Bag:
        return bag_sum((t.price for t in self.tax_lines), self.subtotal.scale(0))


@dataclass(frozen=True)
class PricedShipping:
    price: Bag
    discount: Bag
    tax_lines: tuple[TaxLine, ...]

    @property
    def tax(self) -> Bag:
        return bag_sum((t.price for t in self.tax_lines), self.price.scale(0))


@dataclass(frozen=True)
class Totals:
    """The order-level figures Shopify reports (see the module docstring for the formulas)."""

    subtotal: Bag
    discounts: Bag
    shipping: Bag
    tax: Bag
    total: Bag


@dataclass(frozen=True)
class PricedOrder:
    lines: tuple[PricedLine, ...]
    shipping: tuple[PricedShipping, ...]
    totals: Totals
    notes: list[str] = field(default_factory=list)


def allocate_fixed(amount: Bag, weights: Sequence[Bag]) -> list[Bag]:
    """Spread a fixed discount over lines in proportion to their subtotals, each share rounded,
    the last line taking the remainder so the shares add up to the discount exactly."""
    zero = amount.scale(0)
    total = bag_sum(weights, zero)
    if not weights or total.is_zero():
        return [zero for _ in weights]
    capped = Bag(
        min(amount.shop, total.shop),
        min(amount.presentment, total.presentment),
        amount.shop_currency,
        amount.presentment_currency,
    )
    shares = [_share(capped, weight, total) for weight in weights[:-1]]
    return [*shares, capped - bag_sum(shares, zero)]


def _share(amount: Bag, weight: Bag, total: Bag) -> Bag:
    shop = round_money(amount.shop * weight.shop / total.shop, amount.shop_currency)
    pres = (
        round_money(amount.presentment * weight.presentment / total.presentment, amount.presentment_currency)
        if total.presentment
        else ZERO
    )
    return Bag(shop, pres, amount.shop_currency, amount.presentment_currency)


def line_discounts(subtotals: Sequence[Bag], discount: Discount | None) -> list[Bag]:
    """The discount allocated to each line (zero for free-shipping codes and no code)."""
    if not subtotals:
        return []
    zero = subtotals[0].scale(0)
    if discount is None or discount.kind == "free_shipping":
        return [zero for _ in subtotals]
    if discount.kind == "percentage":
        return [s.scale(discount.value / 100).rounded() for s in subtotals]
    pres = discount.presentment_value if discount.presentment_value is not None else discount.value
    amount = Bag(discount.value, pres, zero.shop_currency, zero.presentment_currency)
    return allocate_fixed(amount, subtotals)


def tax_on(base: Bag, rule: TaxRule, taxes_included: bool) -> TaxLine:
    """One rounded tax line on ``base``; with taxes included the tax is the part of ``base`` that is
    tax: base x rate / (1 + rate)."""
    factor = rule.rate / (1 + rule.rate) if taxes_included else rule.rate
    return TaxLine(rule.title, rule.rate, base.scale(factor).rounded())


def price_line(line: LineInput, discount: Bag, rule: TaxRule | None, taxes_included: bool) -> PricedLine:
    subtotal = line.unit_price.scale(line.quantity)
    if line.tax_lines is not None and (line.tax_lines or rule is None):
        taxes = line.tax_lines
    elif line.taxable and rule is not None:
        taxes = (tax_on(subtotal - discount, rule, taxes_included),)
    else:
        taxes = ()
    return PricedLine(subtotal, discount, taxes)


def price_shipping(
    line: ShippingInput, discount: Discount | None, rule: TaxRule | None, taxes_included: bool
) -> PricedShipping:
    shipping_discount = line.price if discount is not None and discount.kind == "free_shipping" else None
    off = shipping_discount if shipping_discount is not None else line.price.scale(0)
    if line.tax_lines is not None and (line.tax_lines or rule is None):
        taxes = line.tax_lines
    elif rule is not None and rule.shipping_taxable and not (line.price - off).is_zero():
        taxes = (tax_on(line.price - off, rule, taxes_included),)
    else:
        taxes = ()
    return PricedShipping(line.price, off, taxes)


def price_order(
    lines: Sequence[LineInput],
    shipping: Sequence[ShippingInput],
    zero: Bag,
    *,
    discount: Discount | None = None,
    tax_rule: TaxRule | None = None,
    taxes_included: bool = False,
) -> PricedOrder:
    """Price an order: per-line discounts and taxes, shipping with its tax, and the totals."""
    subtotals = [line.unit_price.scale(line.quantity) for line in lines]
    discounts = line_discounts(subtotals, discount)
    priced = tuple(
        price_line(line, off, tax_rule, taxes_included) for line, off in zip(lines, discounts, strict=True)
    )
    ships = tuple(price_shipping(s, discount, tax_rule, taxes_included) for s in shipping)
    return PricedOrder(priced, ships, totals_of(priced, ships, zero, taxes_included))


def totals_of(
    lines: Sequence[PricedLine], shipping: Sequence[PricedShipping], zero: Bag, taxes_included: bool
) -> Totals:
    line_discount = bag_sum((line.discount for line in lines), zero)
    subtotal = bag_sum((line.subtotal for line in lines), zero) - line_discount
    ship_discount = bag_sum((s.discount for s in shipping), zero)
    ship = bag_sum((s.price for s in shipping), zero) - ship_discount
    tax = bag_sum((line.tax for line in lines), zero) + bag_sum((s.tax for s in shipping), zero)
    total = subtotal + ship + (zero if taxes_included else tax)
    return Totals(subtotal, line_discount + ship_discount, ship, tax, total)


def scale_line(line: PricedLine, quantity: int, current: int) -> PricedLine:
    """A line as it stands with ``current`` of its ``quantity`` units left: discount and tax scale
    in proportion and are rounded again (Shopify prorates a line's allocations per unit)."""
    if current == quantity:
        return line
    if quantity == 0 or current == 0:
        zero = line.subtotal.scale(0)
        return PricedLine(zero, zero, tuple(TaxLine(t.title, t.rate, zero) for t in line.tax_lines))
    ratio = Decimal(current) / Decimal(quantity)
    taxes = tuple(TaxLine(t.title, t.rate, t.price.scale(ratio).rounded()) for t in line.tax_lines)
    return PricedLine(line.subtotal.scale(ratio).rounded(), line.discount.scale(ratio).rounded(), taxes)
