"""Every Prima request type and its XML, in one place (pure functions, table-tested).

Prima's web services take one generic document, ``<Request RequestType="..."><Data .../></Request>``,
and answer ``<Response RequestType="..." Status="OK|Error">``. ``REQUEST_TYPES`` lists the types this
adapter sends; the builders and readers below are the only code that knows element and attribute
names. Which names are from public material and which are assumed: ``sandbox/prima/WIRE.md``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from shopbridge.domain.money import Money
from shopbridge.domain.records import (
    CreditNote,
    Customer,
    Dispatch,
    DispatchLine,
    Item,
    ItemStatus,
    JournalEntry,
    Price,
    PriceList,
    SalesOrder,
    SalesOrderLine,
    SalesOrderRequest,
    SalesOrderStatus,
    StockLevel,
)


@dataclass(frozen=True)
class RequestType:
    name: str
    purpose: str
    keys: tuple[str, ...]  # the Data attributes that identify what is asked for


REQUEST_TYPES: dict[str, RequestType] = {
    t.name: t
    for t in (
        RequestType("NewOrder", "create a sales order", ("Customer", "CustomerOrderRef")),
        RequestType(
            "OrderEnquiry", "find orders by customer order ref (the dedup key)", ("CustomerOrderRef",)
        ),
        RequestType("AmendOrder", "replace the lines of an open order", ("OrderNumber",)),
        RequestType("CancelOrder", "cancel an order", ("OrderNumber",)),
        RequestType("StockEnquiry", "free stock per product and warehouse changed since", ("ChangedSince",)),
        RequestType("ProductEnquiry", "products changed since, or by code", ("ChangedSince", "Product")),
        RequestType("DespatchEnquiry", "despatches since, with carrier and consignment", ("ChangedSince",)),
        RequestType("CustomerEnquiry", "customer account by email or account", ("Email", "Account")),
        RequestType("NewCustomer", "create a customer account", ("Account", "Email")),
        RequestType(
            "NewCredit", "credit note against an order, optionally restocking", ("OrderNumber", "CreditRef")
        ),
        RequestType("Journal", "post a balanced nominal journal", ("Reference",)),
        RequestType("JournalEnquiry", "find a journal by reference (the dedup key)", ("Reference",)),
        RequestType("PriceEnquiry", "price lists and their prices", ("PriceList",)),
    )
}
DUPLICATE_REFERENCE = "E105"  # Prima's code for a customer order ref already used (assumed)
_STATUS = {
    "Open": SalesOrderStatus.OPEN,
    "PartDespatched": SalesOrderStatus.PART_DISPATCHED,
    "Despatched": SalesOrderStatus.DISPATCHED,
    "Cancelled": SalesOrderStatus.CANCELLED,
    "Closed": SalesOrderStatus.CLOSED,
}


# --- building ------------------------------------------------------------------------------
def request(request_type: str, data: Mapping[str, str], children: Sequence[ET.Element] = ()) -> str:
    if request_type not in REQUEST_TYPES:
        raise KeyError(f"no Prima request type {request_type!r}")
    root = ET.Element("Request", RequestType=request_type)
    node = ET.SubElement(root, "Data", {k: v for k, v in data.items() if v != ""})
    node.extend(children)
    return ET.tostring(root, encoding="unicode")


def element(tag: str, attrs: Mapping[str, str]) -> ET.Element:
    return ET.Element(tag, {k: v for k, v in attrs.items() if v != ""})


def amount(value: Decimal) -> str:
    return format(value, "f")


def _order_lines(order: SalesOrderRequest, warehouse: str) -> list[ET.Element]:
    lines = [
        element(
            "Line",
            {
                "Product": ln.sku,
                "Quantity": str(ln.quantity),
                "Price": amount(ln.unit_price.amount),
                "Tax": amount(ln.tax.amount),
                "TaxCode": ln.tax_code,
                "Warehouse": ln.warehouse or warehouse,
            },
        )
        for ln in order.lines
    ]
    address = order.delivery_address
    if address is not None:
        lines.append(
            element(
                "DeliveryAddress",
                {
                    "Name": address.name,
                    "Line1": address.line1,
                    "Line2": address.line2,
                    "Town": address.city,
                    "County": address.region,
                    "Postcode": address.postcode,
                    "Country": address.country_code,
                },
            )
        )
    return lines


def new_order(order: SalesOrderRequest, *, warehouse: str) -> str:
    data = {
        "Customer": order.customer_account,
        "CustomerOrderRef": order.reference,
        "Currency": order.currency,
        "OrderDate": order.order_date.isoformat(),
        "Warehouse": warehouse,
        "DeliveryMethod": order.shipping_method,
        "DeliveryCharge": amount(order.shipping.amount) if order.shipping else "",
    }
    return request("NewOrder", data, _order_lines(order, warehouse))


def order_enquiry(reference: str) -> str:
    return request("OrderEnquiry", {"CustomerOrderRef": reference})


def amend_order(number: str, order: SalesOrderRequest, *, warehouse: str) -> str:
    data = {"OrderNumber": number, "CustomerOrderRef": order.reference}
    return request("AmendOrder", data, _order_lines(order, warehouse))


def cancel_order(number: str, reason: str) -> str:
    return request("CancelOrder", {"OrderNumber": number, "Reason": reason[:60]})


def changed_since(request_type: str, cursor: str | None, limit: int) -> str:
    return request(request_type, {"ChangedSince": cursor or "0", "MaxRecords": str(limit)})


def product_enquiry(skus: Sequence[str]) -> str:
    return request("ProductEnquiry", {}, [element("Product", {"Code": sku}) for sku in skus])


def customer_enquiry(email: str) -> str:
    return request("CustomerEnquiry", {"Email": email})


def account_enquiry(account: str) -> str:
    return request("CustomerEnquiry", {"Account": account})


def new_customer(account: str, customer: Customer) -> str:
    data = {
        "Account": account,
        "Name": customer.display_name[:60],
        "Email": customer.email,
        "Phone": customer.phone,
        "Currency": customer.currency,
    }
    return request("NewCustomer", data)


def new_credit(number: str, note: CreditNote) -> str:
    lines = [
        element(
            "Line",
            {
                "Product": ln.sku,
                "Quantity": str(ln.quantity),
                "Net": amount(ln.net.amount),
                "Tax": amount(ln.tax.amount),
                "Restock": "Y" if ln.restock else "N",
                "Warehouse": ln.warehouse,
            },
        )
        for ln in note.lines
    ]
    data = {
        "OrderNumber": number,
        "CustomerOrderRef": note.order_reference,
        "CreditRef": note.refund_reference,
        "Reason": note.reason[:60],
        "Carriage": amount(note.shipping.amount) if note.shipping else "",
    }
    return request("NewCredit", data, lines)


def journal(entry: JournalEntry) -> str:
    lines = [
        element(
            "Line",
            {
                "Nominal": ln.nominal_code,
                "Narrative": ln.description[:60],
                "Debit": amount(ln.debit.amount) if ln.debit else "",
                "Credit": amount(ln.credit.amount) if ln.credit else "",
            },
        )
        for ln in entry.lines
    ]
    data = {
        "Reference": entry.reference,
        "Date": entry.posted_on.isoformat(),
        "Currency": entry.currency,
        "Narrative": entry.narrative[:60],
    }
    return request("Journal", data, lines)


def journal_enquiry(reference: str) -> str:
    return request("JournalEnquiry", {"Reference": reference})


def price_enquiry() -> str:
    return request("PriceEnquiry", {})


# --- reading -------------------------------------------------------------------------------
def number(text: str | None) -> Decimal:
    try:
        return Decimal((text or "0").strip() or "0")
    except InvalidOperation as exc:
        raise ValueError(f"Prima sent {text!r} where a number belongs") from exc


def attr(node: ET.Element, name: str) -> str:
    return (node.get(name) or "").strip()


def last_sequence(nodes: Sequence[ET.Element], cursor: str | None) -> str | None:
    """The ``Sequence`` of the last record, or the old cursor when nothing changed."""
    return attr(nodes[-1], "Sequence") if nodes else cursor


def read_created(response: ET.Element, tag: str, key: str) -> str:
    node = response.find(tag)
    if node is None or not attr(node, key):
        raise ValueError(f"Prima's answer has no {tag}/@{key}")
    return attr(node, key)


def read_orders(response: ET.Element, currency: str) -> list[SalesOrder]:
    return [_order(node, currency) for node in response.iter("Order")]


def _order(node: ET.Element, currency: str) -> SalesOrder:
    lines = tuple(
        SalesOrderLine(
            sku=attr(ln, "Product"),
            quantity=int(number(ln.get("Quantity"))),
            unit_price=Money.of(number(ln.get("Price")), currency),
            tax=Money.of(number(ln.get("Tax")), currency),
            tax_code=attr(ln, "TaxCode"),
            warehouse=attr(ln, "Warehouse"),
        )
        for ln in node.findall("Line")
    )
    credits = {attr(c, "CreditRef"): attr(c, "CreditNumber") for c in node.findall("Credit")}
    return SalesOrder(
        erp_id=attr(node, "OrderNumber"),
        reference=attr(node, "CustomerOrderRef"),
        customer_account=attr(node, "Customer"),
        status=_STATUS.get(attr(node, "Status"), SalesOrderStatus.OPEN),
        lines=lines,
        erp_number=attr(node, "OrderNumber"),
        extra={f"credit:{ref}": num for ref, num in credits.items()},
    )


def read_products(response: ET.Element, currency: str) -> list[Item]:
    return [
        Item(
            sku=attr(p, "Code"),
            description=attr(p, "Description"),
            status=ItemStatus.ACTIVE if attr(p, "Status") == "Active" else ItemStatus.INACTIVE,
            erp_id=attr(p, "Code"),
            tax_code=attr(p, "TaxCode"),
            unit_price=Money.of(number(p.get("Price")), currency) if p.get("Price") else None,
        )
        for p in response.findall("Product")
    ]


def read_stock(response: ET.Element) -> list[StockLevel]:
    return [
        StockLevel(
            sku=attr(s, "Product"),
            warehouse=attr(s, "Warehouse"),
            free=number(s.get("Free")),
            on_hand=number(s.get("OnHand")),
            allocated=number(s.get("Allocated")),
        )
        for s in response.findall("Stock")
    ]


def read_despatches(response: ET.Element) -> list[Dispatch]:
    return [
        Dispatch(
            erp_id=attr(d, "DespatchNumber"),
            order_reference=attr(d, "CustomerOrderRef"),
            dispatched_at=_utc(attr(d, "Date")),
            carrier=attr(d, "Carrier"),
            tracking_numbers=tuple(t for t in attr(d, "ConsignmentNumber").split(",") if t),
            warehouse=attr(d, "Warehouse"),
            lines=tuple(
                DispatchLine(attr(ln, "Product"), int(number(ln.get("Quantity")))) for ln in d.findall("Line")
            ),
        )
        for d in response.findall("Despatch")
    ]


def _utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def read_customer(response: ET.Element) -> dict[str, str] | None:
    node = response.find("Customer")
    return dict(node.attrib) if node is not None else None


def read_price_lists(response: ET.Element) -> list[PriceList]:
    out = []
    for node in response.findall("PriceList"):
        currency = attr(node, "Currency") or "GBP"
        prices = tuple(
            Price(attr(p, "Product"), Money.of(number(p.get("Price")), currency))
            for p in node.findall("Price")
        )
        out.append(PriceList(attr(node, "Code"), currency, name=attr(node, "Name"), prices=prices))
    return out
