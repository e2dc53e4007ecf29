"""Customers: create, update, read by id or identifier, search by email/phone/state/tag.

Emails are normalised as Shopify does (whitespace removed, lower-cased), tags come back sorted,
and a customer needs at least a name, a phone number or an email address.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from ..connection import connection
from ..payloads_catalog import customer_payload
from ..registry import ResolveInfo, mutation, query
from ..state import ShopState, numeric_id
from .common import matches, money_v2, sorted_records, user_error
from .node import node_loader

Record = dict[str, Any]
_FIELDS = {
    "firstName": "first_name",
    "lastName": "last_name",
    "email": "email",
    "phone": "phone",
    "locale": "locale",
    "note": "note",
    "tags": "tags",
    "taxExempt": "tax_exempt",
    "taxExemptions": "tax_exemptions",
}
SEARCH = {
    "email": lambda c: c.get("email"),
    "phone": lambda c: c.get("phone"),
    "state": lambda c: c.get("state"),
    "tag": lambda c: c.get("tags", []),
    "first_name": lambda c: c.get("first_name"),
    "last_name": lambda c: c.get("last_name"),
    "id": lambda c: numeric_id(c["id"]),
    "updated_at": lambda c: c["updated_at"],
    "created_at": lambda c: c["created_at"],
}


def normalise_email(email: str | None) -> str | None:
    if email is None:
        return None
    cleaned = re.sub(r"\s+", "", email).lower()
    return cleaned or None


def display_name(c: Record) -> str:
    name = " ".join(p for p in (c.get("first_name"), c.get("last_name")) if p)
    return name or c.get("email") or c.get("phone") or ""


def _orders_of(state: ShopState, gid: str) -> list[Record]:
    return [o for o in state.orders.values() if o.get("customer_id") == gid]


def _spent(state: ShopState, gid: str) -> Record:
    orders = _orders_of(state, gid)
    return money_v2(
        sum((Decimal(str(o.get("total_price", "0"))) for o in orders), Decimal("0")), state.currency
    )


def customer_node(state: ShopState, c: Record) -> Record:
    """The Customer view. Its order figures scan every order of the shop, so they are computed only
    when selected (an order's ``customer`` is built for every order a bulk read of the day reads)."""
    gid = c["id"]
    address = c["addresses"][0] if c["addresses"] else None
    return {
        "__typename": "Customer",
        "id": gid,
        "legacyResourceId": str(numeric_id(gid)),
        "firstName": c.get("first_name"),
        "lastName": c.get("last_name"),
        "displayName": display_name(c),
        "email": c.get("email"),
        "phone": c.get("phone"),
        "locale": c.get("locale") or "en",
        "note": c.get("note"),
        "verifiedEmail": c.get("verified_email", True),
        "validEmailAddress": c.get("email") is not None,
        "taxExempt": c.get("tax_exempt", False),
        "taxExemptions": list(c.get("tax_exemptions", [])),
        "tags": sorted(c.get("tags", [])),
        "state": c.get("state", "DISABLED"),
        "canDelete": lambda: not _orders_of(state, gid),
        "dataSaleOptOut": False,
        "numberOfOrders": lambda: str(len(_orders_of(state, gid))),
        "amountSpent": lambda: _spent(state, gid),
        "defaultEmailAddress": {"emailAddress": c["email"]} if c.get("email") else None,
        "defaultPhoneNumber": {"phoneNumber": c["phone"]} if c.get("phone") else None,
        "defaultAddress": _address_node(address) if address else None,
        "addresses": lambda **_: [_address_node(a) for a in c["addresses"]],
        "addressesV2": lambda **kw: connection(c["addresses"], node=_address_node, **kw),
        "metafield": lambda **_: None,
        "metafields": lambda **kw: connection([], **kw),
        "createdAt": c["created_at"],
        "updatedAt": c["updated_at"],
    }


def _address_node(a: Record) -> Record:
    keys = ("firstName", "lastName", "address1", "address2", "city", "company", "province", "provinceCode")
    node: Record = {k: a.get(k) for k in keys}
    node |= {k: a.get(k) for k in ("country", "countryCodeV2", "zip", "phone")}
    node["id"] = a["id"]
    node["name"] = " ".join(p for p in (a.get("firstName"), a.get("lastName")) if p) or None
    node["formattedArea"] = (
        ", ".join(p for p in (a.get("city"), a.get("province"), a.get("country")) if p) or None
    )
    node["formatted"] = lambda **_: [p for p in (a.get("address1"), a.get("city"), a.get("zip")) if p]
    return node


def _clean_input(data: Record) -> Record:
    fields = {key: data[src] for src, key in _FIELDS.items() if src in data}
    if "email" in fields:
        fields["email"] = normalise_email(fields["email"])
    return fields


def _identity_error(fields: Record) -> list[Record]:
    if any(fields.get(k) for k in ("first_name", "last_name", "email", "phone")):
        return []
    return [user_error(None, "A name, phone number, or email address must be present")]


def _taken_error(state: ShopState, fields: Record, own_id: str | None) -> list[Record]:
    for other in state.customers.values():
        if other["id"] == own_id:
            continue
        if fields.get("email") and other.get("email") == fields["email"]:
            return [user_error(["email"], "Email has already been taken")]
        if fields.get("phone") and other.get("phone") == fields["phone"]:
            return [user_error(["phone"], "Phone has already been taken")]
    return []


def add_customer(state: ShopState, fields: Record, addresses: list[Record] | None = None) -> Record:
    with state.lock:
        gid, now = state.new_gid("Customer"), state.now_iso()
        customer = {
            "id": gid,
            "state": "DISABLED",
            "created_at": now,
            "updated_at": now,
            "tags": [],
            **fields,
        }
        customer["addresses"] = [{"id": state.new_gid("MailingAddress"), **a} for a in addresses or []]
        state.customers[gid] = customer
    state.events.publish("customers/create", customer_payload(state, customer))
    return customer


@mutation("customerCreate")
def customer_create(state: ShopState, args: Record, info: ResolveInfo) -> Record:
    data = args["input"]
    fields = _clean_input(data)
    with state.lock:
        errors = _identity_error(fields) or _taken_error(state, fields, None)
        if errors:
            return {"customer": None, "userErrors": errors}
        customer = add_customer(state, fields, list(data.get("addresses") or []))
    return {"customer": customer_node(state, customer), "userErrors": []}


@mutation("customerUpdate")
def customer_update(state: ShopState, args: Record, info: ResolveInfo) -> Record:
    data = args["input"]
    gid = str(data.get("id") or "")
    fields = _clean_input(data)
    with state.lock:
        customer = state.customers.get(gid)
        if customer is None:
            return {"customer": None, "userErrors": [user_error(["id"], "Customer does not exist")]}
        errors = _taken_error(state, fields, gid) or _identity_error({**customer, **fields})
        if errors:
            return {"customer": None, "userErrors": errors}
        customer.update(fields)
        customer["updated_at"] = state.now_iso()
    state.events.publish("customers/update", customer_payload(state, customer))
    return {"customer": customer_node(state, customer), "userErrors": []}


@query("customer")
def resolve_customer(state: ShopState, args: Record, info: ResolveInfo) -> Record | None:
    customer = state.customers.get(str(args["id"]))
    return customer_node(state, customer) if customer else None


@query("customerByIdentifier")
def resolve_by_identifier(state: ShopState, args: Record, info: ResolveInfo) -> Record | None:
    identifier: Record = args["identifier"]
    if "id" in identifier:
        found = state.customers.get(str(identifier["id"]))
        return customer_node(state, found) if found else None
    wanted_email = normalise_email(identifier.get("emailAddress"))
    wanted_phone = identifier.get("phoneNumber")
    for c in state.customers.values():
        if (wanted_email and c.get("email") == wanted_email) or (
            wanted_phone and c.get("phone") == wanted_phone
        ):
            return customer_node(state, c)
    return None


@query("customers")
def resolve_customers(state: ShopState, args: Record, info: ResolveInfo) -> Record:
    by = {
        "UPDATED_AT": lambda c: c["updated_at"],
        "CREATED_AT": lambda c: c["created_at"],
        "NAME": display_name,
    }
    records = sorted_records(state, state.customers, args.get("sortKey"), by)
    found = [c for c in records if matches(c, args.get("query"), SEARCH, display_name)]
    return connection(found, node=lambda c: customer_node(state, c), **args)


@query("customersCount")
def resolve_customers_count(state: ShopState, args: Record, info: ResolveInfo) -> Record:
    found = [c for c in state.customers.values() if matches(c, args.get("query"), SEARCH, display_name)]
    return {"count": len(found), "precision": "EXACT"}


@node_loader("Customer")
def _load_customer(state: ShopState, gid: str) -> Record | None:
    return customer_node(state, state.customers[gid]) if gid in state.customers else None
