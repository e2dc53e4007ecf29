"""Sandbox handlers for reference data, stock, prices and customers (read-mostly operations)."""

from __future__ import annotations

from typing import Any

from shopbridge.sandbox.sage200.calls import Call, SageError
from shopbridge.sandbox.sage200.odata import apply_query
from shopbridge.sandbox.sage200.spec import project
from shopbridge.sandbox.sage200.state import COMPANY_ID, SITE_ID, Record, SageState, standard_band_id


def listing(state: SageState, table: str, schema: str, call: Call, rows: list[Record] | None = None) -> Any:
    """A collection GET: the OData query applied to the schema-shaped rows."""
    shaped = [project(r, schema) for r in (state.all(table) if rows is None else rows)]
    return apply_query(shaped, call.query)


def get_sites(state: SageState, call: Call) -> Any:
    site = {
        "site_id": SITE_ID,
        "site_name": "Sandbox site",
        "site_short_name": "SANDBOX",
        "company_id": COMPANY_ID,
        "company_name": "Sandbox Trading Ltd",
    }
    return [project(site, "site")]


def get_products(state: SageState, call: Call) -> Any:
    return listing(state, "products", "product", call)


def get_warehouses(state: SageState, call: Call) -> Any:
    return listing(state, "warehouses", "warehouse", call)


def get_warehouse_holdings(state: SageState, call: Call) -> Any:
    return listing(state, "warehouse_holdings", "warehouse_holding", call)


def get_tax_codes(state: SageState, call: Call) -> Any:
    return listing(state, "tax_codes", "tax_code", call)


def get_nominal_codes(state: SageState, call: Call) -> Any:
    return listing(state, "nominal_codes", "nominal_code", call)


def get_couriers(state: SageState, call: Call) -> Any:
    return listing(state, "couriers", "courier", call)


def get_price_bands(state: SageState, call: Call) -> Any:
    return listing(state, "price_bands", "price_band", call)


def get_product_price_views(state: SageState, call: Call) -> Any:
    rows = [_price_view(state, price) for price in state.all("product_prices")]
    return listing(state, "product_prices", "product_price_view", call, rows)


def _price_view(state: SageState, price: Record) -> Record:
    product = state.get("products", price["product_id"]) or {}
    band = state.get("price_bands", price["price_band_id"]) or {}
    return {
        "product_price_id": price["id"],
        "product_id": price["product_id"],
        "product_code": product.get("code"),
        "product_name": product.get("name"),
        "price_band_id": price["price_band_id"],
        "price_band_name": band.get("name"),
        "product_price_use_standard": bool(band.get("is_standard_band")),
        "product_price_price": price["price"],
        "currency_id": 1,
        "currency_name": "Pound Sterling",
        "currency_symbol": "£",
        "date_time_updated": price["date_time_updated"],
    }


def get_customer_views(state: SageState, call: Call) -> Any:
    rows = [customer_view(c) for c in state.all("customers")]
    return listing(state, "customers", "customer_view", call, rows)


def customer_view(customer: Record) -> Record:
    contact: Record = next(iter(customer.get("contacts", [])), {})
    email = next((e["email"] for e in contact.get("emails", []) if e.get("is_default")), None)
    name = " ".join(p for p in (contact.get("first_name"), contact.get("last_name")) if p)
    return {
        "id": customer["id"],
        "reference": customer["reference"],
        "name": customer["name"],
        "balance": customer.get("balance", 0.0),
        "credit_limit": customer.get("credit_limit", 0.0),
        "is_over_credit_limit": 0 < customer.get("credit_limit", 0.0) < customer.get("balance", 0.0),
        "account_is_on_hold": customer.get("on_hold", False),
        "currency_id": customer.get("currency_id", 1),
        "price_band_id": customer.get("price_band_id"),
        "default_nominal_account_number": customer.get("default_nominal_code_reference", "4000"),
        "contact_name": name or None,
        "contact_first_name": contact.get("first_name"),
        "contact_last_name": contact.get("last_name"),
        "contact_default_email_address": email,
        "contact_default_telephone_number": contact.get("telephone"),
        "date_time_created": customer["date_time_created"],
        "date_time_updated": customer["date_time_updated"],
    }


def post_customer(state: SageState, call: Call) -> Any:
    body = call.json()
    reference = str(body.get("reference", "")).strip()
    if not reference:
        raise SageError("The customer account reference must be set.")
    if state.first("customers", reference=reference):
        raise SageError(f"A customer account with reference '{reference}' already exists.")
    record = {k: v for k, v in body.items() if k != "contacts"}
    record.setdefault("balance", 0.0)
    record.setdefault("credit_limit", 0.0)
    record.setdefault("on_hold", False)
    record.setdefault("currency_id", 1)
    record.setdefault("price_band_id", standard_band_id(state))
    customer = state.insert("customers", record)
    customer["contacts"] = [_contact(state, customer, c) for c in body.get("contacts", [])]
    return project(customer, "customer")


def _contact(state: SageState, customer: Record, given: Record) -> Record:
    contact = {k: v for k, v in given.items() if k != "emails"}
    contact.update(id=state.tables.new_id(), customer_id=customer["id"], is_default=True)
    contact["emails"] = [
        {**e, "id": state.tables.new_id(), "customer_contact_id": contact["id"]}
        for e in given.get("emails", [])
    ]
    return contact
