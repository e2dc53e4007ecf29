"""Part despatches in the Sage 200 sandbox, read back by the adapter: the dispatch flow's cases."""

from __future__ import annotations

import httpx
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


def test_a_page_of_despatches_reads_its_lines_a_score_of_receipts_to_a_request(
    adapter: Sage200Adapter, sandbox: Sage200Sandbox, sent: list[httpx.Request]
) -> None:
    """One GET per receipt made a page of 200 despatches 201 requests, any of which a 5xx sent back
    to the start of the page: under a few percent of failures the dispatch sweep never got through."""
    names = [f"#21{n:02d}" for n in range(25)]
    for name in names:
        adapter.create_sales_order(order(name, ACCOUNT))
        sandbox.despatch(name, courier="DPD", consignment=f"T{name[1:]}", quantities={"MUG-WHITE": 1})
    sent.clear()
    page = adapter.dispatches_since(None, limit=100)
    assert [
        (d.order_reference, d.tracking_numbers, [(ln.sku, ln.quantity) for ln in d.lines]) for d in page.items
    ] == [(name, (f"T{name[1:]}",), [("MUG-WHITE", 1)]) for name in names]
    line_queries = {
        r.url.params["$filter"] for r in sent if r.url.path.endswith("/sop_order_despatch_line_views")
    }
    assert len(line_queries) == 2  # 25 receipts: 20, then 5 (each paged by $top as the settings say)
