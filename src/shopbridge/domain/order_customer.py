"""Whose account an order is posted to: a B2B company, a guest web account, or a customer by email.

The order of preference, as a table (``tests/domain/test_order_customer.py`` has a row per line):

- a B2B order (``company_id``) goes to the company's mapped account; unmapped is bad input;
- without an email (and no company) the currency's web account, else bad input;
- a guest checkout (an email but no Shopify customer id) the web account if configured, else a
  customer found or created by that email;
- a registered customer is found or created by email, unless ``create_customers`` is off and a web
  account exists for the currency.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from shopbridge.domain.order_rules import OrderRules, OrderUnmappable, lookup_id
from shopbridge.domain.records import Customer, Order


@dataclass(frozen=True)
class CustomerPlan:
    """Exactly one of ``account`` (known ERP account) or ``customer`` (find-or-create by email)."""

    account: str = ""
    customer: Customer | None = None
    via: str = ""  # "company", "web_account" or "email", for the trail

    def __post_init__(self) -> None:
        if bool(self.account) == (self.customer is not None):
            raise ValueError("a customer plan names exactly one of an account or a customer")


def plan_customer(order: Order, rules: OrderRules) -> CustomerPlan:
    """The account the order is posted to, or the customer to find or create (see module doc)."""
    if order.company_id:
        return _company_plan(order, rules)
    web = rules.web_accounts.get(order.currency, "")
    customer = order.customer
    email = customer.email if customer else ""
    registered = customer is not None and bool(customer.shopify_id)
    if web and (not email or not registered or not rules.create_customers):
        return CustomerPlan(account=web, via="web_account")
    if customer is not None and email:
        return CustomerPlan(customer=_with_order_details(customer, order), via="email")
    raise OrderUnmappable(
        order.name,
        "no_customer_identity",
        f"the order has no customer, no email and no company, and no web account is set for {order.currency}",
        f"add a web account for {order.currency} to web_accounts, or add an email to the order in Shopify",
    )


def _company_plan(order: Order, rules: OrderRules) -> CustomerPlan:
    account = lookup_id(rules.company_accounts, order.company_id)
    if not account:
        raise OrderUnmappable(
            order.name,
            "unmapped_company",
            f"the order was placed for the Shopify company {order.company_id}, which has no ERP account",
            f"add {order.company_id} with its ERP account to company_accounts",
        )
    return CustomerPlan(account=account, via="company")


def _with_order_details(customer: Customer, order: Order) -> Customer:
    """The customer with the order's addresses and currency where the customer record has none."""
    return replace(
        customer,
        billing_address=customer.billing_address or order.billing_address,
        shipping_address=customer.shipping_address or order.shipping_address,
        currency=customer.currency or order.currency,
    )
