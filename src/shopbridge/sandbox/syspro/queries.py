"""The sandbox's query-class business objects: COMFND (generic find), INVQRY, SORQRY, ARSQRY.

Shapes follow the public evidence listed in WIRE.md: COMFND answers under a root named after the
table (``HeaderDetails``, ``Row``..., ``RowsReturned``); INVQRY lists ``WarehouseItem`` with
``AvailableQty``; SORQRY answers ``SorDetail`` with the header fields directly under the root and
one ``SalesOrderLine`` (``Merchandise`` or ``Freight``) per line; ARSQRY answers ``ARStatement``
with ``Header`` (``CreditLimit``, ``OutstOrdVal``) and ``TotalSection/CurrentBalance``.
"""

from __future__ import annotations

import operator
import xml.etree.ElementTree as ET
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from shopbridge.sandbox.syspro.order_documents import sorqod
from shopbridge.sandbox.syspro.state import WAREHOUSES, Company, Row
from shopbridge.sandbox.syspro.xmlio import BoError, out, quantity, sub, text

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
    "SorDetail",
    "MdnMaster",
    "MdnDetail",
    "GenJournalCtl",
    "ApBank",
    "CshTransactions",
    "InvWhControl",
    "AdmTax",
    "SalShippingInstr",
    "GenMaster",
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
    """Left to right; an expression's ``AndOr`` joins it to the expression before it."""
    if not expressions:
        return True
    result = _matches(row, expressions[0])
    for expression in expressions[1:]:
        joined = text(expression, "AndOr", "And").lower()
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
    answer = ET.Element(table)
    sub(sub(answer, "HeaderDetails"), "TableName", table)
    for row in rows[:limit]:
        node = sub(answer, "Row")
        for column in columns or list(row):
            sub(node, column, row.get(column, ""))
    sub(answer, "RowsReturned", f"{min(limit, len(rows)):8d}")
    return out(answer)


# --- INVQRY ----------------------------------------------------------------------------------
def _wanted_warehouses(root: ET.Element) -> set[str] | None:
    """``Filter/Warehouse`` with FilterType L (a list) or R (a range "from,to"); None means all."""
    node = root.find("Filter/Warehouse")
    if node is None or not node.get("FilterValue", "").strip():
        return None
    values = [v.strip() for v in node.get("FilterValue", "").split(",") if v.strip()]
    if node.get("FilterType", "L").upper() == "R" and len(values) == 2:
        return {code for code in WAREHOUSES if values[0] <= code <= values[1]}
    return set(values)


def invqry(company: Company, root: ET.Element) -> str:
    sku = text(root, "Key/StockCode")
    item = company.table("InvMaster").get(sku)
    if item is None:
        raise BoError(f"Stock code '{sku}' not on file")
    wanted = _wanted_warehouses(root)
    answer = ET.Element("InvQuery")
    options = sub(answer, "QueryOptions")
    sub(options, "StockCode", sku)
    sub(options, "Description", item.get("Description", ""))
    for row in sorted(company.table("InvWarehouse").values(), key=lambda r: r["Warehouse"]):
        if row["StockCode"] == sku and (wanted is None or row["Warehouse"] in wanted):
            _warehouse_item(company, sub(answer, "WarehouseItem"), row)
    return out(answer)


def _warehouse_item(company: Company, node: ET.Element, row: Row) -> None:
    on_hand, allocated = Decimal(row["QtyOnHand"]), Decimal(row["QtyAllocated"])
    control = company.table("InvWhControl").get(row["Warehouse"], {})
    sub(node, "Warehouse", row["Warehouse"])
    sub(node, "Description", control.get("Description", ""))
    sub(node, "QtyOnHand", quantity(on_hand))
    sub(node, "AvailableQty", quantity(on_hand - allocated))
    sub(node, "QtyAllocated", quantity(allocated))


_STATUS_TEXT = {
    "1": "Open order",
    "2": "Open back order",
    "4": "In warehouse",
    "8": "To invoice",
    "9": "Complete",
    "\\": "Cancelled",
    "S": "Suspense",
}


def sorqry(company: Company, root: ET.Element) -> str:
    number = text(root, "Key/SalesOrder")
    header = company.table("SorMaster").get(number)
    if header is None:
        raise BoError(f"Sales order '{number}' not on file")
    answer = ET.Element("SorDetail")
    sub(answer, "SalesOrder", number)
    sub(answer, "OrderStatus", header["OrderStatus"])
    sub(answer, "OrderStatusDesc", _STATUS_TEXT.get(header["OrderStatus"], ""))
    for column in ("Customer", "CustomerPoNumber", "OrderDate", "ShippingInstrs", "LastInvoice"):
        sub(answer, column, header.get(column, ""))
    wanted = {
        "1": text(root, "Option/IncludeStockedLines", "Y").upper() != "N",
        "4": text(root, "Option/IncludeFreightLines", "Y").upper() != "N",
        "7": text(root, "Option/IncludeNonStockedLines", "Y").upper() != "N",
    }
    for line in company.order_lines(number):
        if wanted.get(line["LineType"], False):
            _sorqry_line(sub(answer, "SalesOrderLine"), line)
    return out(answer)


def _sorqry_line(node: ET.Element, line: Row) -> None:
    if line["LineType"] == "4":
        freight = sub(node, "Freight")
        sub(freight, "SalesOrderLine", line["SalesOrderLine"])
        sub(freight, "NMscChargeValue", line["NMscChargeValue"])
        return
    merchandise = sub(node, "Merchandise")
    for element, column in (
        ("SalesOrderLine", "SalesOrderLine"),
        ("MStockCode", "StockCode"),
        ("MStockDes", "Description"),
        ("MWarehouse", "Warehouse"),
        ("MOrderQty", "OrderQty"),
        ("MShipQty", "ShipQty"),
        ("MPrice", "Price"),
    ):
        sub(merchandise, element, line.get(column, ""))


def open_order_value(company: Company, customer: str) -> Decimal:
    value = Decimal(0)
    for order in company.table("SorMaster").values():
        is_order = order.get("DocumentType", "O") != "C"  # a credit note is no open order
        if is_order and order["Customer"] == customer and order["OrderStatus"] in ("1", "2", "3", "4", "S"):
            lines = company.order_lines(order["SalesOrder"], stocked_only=True)
            value += sum((Decimal(ln["OrderQty"]) * Decimal(ln["Price"]) for ln in lines), Decimal(0))
    return value


def arsqry(company: Company, root: ET.Element) -> str:
    code = text(root, "Key/Customer")
    row = company.table("ArCustomer").get(code)
    if row is None:
        raise BoError(f"Customer '{code}' not on file")
    answer = ET.Element("ARStatement")
    header = sub(answer, "Header")
    for column in ("Customer", "Name", "Currency", "CreditLimit"):
        sub(header, column, row.get(column, ""))
    sub(header, "OutstOrdVal", str(open_order_value(company, code)))
    sub(sub(answer, "TotalSection"), "CurrentBalance", row.get("CurrentBalance", "0"))
    return out(answer)


QUERIES: dict[str, Callable[[Company, ET.Element], str]] = {
    "COMFND": comfnd,
    "INVQRY": invqry,
    "SORQRY": sorqry,
    "ARSQRY": arsqry,
    "SORQOD": sorqod,
}
