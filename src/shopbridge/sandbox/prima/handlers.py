"""The Prima sandbox's request types: ``<Request RequestType=...><Data/>`` in, ``<Result>`` out.

Answers take the shape a live Prima gives (WIRE.md): ``<Result Company=".." RequestType=".."
RequestStatus="OK|ERROR">`` with records under ``Data``; ``MultiNewOrder`` answers one ``Data`` per
order, each with its own ``RequestStatus``; errors are ``RequestError Error="(E:nn) text"``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from shopbridge.sandbox.prima.state import DEFAULT_WAREHOUSE, WAREHOUSES, Account, Line, Order, PrimaCompany

# Codes seen on a live Prima: E:21 (order number exists), E:194 (no valid lines). The 9xx codes
# are the sandbox's own (Prima's numbers for those cases are not public).
ORDER_EXISTS, NO_VALID_LINES = "E:21", "E:194"
NOT_A_NUMBER, CUSTOMER, PRODUCT, ORDER, NOT_OPEN = "E:910", "E:901", "E:902", "E:904", "E:906"
ACCOUNT_EXISTS, UNBALANCED, JOURNAL_USED, BAD_DOCUMENT = "E:907", "E:908", "E:909", "E:900"
OPEN_STATES = ("Processing", "Part-Despatched")


class PrimaError(Exception):
    """Answered as ``RequestStatus="ERROR"`` with ``<RequestError Error="(code) text"/>``."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(f"({code}) {text}")


def num(value: str | None, what: str) -> Decimal:
    try:
        return Decimal((value or "0").strip() or "0")
    except InvalidOperation as exc:
        raise PrimaError(NOT_A_NUMBER, f"{what} '{value}' is not a number") from exc


def data_node(**attrs: str) -> ET.Element:
    return ET.Element("Data", attrs)


def _line_node(tag: str, line: Line, number: int) -> ET.Element:
    return ET.Element(
        tag,
        OrderLine=str(number),
        Product=line.product,
        Quantity=str(line.quantity),
        Price=str(line.price),
        ExtTaxVal=str(line.tax),
        Warehouse=line.warehouse,
        Despatched=str(line.despatched),
    )


def _read_lines(company: PrimaCompany, data: ET.Element, default_wh: str, order_no: str) -> list[Line]:
    lines, problems = [], []
    for node in data.findall("OrderLineData"):
        code, wh = node.get("Product", ""), node.get("Warehouse") or default_wh
        product = company.products.get(code)
        if product is None:
            problems.append(f"({PRODUCT}) Product '{code}' not found")
        elif not product.active:
            problems.append(f"({PRODUCT}) Product '{code}' is discontinued")
        if wh not in WAREHOUSES:
            problems.append(f"({PRODUCT}) Warehouse '{wh}' not found")
        qty = num(node.get("Quantity"), "Quantity")
        if qty <= 0 or qty != int(qty):
            problems.append(f"({PRODUCT}) Quantity for '{code}' must be a whole number above zero")
        price, tax = num(node.get("Price"), "Price"), num(node.get("ExtTaxVal"), "ExtTaxVal")
        lines.append(Line(code, int(qty), price, tax, wh))
    if problems or not lines:
        # Prima lists each cause, then says the order as a whole has no valid lines
        raise PrimaError(NO_VALID_LINES, "\n".join([*problems, f"No valid order lines for order {order_no}"]))
    return lines


def _allocate(company: PrimaCompany, lines: Iterable[Line], sign: int) -> None:
    for ln in lines:
        allocated = Decimal(sign * (ln.quantity - ln.despatched))
        company.move(ln.product, ln.warehouse, on_hand=Decimal(0), allocated=allocated)


def _customer(company: PrimaCompany, data: ET.Element) -> str:
    """The given account, or (when blank) a new one from the addressee, as Prima does."""
    account = data.get("Customer", "")
    if account and account not in company.customers:
        raise PrimaError(CUSTOMER, f"Customer '{account}' not found")
    if account:
        return account
    account = company.next_number("00000")
    name = f"{data.get('CustomerForename', '')} {data.get('CustomerSurname', '')}".strip()
    company.customers[account] = Account(account, name, data.get("CustomerEmail", ""))
    return account


def new_order(company: PrimaCompany, data: ET.Element) -> ET.Element:
    """One ``Data`` of a ``MultiNewOrder``: its answer ``Data``, OK or ERROR."""
    number = data.get("OrderNumber") or company.next_number("2")
    answer = data_node(
        CustRef=data.get("CustomerRef", ""),
        CustomerCode="",
        OrderNumber=number,
        TPGUID=data.get("TPGUID", ""),
        UniqueID=data.get("UniqueId", ""),
    )
    try:
        if number in company.orders:
            raise PrimaError(ORDER_EXISTS, f"Sales Order Header already exists with Order Number {number}")
        account = _customer(company, data)
        lines = _read_lines(company, data, data.get("Warehouse") or DEFAULT_WAREHOUSE, number)
        charges = [num(c.get("ChargeValue") or "0", "ChargeValue") for c in data.findall("OrderChargeData")]
    except PrimaError as exc:
        answer.set("RequestStatus", "ERROR")
        ET.SubElement(answer, "RequestError", Error=str(exc), UniqueID=data.get("UniqueId", ""))
        return answer
    reference = data.get("CustomerRef") or data.get("TPGUID") or number
    company.orders[number] = Order(number, reference, account, lines, charges=sum(charges, Decimal(0)))
    _allocate(company, lines, +1)
    answer.set("CustomerCode", account)
    answer.set("RequestStatus", "OK")
    return answer


def order_status(company: PrimaCompany, data: ET.Element) -> list[ET.Element]:
    number = data.get("OrderNumber", "")
    order = company.orders.get(number)
    if order is None:
        raise PrimaError(ORDER, f"Sales Order {number} not found")
    answer = data_node(
        OrderNumber=order.number,
        OrderStatus=order.status,
        CustRef=order.reference,
        CustomerCode=order.customer,
    )
    answer.extend(_line_node("OrderLineData", ln, n) for n, ln in enumerate(order.lines, start=1))
    if order.charges:
        answer.append(ET.Element("OrderChargeData", ChargeValue=f"{order.charges:.2f}"))
    answer.extend(_credit_node(company, ref, number) for ref, number in order.credits.items())
    return [answer]


def _credit_node(company: PrimaCompany, ref: str, number: str) -> ET.Element:
    values = company.credit_values.get(number, [])
    net = sum((value for _product, value, _tax in values), Decimal(0))
    tax = sum((tax for _product, _value, tax in values), Decimal(0))
    return ET.Element(
        "Credit", CreditRef=ref, CreditNumber=number, NetValue=f"{net:.2f}", TaxValue=f"{tax:.2f}"
    )


def _open_order(company: PrimaCompany, number: str, action: str) -> Order:
    order = company.orders.get(number)
    if order is None:
        raise PrimaError(ORDER, f"Sales Order {number} not found")
    if order.status not in OPEN_STATES:
        raise PrimaError(NOT_OPEN, f"Order {number} is {order.status.lower()} and cannot be {action}")
    return order


def amend_order(company: PrimaCompany, data: ET.Element) -> list[ET.Element]:
    order = _open_order(company, data.get("OrderNumber", ""), "amended")
    default_wh = order.lines[0].warehouse if order.lines else DEFAULT_WAREHOUSE
    lines = _read_lines(company, data, default_wh, order.number)
    _allocate(company, order.lines, -1)
    order.lines = lines
    _allocate(company, lines, +1)
    return [data_node(OrderNumber=order.number, OrderStatus=order.status)]


def cancel_order(company: PrimaCompany, data: ET.Element) -> list[ET.Element]:
    order = company.orders.get(data.get("OrderNumber", ""))
    if order is None or order.status != "Cancelled":
        order = _open_order(company, data.get("OrderNumber", ""), "cancelled")
        _allocate(company, order.lines, -1)
        order.status = "Cancelled"
    return [data_node(OrderNumber=order.number, OrderStatus=order.status)]


def _since(data: ET.Element) -> tuple[int, int]:
    since = num(data.get("ChangedSince"), "ChangedSince")
    return int(since), int(num(data.get("MaxRecords") or "100", "MaxRecords"))


def product_enquiry(company: PrimaCompany, data: ET.Element) -> list[ET.Element]:
    codes = [node.get("Product", "") for node in data.findall("sku")]
    if codes:
        chosen = [company.products[c] for c in codes if c in company.products]
    else:
        since, limit = _since(data)
        changed = (p for p in company.products.values() if p.sequence > since)
        chosen = sorted(changed, key=lambda p: p.sequence)[:limit]
    answer = data_node()
    for p in chosen:
        status = "Active" if p.active else "Discontinued"
        ET.SubElement(
            answer,
            "Product",
            Product=p.code,
            Description=p.description,
            Price=str(p.price),
            Status=status,
            TaxCode=p.tax_code,
            Sequence=str(p.sequence),
        )
    return [answer]


def _available(company: PrimaCompany, code: str) -> str:
    stock = company.stock.get((code, DEFAULT_WAREHOUSE))
    return str(int(stock.free)) if stock is not None else "0"


def _sku_node(tag: str, company: PrimaCompany, code: str) -> ET.Element:
    node = ET.Element(tag, AvailableDate="", AvailableQuantity=_available(company, code))
    for n in range(1, 5):
        node.set(f"MtrxCode{n}", "")
    node.set("Product", code)
    return node


def multi_available_to_sell(company: PrimaCompany, data: ET.Element) -> list[ET.Element]:
    answer = data_node()  # asked with lower-case <sku>, answered with upper-case <SKU>, as seen live
    answer.extend(_sku_node("SKU", company, n.get("Product", "")) for n in data.findall("sku"))
    return [answer]


def product_available_to_sell(company: PrimaCompany, data: ET.Element) -> list[ET.Element]:
    low, high = data.get("ProductFrom", ""), data.get("ProductTo", "")
    codes = sorted(c for c in company.products if c >= low and (not high or c <= high))
    answer = data_node()
    answer.extend(_sku_node("sku", company, code) for code in codes)
    return [answer]


def stock_enquiry(company: PrimaCompany, data: ET.Element) -> list[ET.Element]:
    since, limit = _since(data)
    changed = sorted((s for s in company.stock.values() if s.sequence > since), key=lambda s: s.sequence)
    answer = data_node()
    for s in changed[:limit]:
        ET.SubElement(
            answer,
            "Stock",
            Product=s.product,
            Warehouse=s.warehouse,
            Free=str(s.free),
            OnHand=str(s.on_hand),
            Allocated=str(s.allocated),
            Sequence=str(s.sequence),
        )
    return [answer]


def despatch_enquiry(company: PrimaCompany, data: ET.Element) -> list[ET.Element]:
    since, limit = _since(data)
    answer = data_node()
    for d in [d for d in company.despatches if d.sequence > since][:limit]:
        node = ET.SubElement(
            answer,
            "Despatch",
            DespatchNumber=d.number,
            OrderNumber=d.order.number,
            CustRef=d.order.reference,
            Date=d.at.isoformat(timespec="seconds"),
            Carrier=d.carrier,
            ConsignmentNumber=d.consignment,
            Warehouse=d.warehouse,
            Sequence=str(d.sequence),
        )
        for product, qty in d.lines:
            ET.SubElement(node, "DespatchLineData", Product=product, Quantity=str(qty))
    return [answer]
