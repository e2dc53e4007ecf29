"""Exact line money for the ERP order: net and tax to the penny, split where units do not divide.

The ERP stores a unit price per line, Shopify a line total. When a line's net does not divide by its
quantity, no single unit price reproduces it, so the line becomes two ERP lines of the same SKU
whose unit prices differ by one minor unit (3 units netting 29.00 -> 2 x 9.67 + 1 x 9.66). Tax is
always Shopify's amount, apportioned, never recomputed; every split adds back to the whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from shopbridge.domain.money import Money, allocate, minor_units, total
from shopbridge.domain.records import OrderLine, ShippingLine


@dataclass(frozen=True)
class Part:
    """One ERP line's worth of a Shopify line: ``quantity`` units at ``unit_price`` net, ``tax``."""

    quantity: int
    unit_price: Money
    tax: Money

    @property
    def net(self) -> Money:
        return self.unit_price * self.quantity


def _scale(currency: str) -> Decimal:
    return Decimal(10) ** minor_units(currency)


def to_minor(money: Money) -> int:
    """``money`` in whole minor units (pennies), rounded half-up to the currency's minor unit."""
    return int(money.rounded().amount * _scale(money.currency))


def from_minor(units: int, currency: str) -> Money:
    return Money(Decimal(units) / _scale(currency), currency)


def line_net(line: OrderLine, taxes_included: bool) -> Money:
    """The ERP net of a Shopify line: quantity x unit price - discounts (- Shopify's tax if included).

    Shopify's ``discountAllocations`` already hold order-level discounts spread across lines.
    """
    return line.net - line.tax_total if taxes_included else line.net


def shipping_net(line: ShippingLine, taxes_included: bool) -> Money:
    """A shipping line net of its discounts, ex tax."""
    currency = line.price.currency
    net = line.price - total((d.amount for d in line.discounts), currency)
    tax = total((t.amount for t in line.tax_lines), currency)
    return net - tax if taxes_included else net


def exact_parts(net: Money, tax: Money, quantity: int) -> tuple[Part, ...]:
    """``quantity`` units netting ``net`` with ``tax``, as one part or two a minor unit apart.

    The higher unit price takes the remainder units (divmod floors, so negative nets work too). The
    tax is apportioned by ``allocate`` in proportion to the parts' nets, or their quantities when
    the nets cannot serve as weights (zero or of mixed sign).
    """
    base, extra = divmod(to_minor(net), quantity)
    currency = net.currency
    if extra == 0:
        return (Part(quantity, from_minor(base, currency), tax),)
    counts = (extra, quantity - extra)
    weights = [Decimal(extra * (base + 1)), Decimal((quantity - extra) * base)]
    if min(weights) < 0 or sum(weights) <= 0:
        weights = [Decimal(n) for n in counts]
    taxes = allocate(tax, weights)
    return (
        Part(counts[0], from_minor(base + 1, currency), taxes[0]),
        Part(counts[1], from_minor(base, currency), taxes[1]),
    )


def apportion_last(amount: Money, weights: Sequence[int]) -> list[Money]:
    """Split ``amount`` in proportion to ``weights``, each share rounded down, remainder on the last.

    Used for bundles: the component lines take their share of the bundle line's net and tax and
    the last component takes the pennies left over, so the sum is always the whole.
    """
    if not weights or sum(weights) <= 0 or min(weights) < 0:
        raise ValueError("apportion_last needs non-negative weights with a positive sum")
    whole, weight_sum = to_minor(amount), sum(weights)
    shares = [whole * w // weight_sum for w in weights[:-1]]
    shares.append(whole - sum(shares))
    return [from_minor(share, amount.currency) for share in shares]
