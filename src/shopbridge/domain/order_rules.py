"""The order flow's configuration as the rules see it, the bad-input error, and the small lookups.

``OrderRules`` is built by the flow from configuration: everything the rules need and nothing else,
so the rules stay pure functions of (order, rules). Lookups that fall back to a default say so, so
the order's trail can show which defaults were used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

from shopbridge.domain.problems import Team
from shopbridge.domain.records import BundleComponent, FinancialStatus, Order


def _empty() -> Mapping[str, str]:
    return MappingProxyType({})


def _no_bundles() -> Mapping[str, tuple[BundleComponent, ...]]:
    return MappingProxyType({})


@dataclass(frozen=True)
class FieldLimits:
    """An ERP's text field limits (characters); 0 means unlimited."""

    name: int = 0
    address_line: int = 0
    city: int = 0
    postcode: int = 0
    description: int = 0
    reference: int = 30


@dataclass(frozen=True)
class OrderRules:
    """Everything the order rules need from configuration, and nothing else."""

    trigger: str = "paid"  # "paid" or "authorized"
    test_orders: str = "skip"  # "skip" or "post"
    warehouses: Mapping[str, str] = field(default_factory=_empty)  # Shopify location -> ERP warehouse
    default_warehouse: str = ""  # when the order has no location; "" = the ERP's default
    payment_methods: Mapping[str, str] = field(default_factory=_empty)  # gateway -> method, "default"
    shipping_methods: Mapping[str, str] = field(default_factory=_empty)  # code or title -> method
    tax_codes: Mapping[str, str] = field(default_factory=_empty)  # "0.2" or "GB:0.2" -> tax code
    web_accounts: Mapping[str, str] = field(default_factory=_empty)  # currency -> guest account
    company_accounts: Mapping[str, str] = field(default_factory=_empty)  # company GID -> account
    account_prefix: str = ""
    create_customers: bool = True
    bundles: Mapping[str, tuple[BundleComponent, ...]] = field(default_factory=_no_bundles)
    ledger_currencies: frozenset[str] | None = None  # None = not checked
    gift_card_sku: str = ""  # "" = orders selling gift cards are refused
    limits: FieldLimits = field(default_factory=FieldLimits)
    reference_prefix: str = ""  # before the order name in the ERP reference (domain/order_reference)

    def __post_init__(self) -> None:
        if self.trigger not in ("paid", "authorized"):
            raise ValueError(f"trigger must be 'paid' or 'authorized', got {self.trigger!r}")
        if self.test_orders not in ("skip", "post"):
            raise ValueError(f"test_orders must be 'skip' or 'post', got {self.test_orders!r}")


# Which team fixes each kind of bad input (the flow turns the error into a problem they own).
_TEAMS: dict[str, Team] = {
    "empty_sku": Team.MERCHANDISING,
    "zero_quantity": Team.ECOMMERCE,
    "no_lines": Team.ECOMMERCE,
    "no_ledger_accounts": Team.FINANCE,
    "no_warehouse": Team.TECHNICAL,
    "no_customer_identity": Team.FINANCE,
    "unmapped_company": Team.FINANCE,
    "gift_card_not_configured": Team.FINANCE,
    "reference_too_long": Team.TECHNICAL,
}


class OrderUnmappable(Exception):
    """Bad input a person must fix before the order can go to the ERP (never retried as is).

    ``reason`` says what is wrong and ``fix`` what to do, both in plain words naming the thing;
    ``code`` is a short slug for grouping; ``team`` the team that usually fixes it.
    """

    def __init__(self, order_name: str, code: str, reason: str, fix: str) -> None:
        super().__init__(f"order {order_name}: {reason}. Fix: {fix}")
        self.order_name = order_name
        self.code = code
        self.reason = reason
        self.fix = fix

    @property
    def team(self) -> Team:
        return _TEAMS.get(self.code, Team.ECOMMERCE)


@dataclass(frozen=True)
class Qualification:
    """Whether an order goes to the ERP now; ``skip`` means never (not merely not yet)."""

    qualifies: bool
    skip: bool
    reason: str


_PAID = frozenset({FinancialStatus.PAID, FinancialStatus.PARTIALLY_REFUNDED, FinancialStatus.REFUNDED})
_AUTHORIZED = _PAID | {FinancialStatus.AUTHORIZED, FinancialStatus.PARTIALLY_PAID}


def qualify(order: Order, rules: OrderRules) -> Qualification:
    """Should this not-yet-posted order be posted now, later, or never?

    A cancelled order is skipped because it never reached the ERP (cancelling a posted order is
    the cancel flow's business, not this one's).
    """
    if order.cancelled_at is not None:
        return Qualification(False, True, "cancelled before it was posted")
    if order.test and rules.test_orders == "skip":
        return Qualification(False, True, "test order skipped by config")
    accepted = _AUTHORIZED if rules.trigger == "authorized" else _PAID
    if order.financial_status in accepted:
        return Qualification(True, False, f"financial status {order.financial_status.value}")
    wanted = "authorization" if rules.trigger == "authorized" else "payment"
    return Qualification(
        False, False, f"waiting for {wanted} (financial status {order.financial_status.value})"
    )


def numeric_id(shopify_id: str) -> str:
    """``gid://shopify/Location/42`` and ``42`` both give ``42``."""
    return shopify_id.rstrip("/").rsplit("/", 1)[-1].strip()


def lookup_id(table: Mapping[str, str], shopify_id: str) -> str | None:
    """The value for ``shopify_id`` in ``table``, whose keys may be GIDs or numeric ids."""
    if shopify_id in table:
        return table[shopify_id]
    wanted = numeric_id(shopify_id)
    return next((value for key, value in table.items() if numeric_id(key) == wanted), None)


def rate_text(rate: Decimal) -> str:
    """A tax rate as a lookup key: ``Decimal("0.200")`` -> ``"0.2"``, zero -> ``"0"``."""
    text = format(rate.normalize(), "f")
    return "0" if Decimal(text) == 0 else text


def _tax_key(key: str) -> tuple[str, str]:
    country, _, rate = key.rpartition(":")
    try:
        return country.strip().upper(), rate_text(Decimal(rate.strip()))
    except ArithmeticError:
        return country.strip().upper(), rate.strip()


def tax_code_for(rules: OrderRules, country: str, rate: Decimal) -> str | None:
    """Tax code for ``rate`` in ``country``: "GB:0.2" first, then "0.2"; None if neither is set."""
    table = {_tax_key(key): code for key, code in rules.tax_codes.items()}
    wanted = rate_text(rate)
    if country and (country.upper(), wanted) in table:
        return table[(country.upper(), wanted)]
    return table.get(("", wanted))


def method_for(table: Mapping[str, str], *keys: str) -> tuple[str, bool]:
    """The first of ``keys`` found in ``table``, else its "default"; and whether it fell back."""
    for key in keys:
        if key and key in table:
            return table[key], False
    return table.get("default", ""), True
