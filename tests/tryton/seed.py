"""Seed a fresh Tryton database with the contract suite's standard data (run in .venv-tryton).

Usage: ``.venv-tryton/bin/python tests/tryton/seed.py CONFIG DATABASE < seed.json`` where the JSON
holds ``{"items": [[sku, description, price, stock], ...], "customer_email": ..., "today": ...,
"credit_customer": [email, limit]}`` (the last optional).

A test data builder, run as a separate process: it uses proteus and Tryton's own scenario helpers
(GPL), which the shopbridge package never imports. It creates the company (GBP), a fiscal year with
periods and invoice sequences, the minimal chart of accounts plus the nominal accounts the payout
test posts to (codes 1200 bank, 1100 clearing, 7900 fees), a payment term, a 20% tax, the items as
goods with ``suffix_code`` = SKU and stock in the warehouse, a customer, a second customer whose party
has a credit limit (``spec["credit_customer"]``), a price list and a kit.
"""

from __future__ import annotations

import datetime
import json
import sys
from decimal import Decimal
from typing import Any

from proteus import Model, config
from trytond.modules.account.tests.tools import create_chart, create_fiscalyear, get_accounts
from trytond.modules.account_invoice.tests.tools import create_payment_term, set_fiscalyear_invoice_sequences
from trytond.modules.company.tests.tools import create_company, get_company


def gbp() -> Any:
    currency = Model.get("currency.currency")(name="Pound Sterling", code="GBP", symbol="£")
    currency.rounding = Decimal("0.01")
    currency.save()
    return currency


def fiscal_year(today: datetime.date) -> None:
    year = set_fiscalyear_invoice_sequences(create_fiscalyear(get_company(), today))
    year.save()
    year.click("create_period")


def nominal_accounts(accounts: dict[str, Any]) -> None:
    """The accounts a payout journal names by code (Tryton's account code = the nominal code)."""
    account_model = Model.get("account.account")
    for code, name, like in (
        ("1200", "Bank", "cash"),
        ("1100", "Shopify clearing", "cash"),
        ("7900", "Bank charges", "expense"),
    ):
        template = accounts[like]
        account_model(name=name, code=code, type=template.type, parent=template.parent).save()


def category(accounts: dict[str, Any], tax: Any) -> Any:
    made = Model.get("product.category")(name="Goods", accounting=True)
    made.account_revenue = accounts["revenue"]
    made.account_expense = accounts["expense"]
    made.customer_taxes.append(Model.get("account.tax")(tax.id))
    made.save()
    return made


def vat(accounts: dict[str, Any]) -> Any:
    tax = Model.get("account.tax")(name="VAT 20%", description="VAT 20%", type="percentage")
    tax.rate = Decimal("0.20")
    tax.invoice_account = accounts["tax"]
    tax.credit_note_account = accounts["tax"]
    tax.save()
    return tax


def product(sku: str, name: str, price: Decimal, goods: Any, kind: str = "goods") -> Any:
    (unit,) = Model.get("product.uom").find([("name", "=", "Unit")])
    template = Model.get("product.template")(name=name, type=kind, salable=True, default_uom=unit)
    template.list_price = price
    template.account_category = goods
    template.save()
    (variant,) = template.products
    variant.suffix_code = sku
    variant.save()
    return variant


def stock(levels: list[tuple[Any, Decimal]]) -> None:
    (warehouse,) = Model.get("stock.location").find([("code", "=", "WH")])
    inventory = Model.get("stock.inventory")(location=warehouse.storage_location)
    for variant, quantity in levels:
        if quantity:
            inventory.lines.new(product=variant, quantity=float(quantity))
    inventory.save()
    inventory.click("confirm")


def customer(email: str, term: Any) -> Any:
    party = Model.get("party.party")(name="Ellen Existing")
    party.contact_mechanisms.new(type="email", value=email)
    party.customer_payment_term = term
    party.save()
    return party


def limited_customer(email: str, limit: Decimal, term: Any) -> None:
    """A customer whose party has a credit limit (``account_credit_limit``, per company)."""
    party = Model.get("party.party")(name="Lorna Limited")
    party.contact_mechanisms.new(type="email", value=email)
    party.customer_payment_term = term
    party.credit_limit_amount = limit
    party.save()


def price_list(variants: dict[str, Any], prices: dict[str, Decimal]) -> None:
    """A trade list at 90% of list price, one fixed-price line per product (how the adapter reads it)."""
    trade = Model.get("product.price_list")(name="Trade")
    for sku, variant in variants.items():
        trade.lines.new(
            product=variant, formula=str((prices[sku] * Decimal("0.9")).quantize(Decimal("0.01")))
        )
    trade.lines.new(formula="unit_price")
    trade.save()


def kit(variants: dict[str, Any], goods: Any) -> None:
    gift = product("GIFT-SET", "Gift set: mug and cap", Decimal("20.00"), goods, kind="kit")
    template = gift.template
    for sku in ("MUG-WHITE", "CAP-BLACK"):
        template.components.new(product=variants[sku], quantity=1)
    template.save()


def seed(spec: dict[str, Any]) -> None:
    create_company(currency=gbp())
    fiscal_year(datetime.date.fromisoformat(spec["today"]))
    create_chart(get_company())
    accounts = get_accounts()
    nominal_accounts(accounts)
    goods = category(accounts, vat(accounts))
    term = create_payment_term()
    term.save()
    variants: dict[str, Any] = {}
    levels: list[tuple[Any, Decimal]] = []
    for sku, name, price, quantity in spec["items"]:
        variants[sku] = product(sku, name, Decimal(price), goods)
        levels.append((variants[sku], Decimal(quantity)))
    stock(levels)
    customer(spec["customer_email"], term)
    if spec.get("credit_customer"):
        email, limit = spec["credit_customer"]
        limited_customer(email, Decimal(limit), term)
    price_list(variants, {sku: Decimal(price) for sku, _name, price, _qty in spec["items"]})
    kit(variants, goods)


def main() -> None:
    conf, database = sys.argv[1], sys.argv[2]
    config.set_trytond(database, config_file=conf)
    seed(json.load(sys.stdin))


if __name__ == "__main__":
    main()
