"""Sandbox handlers for sales orders and despatches, and the despatch lever.

A PUT carries the order's complete new line set: the spec makes a line's ``id`` read-only, so a client
cannot name the lines it keeps; lines sent with ``is_to_delete`` are dropped, and when every line is
dropped with ``create_cancelled_line`` the order is cancelled (its lines become ``sop_cancelled_lines``).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from shopbridge.sandbox.sage200.calls import Call, SageError, dec, pick, whole
from shopbridge.sandbox.sage200.catalogue import listing
from shopbridge.sandbox.sage200.spec import project
from shopbridge.sandbox.sage200.state import ACTIVE, Record, SageState, adjust_holding, money

STANDARD = "EnumLineTypeStandard"
HEADER_FIELDS = ("customer_document_no", "document_date", "requested_delivery_date", "promised_delivery_date")
ADDRESS_FIELDS = (
    "postal_name",
    "address_1",
    "address_2",
    "address_3",
    "address_4",
    "city",
    "county",
    "postcode",
    "country",
    "contact",
    "telephone_number",
    "email_address",
)
LINE_FIELDS = (
    "line_type",
    "product_id",
    "warehouse_id",
    "code",
    "description",
    "line_quantity",
    "selling_unit_price",
    "selling_unit_price_overridden",
    "tax_code_id",
    "nominal_reference",
)
NON_STOCK_TYPES = ("EnumLineTypeFreeText", "EnumLineTypeCharge", "EnumLineTypeComment")


def get_sop_orders(state: SageState, call: Call) -> Any:
    return listing(state, "sop_orders", "sop_order", call)


def _order(state: SageState, order_id: int) -> Record:
    order = state.get("sop_orders", order_id)
    if order is None:
        raise SageError(f"The sales order with Id {order_id} could not be found.")
    return order


def post_sop_order(state: SageState, call: Call) -> Any:
    body = call.json()
    customer = state.get("customers", whole(body["customer_id"], "customer_id"))
    if customer is None:
        raise SageError(f"The customer with Id {body['customer_id']} could not be found.")
    header = _header(body)
    header["customer_id"] = customer["id"]
    header["document_no"] = f"{state.tables.next_id + 1:010d}"
    header.update(document_status="Live", despatch_receipt_status="None", cancelled_status="None")
    header.update(invoice_credit_status="None", currency_id=customer.get("currency_id", 1), is_draft=False)
    lines = [_new_line(state, given) for given in body.get("lines", [])]
    order = state.insert("sop_orders", header)
    _attach_lines(state, order, lines)
    return project(order, "sop_order")


def _header(body: Record) -> Record:
    header = pick(body, HEADER_FIELDS)
    if isinstance(body.get("delivery_address"), dict):
        header["delivery_address"] = pick(body["delivery_address"], ADDRESS_FIELDS)
    return header


def _new_line(state: SageState, given: Record) -> Record:
    line = pick(given, LINE_FIELDS)
    if line.get("line_type") == STANDARD:
        product = state.get("products", whole(line["product_id"], "product_id"))
        if product is None or product.get("code") != line.get("code"):
            raise SageError(
                f"The product '{line.get('code')}' (Id {line.get('product_id')}) could not be found."
            )
        if product.get("product_status_type") != ACTIVE:
            raise SageError(f"The product '{product['code']}' is inactive and cannot be sold.")
        if state.get("warehouses", whole(line["warehouse_id"], "warehouse_id")) is None:
            raise SageError(f"The warehouse with Id {line['warehouse_id']} could not be found.")
        if state.holding(product["id"], int(line["warehouse_id"])) is None:
            raise SageError(
                f"The product '{product['code']}' is not held in warehouse {line['warehouse_id']}."
            )
    elif line.get("line_type") not in NON_STOCK_TYPES:
        raise SageError(f"The line type '{line.get('line_type')}' is not valid.")
    if dec(line.get("line_quantity")) <= 0 and line.get("line_type") == STANDARD:
        raise SageError("The line quantity must be greater than zero.")
    return line


def _attach_lines(state: SageState, order: Record, lines: list[Record]) -> None:
    total_net = total_tax = Decimal(0)
    for number, line in enumerate(lines, start=1):
        line.update(id=state.tables.new_id(), sop_order_id=order["id"], line_number=number)
        # Sage rounds a line's value and its VAT to the penny, half up; VAT is on the line's net.
        net = _penny(dec(line.get("line_quantity")) * dec(line.get("selling_unit_price")))
        tax = _penny(net * _rate(state, line) / 100)
        line.update(line_total_value=money(net), line_tax_value=money(tax), despatch_receipt_quantity=0.0)
        _allocate(state, line, +1)
        total_net, total_tax = total_net + net, total_tax + tax
    order["lines"] = lines
    order.update(total_net_value=money(total_net), total_tax_value=money(total_tax))
    order.update(total_gross_value=money(total_net + total_tax), subtotal_goods_value=money(total_net))
    state.touch(order)


def _penny(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _rate(state: SageState, line: Record) -> Decimal:
    tax_code = state.get("tax_codes", whole(line.get("tax_code_id", 0) or 0, "tax_code_id"))
    if line.get("tax_code_id") and tax_code is None:
        raise SageError(f"The tax code with Id {line['tax_code_id']} could not be found.")
    return dec(tax_code["tax_rate"]) if tax_code else Decimal(0)


def _allocate(state: SageState, line: Record, sign: int) -> None:
    """Allocate (sign +1) what free stock allows of the line's outstanding quantity, or release (-1) it.

    Like Sage, allocation never takes free stock below zero; the rest of the line waits unallocated.
    """
    if line.get("line_type") != STANDARD:
        return
    holding = state.holding(int(line["product_id"]), int(line["warehouse_id"]))
    if holding is None:
        return
    if sign > 0:
        free = max(dec(holding.get("free_stock_available")), Decimal(0))
        quantity = min(_outstanding(line), free)
    else:
        quantity = -dec(line.get("allocated_quantity"))
    if quantity:
        adjust_holding(state, holding, allocated=quantity)
    line["allocated_quantity"] = money(max(quantity, Decimal(0)))


def put_sop_order(state: SageState, call: Call) -> Any:
    body = call.json()
    order = _order(state, call.id())
    if order.get("cancelled_status") == "Full":
        raise SageError(f"The sales order {order['document_no']} is cancelled and cannot be amended.")
    if order.get("despatch_receipt_status") != "None":
        raise SageError(f"The sales order {order['document_no']} has been despatched and cannot be amended.")
    given = body.get("lines", [])
    kept = [g for g in given if not g.get("is_to_delete")]
    for line in order.get("lines", []):
        _allocate(state, line, -1)
    if given and not kept and all(g.get("create_cancelled_line") for g in given):
        _cancel(state, order)
    else:
        _attach_lines(state, order, [_new_line(state, g) for g in kept])
    order.update(_header(body))
    state.touch(order)
    return project(order, "sop_order")


def _cancel(state: SageState, order: Record) -> None:
    for line in order.get("lines", []):
        state.insert(
            "sop_cancelled_lines",
            {
                "sop_order_return_id": order["id"],
                "item_code": line.get("code"),
                "item_description": line.get("description"),
                "cancelled_quantity": line.get("line_quantity"),
                "cancelled_date": state.stamp(),
            },
        )
    order["lines"] = []
    order.update(cancelled_status="Full", document_status="Complete")
    order.update(total_net_value=0.0, total_tax_value=0.0, total_gross_value=0.0, subtotal_goods_value=0.0)


def get_sop_despatch_receipts(state: SageState, call: Call) -> Any:
    return listing(state, "sop_despatch_receipts", "sop_despatch_receipt", call)


def get_sop_order_despatch_line_views(state: SageState, call: Call) -> Any:
    return listing(state, "despatch_lines", "sop_order_despatch_line_view", call)


def despatch(
    state: SageState,
    reference: str,
    *,
    courier: str,
    consignment: str,
    quantities: Mapping[str, int] | None = None,
    warehouse: str | None = None,
) -> Record:
    """Despatch the order carrying ``customer_document_no == reference``: every open line, or only
    ``quantities`` (item code -> units, a part despatch); ``warehouse`` names the warehouse the goods
    leave from when it is not the one on the lines (the clerk changes the lines' warehouse first)."""
    with state.lock:
        order = state.first("sop_orders", customer_document_no=reference)
        if order is None:
            raise KeyError(f"no sales order carries customer_document_no {reference!r}")
        open_lines = [ln for ln in order.get("lines", []) if _outstanding(ln) > 0]
        if not open_lines:
            raise ValueError(f"sales order {order['document_no']} has nothing left to despatch")
        picks = _picks(open_lines, quantities)
        if warehouse is not None:
            _move_lines(state, [line for line, _qty in picks], warehouse)
        receipt = state.insert(
            "sop_despatch_receipts",
            {
                "despatch_no": f"D{state.tables.next_id + 1:07d}",
                "despatched_by": "sandbox",
                "courier_name": courier,
                "consignment_no": consignment,
                "pieces": len(picks),
            },
        )
        receipt["despatch_date"] = receipt["date_time_created"]
        for line, quantity in picks:
            _despatch_line(state, order, line, receipt, quantity)
        whole = all(_outstanding(ln) == 0 for ln in order.get("lines", []))
        order["despatch_receipt_status"] = "Complete" if whole else "Part"
        state.touch(order)
        return receipt


def _outstanding(line: Record) -> Decimal:
    if line.get("line_type") != STANDARD:
        return Decimal(0)
    return dec(line.get("line_quantity")) - dec(line.get("despatch_receipt_quantity"))


def _picks(lines: list[Record], quantities: Mapping[str, int] | None) -> list[tuple[Record, Decimal]]:
    """(line, units) to despatch: all that is outstanding, or ``quantities`` per item code in line order."""
    if quantities is None:
        return [(line, _outstanding(line)) for line in lines]
    wanted = {code: Decimal(units) for code, units in quantities.items()}
    picks = []
    for line in lines:
        units = min(wanted.get(str(line.get("code")), Decimal(0)), _outstanding(line))
        if units > 0:
            picks.append((line, units))
            wanted[str(line.get("code"))] -= units
    left = {code: units for code, units in wanted.items() if units > 0}
    if left:
        raise ValueError(f"cannot despatch more than is outstanding: {left}")
    return picks


def _move_lines(state: SageState, lines: list[Record], warehouse: str) -> None:
    found = state.warehouse_by_name(warehouse)
    if found is None:
        raise KeyError(f"Sage 200 has no warehouse {warehouse!r}")
    for line in lines:
        line["warehouse_id"] = found["id"]


def _despatch_line(state: SageState, order: Record, line: Record, receipt: Record, quantity: Decimal) -> None:
    holding = state.holding(int(line["product_id"]), int(line["warehouse_id"]))
    allocated = min(dec(line.get("allocated_quantity")), quantity)
    if holding is not None:
        adjust_holding(state, holding, stock=-quantity, allocated=-allocated)
    line["allocated_quantity"] = money(dec(line.get("allocated_quantity")) - allocated)
    line["despatch_receipt_quantity"] = money(dec(line.get("despatch_receipt_quantity")) + quantity)
    customer = state.get("customers", int(order["customer_id"])) or {}
    warehouse = state.get("warehouses", int(line["warehouse_id"])) or {}
    state.insert(
        "despatch_lines",
        {
            "sop_despatch_line_id": state.tables.new_id(),
            "sop_despatch_line_quantity": money(quantity),
            "sop_despatch_id": receipt["id"],
            "sop_despatch_document_no": receipt["despatch_no"],
            "sop_despatch_date": receipt["despatch_date"],
            "sop_order_line_id": line["id"],
            "sop_order_line_item_code": line.get("code"),
            "sop_order_line_quantity": line.get("line_quantity"),
            "sop_order_line_despatch_quantity": line["despatch_receipt_quantity"],
            "sop_order_id": order["id"],
            "sop_order_document_no": order["document_no"],
            "sop_order_customer_document_no": order.get("customer_document_no"),
            "customer_id": order["customer_id"],
            "customer_reference": customer.get("reference"),
            "product_id": line["product_id"],
            "product_code": line.get("code"),
            "warehouse_id": line["warehouse_id"],
            "warehouse_name": warehouse.get("name"),
            "sop_despatch_courier_name": receipt["courier_name"],
            "sop_despatch_consignment_no": receipt["consignment_no"],
        },
    )
