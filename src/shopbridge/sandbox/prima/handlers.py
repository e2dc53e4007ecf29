"""The Prima sandbox's request types: ``<Request RequestType=...><Data/>`` in, ``<Response>`` out."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation

from shopbridge.sandbox.prima.state import DEFAULT_WAREHOUSE, WAREHOUSES, Account, Line, Order, PrimaCompany


class PrimaError(Exception):
    """Answered as ``<Response Status="Error"><Error Code=...>text</Error></Response>``."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(text)
        self.code = code


def _num(value: str | None, what: str) -> Decimal:
    try:
        return Decimal((value or "0").strip() or "0")
    except InvalidOperation as exc:
        raise PrimaError("E110", f"{what} '{value}' is not a number") from exc


def _response(request_type: str) -> ET.Element:
    return ET.Element("Response", RequestType=request_type, Status="OK")


def _line_attrs(line: Line) -> dict[str, str]:
    return {
        "Product": line.product,
        "Quantity": str(line.quantity),
        "Price": str(line.price),
        "Tax": str(line.tax),
        "TaxCode": line.tax_code,
        "Warehouse": line.warehouse,
        "Despatched": str(line.despatched),
    }


def _order_node(parent: ET.Element, order: Order) -> None:
    node = ET.SubElement(
        parent,
        "Order",
        OrderNumber=order.number,
        CustomerOrderRef=order.reference,
        Customer=order.customer,
        Status=order.status,
    )
    for line in order.lines:
        ET.SubElement(node, "Line", _line_attrs(line))
    for ref, number in order.credits.items():
        ET.SubElement(node, "Credit", CreditRef=ref, CreditNumber=number)


def _read_lines(company: PrimaCompany, data: ET.Element, default_wh: str) -> list[Line]:
    lines, problems = [], []
    for node in data.findall("Line"):
        code, wh = node.get("Product", ""), node.get("Warehouse") or default_wh
        product = company.products.get(code)
        if product is None:
            problems.append(f"Product '{code}' not found")
        elif not product.active:
            problems.append(f"Product '{code}' is discontinued")
        if wh not in WAREHOUSES:
            problems.append(f"Warehouse '{wh}' not found")
        qty = _num(node.get("Quantity"), "Quantity")
        if qty <= 0 or qty != int(qty):
            problems.append(f"Quantity for '{code}' must be a whole number above zero")
        lines.append(
            Line(
                code,
                int(qty),
                _num(node.get("Price"), "Price"),
                _num(node.get("Tax"), "Tax"),
                wh,
                node.get("TaxCode", ""),
            )
        )
    if problems:
        raise PrimaError("E102", "; ".join(problems))
    if not lines:
        raise PrimaError("E111", "The order has no lines")
    return lines


def _allocate(company: PrimaCompany, lines: Iterable[Line], sign: int) -> None:
    for ln in lines:
        company.move(
            ln.product,
            ln.warehouse,
            on_hand=Decimal(0),
            allocated=Decimal(sign * (ln.quantity - ln.despatched)),
        )


def new_order(company: PrimaCompany, data: ET.Element) -> ET.Element:
    customer, ref = data.get("Customer", ""), data.get("CustomerOrderRef", "")
    if customer not in company.customers:
        raise PrimaError("E101", f"Customer '{customer}' not found")
    existing = company.order_by_ref(ref)
    if existing is not None:
        raise PrimaError("E105", f"Customer order ref '{ref}' already used on order {existing.number}")
    lines = _read_lines(company, data, data.get("Warehouse") or DEFAULT_WAREHOUSE)
    order = Order(company.next_number("SO"), ref, customer, lines)
    company.orders[order.number] = order
    _allocate(company, lines, +1)
    response = _response("NewOrder")
    ET.SubElement(response, "Order", OrderNumber=order.number, CustomerOrderRef=ref, Status=order.status)
    return response


def order_enquiry(company: PrimaCompany, data: ET.Element) -> ET.Element:
    response = _response("OrderEnquiry")
    order = company.order_by_ref(data.get("CustomerOrderRef", ""))
    if order is not None:
        _order_node(response, order)
    return response


def _open_order(company: PrimaCompany, number: str, action: str) -> Order:
    order = company.orders.get(number)
    if order is None:
        raise PrimaError("E104", f"Order '{number}' not found")
    if order.status != "Open":
        raise PrimaError("E106", f"Order {number} is {order.status.lower()} and cannot be {action}")
    return order


def amend_order(company: PrimaCompany, data: ET.Element) -> ET.Element:
    order = _open_order(company, data.get("OrderNumber", ""), "amended")
    lines = _read_lines(company, data, order.lines[0].warehouse if order.lines else DEFAULT_WAREHOUSE)
    _allocate(company, order.lines, -1)
    order.lines = lines
    _allocate(company, lines, +1)
    return _response("AmendOrder")


def cancel_order(company: PrimaCompany, data: ET.Element) -> ET.Element:
    order = company.orders.get(data.get("OrderNumber", ""))
    if order is not None and order.status == "Cancelled":
        return _response("CancelOrder")
    order = _open_order(company, data.get("OrderNumber", ""), "cancelled")
    _allocate(company, order.lines, -1)
    order.status = "Cancelled"
    return _response("CancelOrder")


def _since(data: ET.Element) -> tuple[int, int]:
    return int(_num(data.get("ChangedSince"), "ChangedSince")), int(
        _num(data.get("MaxRecords") or "100", "MaxRecords")
    )


def product_enquiry(company: PrimaCompany, data: ET.Element) -> ET.Element:
    response = _response("ProductEnquiry")
    codes = [node.get("Code", "") for node in data.findall("Product")]
    if codes:
        chosen = [company.products[c] for c in codes if c in company.products]
    else:
        since, limit = _since(data)
        chosen = sorted(
            (p for p in company.products.values() if p.sequence > since), key=lambda p: p.sequence
        )[:limit]
    for p in chosen:
        ET.SubElement(
            response,
            "Product",
            Code=p.code,
            Description=p.description,
            Price=str(p.price),
            Status="Active" if p.active else "Discontinued",
            TaxCode=p.tax_code,
            Sequence=str(p.sequence),
        )
    return response


def stock_enquiry(company: PrimaCompany, data: ET.Element) -> ET.Element:
    response = _response("StockEnquiry")
    since, limit = _since(data)
    for s in sorted((s for s in company.stock.values() if s.sequence > since), key=lambda s: s.sequence)[
        :limit
    ]:
        ET.SubElement(
            response,
            "Stock",
            Product=s.product,
            Warehouse=s.warehouse,
            Free=str(s.free),
            OnHand=str(s.on_hand),
            Allocated=str(s.allocated),
            Sequence=str(s.sequence),
        )
    return response


def despatch_enquiry(company: PrimaCompany, data: ET.Element) -> ET.Element:
    response = _response("DespatchEnquiry")
    since, limit = _since(data)
    for d in [d for d in company.despatches if d.sequence > since][:limit]:
        node = ET.SubElement(
            response,
            "Despatch",
            DespatchNumber=d.number,
            OrderNumber=d.order.number,
            CustomerOrderRef=d.order.reference,
            Date=d.at.isoformat(timespec="seconds"),
            Carrier=d.carrier,
            ConsignmentNumber=d.consignment,
            Warehouse=d.warehouse,
            Sequence=str(d.sequence),
        )
        for product, qty in d.lines:
            ET.SubElement(node, "Line", Product=product, Quantity=str(qty))
    return response


def _balance(company: PrimaCompany, account: Account) -> Decimal:
    open_orders = (
        o.value for o in company.orders.values() if o.customer == account.account and o.status == "Open"
    )
    return account.balance + sum(open_orders, Decimal(0))


def customer_enquiry(company: PrimaCompany, data: ET.Element) -> ET.Element:
    response = _response("CustomerEnquiry")
    email, code = data.get("Email", "").lower(), data.get("Account", "")
    found = next(
        (c for c in company.customers.values() if (email and c.email.lower() == email) or c.account == code),
        None,
    )
    if found is not None:
        ET.SubElement(
            response,
            "Customer",
            Account=found.account,
            Name=found.name,
            Email=found.email,
            Phone=found.phone,
            CreditLimit=str(found.credit_limit),
            Balance=str(_balance(company, found)),
        )
    return response


def new_customer(company: PrimaCompany, data: ET.Element) -> ET.Element:
    account = data.get("Account") or company.next_number("WEB")
    if account in company.customers:
        raise PrimaError("E107", f"Customer account '{account}' already exists")
    company.customers[account] = Account(
        account, data.get("Name", ""), data.get("Email", ""), phone=data.get("Phone", "")
    )
    response = _response("NewCustomer")
    ET.SubElement(response, "Customer", Account=account)
    return response


def new_credit(company: PrimaCompany, data: ET.Element) -> ET.Element:
    order = company.orders.get(data.get("OrderNumber", ""))
    if order is None:
        raise PrimaError("E104", f"Order '{data.get('OrderNumber', '')}' not found")
    ref = data.get("CreditRef", "")
    number = order.credits.get(ref) or _post_credit(company, order, data)
    response = _response("NewCredit")
    ET.SubElement(response, "Credit", CreditNumber=number, CreditRef=ref, OrderNumber=order.number)
    return response


def _post_credit(company: PrimaCompany, order: Order, data: ET.Element) -> str:
    number = company.next_number("CN")
    lines = []
    for node in data.findall("Line"):
        qty, restock = int(_num(node.get("Quantity"), "Quantity")), node.get("Restock") == "Y"
        if restock:
            wh = node.get("Warehouse") or DEFAULT_WAREHOUSE
            company.move(node.get("Product", ""), wh, on_hand=Decimal(qty), allocated=Decimal(0))
        lines.append((node.get("Product", ""), qty, restock))
    order.credits[data.get("CreditRef", "")] = number
    company.credits[number] = lines
    return number


def journal(company: PrimaCompany, data: ET.Element) -> ET.Element:
    ref = data.get("Reference", "")
    if ref in company.journals:
        raise PrimaError("E109", f"Journal reference '{ref}' already used on journal {company.journals[ref]}")
    lines = data.findall("Line")
    debit = sum((_num(n.get("Debit"), "Debit") for n in lines), Decimal(0))
    credit = sum((_num(n.get("Credit"), "Credit") for n in lines), Decimal(0))
    if not lines or debit != credit:
        raise PrimaError("E108", f"Journal does not balance: debits {debit}, credits {credit}")
    company.journals[ref] = company.next_number("JN")
    response = _response("Journal")
    ET.SubElement(response, "Journal", JournalNumber=company.journals[ref], Reference=ref)
    return response


def journal_enquiry(company: PrimaCompany, data: ET.Element) -> ET.Element:
    response = _response("JournalEnquiry")
    ref = data.get("Reference", "")
    if ref in company.journals:
        ET.SubElement(response, "Journal", JournalNumber=company.journals[ref], Reference=ref)
    return response


def price_enquiry(company: PrimaCompany, data: ET.Element) -> ET.Element:
    response = _response("PriceEnquiry")
    for code, factor in (("RETAIL", Decimal(1)), ("TRADE", Decimal("0.9"))):
        node = ET.SubElement(response, "PriceList", Code=code, Currency="GBP", Name=f"{code.title()} prices")
        for p in sorted(company.products.values(), key=lambda p: p.code):
            ET.SubElement(
                node, "Price", Product=p.code, Price=str((p.price * factor).quantize(Decimal("0.01")))
            )
    return response


HANDLERS: dict[str, Callable[[PrimaCompany, ET.Element], ET.Element]] = {
    "NewOrder": new_order,
    "OrderEnquiry": order_enquiry,
    "AmendOrder": amend_order,
    "CancelOrder": cancel_order,
    "StockEnquiry": stock_enquiry,
    "ProductEnquiry": product_enquiry,
    "DespatchEnquiry": despatch_enquiry,
    "CustomerEnquiry": customer_enquiry,
    "NewCustomer": new_customer,
    "NewCredit": new_credit,
    "Journal": journal,
    "JournalEnquiry": journal_enquiry,
    "PriceEnquiry": price_enquiry,
}


def handle(company: PrimaCompany, request: ET.Element) -> ET.Element:
    request_type = request.get("RequestType", "")
    data = request.find("Data")
    try:
        if request.tag != "Request" or data is None:
            raise PrimaError("E100", "The document must be <Request RequestType=...><Data .../></Request>")
        if request_type not in HANDLERS:
            raise PrimaError("E100", f"Unknown request type '{request_type}'")
        with company.lock:
            return HANDLERS[request_type](company, data)
    except PrimaError as exc:
        response = ET.Element("Response", RequestType=request_type, Status="Error")
        ET.SubElement(response, "Error", Code=exc.code).text = str(exc)
        return response
