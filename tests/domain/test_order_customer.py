"""Whose account an order is posted to: company, guest web account, or a customer by email."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shopbridge.domain.money import Money
from shopbridge.domain.orders import CustomerPlan, OrderRules, OrderUnmappable, plan_customer
from shopbridge.domain.records import Address, Customer, Order, OrderLine

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
COMPANY = "gid://shopify/Company/77"
REGISTERED = Customer("ann@example.com", "Ann", "Lee", shopify_id="gid://shopify/Customer/5")
GUEST = Customer("bob@example.com")  # the translator's guest: an email and no Shopify id
NAMELESS = Customer("", shopify_id="gid://shopify/Customer/6")
WEB = {"GBP": "WEBGBP"}


def an_order(customer: Customer | None = None, company_id: str = "") -> Order:
    line = OrderLine("1", "MUG", 1, Money.of("8.00", "GBP"))
    return Order(
        "gid://shopify/Order/1",
        "#1001",
        "GBP",
        NOW,
        (line,),
        customer=customer,
        company_id=company_id,
        billing_address=Address("1 High St", city="Leeds", country_code="GB"),
    )


@pytest.mark.parametrize(
    ("order", "rules", "account", "email", "via"),
    [
        pytest.param(
            an_order(REGISTERED, COMPANY),
            OrderRules(company_accounts={COMPANY: "ACME01"}, web_accounts=WEB),
            "ACME01",
            "",
            "company",
            id="a B2B order goes to its company's account",
        ),
        pytest.param(
            an_order(None, COMPANY),
            OrderRules(company_accounts={"77": "ACME01"}),
            "ACME01",
            "",
            "company",
            id="a company mapped by its numeric id is found by its GID",
        ),
        pytest.param(
            an_order(GUEST),
            OrderRules(web_accounts=WEB),
            "WEBGBP",
            "",
            "web_account",
            id="a guest with an email goes to the currency's web account when there is one",
        ),
        pytest.param(
            an_order(GUEST),
            OrderRules(web_accounts={"EUR": "WEBEUR"}),
            "",
            "bob@example.com",
            "email",
            id="a guest with an email and no web account for the currency is a customer by email",
        ),
        pytest.param(
            an_order(None),
            OrderRules(web_accounts=WEB),
            "WEBGBP",
            "",
            "web_account",
            id="an order with no customer and no email goes to the web account",
        ),
        pytest.param(
            an_order(NAMELESS),
            OrderRules(web_accounts=WEB),
            "WEBGBP",
            "",
            "web_account",
            id="a customer without an email goes to the web account",
        ),
        pytest.param(
            an_order(REGISTERED),
            OrderRules(web_accounts=WEB),
            "",
            "ann@example.com",
            "email",
            id="a registered customer is found or created by email",
        ),
        pytest.param(
            an_order(REGISTERED),
            OrderRules(web_accounts=WEB, create_customers=False),
            "WEBGBP",
            "",
            "web_account",
            id="with customer creation off a registered customer goes to the web account",
        ),
        pytest.param(
            an_order(REGISTERED),
            OrderRules(create_customers=False),
            "",
            "ann@example.com",
            "email",
            id="with customer creation off and no web account the customer is still looked up by email",
        ),
    ],
)
def test_the_customer_plan_follows_the_preference_order(
    order: Order, rules: OrderRules, account: str, email: str, via: str
) -> None:
    plan = plan_customer(order, rules)
    assert (plan.account, plan.customer.email if plan.customer else "", plan.via) == (account, email, via)


@pytest.mark.parametrize(
    ("order", "rules", "code", "fix"),
    [
        pytest.param(
            an_order(REGISTERED, COMPANY),
            OrderRules(web_accounts=WEB),
            "unmapped_company",
            f"add {COMPANY} with its ERP account to company_accounts",
            id="an unmapped company is bad input naming company_accounts",
        ),
        pytest.param(
            an_order(None),
            OrderRules(),
            "no_customer_identity",
            "add a web account for GBP to web_accounts",
            id="no customer no email no company and no web account is bad input",
        ),
        pytest.param(
            an_order(NAMELESS),
            OrderRules(web_accounts={"EUR": "WEBEUR"}),
            "no_customer_identity",
            "web_accounts",
            id="a customer without an email and no web account for the currency is bad input",
        ),
    ],
)
def test_an_order_nobody_can_be_charged_for_is_unmappable(
    order: Order, rules: OrderRules, code: str, fix: str
) -> None:
    with pytest.raises(OrderUnmappable) as caught:
        plan_customer(order, rules)
    assert (caught.value.code, caught.value.order_name) == (code, "#1001")
    assert fix in caught.value.fix


def test_a_customer_to_create_carries_the_orders_addresses_and_currency() -> None:
    plan = plan_customer(an_order(GUEST), OrderRules())
    assert plan.customer is not None
    assert plan.customer.billing_address == Address("1 High St", city="Leeds", country_code="GB")
    assert plan.customer.currency == "GBP"


def test_a_customer_plan_names_exactly_one_of_account_or_customer() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        CustomerPlan(account="WEB", customer=GUEST)
    with pytest.raises(ValueError, match="exactly one"):
        CustomerPlan()
