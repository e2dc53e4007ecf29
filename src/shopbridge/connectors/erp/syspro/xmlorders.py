"""Pure XML mapping for SYSPRO sales orders: SORTOI (import), SORQRY (query) and despatch notes.

SORTOI and SORQRY follow a live SYSPRO 8 integration and SYSPRO's schemas (``sandbox/syspro/WIRE.md``);
the despatch-note tables read through COMFND are our assumption.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from shopbridge.connectors.erp.syspro.xmlmap import amount, decimal_of, sub, text_of, to_text, utc_date
from shopbridge.domain.money import Money
from shopbridge.domain.problems import ProblemKind
from shopbridge.domain.records import (
    Dispatch,
    DispatchLine,
    SalesOrder,
    SalesOrderLine,
    SalesOrderRequest,
    SalesOrderStatus,
)
from shopbridge.errors import NeedsPerson

CANCELLED = "\\"  # SYSPRO's order status for a cancelled order (seen on a live SYSPRO 8)
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
# Field widths from SORTOI's schema text: address lines 40, postal code 10. CustomerPoNumber's 30
# needs no cut: the domain already refuses an order reference longer than that.
_MAX_ADDRESS = 40
_MAX_POSTCODE = 10
_MAX_SHIPPING_INSTRS = 50
ExistingLine = tuple[str, str]  # (SORTOI line element, SYSPRO sales order line number)


def sortoi_parameters() -> str:
    """Import; keep SYSPRO's duplicate-PO check on; charge our prices; warnings do not block.

    Elements in the schema's order. ``ValidateOnly`` and ``ApplyIfEntireDocumentValid`` are not
    SORTOI parameters (a live integration found them ignored), so they are not sent.
    """
    root = ET.Element("SalesOrders")
    params = sub(root, "Parameters")
    sub(params, "Process", "Import")
    sub(params, "AcceptEarlierShipDate", "Y")
    sub(params, "AllowDuplicateOrderNumbers", "N")
    sub(params, "AlwaysUsePriceEntered", "Y")
    sub(params, "AllowZeroPrice", "N")
    sub(params, "IgnoreWarnings", "W")
    return to_text(root)


def sortoi_xml(
    order: SalesOrderRequest,
    *,
    warehouse: str,
    action: str = "A",
    sales_order: str = "",
    replace: Sequence[ExistingLine] = (),
) -> str:
    """An add (``A``) of ``order``, or a change (``C``) that cancels the ``replace`` lines (``D``)
    and adds the order's lines anew; SYSPRO's change keeps any line it is not told about."""
    root = ET.Element("SalesOrders")
    orders = sub(root, "Orders")
    _header(sub(orders, "OrderHeader"), order, warehouse=warehouse, action=action, sales_order=sales_order)
    details = sub(orders, "OrderDetails")
    for element, line_number in replace:
        _cancel_line(sub(details, element), line_number)
    first = max((int(number) for _, number in replace), default=0) + 1
    for number, line in enumerate(order.lines, start=first):
        _stock_line(sub(details, "StockLine"), number, line, warehouse=line.warehouse or warehouse)
    if order.shipping is not None and order.shipping.amount:
        _freight_line(sub(details, "FreightLine"), first + len(order.lines), order)
    return to_text(root)


def _header(
    node: ET.Element, order: SalesOrderRequest, *, warehouse: str, action: str, sales_order: str
) -> None:
    """Header elements in SORTOIDOC's order; the currency is only read when adding an order."""
    sub(node, "CustomerPoNumber", order.reference)
    sub(node, "OrderActionType", action)
    sub(node, "Customer", order.customer_account)
    sub(node, "OrderDate", order.order_date.isoformat())
    if action == "A":
        sub(node, "Currency", order.currency)
    if order.shipping_method:
        sub(node, "ShippingInstrs", order.shipping_method[:_MAX_SHIPPING_INSTRS])
    address = order.delivery_address
    if address is not None:
        lines = (address.line1, address.line2, address.city, address.region, address.country_code)
        for index, text in enumerate(lines, start=1):
            if text:
                sub(node, f"ShipAddress{index}", text[:_MAX_ADDRESS])
        if address.postcode:
            sub(node, "ShipPostalCode", address.postcode[:_MAX_POSTCODE])
    sub(node, "Warehouse", warehouse)
    if sales_order:
        sub(node, "SalesOrder", sales_order)


def _cancel_line(node: ET.Element, line_number: str) -> None:
    sub(node, "CustomerPoLine", line_number)
    sub(node, "LineActionType", "D")


def _stock_line(node: ET.Element, number: int, line: SalesOrderLine, *, warehouse: str) -> None:
    sub(node, "CustomerPoLine", str(number))
    sub(node, "LineActionType", "A")
    sub(node, "StockCode", line.sku)
    sub(node, "Warehouse", warehouse)
    sub(node, "OrderQty", str(line.quantity))
    sub(node, "Price", amount(line.unit_price.amount))
    if line.tax_code:
        sub(node, "StockTaxCode", line.tax_code)


def _freight_line(node: ET.Element, number: int, order: SalesOrderRequest) -> None:
    assert order.shipping is not None
    sub(node, "CustomerPoLine", str(number))
    sub(node, "LineActionType", "A")
    sub(node, "FreightValue", amount(order.shipping.amount))
    sub(node, "FreightCost", "0")


def sortoi_cancel_xml(reference: str, sales_order: str) -> str:
    """``OrderActionType`` D cancels the whole order and every line on it."""
    root = ET.Element("SalesOrders")
    header = sub(sub(root, "Orders"), "OrderHeader")
    sub(header, "CustomerPoNumber", reference)
    sub(header, "OrderActionType", "D")
    sub(header, "SalesOrder", sales_order)
    return to_text(root)


def sortoi_result(root: ET.Element) -> str | None:
    """The sales order number SYSPRO echoed, or None when it echoed no ``<Order>`` at all.

    A clean import answers with ``StatusOfItems`` only, so the caller looks the number up by
    customer PO number; an ``<Order>`` with an empty ``<SalesOrder/>`` is a rejected import.
    """
    order = root.find("Order")
    if order is None:
        return None
    number = text_of(order, "SalesOrder")
    if not number:
        status = {child.tag: (child.text or "").strip() for child in root.findall("StatusOfItems/*")}
        raise NeedsPerson(
            f"SYSPRO SORTOI did not import order {text_of(order, 'CustomerPoNumber')}: it answered "
            f"without a sales order number ({status})",
            kind=ProblemKind.REMOTE_REJECTED,
            details={"syspro": status, "business_object": "SORTOI"},
        )
    return number


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
    """``SorDetail`` carries the header fields directly and one ``SalesOrderLine`` per line."""
    number = text_of(root, "SalesOrder")
    status = text_of(root, "OrderStatus")
    lines = tuple(_line_from_sorqry(line, currency) for line in root.findall("SalesOrderLine/Merchandise"))
    return SalesOrder(
        erp_id=number,
        reference=text_of(root, "CustomerPoNumber"),
        customer_account=text_of(root, "Customer"),
        status=status_of(status),
        lines=lines,
        erp_number=number,
        extra={
            "order_status": status,
            "shipping_instrs": text_of(root, "ShippingInstrs"),
            "last_invoice": text_of(root, "LastInvoice"),  # empty until SYSPRO invoices the order
        },
    )


def existing_lines(root: ET.Element) -> list[ExistingLine]:
    """The stocked and freight lines of a SORQRY answer, as SORTOI elements to cancel them with."""
    kinds = {"Merchandise": "StockLine", "Freight": "FreightLine"}
    found: list[ExistingLine] = []
    for line in root.findall("SalesOrderLine"):
        for child in line:
            if child.tag in kinds and text_of(child, "SalesOrderLine"):
                found.append((kinds[child.tag], text_of(child, "SalesOrderLine")))
    return found


def _line_from_sorqry(node: ET.Element, currency: str) -> SalesOrderLine:
    return SalesOrderLine(
        sku=text_of(node, "MStockCode"),
        quantity=int(decimal_of(text_of(node, "MOrderQty", "0"))),
        unit_price=Money.of(decimal_of(text_of(node, "MPrice", "0")), currency),
        tax=Money.zero(currency),
        warehouse=text_of(node, "MWarehouse"),
        description=text_of(node, "MStockDes"),
    )


# --- Despatch notes (MdnMaster / MdnDetail via COMFND) ---------------------------------------
def dispatch_from_rows(note: dict[str, str], lines: Sequence[dict[str, str]]) -> Dispatch:
    """Carrier from ``ShippingInstrs`` (what a live integration reads); tracking from ``Waybill``.

    ``Waybill`` is our assumption: neither SORQRY nor the dispatch-note query (SORQDN) shows any
    tracking field in the public evidence, so a site may keep tracking numbers elsewhere (WIRE.md).
    A despatch of several parcels carries each parcel's number in it, comma-separated (as Sage 200's
    consignment does): one fulfilment with every tracking number.
    """
    waybill = note.get("Waybill", "")
    return Dispatch(
        erp_id=note["DispatchNote"],
        order_reference=note.get("CustomerPoNumber", ""),
        dispatched_at=utc_date(note["DispatchDate"]),
        lines=tuple(
            DispatchLine(sku=ln["MStockCode"], quantity=int(decimal_of(ln["MQtyToDispatch"]))) for ln in lines
        ),
        carrier=note.get("ShippingInstrs", ""),
        tracking_numbers=tuple(part.strip() for part in waybill.split(",") if part.strip()),
        warehouse=note.get("Warehouse", ""),
    )
