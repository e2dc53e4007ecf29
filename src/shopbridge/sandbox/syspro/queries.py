"""The sandbox's query-class business objects: COMFND (generic find), SORQRY, ARSQRY."""

from __future__ import annotations

import operator
import xml.etree.ElementTree as ET
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from typing import Any

from shopbridge.sandbox.syspro.state import Company, Row
from shopbridge.sandbox.syspro.xmlio import BoError, out, sub, text

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "EQ": operator.eq,
    "NE": operator.ne,
    "GT": operator.gt,
    "LT": operator.lt,
    "GE": operator.ge,
    "LE": operator.le,
}
FINDABLE = (
    "InvMaster",
    "InvPrice",
    "InvWarehouse",
    "ArCustomer",
    "SorMaster",
    "MdnMaster",
    "MdnDetail",
    "GenJournalCtl",
    "InvWhControl",
    "AdmTax",
    "SalShippingInstr",
)


def _comparable(value: str) -> tuple[int, Decimal | str]:
    try:
        return (0, Decimal(value))
    except InvalidOperation:
        return (1, value)


def _matches(row: Row, expression: ET.Element) -> bool:
    column, condition = text(expression, "Column"), text(expression, "Condition", "EQ").upper()
    if condition not in _OPS:
        raise BoError(f"COMFND condition '{condition}' is not valid")
    if column not in row:
        raise BoError(f"COMFND column '{column}' is not valid for this table")
    left, right = _comparable(row[column]), _comparable(text(expression, "Value"))
    if left[0] != right[0]:
        left, right = (1, row[column]), (1, text(expression, "Value"))
    return _OPS[condition](left, right)


def _where(row: Row, expressions: list[ET.Element]) -> bool:
    """Left to right; each expression's AndOr joins it to the next one."""
    if not expressions:
        return True
    result = _matches(row, expressions[0])
    for previous, expression in pairwise(expressions):
        joined = text(previous, "AndOr", "And").lower()
        value = _matches(row, expression)
        result = (result or value) if joined == "or" else (result and value)
    return result


def comfnd(company: Company, root: ET.Element) -> str:
    table = text(root, "TableName")
    if table not in FINDABLE:
        raise BoError(f"COMFND table '{table}' is not available")
    rows = [row for row in company.table(table).values() if _where(row, root.findall("Where/Expression"))]
    order_by = text(root, "OrderBy/Column")
    if order_by:
        rows.sort(key=lambda row: _comparable(row.get(order_by, "")))
    limit = int(text(root, "ReturnRows", "100") or "100")
    columns = [c.text or "" for c in root.findall("Columns/Column")]
    answer = ET.Element("COMFND")
    sub(answer, "TableName", table)
    sub(answer, "ReturnedRows", str(min(limit, len(rows))))
    for row in rows[:limit]:
        node = sub(answer, "Row")
        for column in columns or list(row):
            sub(node, column, row.get(column, ""))
    return out(answer)


def sorqry(company: Company, root: ET.Element) -> str:
    number = text(root, "Key/SalesOrder")
    header = company.table("SorMaster").get(number)
    if header is None:
        raise BoError(f"Sales order '{number}' not on file")
    answer = ET.Element("SorDetail")
    head = sub(answer, "SalesOrderHeader")
    for column in ("SalesOrder", "CustomerPoNumber", "Customer", "OrderStatus", "OrderDate", "Warehouse"):
        sub(head, column, header.get(column, ""))
    details = sub(answer, "SalesOrderDetails")
    for line in company.order_lines(number):
        node = sub(details, "StockLine")
        for column in (
            "SalesOrderLine",
            "StockCode",
            "Warehouse",
            "OrderQty",
            "ShipQty",
            "Price",
            "StockTaxCode",
        ):
            sub(node, column, line.get(column, ""))
    return out(answer)


def open_order_value(company: Company, customer: str) -> Decimal:
    value = Decimal(0)
    for order in company.table("SorMaster").values():
        if order["Customer"] == customer and order["OrderStatus"] in ("1", "2", "3", "4", "S"):
            lines = company.order_lines(order["SalesOrder"])
            value += sum((Decimal(ln["OrderQty"]) * Decimal(ln["Price"]) for ln in lines), Decimal(0))
    return value


def arsqry(company: Company, root: ET.Element) -> str:
    code = text(root, "Key/Customer")
    row = company.table("ArCustomer").get(code)
    if row is None:
        raise BoError(f"Customer '{code}' not on file")
    answer = ET.Element("ArCustomerQuery")
    node = sub(answer, "Customer")
    for column in ("Customer", "Name", "Email", "Currency", "CreditLimit"):
        sub(node, column, row.get(column, ""))
    balance = Decimal(row.get("CurrentBalance", "0")) + open_order_value(company, code)
    sub(node, "CurrentBalance", str(balance))
    return out(answer)


QUERIES: dict[str, Callable[[Company, ET.Element], str]] = {
    "COMFND": comfnd,
    "SORQRY": sorqry,
    "ARSQRY": arsqry,
}
