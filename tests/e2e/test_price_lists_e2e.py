"""Issue 11's B2B price lists, end to end: an ERP price list (Sage 200 price band, Tryton price list,
SYSPRO price code, Prima list) through the ``sweep.price_lists`` job on ``Runtime`` worker threads into
the Shopify sandbox: a price list with fixed prices, a catalog for the B2B customer's company
location, and, after a price change in the ERP, one sweep that sends only the changed price.

Assertions read the sandbox's own answers (the company location's catalogs and their prices) and
the ERP's own price lists (the adapter's read), never shopbridge's belief alone.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from e2e_stack import _INJECTED_ERP, SHOP, SHOPIFY_SKUS, Erp, Shopify, Stack, vendor_params

from shopbridge.engine import queue
from shopbridge.engine.schema import trail
from shopbridge.sandbox.shopify.resolvers.b2b import add_company

ALL = vendor_params("sage200", "syspro", "prima", "tryton")
SAGE_AND_TRYTON = vendor_params("sage200", "tryton")
LIST_CODE = {"sage200": "TRADE", "tryton": "Trade", "syspro": "A", "prima": "TRADE"}
FLOWS = "prices = true"

CATALOG_PRICES = """query($id: ID!) { companyLocation(id: $id) { catalogs(first: 5) { nodes {
  title priceList { currency prices(first: 50) { nodes { variant { sku } price { amount } } } } } } } }"""


def b2b_company(shopify: Shopify, name: str) -> tuple[str, str]:
    """A B2B company with one location in the sandbox; its id and the location's id."""
    location = {"name": f"{name} HQ", "shippingAddress": {"address1": "1 Road", "countryCode": "GB"}}
    company = add_company(shopify.server.state, {"name": name}, None, location)
    return str(company["id"]), str(company["location_ids"][0])


def build(
    make_stack: Any, erp: Erp, company: str, *, title: str, currency: str = "", by_config: bool = True
) -> Stack:
    """A stack with the prices flow on and the vendor's trade list mapped to ``title``; the customer's
    account is named in ``[prices]`` unless ``by_config`` is false (then the ERP must name it)."""
    code = LIST_CODE[erp.vendor]
    accounts = f'"{erp.account}"' if by_config else ""
    mapping = f'\n[prices.lists."{code}"]\nname = "{title}"\naccounts = [{accounts}]\n'
    if currency:
        mapping += f'currency = "{currency}"\n'
    stack: Stack = make_stack(
        erp.port,
        shop_extra=f'company_accounts = {{ "{company}" = "{erp.account}" }}',
        erp_config=_INJECTED_ERP + mapping,
        flows_extra=FLOWS,
    )
    return stack


def sweep(stack: Stack) -> None:
    with stack.services.store.begin() as conn:
        # The schedule's own key: while its sweep is pending or running, no second one is added.
        kind = "sweep.price_lists"
        queue.enqueue(conn, kind, {}, dedup_key=kind, shop=SHOP, now=stack.services.clock.now())
    stack.settle()


def catalog_prices(shopify: Shopify, location: str, title: str) -> dict[str, Decimal]:
    nodes = shopify.data(CATALOG_PRICES, {"id": location})["companyLocation"]["catalogs"]["nodes"]
    (catalog,) = [c for c in nodes if c["title"] == title]
    prices = catalog["priceList"]["prices"]["nodes"]
    return {p["variant"]["sku"]: Decimal(p["price"]["amount"]) for p in prices}


def erp_prices(erp: Erp) -> dict[str, Decimal]:
    (found,) = [pl for pl in erp.port.price_lists() if pl.code == LIST_CODE[erp.vendor]]
    return {p.sku: p.price.amount for p in found.prices if p.sku in SHOPIFY_SKUS and p.min_quantity <= 1}


def pushed_steps(stack: Stack) -> list[dict[str, Any]]:
    with stack.services.store.begin() as conn:
        rows = conn.execute(
            sa.select(trail.c.detail).where(trail.c.step == "prices_pushed").order_by(trail.c.id)
        )
        return [dict(row.detail) for row in rows]


@pytest.mark.parametrize("erp", ALL, indirect=True)
def test_a_b2b_customers_catalog_shows_the_erps_price(shopify: Shopify, erp: Erp, make_stack: Any) -> None:
    if hasattr(erp.harness, "set_list_price"):  # Tryton's trade list prices only its seeded items
        erp.harness.set_list_price(LIST_CODE[erp.vendor], "TEE-L", Decimal("13.13"))
    company, location = b2b_company(shopify, f"Shows {erp.vendor}")
    title = f"Trade shows {erp.vendor}"
    stack = build(make_stack, erp, company, title=title)
    sweep(stack)
    expected = erp_prices(erp)
    assert expected, f"the {erp.vendor} list prices none of the shop's SKUs"
    assert catalog_prices(shopify, location, title) == expected
    assert stack.problems() == []


@pytest.mark.parametrize("erp", SAGE_AND_TRYTON, indirect=True)
def test_a_price_change_in_the_erp_reaches_shopify_in_one_sweep_and_only_it_is_sent(
    shopify: Shopify, erp: Erp, make_stack: Any
) -> None:
    code = LIST_CODE[erp.vendor]
    for sku, price in (("TEE-M", "12.34"), ("MUG-01", "5.00"), ("TEE-S", "9.90")):
        erp.harness.set_list_price(code, sku, Decimal(price))
    company, location = b2b_company(shopify, f"Change {erp.vendor}")
    title = f"Trade change {erp.vendor}"
    stack = build(make_stack, erp, company, title=title)
    sweep(stack)
    assert catalog_prices(shopify, location, title)["TEE-M"] == Decimal("12.34")
    before = len(pushed_steps(stack))
    erp.harness.set_list_price(code, "TEE-M", Decimal("11.11"))
    sweep(stack)
    assert catalog_prices(shopify, location, title) == erp_prices(erp)
    assert catalog_prices(shopify, location, title)["TEE-M"] == Decimal("11.11")
    sent = pushed_steps(stack)[before:]
    assert [step["prices"] for step in sent] == [{"TEE-M": "11.11"}]
    sweep(stack)
    assert len(pushed_steps(stack)) == before + 1, "a sweep with nothing changed sent prices"


@pytest.mark.parametrize("erp", SAGE_AND_TRYTON, indirect=True)
def test_a_list_in_another_currency_than_its_catalog_raises_one_problem(
    shopify: Shopify, erp: Erp, make_stack: Any
) -> None:
    company, _location = b2b_company(shopify, f"Mismatch {erp.vendor}")
    title = f"Trade EUR {erp.vendor}"
    stack = build(make_stack, erp, company, title=title, currency="EUR")
    sweep(stack)
    sweep(stack)
    found = stack.problems(kind="price_list_mismatch")
    assert len(found) == 1 and found[0].entity_id == LIST_CODE[erp.vendor]
    assert "EUR" in found[0].message and "GBP" in found[0].message
    names = shopify.data("{ priceLists(first: 50) { nodes { name } } }")["priceLists"]["nodes"]
    assert {"name": title} not in names


CUSTOMER_LEVER = {"sage200": "set_customer_price_band", "tryton": "set_customer_price_list"}


@pytest.mark.parametrize("erp", SAGE_AND_TRYTON, indirect=True)
def test_a_customer_the_erp_puts_on_the_list_gets_its_catalog(
    shopify: Shopify, erp: Erp, make_stack: Any
) -> None:
    code = LIST_CODE[erp.vendor]
    erp.harness.set_list_price(code, "TEE-L", Decimal("14.14"))
    getattr(erp.harness, CUSTOMER_LEVER[erp.vendor])(erp.account, code)
    company, location = b2b_company(shopify, f"ERP customer {erp.vendor}")
    title = f"Trade by ERP {erp.vendor}"
    stack = build(make_stack, erp, company, title=title, by_config=False)
    sweep(stack)
    assert catalog_prices(shopify, location, title)["TEE-L"] == Decimal("14.14")
