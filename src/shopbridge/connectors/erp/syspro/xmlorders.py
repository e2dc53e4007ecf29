"""Pure XML mapping for SYSPRO sales orders: SORTOI (import), SORQRY (query) and despatch notes."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from shopbridge.connectors.erp.syspro.xmlmap import amount, decimal_of, sub, text_of, to_text, utc_date
from shopbridge.domain.money import Money
from shopbridge.domain.records import (
    Dispatch,
    DispatchLine,
    SalesOrder,
    SalesOrderLine,
    SalesOrderRequest,
    SalesOrderStatus,
)

CANCELLED = "\\"  # SYSPRO's order status for a cancelled order
# SorMaster.OrderStatus -> canonical status. 1-4 and S are open in some stage; 8 is despatched and
# waiting for its invoice; 9 is complete.
_STATUS = {
    "8": SalesOrderStatus.DISPATCHED,
    "9": SalesOrderStatus.CLOSED,
    CANCELLED: SalesOrderStatus.CANCELLED,
}
ORDER_COLUMNS = ("SalesOrder", "CustomerPoNumber", "OrderStatus", "Customer")
DISPATCH_COLUMNS = (
    "DispatchNote",
    "SalesOrder",
    "CustomerPoNumber",
    "DispatchDate",
    "ShippingInstrs",
    "Waybill",
    "Warehouse",
    "TimeStamp",
)
DISPATCH_LINE_COLUMNS = ("DispatchNote", "MStockCode", "MQtyToDispatch")


def status_of(code: str) -> SalesOrderStatus:
    return _STATUS.get(code.strip(), SalesOrderStatus.OPEN)


# --- SORTOI ----------------------------------------------------------------------------------
def sortoi_parameters() -> str:
    """Import, never allow a second order with the same customer PO number, apply all or nothing."""
    root = ET.Element("SalesOrders")
    params = sub(root, "Parameters")
    sub(params, "Process", "IMPORT")
    sub(params, "ValidateOnly", "N")
    sub(params, "AllowDuplicateOrderNumbers", "N")
    sub(params, "IgnoreWarnings", "Y")
    sub(params, "AllowZeroPrice", "N")
    sub(params, "AlwaysUsePriceEntered", "Y")
    sub(params, "AcceptEarlierShipDate", "Y")
    return to_text(root)


def sortoi_xml(order: SalesOrderRequest, *, warehouse: str, action: str = "A", sales_order: str = "") -> str:
    """An add (``A``) or change (``C``, replacing the lines) of the order ``order.reference``."""
    root = ET.Element("SalesOrders")
    orders = sub(root, "Orders")
    _header(sub(orders, "OrderHeader"), order, warehouse=warehouse, action=action, sales_order=sales_order)
    details = sub(orders, "OrderDetails")
    for number, line in enumerate(order.lines, start=1):
        _stock_line(sub(details, "StockLine"), number, line, warehouse=line.warehouse or warehouse)
    if order.shipping is not None and order.shipping.amount:
        _freight_line(sub(details, "FreightLine"), len(order.lines) + 1, order)
    return to_text(root)


def _header(
    node: ET.Element, order: SalesOrderRequest, *, warehouse: str, action: str, sales_order: str
) -> None:
    sub(node, "CustomerPoNumber", order.reference)
    sub(node, "OrderActionType", action)
    if sales_order:
        sub(node, "SalesOrder", sales_order)
    sub(node, "Customer", order.customer_account)
    sub(node, "OrderDate", order.order_date.isoformat())
    sub(node, "Warehouse", warehouse)
    sub(node, "ShippingInstrs", order.shipping_method[:30])
    sub(node, "Currency", order.currency)
    address = order.delivery_address
    if address is not None:
        sub(node, "ShipAddress1", address.line1)
        sub(node, "ShipAddress2", address.line2)
        sub(node, "ShipAddress3", address.city)
        sub(node, "ShipPostalCode", address.postcode)
        sub(node, "ShipToCountry", address.country_code)


def _stock_line(node: ET.Element, number: int, line: SalesOrderLine, *, warehouse: str) -> None:
    sub(node, "CustomerPoLine", str(number))
    sub(node, "LineActionType", "A")
    sub(node, "StockCode", line.sku)
    sub(node, "Warehouse", warehouse)
    sub(node, "OrderQty", str(line.quantity))
    sub(node, "Price", amount(line.unit_price.amount))
    sub(node, "StockTaxCode", line.tax_code)


def _freight_line(node: ET.Element, number: int, order: SalesOrderRequest) -> None:
    assert order.shipping is not None
    sub(node, "CustomerPoLine", str(number))
    sub(node, "LineActionType", "A")
    sub(node, "FreightValue", amount(order.shipping.amount))
    sub(node, "FreightCost", "0")


def sortoi_cancel_xml(reference: str, sales_order: str) -> str:
    root = ET.Element("SalesOrders")
    header = sub(sub(root, "Orders"), "OrderHeader")
    sub(header, "CustomerPoNumber", reference)
    sub(header, "OrderActionType", "C")
    sub(header, "SalesOrder", sales_order)
    sub(header, "OrderStatus", CANCELLED)
    return to_text(root)


def sortoi_result(root: ET.Element) -> str:
    """The sales order number SYSPRO gave the imported order."""
    return text_of(root, ".//SalesOrder")


# --- SORQRY ----------------------------------------------------------------------------------
def sorqry_xml(sales_order: str) -> str:
    root = ET.Element("Query")
    sub(sub(root, "Key"), "SalesOrder", sales_order)
    option = sub(root, "Option")
    sub(option, "IncludeStockedLines", "Y")
    sub(option, "IncludeFreightLines", "Y")
    sub(option, "IncludeCompletedLines", "Y")
    return to_text(root)


def order_from_sorqry(root: ET.Element, currency: str) -> SalesOrder:
    header = root.find(".//SalesOrderHeader")
    node = header if header is not None else root
    number = text_of(node, "SalesOrder")
    lines = tuple(_line_from_sorqry(line, currency) for line in root.iter("StockLine"))
    return SalesOrder(
        erp_id=number,
        reference=text_of(node, "CustomerPoNumber"),
        customer_account=text_of(node, "Customer"),
        status=status_of(text_of(node, "OrderStatus")),
        lines=lines,
        erp_number=number,
        extra={"order_status": text_of(node, "OrderStatus")},
    )


def _line_from_sorqry(node: ET.Element, currency: str) -> SalesOrderLine:
    return SalesOrderLine(
        sku=text_of(node, "StockCode"),
        quantity=int(decimal_of(text_of(node, "OrderQty", "0"))),
        unit_price=Money.of(decimal_of(text_of(node, "Price", "0")), currency),
        tax=Money.zero(currency),
        tax_code=text_of(node, "StockTaxCode"),
        warehouse=text_of(node, "Warehouse"),
    )


# --- Despatch notes (MdnMaster / MdnDetail via COMFND) ---------------------------------------
def dispatch_from_rows(note: dict[str, str], lines: Sequence[dict[str, str]]) -> Dispatch:
    waybill = note.get("Waybill", "")
    return Dispatch(
        erp_id=note["DispatchNote"],
        order_reference=note.get("CustomerPoNumber", ""),
        dispatched_at=utc_date(note["DispatchDate"]),
        lines=tuple(
            DispatchLine(sku=ln["MStockCode"], quantity=int(decimal_of(ln["MQtyToDispatch"]))) for ln in lines
        ),
        carrier=note.get("ShippingInstrs", ""),
        tracking_numbers=(waybill,) if waybill else (),
        warehouse=note.get("Warehouse", ""),
    )
