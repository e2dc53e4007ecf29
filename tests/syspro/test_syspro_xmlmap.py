"""The pure SYSPRO XML mapping, rule by rule."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from defusedxml.ElementTree import fromstring

from shopbridge.connectors.erp.syspro import xmlmap as xm
from shopbridge.connectors.erp.syspro import xmlorders as xo
from shopbridge.connectors.erp.syspro import xmlstock as xs
from shopbridge.domain.money import Money
from shopbridge.domain.records import (
    Address,
    Customer,
    ItemStatus,
    JournalEntry,
    JournalLine,
    SalesOrderLine,
    SalesOrderRequest,
    SalesOrderStatus,
)
from shopbridge.errors import NeedsPerson


def gbp(text: str) -> Money:
    return Money.of(text, "GBP")


def _order(**changes: object) -> SalesOrderRequest:
    fields: dict[str, object] = {
        "reference": "#1001",
        "customer_account": "C00001",
        "currency": "GBP",
        "order_date": date(2026, 11, 22),
        "lines": (SalesOrderLine("MUG-WHITE", 2, gbp("8.00"), gbp("3.20"), tax_code="A"),),
        "shipping": gbp("4.99"),
        "delivery_address": Address(line1="1 High St", city="Leeds", postcode="LS1 1AA", country_code="GB"),
    }
    fields.update(changes)
    return SalesOrderRequest(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("Orders/OrderHeader/CustomerPoNumber", "#1001"),
        ("Orders/OrderHeader/OrderActionType", "A"),
        ("Orders/OrderHeader/Customer", "C00001"),
        ("Orders/OrderHeader/Warehouse", "FG"),
        ("Orders/OrderHeader/ShipPostalCode", "LS1 1AA"),
        ("Orders/OrderDetails/StockLine/StockCode", "MUG-WHITE"),
        ("Orders/OrderDetails/StockLine/OrderQty", "2"),
        ("Orders/OrderDetails/StockLine/Price", "8.00"),
        ("Orders/OrderDetails/StockLine/StockTaxCode", "A"),
        ("Orders/OrderDetails/StockLine/Warehouse", "FG"),
        ("Orders/OrderDetails/FreightLine/FreightValue", "4.99"),
    ],
)
def test_sortoi_import_carries_each_field(path: str, expected: str) -> None:
    root = fromstring(xo.sortoi_xml(_order(), warehouse="FG"))
    assert root.findtext(path) == expected


def test_an_order_without_shipping_has_no_freight_line() -> None:
    root = fromstring(xo.sortoi_xml(_order(shipping=None), warehouse="FG"))
    assert root.find(".//FreightLine") is None


def test_a_change_names_the_sales_order_and_a_cancel_is_action_d() -> None:
    change = fromstring(xo.sortoi_xml(_order(), warehouse="FG", action="C", sales_order="000042"))
    cancel = fromstring(xo.sortoi_cancel_xml("#1001", "000042"))
    assert (change.findtext(".//OrderActionType"), change.findtext(".//SalesOrder")) == ("C", "000042")
    assert (cancel.findtext(".//OrderActionType"), cancel.findtext(".//SalesOrder")) == ("D", "000042")
    assert cancel.find(".//OrderDetails") is None


def test_a_change_cancels_the_old_lines_by_number_before_adding_the_new_ones() -> None:
    replace = [("StockLine", "1"), ("FreightLine", "2")]
    change = fromstring(
        xo.sortoi_xml(_order(), warehouse="FG", action="C", sales_order="000042", replace=replace)
    )
    lines = [
        (ln.tag, ln.findtext("CustomerPoLine"), ln.findtext("LineActionType"))
        for ln in change.iterfind("Orders/OrderDetails/*")
    ]
    assert lines == [
        ("StockLine", "1", "D"),
        ("FreightLine", "2", "D"),
        ("StockLine", "3", "A"),
        ("FreightLine", "4", "A"),
    ]
    assert change.find(".//Currency") is None  # SYSPRO ignores the currency on a change


def test_sortoi_parameters_refuse_duplicates_and_use_our_prices() -> None:
    params = fromstring(xo.sortoi_parameters())
    assert params.findtext("Parameters/Process") == "Import"
    assert params.findtext("Parameters/AllowDuplicateOrderNumbers") == "N"
    assert params.findtext("Parameters/AlwaysUsePriceEntered") == "Y"
    assert params.find("Parameters/ValidateOnly") is None


def test_an_echoed_order_without_a_number_is_a_rejection_and_no_echo_means_look_it_up() -> None:
    rejected = fromstring(
        "<SalesOrders><Order><CustomerPoNumber>#1</CustomerPoNumber><SalesOrder/></Order></SalesOrders>"
    )
    with pytest.raises(NeedsPerson, match="without a sales order number"):
        xo.sortoi_result(rejected)
    assert xo.sortoi_result(fromstring("<SalesOrders><StatusOfItems/></SalesOrders>")) is None


def test_text_that_looks_like_markup_is_escaped() -> None:
    xml = xo.sortoi_xml(_order(reference="#1<2>&3"), warehouse="FG")
    assert fromstring(xml).findtext(".//CustomerPoNumber") == "#1<2>&3"


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("1", SalesOrderStatus.OPEN),
        ("4", SalesOrderStatus.OPEN),
        ("S", SalesOrderStatus.OPEN),
        ("8", SalesOrderStatus.DISPATCHED),
        ("9", SalesOrderStatus.CLOSED),
        ("\\", SalesOrderStatus.CANCELLED),
    ],
)
def test_order_status_codes_map_to_canonical_statuses(code: str, status: SalesOrderStatus) -> None:
    assert xo.status_of(code) is status


@pytest.mark.parametrize(
    ("on_hold", "status"), [("", ItemStatus.ACTIVE), ("F", ItemStatus.INACTIVE), ("P", ItemStatus.INACTIVE)]
)
def test_stock_on_hold_makes_an_item_inactive(on_hold: str, status: ItemStatus) -> None:
    item = xm.item_from_row({"StockCode": "A1", "Description": "A", "StockOnHold": on_hold})
    assert item.status is status


@pytest.mark.parametrize(
    ("on_hand", "available", "allocated", "free"),
    [("10", "7", "3", Decimal(7)), ("2", "-3", "5", Decimal(0)), ("4.5", "4.5", None, Decimal("4.5"))],
)
def test_free_stock_is_syspros_available_quantity_never_negative(
    on_hand: str, available: str, allocated: str | None, free: Decimal
) -> None:
    extra = f"<QtyAllocated>{allocated}</QtyAllocated>" if allocated is not None else ""
    root = fromstring(
        "<InvQuery><WarehouseItem><Warehouse>FG</Warehouse>"
        f"<QtyOnHand>  {on_hand}</QtyOnHand><AvailableQty>  {available}</AvailableQty>{extra}"
        "</WarehouseItem></InvQuery>"
    )
    level = xs.stock_by_warehouse(root, "A1")["FG"]
    assert (level.free, level.on_hand) == (free, Decimal(on_hand))


def test_or_conditions_carry_and_or_on_the_second_expression_onwards() -> None:
    root = fromstring(xm.find_xml("InvMaster", ("StockCode",), xm.any_of("StockCode", ["A", "B", "C"])))
    joins = [expr.findtext("AndOr") for expr in root.iterfind("Where/Expression")]
    assert joins == [None, "Or", "Or"]


def test_find_query_lists_columns_conditions_and_order() -> None:
    where = [xm.Condition("TimeStamp", "GT", "41")]
    root = fromstring(
        xm.find_xml("InvMaster", ("StockCode", "TimeStamp"), where, rows=5, order_by="TimeStamp")
    )
    assert root.findtext("TableName") == "InvMaster" and root.findtext("ReturnRows") == "5"
    assert [c.text for c in root.findall("Columns/Column")] == ["StockCode", "TimeStamp"]
    expr = root.find("Where/Expression")
    assert expr is not None
    assert (expr.findtext("Column"), expr.findtext("Condition"), expr.findtext("Value")) == (
        "TimeStamp",
        "GT",
        "41",
    )
    assert root.findtext("OrderBy/Column") == "TimeStamp"


@pytest.mark.parametrize(
    ("rows", "cursor", "expected"),
    [([], None, None), ([], "7", "7"), ([{"TimeStamp": "8"}, {"TimeStamp": "12"}], "7", "12")],
)
def test_the_cursor_is_the_last_rows_timestamp_or_stays(
    rows: list[dict[str, str]], cursor: str | None, expected: str | None
) -> None:
    assert xm.cursor_after(rows, cursor) == expected


def test_customer_codes_are_stable_per_email_and_fit_syspro() -> None:
    code = xm.customer_code("Ann@Example.com")
    assert code == xm.customer_code(" ann@example.com") and len(code) <= 15 and code.startswith("SB")


@pytest.mark.parametrize(
    ("row", "conflicts"),
    [
        ({"Name": "Ann Lee", "Telephone": ""}, ()),
        ({"Name": "Ann Smith", "Telephone": ""}, ("display_name",)),
        ({"Name": "Ann Lee", "Telephone": "0113 000"}, ("phone",)),
        ({"Name": "", "Telephone": ""}, ()),
    ],
)
def test_customer_conflicts_name_the_fields_syspro_holds_differently(
    row: dict[str, str], conflicts: tuple[str, ...]
) -> None:
    ours = Customer(email="ann@example.com", first_name="Ann", last_name="Lee", phone="07700 900000")
    assert xm.customer_conflicts(row, ours) == conflicts


def test_journal_lines_are_signed_debit_positive_credit_negative() -> None:
    entry = JournalEntry(
        "PAYOUT-1",
        date(2026, 11, 20),
        "GBP",
        (
            JournalLine("1200", "bank", debit=gbp("95.00")),
            JournalLine("7900", "fees", debit=gbp("5.00")),
            JournalLine("1100", "clearing", credit=gbp("100.00")),
        ),
    )
    root = fromstring(xm.gentjl_xml(entry))
    assert [ln.findtext("EntryAmount") for ln in root.iter("JournalDetails")] == ["95.00", "5.00", "-100.00"]
    assert root.findtext("Item/JournalReference") == "PAYOUT-1"


def test_a_despatch_note_becomes_a_dispatch_with_tracking() -> None:
    note = {
        "DispatchNote": "0000010001",
        "CustomerPoNumber": "#1001",
        "DispatchDate": "2026-11-22",
        "ShippingInstrs": "DPD",
        "Waybill": "15501234",
        "Warehouse": "FG",
    }
    dispatch = xo.dispatch_from_rows(note, [{"MStockCode": "MUG-WHITE", "MQtyToDispatch": "2.000"}])
    assert (dispatch.order_reference, dispatch.carrier, dispatch.tracking_numbers) == (
        "#1001",
        "DPD",
        ("15501234",),
    )
    assert [(ln.sku, ln.quantity) for ln in dispatch.lines] == [("MUG-WHITE", 2)]


@pytest.mark.parametrize(
    ("waybill", "numbers"),
    [
        ("15501234, 15501235,15501236", ("15501234", "15501235", "15501236")),  # several parcels
        ("", ()),
    ],
)
def test_every_parcels_tracking_number_is_read_from_the_waybill(
    waybill: str, numbers: tuple[str, ...]
) -> None:
    note = {"DispatchNote": "0000010002", "DispatchDate": "2026-11-22", "Waybill": waybill}
    assert xo.dispatch_from_rows(note, []).tracking_numbers == numbers


def test_a_number_syspro_garbled_is_reported_not_guessed() -> None:
    with pytest.raises(ValueError, match="where a number belongs"):
        xm.decimal_of("12,5")
