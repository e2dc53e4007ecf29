"""Part despatches in the Sage 200 sandbox, read back by the adapter: the dispatch flow's cases."""

from __future__ import annotations

from sage200_scenario import order

from shopbridge.connectors.erp.sage200 import Sage200Adapter
from shopbridge.domain.records import SalesOrderStatus
from shopbridge.sandbox.sage200 import Sage200Sandbox

ACCOUNT = "EXIST01"


def test_a_part_despatch_then_the_rest_gives_two_dispatches_and_a_despatched_order(
    adapter: Sage200Adapter, sandbox: Sage200Sandbox
) -> None:
    adapter.create_sales_order(order("#2001", ACCOUNT))
    sandbox.despatch("#2001", courier="DPD", consignment="P1", quantities={"TSHIRT-RED-M": 1})
    part = adapter.find_sales_order("#2001")
    assert part is not None and part.status is SalesOrderStatus.PART_DISPATCHED
    sandbox.despatch("#2001", courier="DPD", consignment="P2")
    page = adapter.dispatches_since(None)
    assert [sorted((ln.sku, ln.quantity) for ln in d.lines) for d in page.items] == [
        [("TSHIRT-RED-M", 1)],
        [("MUG-WHITE", 1), ("TSHIRT-RED-M", 1)],
    ]
    whole = adapter.find_sales_order("#2001")
    assert whole is not None and whole.status is SalesOrderStatus.DISPATCHED


def test_several_parcels_typed_into_the_consignment_are_several_tracking_numbers(
    adapter: Sage200Adapter, sandbox: Sage200Sandbox
) -> None:
    adapter.create_sales_order(order("#2002", ACCOUNT))
    sandbox.despatch("#2002", courier="DPD", consignment="P1, P2")
    (dispatch,) = adapter.dispatches_since(None).items
    assert dispatch.tracking_numbers == ("P1", "P2")


def test_a_despatch_from_another_warehouse_names_that_warehouse(
    adapter: Sage200Adapter, sandbox: Sage200Sandbox
) -> None:
    adapter.create_sales_order(order("#2003", ACCOUNT))
    sandbox.add_warehouse("NORTH")
    sandbox.despatch("#2003", courier="DPD", consignment="N1", warehouse="NORTH")
    (dispatch,) = adapter.dispatches_since(None).items
    assert dispatch.warehouse == "NORTH"
