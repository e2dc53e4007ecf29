"""The sandbox's transaction and setup business objects: SORTOI, GENTJL, ARSSCS; and despatch."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from shopbridge.sandbox.syspro.state import DEFAULT_WAREHOUSE, Company, Row, today
from shopbridge.sandbox.syspro.xmlio import BoError, errors, out, sub, text

OPEN_STATUSES = ("1", "2", "3", "4", "S")
CANCELLED = "\\"


def _number(value: str, what: str) -> Decimal:
    try:
        return Decimal(value)
    except InvalidOperation as exc:
        raise BoError(f"{what} '{value}' is not numeric") from exc


# --- SORTOI ----------------------------------------------------------------------------------
def _line_problems(company: Company, line: ET.Element, warehouse: str) -> list[str]:
    sku = text(line, "StockCode")
    item = company.table("InvMaster").get(sku)
    if item is None:
        return [f"Stock code '{sku}' not on file"]
    problems = []
    if item["StockOnHold"]:
        problems.append(f"Stock code '{sku}' is on hold")
    if text(line, "Warehouse", warehouse) not in company.table("InvWhControl"):
        problems.append(f"Warehouse '{text(line, 'Warehouse')}' not on file")
    tax = text(line, "StockTaxCode")
    if tax and tax not in company.table("AdmTax"):
        problems.append(f"Tax code '{tax}' not on file")
    if _number(text(line, "OrderQty", "0"), "Order quantity") <= 0:
        problems.append(f"Order quantity for stock code '{sku}' must be greater than zero")
    return problems


def _header_problems(company: Company, header: ET.Element, action: str) -> list[str]:
    po, customer = text(header, "CustomerPoNumber"), text(header, "Customer")
    if action == "A":
        if customer not in company.table("ArCustomer"):
            return [f"Customer '{customer}' not on file"]
        if company.orders_with_po(po):
            return [f"Customer purchase order number '{po}' already exists for customer '{customer}'"]
        return []
    order = company.table("SorMaster").get(text(header, "SalesOrder"))
    if order is None:
        return [f"Sales order '{text(header, 'SalesOrder')}' not on file"]
    if order["OrderStatus"] not in OPEN_STATUSES:
        return [
            f"Sales order '{order['SalesOrder']}' has status '{order['OrderStatus']}' and cannot be changed"
        ]
    return []


def sortoi(company: Company, params: ET.Element, root: ET.Element) -> str:
    answer = ET.Element("SalesOrders")
    for orders in root.findall("Orders"):
        header = orders.find("OrderHeader")
        if header is None:
            raise BoError("OrderHeader is missing")
        result = _import_one(company, header, orders.find("OrderDetails"))
        if isinstance(result, list):
            return errors("SalesOrders", "CustomerPoNumber", text(header, "CustomerPoNumber"), result)
        node = sub(answer, "Order")
        sub(node, "CustomerPoNumber", text(header, "CustomerPoNumber"))
        sub(node, "SalesOrder", result)
        sub(node, "OrderActionType", text(header, "OrderActionType", "A"))
    status = sub(answer, "StatusOfItems")
    sub(status, "ItemsProcessed", str(len(answer.findall("Order"))))
    sub(status, "ItemsInvalid", "0")
    return out(answer)


def _import_one(company: Company, header: ET.Element, details: ET.Element | None) -> str | list[str]:
    action = text(header, "OrderActionType", "A").upper()
    if action not in ("A", "C"):
        return [f"Order action type '{action}' is not valid"]
    warehouse = text(header, "Warehouse", DEFAULT_WAREHOUSE) or DEFAULT_WAREHOUSE
    lines = details.findall("StockLine") if details is not None else []
    problems = _header_problems(company, header, action)
    problems += [p for line in lines for p in _line_problems(company, line, warehouse)]
    if action == "A" and not lines:
        problems.append("The order has no stock lines")
    if problems:
        return problems
    if action == "C":
        return _change(company, header, lines, warehouse)
    freight = text(details, "FreightLine/FreightValue", "0") if details is not None else "0"
    return _add(company, header, lines, warehouse, freight=freight)


def _add(
    company: Company, header: ET.Element, lines: list[ET.Element], warehouse: str, *, freight: str
) -> str:
    number = company.new_order_number()
    company.put(
        "SorMaster",
        number,
        {
            "SalesOrder": number,
            "CustomerPoNumber": text(header, "CustomerPoNumber"),
            "Customer": text(header, "Customer"),
            "OrderStatus": "1",
            "OrderDate": text(header, "OrderDate", today()),
            "Warehouse": warehouse,
            "ShippingInstrs": text(header, "ShippingInstrs"),
            "FreightValue": freight,
        },
    )
    _write_lines(company, number, lines, warehouse)
    return number


def _write_lines(company: Company, number: str, lines: list[ET.Element], warehouse: str) -> None:
    for index, line in enumerate(lines, start=1):
        row = {
            "SalesOrder": number,
            "SalesOrderLine": str(index),
            "StockCode": text(line, "StockCode"),
            "Warehouse": text(line, "Warehouse", warehouse) or warehouse,
            "OrderQty": text(line, "OrderQty"),
            "ShipQty": "0",
            "Price": text(line, "Price", "0"),
            "StockTaxCode": text(line, "StockTaxCode"),
        }
        company.put("SorDetail", f"{number}|{index}", row)
        company.move_stock(
            row["StockCode"], row["Warehouse"], on_hand=Decimal(0), allocated=Decimal(row["OrderQty"])
        )


def _release(company: Company, number: str) -> None:
    for key, line in list(company.table("SorDetail").items()):
        if line["SalesOrder"] == number:
            open_qty = Decimal(line["OrderQty"]) - Decimal(line["ShipQty"])
            company.move_stock(line["StockCode"], line["Warehouse"], on_hand=Decimal(0), allocated=-open_qty)
            del company.table("SorDetail")[key]


def _change(company: Company, header: ET.Element, lines: list[ET.Element], warehouse: str) -> str:
    number = text(header, "SalesOrder")
    order = company.table("SorMaster")[number]
    if text(header, "OrderStatus") == CANCELLED:
        _release(company, number)
        order["OrderStatus"] = CANCELLED
    elif lines:
        _release(company, number)
        _write_lines(company, number, lines, warehouse)
    company.stamp(order)
    return number


# --- despatch (what the warehouse does in SYSPRO; a lever, not a business object) -------------
def despatch(company: Company, reference: str, *, carrier: str, tracking: str) -> str:
    orders = [o for o in company.orders_with_po(reference) if o["OrderStatus"] in OPEN_STATUSES]
    if not orders:
        raise KeyError(f"no open sales order with customer PO number {reference}")
    order, note = orders[0], company.new_note_number()
    for line in company.order_lines(order["SalesOrder"]):
        _despatch_line(company, note, line)
    order["OrderStatus"] = "8"
    company.stamp(order)
    company.put(
        "MdnMaster",
        note,
        {
            "DispatchNote": note,
            "SalesOrder": order["SalesOrder"],
            "CustomerPoNumber": reference,
            "DispatchDate": today(),
            "ShippingInstrs": carrier,
            "Waybill": tracking,
            "Warehouse": order["Warehouse"],
        },
    )
    return note


def _despatch_line(company: Company, note: str, line: Row) -> None:
    qty = Decimal(line["OrderQty"]) - Decimal(line["ShipQty"])
    if qty <= 0:
        return
    line["ShipQty"] = line["OrderQty"]
    company.move_stock(line["StockCode"], line["Warehouse"], on_hand=-qty, allocated=-qty)
    company.put(
        "MdnDetail",
        f"{note}|{line['SalesOrderLine']}",
        {
            "DispatchNote": note,
            "MStockCode": line["StockCode"],
            "MQtyToDispatch": str(qty),
            "MWarehouse": line["Warehouse"],
        },
    )


# --- GENTJL ----------------------------------------------------------------------------------
def gentjl(company: Company, params: ET.Element, root: ET.Element) -> str:
    answer = ET.Element("PostGlJournal")
    validate_only = text(params, "Parameters/ValidateOnly", "N").upper() == "Y"
    for item in root.findall("Item"):
        problems = _journal_problems(item)
        if problems:
            return errors("PostGlJournal", "Reference", text(item, "Journal/Reference"), problems)
        if not validate_only:
            number = company.new_journal_number()
            company.put(
                "GenJournalCtl", number, {"Journal": number, "Reference": text(item, "Journal/Reference")}
            )
            sub(sub(answer, "Item"), "Journal", number)
    status = sub(answer, "StatusOfItems")
    sub(status, "ItemsProcessed", str(len(root.findall("Item"))))
    return out(answer)


def _journal_problems(item: ET.Element) -> list[str]:
    amounts = [_number(text(line, "Amount", "0"), "Amount") for line in item.findall("JournalLine")]
    problems = [
        f"Ledger code is required on line {i}"
        for i, line in enumerate(item.findall("JournalLine"), 1)
        if not text(line, "LedgerCode")
    ]
    if not amounts:
        problems.append("The journal has no lines")
    elif sum(amounts, Decimal(0)) != 0:
        problems.append(f"Journal does not balance (difference {sum(amounts, Decimal(0))})")
    return problems


# --- ARSSCS (setup add) ----------------------------------------------------------------------
def arsscs(company: Company, params: ET.Element, root: ET.Element) -> str:
    answer = ET.Element("SetupArCustomer")
    for item in root.findall("Item"):
        code = text(item, "Key/Customer")
        if not code or code in company.table("ArCustomer"):
            reason = "Customer code is required" if not code else f"Customer '{code}' already exists"
            return errors("SetupArCustomer", "Customer", code, [reason])
        company.add_customer(
            code,
            text(item, "Name"),
            text(item, "Email"),
            Decimal(0),
            Telephone=text(item, "Telephone"),
            Currency=text(item, "Currency", "GBP") or "GBP",
        )
        sub(sub(sub(answer, "Item"), "Key"), "Customer", code)
    return out(answer)


Poster = Callable[[Company, ET.Element, ET.Element], str]
POSTS: dict[str, Poster] = {"SORTOI": sortoi, "GENTJL": gentjl}
SETUPS: dict[str, Poster] = {"ARSSCS": arsscs}
