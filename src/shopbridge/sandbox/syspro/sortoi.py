"""The sandbox's SORTOI (sales order import): add, change and cancel, as the evidence describes.

What the public evidence shows (WIRE.md, sources R and Z) and this module does:
- ``OrderActionType`` A adds, C changes, D cancels the whole order (every line with it); C and D
  must name the ``SalesOrder``. In a change each line says what happens to it: ``LineActionType``
  A adds a line, D cancels the line whose number is in ``CustomerPoLine``, C changes it.
- ``Process`` must be Import. ``AllowDuplicateOrderNumbers`` Y lets a customer PO number repeat.
- A clean import answers ``StatusOfItems`` only, with six-digit counters; an import with warnings
  also echoes ``Order/{CustomerPoNumber, OrderActionType, SalesOrder}``.
What is our assumption: which condition raises a warning (here: a line more than the free stock,
which SYSPRO back-orders), and the shape of a rejection (``ErrorMessages/ErrorDescription``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from shopbridge.sandbox.syspro.state import DEFAULT_WAREHOUSE, Company, Row, today
from shopbridge.sandbox.syspro.xmlio import BoError, errors, out, status_of_items, sub, text

OPEN_STATUSES = ("1", "2", "3", "4", "S")
CANCELLED = "\\"
_LINE_TYPES = {"StockLine": "1", "FreightLine": "4"}


@dataclass
class _Import:
    """One ``Orders`` element being applied: its problems, warnings and resulting order number."""

    company: Company
    header: ET.Element
    allow_duplicates: bool
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def action(self) -> str:
        return text(self.header, "OrderActionType", "A").upper()

    @property
    def warehouse(self) -> str:
        return text(self.header, "Warehouse", DEFAULT_WAREHOUSE) or DEFAULT_WAREHOUSE


def _number(value: str, what: str) -> Decimal:
    try:
        return Decimal(value)
    except InvalidOperation as exc:
        raise BoError(f"{what} '{value}' is not numeric") from exc


def sortoi(company: Company, params: ET.Element, root: ET.Element) -> str:
    process = text(params, "Parameters/Process", "Import")
    if process.upper() != "IMPORT":
        raise BoError(f"Process '{process}' is not valid for SORTOI")
    allow = text(params, "Parameters/AllowDuplicateOrderNumbers", "N").upper() == "Y"
    answer = ET.Element("SalesOrders")
    processed = warned = 0
    for orders in root.findall("Orders"):
        header = orders.find("OrderHeader")
        if header is None:
            raise BoError("OrderHeader is missing")
        job = _Import(company, header, allow)
        number = _apply(job, orders.find("OrderDetails"))
        if number is None:
            return errors("SalesOrders", "CustomerPoNumber", text(header, "CustomerPoNumber"), job.problems)
        processed += 1
        if job.warnings:
            warned += 1
            node = sub(answer, "Order")
            sub(node, "CustomerPoNumber", text(header, "CustomerPoNumber"))
            sub(node, "OrderActionType", job.action)
            sub(node, "SalesOrder", number)
    status_of_items(answer, processed=processed, warned=warned)
    return out(answer)


def _apply(job: _Import, details: ET.Element | None) -> str | None:
    """Validate everything first, then write; None (with ``job.problems``) when rejected."""
    lines = list(details) if details is not None else []
    if job.action not in ("A", "C", "D"):
        job.problems.append(f"Order action type '{job.action}' is not valid")
        return None
    order = _header_check(job)
    for line in lines:
        _line_check(job, line, order)
    if job.action == "A" and not any(line.tag == "StockLine" for line in lines):
        job.problems.append("The order has no stock lines")
    if job.problems:
        return None
    if job.action == "A":
        return _add(job, lines)
    assert order is not None
    if job.action == "D":
        _cancel(job.company, order)
    else:
        _change(job, order, lines)
    job.company.stamp(order)
    return order["SalesOrder"]


def _header_check(job: _Import) -> Row | None:
    company, header = job.company, job.header
    po, customer = text(header, "CustomerPoNumber"), text(header, "Customer")
    if job.action == "A":
        if customer not in company.table("ArCustomer"):
            job.problems.append(f"Customer '{customer}' not on file")
        elif not job.allow_duplicates and any(o["Customer"] == customer for o in company.orders_with_po(po)):
            job.problems.append(
                f"Customer purchase order number '{po}' already exists for customer '{customer}'"
            )
        return None
    number = text(header, "SalesOrder")
    order = company.table("SorMaster").get(number)
    if order is None:
        job.problems.append(f"Sales order '{number}' not on file")
    elif order["OrderStatus"] not in OPEN_STATUSES:
        job.problems.append(
            f"Sales order '{number}' has status '{order['OrderStatus']}' and cannot be changed"
        )
    return order


def _line_check(job: _Import, line: ET.Element, order: Row | None) -> None:
    action = text(line, "LineActionType", "A").upper()
    if line.tag not in _LINE_TYPES:
        return  # comment and misc charge lines are not modelled
    if job.action == "A" and action != "A":
        job.problems.append("All detail lines of a new order must have LineActionType A")
    elif action in ("C", "D"):
        if order is not None and _existing(job.company, order, line) is None:
            job.problems.append(f"Sales order line '{text(line, 'CustomerPoLine')}' not found")
    elif line.tag == "StockLine":
        job.problems += _stock_problems(job, line)


def _existing(company: Company, order: Row, line: ET.Element) -> Row | None:
    wanted, number = _LINE_TYPES[line.tag], text(line, "CustomerPoLine").lstrip("0")
    for row in company.order_lines(order["SalesOrder"]):
        if row["LineType"] == wanted and row["SalesOrderLine"] == number:
            return row
    return None


def _stock_problems(job: _Import, line: ET.Element) -> list[str]:
    company, sku = job.company, text(line, "StockCode")
    item = company.table("InvMaster").get(sku)
    if item is None:
        return [f"Stock code '{sku}' not on file"]
    problems = [f"Stock code '{sku}' is on hold"] if item["StockOnHold"] else []
    warehouse = text(line, "Warehouse", job.warehouse) or job.warehouse
    if warehouse not in company.table("InvWhControl"):
        problems.append(f"Warehouse '{warehouse}' not on file")
    tax = text(line, "StockTaxCode")
    if tax and tax not in company.table("AdmTax"):
        problems.append(f"Tax code '{tax}' not on file")
    qty = _number(text(line, "OrderQty", "0"), "Order quantity")
    if qty <= 0:
        problems.append(f"Order quantity for stock code '{sku}' must be greater than zero")
    stock = company.stock_row(sku, warehouse)
    free = Decimal(stock["QtyOnHand"]) - Decimal(stock["QtyAllocated"]) if stock else Decimal(0)
    if not problems and qty > free:
        job.warnings.append(f"Stock code '{sku}' has insufficient stock; line back ordered")
    return problems


def _add(job: _Import, lines: list[ET.Element]) -> str:
    company, header = job.company, job.header
    number = company.new_order_number()
    order = {
        "SalesOrder": number,
        "CustomerPoNumber": text(header, "CustomerPoNumber"),
        "Customer": text(header, "Customer"),
        "OrderStatus": "1",
        "OrderDate": text(header, "OrderDate", today()),
        "Warehouse": job.warehouse,
        "ShippingInstrs": text(header, "ShippingInstrs"),
    }
    company.put("SorMaster", number, order)
    _add_lines(job, order, lines)
    return number


def _change(job: _Import, order: Row, lines: list[ET.Element]) -> None:
    for line in lines:
        if line.tag not in _LINE_TYPES:
            continue
        action = text(line, "LineActionType", "A").upper()
        existing = _existing(job.company, order, line) if action in ("C", "D") else None
        if action == "D" and existing is not None:
            _release_line(job.company, existing)
        elif action == "C" and existing is not None:
            _change_line(job.company, existing, line)
    _add_lines(job, order, [ln for ln in lines if text(ln, "LineActionType", "A").upper() == "A"])


def _add_lines(job: _Import, order: Row, lines: list[ET.Element]) -> None:
    company = job.company
    for line in lines:
        if line.tag not in _LINE_TYPES:
            continue
        present = [int(row["SalesOrderLine"]) for row in company.order_lines(order["SalesOrder"])]
        number = str(max(present, default=0) + 1)
        row = _line_row(company, order, line, number, job.warehouse)
        company.put("SorDetail", f"{order['SalesOrder']}|{number}", row)
        if row["LineType"] == "1":
            company.move_stock(
                row["StockCode"], row["Warehouse"], on_hand=Decimal(0), allocated=Decimal(row["OrderQty"])
            )


def _line_row(company: Company, order: Row, line: ET.Element, number: str, warehouse: str) -> Row:
    base = {"SalesOrder": order["SalesOrder"], "SalesOrderLine": number, "LineType": _LINE_TYPES[line.tag]}
    if line.tag == "FreightLine":
        return base | {"NMscChargeValue": text(line, "FreightValue", "0")}
    sku = text(line, "StockCode")
    return base | {
        "StockCode": sku,
        "Description": company.table("InvMaster")[sku].get("Description", ""),
        "Warehouse": text(line, "Warehouse", warehouse) or warehouse,
        "OrderQty": text(line, "OrderQty"),
        "ShipQty": "0",
        "Price": text(line, "Price", "0"),
        "StockTaxCode": text(line, "StockTaxCode"),
    }


def _change_line(company: Company, row: Row, line: ET.Element) -> None:
    if row["LineType"] == "1" and text(line, "OrderQty"):
        delta = Decimal(text(line, "OrderQty")) - Decimal(row["OrderQty"])
        company.move_stock(row["StockCode"], row["Warehouse"], on_hand=Decimal(0), allocated=delta)
        row["OrderQty"] = text(line, "OrderQty")
    if text(line, "Price"):
        row["Price"] = text(line, "Price")
    company.stamp(row)


def _release_line(company: Company, row: Row) -> None:
    if row["LineType"] == "1":
        open_qty = Decimal(row["OrderQty"]) - Decimal(row["ShipQty"])
        company.move_stock(row["StockCode"], row["Warehouse"], on_hand=Decimal(0), allocated=-open_qty)
    del company.table("SorDetail")[f"{row['SalesOrder']}|{row['SalesOrderLine']}"]


def _cancel(company: Company, order: Row) -> None:
    for row in company.order_lines(order["SalesOrder"]):
        _release_line(company, row)
    order["OrderStatus"] = CANCELLED
