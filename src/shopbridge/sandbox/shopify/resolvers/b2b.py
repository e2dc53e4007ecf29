"""B2B companies: companies, their contacts and locations (Shopify Plus)."""

from __future__ import annotations

from typing import Any

from ..connection import connection
from ..registry import ResolveInfo, mutation, query
from ..state import ShopState, numeric_id
from .common import matches, money_v2, sorted_records, user_error
from .customers import add_customer, customer_node, normalise_email
from .node import node_loader

Record = dict[str, Any]
ROLES = (
    ("Location admin", "System-defined Location admin role"),
    ("Ordering only", "System-defined Ordering only role"),
)
COMPANY_SEARCH = {
    "name": lambda c: c["name"],
    "external_id": lambda c: c.get("external_id"),
    "id": lambda c: numeric_id(c["id"]),
    "updated_at": lambda c: c["updated_at"],
}


def _count(n: int) -> Record:
    return {"count": n, "precision": "EXACT"}


def company_node(state: ShopState, c: Record) -> Record:
    locations = [state.company_locations[g] for g in c["location_ids"] if g in state.company_locations]
    contacts = [state.company_contacts[g] for g in c["contact_ids"] if g in state.company_contacts]
    main = state.company_contacts.get(c.get("main_contact_id") or "")
    roles = c["roles"]
    return {
        "__typename": "Company",
        "id": c["id"],
        "name": c["name"],
        "note": c.get("note"),
        "externalId": c.get("external_id"),
        "customerSince": c["created_at"],
        "createdAt": c["created_at"],
        "updatedAt": c["updated_at"],
        "contactsCount": _count(len(contacts)),
        "locationsCount": _count(len(locations)),
        "mainContact": contact_node(state, main) if main else None,
        "defaultRole": roles[-1],
        "contactRoles": lambda **kw: connection(roles, **kw),
        "locations": lambda **kw: connection(
            locations, node=lambda loc: company_location_node(state, loc), **kw
        ),
        "contacts": lambda **kw: connection(contacts, node=lambda ct: contact_node(state, ct), **kw),
        "totalSpent": money_v2(0, state.currency),
    }


def contact_node(state: ShopState, ct: Record) -> Record:
    company = state.companies[ct["company_id"]]
    return {
        "__typename": "CompanyContact",
        "id": ct["id"],
        "title": ct.get("title"),
        "locale": ct.get("locale") or "en",
        "isMainContact": company.get("main_contact_id") == ct["id"],
        "createdAt": ct["created_at"],
        "updatedAt": ct["updated_at"],
        "company": lambda: company_node(state, company),
        "customer": lambda: customer_node(state, state.customers[ct["customer_id"]]),
    }


def company_location_node(state: ShopState, loc: Record) -> Record:
    from .b2b_catalogs import catalog_node

    catalogs = [c for c in state.catalogs.values() if loc["id"] in c["company_location_ids"]]
    return {
        "__typename": "CompanyLocation",
        "id": loc["id"],
        "name": loc["name"],
        "externalId": loc.get("external_id"),
        "locale": loc.get("locale") or "en",
        "phone": loc.get("phone"),
        "note": loc.get("note"),
        "currency": state.currency,
        "taxExemptions": [],
        "taxRegistrationId": None,
        "createdAt": loc["created_at"],
        "updatedAt": loc["updated_at"],
        "shippingAddress": _company_address(loc.get("shipping_address")),
        "billingAddress": _company_address(loc.get("billing_address")),
        "company": lambda: company_node(state, state.companies[loc["company_id"]]),
        "catalogs": lambda **kw: connection(catalogs, node=lambda c: catalog_node(state, c), **kw),
        "catalogsCount": _count(len(catalogs)),
        "inCatalog": lambda catalogId, **_: any(c["id"] == catalogId for c in catalogs),
    }


def _company_address(address: Record | None) -> Record | None:
    if not address:
        return None
    keys = ("address1", "address2", "city", "zip", "countryCode", "zoneCode", "phone", "recipient")
    node: Record = {k: address.get(k) for k in keys}
    node["id"] = address["id"]
    node["companyName"] = address.get("companyName", "")
    return node


def _new_location(state: ShopState, company_id: str, data: Record) -> Record:
    gid, now = state.new_gid("CompanyLocation"), state.now_iso()
    loc: Record = {"id": gid, "company_id": company_id, "created_at": now, "updated_at": now}
    loc |= {"name": data.get("name") or "", "phone": data.get("phone"), "locale": data.get("locale")}
    loc |= {"external_id": data.get("externalId"), "note": data.get("note")}
    for source, key in (("shippingAddress", "shipping_address"), ("billingAddress", "billing_address")):
        if data.get(source):
            loc[key] = {"id": state.new_gid("CompanyAddress"), **data[source]}
    if data.get("billingSameAsShipping") and "shipping_address" in loc:
        loc["billing_address"] = dict(loc["shipping_address"])
    state.company_locations[gid] = loc
    return loc


def _new_contact(state: ShopState, company: Record, data: Record) -> Record:
    fields = {
        "first_name": data.get("firstName"),
        "last_name": data.get("lastName"),
        "phone": data.get("phone"),
    }
    fields["email"] = normalise_email(data.get("email"))
    customer = add_customer(state, fields)
    gid, now = state.new_gid("CompanyContact"), state.now_iso()
    contact = {"id": gid, "company_id": company["id"], "customer_id": customer["id"], "created_at": now}
    contact |= {"updated_at": now, "title": data.get("title"), "locale": data.get("locale")}
    state.company_contacts[gid] = contact
    company["contact_ids"].append(gid)
    company.setdefault("main_contact_id", gid)
    return contact


def add_company(state: ShopState, data: Record, contact: Record | None, location: Record | None) -> Record:
    with state.lock:
        gid, now = state.new_gid("Company"), state.now_iso()
        roles = [{"id": state.new_gid("CompanyContactRole"), "name": n, "note": note} for n, note in ROLES]
        company = {
            "id": gid,
            "name": data["name"],
            "note": data.get("note"),
            "external_id": data.get("externalId"),
        }
        company |= {
            "created_at": now,
            "updated_at": now,
            "location_ids": [],
            "contact_ids": [],
            "roles": roles,
        }
        state.companies[gid] = company
        if contact:
            _new_contact(state, company, contact)
        if location:
            company["location_ids"].append(_new_location(state, gid, location)["id"])
        return company


@mutation("companyCreate")
def company_create(state: ShopState, args: Record, info: ResolveInfo) -> Record:
    data = args["input"]
    if not (data["company"].get("name") or "").strip():
        return {
            "company": None,
            "userErrors": [user_error(["input", "company", "name"], "Name can't be blank", "BLANK")],
        }
    company = add_company(state, data["company"], data.get("companyContact"), data.get("companyLocation"))
    return {"company": company_node(state, company), "userErrors": []}


@mutation("companyUpdate")
def company_update(state: ShopState, args: Record, info: ResolveInfo) -> Record:
    with state.lock:
        company = state.companies.get(str(args["companyId"]))
        if company is None:
            error = user_error(["companyId"], "Resource requested does not exist.", "RESOURCE_NOT_FOUND")
            return {"company": None, "userErrors": [error]}
        data = args["input"]
        for src, key in (("name", "name"), ("note", "note"), ("externalId", "external_id")):
            if src in data:
                company[key] = data[src]
        company["updated_at"] = state.now_iso()
    return {"company": company_node(state, company), "userErrors": []}


@mutation("companyLocationCreate")
def company_location_create(state: ShopState, args: Record, info: ResolveInfo) -> Record:
    with state.lock:
        company = state.companies.get(str(args["companyId"]))
        if company is None:
            error = user_error(["companyId"], "Resource requested does not exist.", "RESOURCE_NOT_FOUND")
            return {"companyLocation": None, "userErrors": [error]}
        loc = _new_location(state, company["id"], args["input"])
        company["location_ids"].append(loc["id"])
    return {"companyLocation": company_location_node(state, loc), "userErrors": []}


@mutation("companyLocationUpdate")
def company_location_update(state: ShopState, args: Record, info: ResolveInfo) -> Record:
    with state.lock:
        loc = state.company_locations.get(str(args["companyLocationId"]))
        if loc is None:
            error = user_error(["input"], "The company location doesn't exist", "RESOURCE_NOT_FOUND")
            return {"companyLocation": None, "userErrors": [error]}
        data = args["input"]
        for src, key in (
            ("name", "name"),
            ("phone", "phone"),
            ("note", "note"),
            ("externalId", "external_id"),
        ):
            if src in data:
                loc[key] = data[src]
        loc["updated_at"] = state.now_iso()
    return {"companyLocation": company_location_node(state, loc), "userErrors": []}


@mutation("companyContactUpdate")
def company_contact_update(state: ShopState, args: Record, info: ResolveInfo) -> Record:
    with state.lock:
        contact = state.company_contacts.get(str(args["companyContactId"]))
        if contact is None:
            error = user_error(
                ["companyContactId"], "The company contact doesn't exist.", "RESOURCE_NOT_FOUND"
            )
            return {"companyContact": None, "userErrors": [error]}
        data = args["input"]
        for key in ("title", "locale"):
            if key in data:
                contact[key] = data[key]
        contact["updated_at"] = state.now_iso()
    return {"companyContact": contact_node(state, contact), "userErrors": []}


@query("companies")
def resolve_companies(state: ShopState, args: Record, info: ResolveInfo) -> Record:
    by = {
        "NAME": lambda c: c["name"],
        "UPDATED_AT": lambda c: c["updated_at"],
        "CREATED_AT": lambda c: c["created_at"],
    }
    records = sorted_records(state, state.companies, args.get("sortKey"), by)
    found = [c for c in records if matches(c, args.get("query"), COMPANY_SEARCH, lambda c: c["name"])]
    return connection(found, node=lambda c: company_node(state, c), **args)


@query("companiesCount")
def resolve_companies_count(state: ShopState, args: Record, info: ResolveInfo) -> Record:
    return _count(len(state.companies))


@query("company")
def resolve_company(state: ShopState, args: Record, info: ResolveInfo) -> Record | None:
    company = state.companies.get(str(args["id"]))
    return company_node(state, company) if company else None


@query("companyLocation")
def resolve_company_location(state: ShopState, args: Record, info: ResolveInfo) -> Record | None:
    loc = state.company_locations.get(str(args["id"]))
    return company_location_node(state, loc) if loc else None


@query("companyLocations")
def resolve_company_locations(state: ShopState, args: Record, info: ResolveInfo) -> Record:
    records = sorted_records(
        state, state.company_locations, args.get("sortKey"), {"NAME": lambda r: r["name"]}
    )
    found = [
        r
        for r in records
        if matches(r, args.get("query"), {"name": lambda r: r["name"]}, lambda r: r["name"])
    ]
    return connection(found, node=lambda r: company_location_node(state, r), **args)


@query("companyContact")
def resolve_company_contact(state: ShopState, args: Record, info: ResolveInfo) -> Record | None:
    contact = state.company_contacts.get(str(args["id"]))
    return contact_node(state, contact) if contact else None


@query("companyContactRole")
def resolve_company_contact_role(state: ShopState, args: Record, info: ResolveInfo) -> Record | None:
    wanted = str(args["id"])
    roles = (role for company in state.companies.values() for role in company["roles"])
    return next((dict(role) for role in roles if role["id"] == wanted), None)


@node_loader("Company")
def _load_company(state: ShopState, gid: str) -> Record | None:
    return company_node(state, state.companies[gid]) if gid in state.companies else None


@node_loader("CompanyLocation")
def _load_company_location(state: ShopState, gid: str) -> Record | None:
    return (
        company_location_node(state, state.company_locations[gid]) if gid in state.company_locations else None
    )
