"""Every Prima request type and all of Prima's XML, in one place (pure functions, table-tested).

Prima's web services are one ABL procedure (``wsomhandler``) published by a Progress OpenEdge Web
Services Adapter: a SOAP call whose string parameter is a document
``<Request RequestType="..."><Data .../></Request>`` and whose string result is
``<Result Company=".." RequestType=".."><Data .../></Result>``, with ``RequestStatus="OK|ERROR"``
on ``Result`` or on each ``Data``. ``REQUEST_TYPES`` lists the types this adapter sends; the builders
and readers below are the only code that knows element and attribute names. Which names were seen on
a live Prima and which are assumed: ``sandbox/prima/WIRE.md`` (the ``sourced`` flag mirrors it).
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from xml.sax.saxutils import escape

from shopbridge.domain.money import Money
from shopbridge.domain.records import (
    Address,
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

# --- the SOAP envelope (OpenEdge WSA conventions) ------------------------------------------
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SERVICE_NS = "urn:omlink"  # sourced: the targetURI of a live Prima WSA; OpenEdge uses it as namespace
OPERATIONS = ("wsomhandler", "comwsomhandler")  # sourced: the two generic calls
REQUEST_PARAM = "RequestXML"  # assumed: the ABL parameter names are not public
COMPANY_PARAM = "CompanyID"  # assumed
SOAP_ACTION = '""'  # OpenEdge's default SOAPAction is blank


@dataclass(frozen=True)
class RequestType:
    name: str
    purpose: str
    keys: tuple[str, ...]  # the Data attributes (or children) that identify what is asked for
    sourced: bool  # True: name and shape seen in a live exchange with Prima (WIRE.md, source L1)


REQUEST_TYPES: dict[str, RequestType] = {
    t.name: t
    for t in (
        RequestType("MultiNewOrder", "create sales orders, one Data each", ("OrderNumber", "TPGUID"), True),
        RequestType("OrderStatus", "an order's status by order number", ("OrderNumber",), True),
        RequestType("MultiAvailableToSell", "available stock of the listed SKUs", ("sku",), True),
        RequestType("ProductAvailableToSell", "available stock of a product range", ("ProductFrom",), True),
        RequestType("AmendOrder", "replace the lines of an open order", ("OrderNumber",), False),
        RequestType("CancelOrder", "cancel an order", ("OrderNumber",), False),
        RequestType(
            "StockEnquiry", "free stock per product and warehouse changed since", ("ChangedSince",), False
        ),
        RequestType("ProductEnquiry", "products changed since, or by code", ("ChangedSince", "sku"), False),
        RequestType(
            "DespatchEnquiry", "despatches since, with carrier and consignment", ("ChangedSince",), False
        ),
        RequestType("CustomerEnquiry", "customer account by email or account", ("Email", "Account"), False),
        RequestType("NewCustomer", "create a customer account", ("Account", "Email"), False),
        RequestType("NewCredit", "credit note against an order", ("OrderNumber", "CreditRef"), False),
        RequestType("Journal", "post a balanced nominal journal", ("Reference",), False),
        RequestType("JournalEnquiry", "find a journal by reference (the dedup key)", ("Reference",), False),
        RequestType("PriceEnquiry", "price lists and their prices", ("PriceList",), False),
    )
}
DUPLICATE_ORDER = "E:21"  # sourced: "Sales Order Header already exists with Order Number equal to .."
ORDER_PREFIX = "SB"  # assumed: our order numbers, so they cannot meet the shop's own number range
_CODE = re.compile(r"^\((E:\d+)\)\s*")
_MESSAGE_START = re.compile(r"\s(?=\(E:\d+\))")
_TRACE = "DEV MODE Stack Trace"
_STATUS = {
    "part-despatched": SalesOrderStatus.PART_DISPATCHED,
    "despatched": SalesOrderStatus.DISPATCHED,
    "cancelled": SalesOrderStatus.CANCELLED,
    "completed": SalesOrderStatus.CLOSED,
    "closed": SalesOrderStatus.CLOSED,
}


def envelope(operation: str, document: str, company_id: str | None) -> str:
    """A document/literal SOAP 1.1 call of ``operation`` carrying ``document`` as a string."""
    company = f"<{COMPANY_PARAM}>{escape(company_id)}</{COMPANY_PARAM}>" if company_id else ""
    return (
        f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{SOAP_NS}"><soap:Body>'
        f'<{operation} xmlns="{SERVICE_NS}">{company}<{REQUEST_PARAM}>{escape(document)}</{REQUEST_PARAM}>'
        f"</{operation}></soap:Body></soap:Envelope>"
    )


def answer_text(root: ET.Element, operation: str) -> str | None:
    """The result string of ``<operation>Response``, whatever its output parameter is named."""
    response = root.find(f"{{{SOAP_NS}}}Body/{{{SERVICE_NS}}}{operation}Response")
    if response is None:
        return None
    return next((c.text for c in response if (c.text or "").strip()), None)


@dataclass(frozen=True)
class Fault:
    code: str
    text: str  # faultstring: OpenEdge keeps it general
    detail: str  # FaultDetail/errorMessage: the precise cause
    request_id: str


def read_fault(root: ET.Element) -> Fault | None:
    fault = root.find(f"{{{SOAP_NS}}}Body/{{{SOAP_NS}}}Fault")
    if fault is None:
        return None
    detail = {_local(n.tag): (n.text or "").strip() for n in fault.iter()}
    return Fault(
        fault.findtext("faultcode", "").strip(),
        fault.findtext("faultstring", "").strip(),
        detail.get("errorMessage", ""),
        detail.get("requestID", ""),
    )


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def request_type_of(document: str) -> str:
    found = re.search(r'RequestType="([^"]*)"', document)
    return found.group(1) if found else "request"


# --- building documents --------------------------------------------------------------------
def request(request_type: str, data: Mapping[str, str], children: Sequence[ET.Element] = ()) -> str:
    if request_type not in REQUEST_TYPES:
        raise KeyError(f"no Prima request type {request_type!r}")
    root = ET.Element("Request", RequestType=request_type)
    node = ET.SubElement(root, "Data", _present(data))
    node.extend(children)
    # Prima declares ISO-8859-1; what Latin-1 cannot hold travels as a character reference.
    latin1: bytes = ET.tostring(root, encoding="ISO-8859-1")
    return latin1.decode("iso-8859-1")


def element(tag: str, attrs: Mapping[str, str]) -> ET.Element:
    return ET.Element(tag, _present(attrs))


def _present(attrs: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in attrs.items() if v != ""}


def amount(value: Decimal) -> str:
    return format(value, "f")


def prima_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")  # sourced: Prima writes dates as DD/MM/YYYY


def order_number(reference: str) -> str:
    """Our order number for a Shopify order name: stable, so a retried create meets E:21."""
    plain = reference.removeprefix("#")
    if plain.isalnum() and plain.isascii():
        return ORDER_PREFIX + plain
    return ORDER_PREFIX + hashlib.sha1(reference.encode()).hexdigest()[:12].upper()


def _unique_id(reference: str) -> str:
    return str(int(hashlib.sha1(reference.encode()).hexdigest()[:12], 16) % 10**8).zfill(8)


def _sku(sku: str) -> ET.Element:
    return element("sku", {"Product": sku})  # matrix codes (MtrxCode1..4) left blank: see WIRE.md


def _order_lines(order: SalesOrderRequest, warehouse: str) -> list[ET.Element]:
    return [
        element(
            "OrderLineData",
            {
                "OrderLine": str(number),
                "Product": ln.sku,
                "Quantity": str(ln.quantity),
                "Price": amount(ln.unit_price.amount),
                "ExtTaxVal": amount(ln.tax.amount),
                "Warehouse": ln.warehouse or warehouse,
            },
        )
        for number, ln in enumerate(order.lines, start=1)
    ]


def _addressee(address: Address | None) -> dict[str, str]:
    if address is None:
        return {}
    forename, _, surname = address.name.strip().partition(" ")
    return {
        "CustomerForename": forename,
        "CustomerSurname": surname,
        "AddrLine1": address.line1,
        "AddrLine2": address.line2,
        "AddrLine3": address.city,
        "AddrLine4": address.region,
        "PostCode": address.postcode,
        "Country": address.country_code,
        "CustomerPhone": address.phone,
    }


def new_order(order: SalesOrderRequest, *, warehouse: str) -> str:
    data = {
        "UniqueId": _unique_id(order.reference),
        "Customer": order.customer_account,
        "TPGUID": order.shopify_id or order.reference,
        "OrderNumber": order_number(order.reference),
        "CustomerRef": order.reference,
        "HoldOrder": "No",
        "VatInclusive": "No",  # prices are net; Shopify's tax travels in ExtTaxVal
        **_addressee(order.delivery_address),
    }
    header = {
        "Currency": order.currency,
        "OrderDate": prima_date(order.order_date),
        "CarrServ": order.shipping_method,
        "SpecialInstructions": order.note[:200],
    }
    children = [element("OrderHeaderData", header), *_order_lines(order, warehouse)]
    if order.shipping is not None:
        charge = {"Charge": order.shipping_method, "ChargeValue": amount(order.shipping.amount)}
        children.append(element("OrderChargeData", charge))
    if order.payment_method:
        children.append(element("OrderPaymentData", {"PayMethod": order.payment_method}))
    return request("MultiNewOrder", data, children)


def order_status(reference: str) -> str:
    return request("OrderStatus", {"OrderNumber": order_number(reference)})


def amend_order(number: str, order: SalesOrderRequest, *, warehouse: str) -> str:
    data = {"OrderNumber": number, "CustomerRef": order.reference}
    return request("AmendOrder", data, _order_lines(order, warehouse))


def cancel_order(number: str, reason: str) -> str:
    return request("CancelOrder", {"OrderNumber": number, "Reason": reason[:60]})


def changed_since(request_type: str, cursor: str | None, limit: int) -> str:
    return request(request_type, {"ChangedSince": cursor or "0", "MaxRecords": str(limit)})


def product_enquiry(skus: Sequence[str]) -> str:
    return request("ProductEnquiry", {}, [_sku(sku) for sku in skus])


def available_to_sell(skus: Sequence[str] | None) -> str:
    """Listed SKUs (``MultiAvailableToSell``) or, with ``None``, every product."""
    if skus is None:
        return request("ProductAvailableToSell", {"ProductFrom": "", "ProductTo": ""})
    return request("MultiAvailableToSell", {}, [_sku(sku) for sku in skus])


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
            "CreditLineData",
            {
                "Product": ln.sku,
                "Quantity": str(ln.quantity),
                "Price": amount(ln.net.amount),
                "ExtTaxVal": amount(ln.tax.amount),
                "Restock": "Yes" if ln.restock else "No",
                "Warehouse": ln.warehouse,
            },
        )
        for ln in note.lines
    ]
    data = {
        "OrderNumber": number,
        "CustomerRef": note.order_reference,
        "CreditRef": note.refund_reference,
        "Reason": note.reason[:60],
        "Carriage": amount(note.shipping.amount) if note.shipping else "",
    }
    return request("NewCredit", data, lines)


def journal(entry: JournalEntry) -> str:
    lines = [
        element(
            "JournalLineData",
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
        "Date": prima_date(entry.posted_on),
        "Currency": entry.currency,
        "Narrative": entry.narrative[:60],
    }
    return request("Journal", data, lines)


def journal_enquiry(reference: str) -> str:
    return request("JournalEnquiry", {"Reference": reference})


def price_enquiry() -> str:
    return request("PriceEnquiry", {})


# --- reading answers -----------------------------------------------------------------------
@dataclass(frozen=True)
class Message:
    code: str  # "E:21"; empty where Prima gave none
    text: str  # Prima's words, without the developer stack trace


def read_messages(result: ET.Element) -> list[Message] | None:
    """``None`` when Prima says OK; otherwise its messages (``RequestStatus="ERROR"`` anywhere)."""
    statuses = [result.get("RequestStatus", "")] + [d.get("RequestStatus", "") for d in result.iter("Data")]
    if not any(status.upper() == "ERROR" for status in statuses):
        return None
    texts = [result.get("Error", "")] + [e.get("Error", "") for e in result.iter("RequestError")]
    found: list[Message] = []
    # Prima puts one message per line in one attribute; XML parsing turns those line breaks into
    # spaces, so messages are split where each "(E:nn)" code begins.
    for line in (part.strip() for text in texts for part in _MESSAGE_START.split(text)):
        message = _message(line)
        if message.text and message not in found:
            found.append(message)
    return found


def _message(line: str) -> Message:
    code = _CODE.match(line)
    text = line[code.end() :] if code else line
    return Message(code.group(1) if code else "", text.split(_TRACE, 1)[0].strip())


def number(text: str | None) -> Decimal:
    try:
        return Decimal((text or "0").strip() or "0")
    except InvalidOperation as exc:
        raise ValueError(f"Prima sent {text!r} where a number belongs") from exc


def attr(node: ET.Element, name: str) -> str:
    return (node.get(name) or "").strip()


def records(result: ET.Element, tag: str) -> list[ET.Element]:
    return result.findall(f"Data/{tag}")


def last_sequence(nodes: Sequence[ET.Element], cursor: str | None) -> str | None:
    """The ``Sequence`` of the last record, or the old cursor when nothing changed."""
    return attr(nodes[-1], "Sequence") if nodes else cursor


def read_created(result: ET.Element, key: str, tag: str = "") -> str:
    node = result.find(f"Data/{tag}" if tag else "Data")
    if node is None or not attr(node, key):
        raise ValueError(f"Prima's answer has no Data{'/' + tag if tag else ''}/@{key}")
    return attr(node, key)


def order_state(text: str) -> SalesOrderStatus:
    return _STATUS.get(re.sub(r"[\s_]+", "-", text.strip().lower()), SalesOrderStatus.OPEN)


def read_order(result: ET.Element, reference: str, currency: str) -> SalesOrder | None:
    """The order an ``OrderStatus`` answer describes (``OrderStatus`` is the one attribute seen live)."""
    data = result.find("Data")
    if data is None or not attr(data, "OrderStatus"):
        return None
    erp_id = attr(data, "OrderNumber") or order_number(reference)
    lines = tuple(
        SalesOrderLine(
            sku=attr(ln, "Product"),
            quantity=int(number(ln.get("Quantity"))),
            unit_price=Money.of(number(ln.get("Price")), currency),
            tax=Money.of(number(ln.get("ExtTaxVal")), currency),
            warehouse=attr(ln, "Warehouse"),
        )
        for ln in data.findall("OrderLineData")
    )
    credits = {attr(c, "CreditRef"): attr(c, "CreditNumber") for c in data.findall("Credit")}
    return SalesOrder(
        erp_id=erp_id,
        reference=attr(data, "CustRef") or reference,
        customer_account=attr(data, "CustomerCode"),
        status=order_state(attr(data, "OrderStatus")),
        lines=lines,
        erp_number=erp_id,
        extra={f"credit:{ref}": num for ref, num in credits.items()},
    )


def read_products(result: ET.Element, currency: str) -> list[Item]:
    return [
        Item(
            sku=attr(p, "Product"),
            description=attr(p, "Description"),
            status=ItemStatus.ACTIVE if attr(p, "Status") == "Active" else ItemStatus.INACTIVE,
            erp_id=attr(p, "Product"),
            tax_code=attr(p, "TaxCode"),
            unit_price=Money.of(number(p.get("Price")), currency) if p.get("Price") else None,
        )
        for p in records(result, "Product")
    ]


def sku_of(node: ET.Element) -> str:
    """Product plus its matrix codes (blank or ``None`` codes dropped), joined by ``-``."""
    codes = [attr(node, f"MtrxCode{n}") for n in range(1, 5)]
    return "-".join([attr(node, "Product"), *(c for c in codes if c and c != "None")])


def read_available(result: ET.Element, warehouse: str) -> list[StockLevel]:
    """``Data/sku`` (ProductAvailableToSell) or ``Data/SKU`` (MultiAvailableToSell): both seen live."""
    nodes = records(result, "sku") + records(result, "SKU")
    return [StockLevel(sku_of(n), warehouse, number(n.get("AvailableQuantity"))) for n in nodes]


def read_stock(result: ET.Element) -> list[StockLevel]:
    return [
        StockLevel(
            sku=attr(s, "Product"),
            warehouse=attr(s, "Warehouse"),
            free=number(s.get("Free")),
            on_hand=number(s.get("OnHand")),
            allocated=number(s.get("Allocated")),
        )
        for s in records(result, "Stock")
    ]


def read_despatches(result: ET.Element) -> list[Dispatch]:
    return [
        Dispatch(
            erp_id=attr(d, "DespatchNumber"),
            order_reference=attr(d, "CustRef"),
            dispatched_at=_utc(attr(d, "Date")),
            carrier=attr(d, "Carrier"),
            tracking_numbers=tuple(t for t in attr(d, "ConsignmentNumber").split(",") if t),
            warehouse=attr(d, "Warehouse"),
            lines=tuple(
                DispatchLine(attr(ln, "Product"), int(number(ln.get("Quantity"))))
                for ln in d.findall("DespatchLineData")
            ),
        )
        for d in records(result, "Despatch")
    ]


def _utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def read_customer(result: ET.Element) -> dict[str, str] | None:
    found = records(result, "Customer")
    return dict(found[0].attrib) if found else None


def read_price_lists(result: ET.Element) -> list[PriceList]:
    out = []
    for node in records(result, "PriceList"):
        currency = attr(node, "Currency") or "GBP"
        prices = tuple(
            Price(attr(p, "Product"), Money.of(number(p.get("Price")), currency))
            for p in node.findall("Price")
        )
        out.append(PriceList(attr(node, "Code"), currency, name=attr(node, "Name"), prices=prices))
    return out
