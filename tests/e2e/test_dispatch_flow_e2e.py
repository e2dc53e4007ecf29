"""Issue 10, dispatches -> fulfilments, end to end: an order posted through the real stack (checkout in
the Shopify sandbox, webhooks, the order flow, the ERP), a despatch recorded in the ERP as its
warehouse would, the dispatch sweep, and the fulfilment as the Shopify sandbox holds it.

Every test asserts on Shopify's own state (the order's fulfilments: lines, tracking, carrier) and on
shopbridge's problems. Sage 200 and real Tryton run every case; SYSPRO and Prima a plain and a partial
dispatch.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from e2e_stack import _INJECTED_ERP, SHOP, SHOPIFY_SKUS, Erp, Shopify, Stack, load_contract, vendor_params

from shopbridge.connectors.shopify.client import ShopifyClient
from shopbridge.engine import queue
from shopbridge.engine.cursors import set_cursor
from shopbridge.engine.schema import cursors

SAGE_AND_TRYTON = vendor_params("sage200", "tryton")
ALL = vendor_params("sage200", "syspro", "prima", "tryton")
BUNDLE = "GIFT-SET-E2E"
CONFIG = (
    _INJECTED_ERP
    + """
[lookups.carriers]
DPD = "DPD UK"
"Royal Mail" = "Royal Mail"

[bundles.GIFT-SET-E2E]
MUG-01 = 1
TEE-M = 2
"""
)
FULFILMENTS = """query($id: ID!) { order(id: $id) { displayFulfillmentStatus
  fulfillments(first: 20) { status trackingInfo(first: 10) { company number url }
    fulfillmentLineItems(first: 20) { nodes { quantity lineItem { sku } } } } } }"""
FO_READ = """query($id: ID!) { order(id: $id) { fulfillmentOrders(first: 10) { nodes { id status
  assignedLocation { location { id } }
  lineItems(first: 20) { nodes { id remainingQuantity lineItem { sku } } } } } } }"""
FULFIL = """mutation($f: FulfillmentInput!) { fulfillmentCreate(fulfillment: $f) {
  fulfillment { id } userErrors { field message } } }"""


# -- the ERP side: despatch as each ERP's warehouse would ------------------------------------------


def despatch(
    erp: Erp,
    reference: str,
    *,
    carrier: str = "DPD",
    tracking: str = "T-1",
    quantities: Mapping[str, int] | None = None,
    warehouse: str | None = None,
) -> None:
    """A despatch of everything outstanding, or of ``quantities`` per SKU (a part despatch)."""
    if quantities is None and warehouse is None:
        erp.harness.dispatch(reference, carrier=carrier, tracking=tracking)
    elif erp.vendor == "sage200":
        erp.harness.sandbox.despatch(
            reference, courier=carrier, consignment=tracking, quantities=quantities, warehouse=warehouse
        )
    elif erp.vendor == "tryton":
        tryton_despatch_part(erp.harness, reference, f"{carrier}: {tracking}", dict(quantities or {}))
    else:
        part = getattr(erp.harness, "dispatch_part", None)
        if part is None:
            pytest.skip(f"the {erp.vendor} harness cannot despatch part of an order")
        part(reference, carrier=carrier, tracking=tracking, quantities=dict(quantities or {}))


def tryton_despatch_part(harness: Any, reference: str, label: str, quantities: dict[str, int]) -> None:
    """As a Tryton clerk ships part of a sale: the shipment's inventory moves carry only what leaves
    (moves of other items are removed); on packing Tryton cuts the outgoing moves to match, and the
    sale makes a new shipment for the rest."""
    sales = harness._call(
        "sale.sale", "search_read", [("reference", "=", reference)], 0, None, None, ["shipments"]
    )
    ids = [int(i) for sale in sales for i in sale["shipments"]]
    shipments = harness._call("stock.shipment.out", "read", ids, ["state", "inventory_moves"])
    open_ones = [sh for sh in shipments if sh["state"] not in ("done", "cancelled")]
    assert open_ones, f"sale {reference} has no shipment left to despatch"
    for shipment in open_ones:
        moves = harness._call(
            "stock.move", "read", shipment["inventory_moves"], ["product.suffix_code", "quantity"]
        )
        for move in moves:
            sku = str(move["product."]["suffix_code"])
            ship = min(quantities.get(sku, 0), int(move["quantity"]))
            quantities[sku] = quantities.get(sku, 0) - ship
            if ship == 0:
                harness._call("stock.move", "delete", [move["id"]])
            elif ship < int(move["quantity"]):
                harness._call("stock.move", "write", [move["id"]], {"quantity": float(ship)})
    assert not any(quantities.values()), f"more than is open on {reference}: {quantities}"
    wanted = [int(sh["id"]) for sh in open_ones]
    harness._call("stock.shipment.out", "write", wanted, {"reference": label})
    for step in ("assign_try", "pick", "pack", "do"):
        harness._call("stock.shipment.out", step, wanted)


# -- shopbridge ----------------------------------------------------------------------------------


def stack_for(make_stack: Any, erp: Erp, shop_extra: str = "") -> Stack:
    """A stack whose dispatch sweep starts after the despatches earlier tests left in the ERP."""
    stack: Stack = make_stack(erp.port, fulfilments=True, erp_config=CONFIG, shop_extra=shop_extra)
    support = load_contract("contract_support")
    _seen, cursor, _pages = support.read_to_end(erp.port.dispatches_since, None)
    STARTS[id(stack)] = cursor
    rewind_the_feed(stack)
    if erp.vendor == "tryton":  # Tryton ships only what it holds: count the warehouse first
        for sku in SHOPIFY_SKUS:
            erp.harness.set_stock(sku, "", Decimal(500))
    return stack


STARTS: dict[int, str | None] = {}  # each stack's first dispatches cursor


def rewind_the_feed(stack: Stack) -> None:
    """Back to where this test's stack started: its dispatches are read again (a re-sweep)."""
    cursor, name = STARTS[id(stack)], f"erp.dispatches:{SHOP}"
    with stack.services.store.begin() as conn:
        if cursor is None:
            conn.execute(sa.delete(cursors).where(cursors.c.name == name))
        else:
            set_cursor(conn, name, cursor, now=stack.services.clock.now())


def sweep_dispatches(stack: Stack) -> None:
    with stack.services.store.begin() as conn:
        queue.enqueue(conn, "sweep.erp_dispatches", {}, shop=SHOP, now=stack.services.clock.now())
    stack.settle()


def problem_kinds(stack: Stack) -> list[str]:
    return sorted(p.kind.value for p in stack.problems() if p.kind.value != "customer_conflict")


# -- the Shopify side ------------------------------------------------------------------------------


def fulfilments(shopify: Shopify, order: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = shopify.data(FULFILMENTS, {"id": order["id"]})["order"]["fulfillments"]
    return [f for f in found if f["status"] == "SUCCESS"]


def shipped(shopify: Shopify, order: dict[str, Any]) -> list[dict[str, int]]:
    """Units per SKU of each live fulfilment, in order."""
    result = []
    for fulfilment in fulfilments(shopify, order):
        units: dict[str, int] = {}
        for node in fulfilment["fulfillmentLineItems"]["nodes"]:
            sku = node["lineItem"]["sku"]
            units[sku] = units.get(sku, 0) + node["quantity"]
        result.append(units)
    return result


def tracking(shopify: Shopify, order: dict[str, Any]) -> list[list[tuple[str, str]]]:
    return [[(t["company"], t["number"]) for t in f["trackingInfo"]] for f in fulfilments(shopify, order)]


def posted(
    stack: Stack, shopify: Shopify, erp: Erp, lines: list[tuple[str, int]], **more: Any
) -> dict[str, Any]:
    order = shopify.place(lines, **more)
    stack.settle()
    assert erp.harness.count_sales_orders(order["name"]) == 1
    return order


def fulfil_by_hand(shopify: Shopify, order: dict[str, Any], sku: str, quantity: int) -> None:
    fo = shopify.data(FO_READ, {"id": order["id"]})["order"]["fulfillmentOrders"]["nodes"][0]
    item = next(li for li in fo["lineItems"]["nodes"] if li["lineItem"]["sku"] == sku)
    groups = [
        {
            "fulfillmentOrderId": fo["id"],
            "fulfillmentOrderLineItems": [{"id": item["id"], "quantity": quantity}],
        }
    ]
    result = shopify.data(FULFIL, {"f": {"lineItemsByFulfillmentOrder": groups, "notifyCustomer": False}})
    assert result["fulfillmentCreate"]["userErrors"] == []


def bundle_variant(shopify: Shopify) -> str:
    for variant in shopify.server.state.variants.values():
        if variant["sku"] == BUNDLE:
            return str(variant["id"])
    return shopify.new_variant(BUNDLE, "Gift set (bundle)")


class TimeoutAfterCreate(httpx.BaseTransport):
    """Sends every request; the first ``fulfillmentCreate``'s answer is lost (Shopify did create)."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.tripped = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if not self.tripped and b"FulfillmentCreate" in request.content:
            response.read()
            self.tripped += 1
            raise httpx.ReadTimeout("the answer was lost on the way back", request=request)
        return response

    def close(self) -> None:
        self.inner.close()


# -- every ERP: a plain and a partial dispatch ----------------------------------------------------


@pytest.mark.parametrize("erp", ALL, indirect=True)
def test_a_despatch_becomes_one_fulfilment_with_mapped_carrier_and_tracking(
    shopify: Shopify, erp: Erp, make_stack: Any
) -> None:
    stack = stack_for(make_stack, erp)
    order = posted(stack, shopify, erp, [("TEE-L", 2), ("MUG-01", 1)])
    despatch(erp, order["name"], carrier="DPD", tracking=f"DPD-{erp.vendor}-1")
    sweep_dispatches(stack)
    assert shipped(shopify, order) == [{"TEE-L": 2, "MUG-01": 1}]
    assert tracking(shopify, order) == [[("DPD UK", f"DPD-{erp.vendor}-1")]]
    assert problem_kinds(stack) == []


@pytest.mark.parametrize("erp", ALL, indirect=True)
def test_a_part_despatch_fulfils_part_and_the_rest_follows_with_the_next(
    shopify: Shopify, erp: Erp, make_stack: Any
) -> None:
    stack = stack_for(make_stack, erp)
    order = posted(stack, shopify, erp, [("TEE-L", 3), ("MUG-01", 1)])
    despatch(erp, order["name"], tracking="P-1", quantities={"TEE-L": 1})
    sweep_dispatches(stack)
    assert shipped(shopify, order) == [{"TEE-L": 1}]
    despatch(erp, order["name"], tracking="P-2", quantities={"TEE-L": 2, "MUG-01": 1})
    sweep_dispatches(stack)
    assert shipped(shopify, order) == [{"TEE-L": 1}, {"TEE-L": 2, "MUG-01": 1}]
    assert shopify.data(FULFILMENTS, {"id": order["id"]})["order"]["displayFulfillmentStatus"] == "FULFILLED"
    assert problem_kinds(stack) == []


# -- Sage 200 and Tryton: every case ---------------------------------------------------------------


@pytest.mark.parametrize("erp", vendor_params("sage200", "syspro", "tryton"), indirect=True)
def test_several_parcels_are_several_tracking_numbers_on_one_fulfilment(
    shopify: Shopify, erp: Erp, make_stack: Any
) -> None:
    stack = stack_for(make_stack, erp)
    order = posted(stack, shopify, erp, [("MUG-01", 2)])
    despatch(erp, order["name"], carrier="Royal Mail", tracking="RM-1, RM-2")
    sweep_dispatches(stack)
    assert tracking(shopify, order) == [[("Royal Mail", "RM-1"), ("Royal Mail", "RM-2")]]


@pytest.mark.parametrize("erp", SAGE_AND_TRYTON, indirect=True)
def test_a_despatch_from_a_warehouse_of_another_location_moves_the_fulfilment_order_first(
    shopify: Shopify, erp: Erp, make_stack: Any
) -> None:
    locations = sorted(shopify.server.state.locations)
    assigned, other = (loc.rsplit("/", 1)[-1] for loc in locations[:2])
    if erp.vendor == "sage200":
        erp.harness.sandbox.add_warehouse("NORTH")
        warehouse, mapping = "NORTH", f'locations = {{ "{assigned}" = "WAREHOUSE", "{other}" = "NORTH" }}'
    else:  # Tryton posts to its one warehouse, which ships for the other location
        code = erp.harness.erp.look.warehouse.code
        warehouse, mapping = None, f'locations = {{ "{assigned}" = "SHOPFRONT", "{other}" = "{code}" }}'
    stack = stack_for(make_stack, erp, shop_extra=mapping)
    order = posted(stack, shopify, erp, [("BOTTLE-01", 2)])
    if warehouse is None:
        despatch(erp, order["name"], tracking="N-1")
    else:
        despatch(erp, order["name"], tracking="N-1", quantities={"BOTTLE-01": 2}, warehouse=warehouse)
    sweep_dispatches(stack)
    assert shipped(shopify, order) == [{"BOTTLE-01": 2}]
    fos = shopify.data(FO_READ, {"id": order["id"]})["order"]["fulfillmentOrders"]["nodes"]
    assert [fo["assignedLocation"]["location"]["id"] for fo in fos] == [locations[1]]
    assert "fulfilment_moved" in [step.step for step in stack.sync(order).steps]


@pytest.mark.parametrize("erp", SAGE_AND_TRYTON, indirect=True)
def test_a_bundle_line_is_fulfilled_once_all_its_components_are_despatched(
    shopify: Shopify, erp: Erp, make_stack: Any
) -> None:
    stack = stack_for(make_stack, erp)
    order = posted(
        stack, shopify, erp, [], variant_lines=[{"variant_id": bundle_variant(shopify), "quantity": 1}]
    )
    despatch(erp, order["name"], tracking="B-1", quantities={"TEE-M": 2})
    sweep_dispatches(stack)
    assert shipped(shopify, order) == []  # a component alone does not fulfil the bundle
    despatch(erp, order["name"], tracking="B-2", quantities={"MUG-01": 1})
    sweep_dispatches(stack)
    assert shipped(shopify, order) == [{BUNDLE: 1}]
    assert problem_kinds(stack) == []


@pytest.mark.parametrize("erp", SAGE_AND_TRYTON, indirect=True)
def test_a_retry_after_a_timeout_finds_the_fulfilment_shopify_did_create(
    shopify: Shopify, erp: Erp, make_stack: Any
) -> None:
    stack = stack_for(make_stack, erp)
    transport = TimeoutAfterCreate()
    shop = stack.services.settings.shops[0]
    stack.services._shopify[SHOP] = ShopifyClient.from_settings(shop, transport=transport)
    order = posted(stack, shopify, erp, [("TEE-S", 1)])
    despatch(erp, order["name"], tracking="TO-1")
    sweep_dispatches(stack)
    assert transport.tripped == 1
    assert shipped(shopify, order) == [{"TEE-S": 1}]
    assert problem_kinds(stack) == []
    trail = [step for step in stack.sync(order).steps if step.step == "fulfilled"]
    assert [step.detail["found_after_timeout"] for step in trail] == [True]


@pytest.mark.parametrize("erp", SAGE_AND_TRYTON, indirect=True)
def test_a_redelivered_and_re_swept_dispatch_is_fulfilled_exactly_once(
    shopify: Shopify, erp: Erp, make_stack: Any
) -> None:
    stack = stack_for(make_stack, erp)
    order = posted(stack, shopify, erp, [("TEE-M", 1)])
    despatch(erp, order["name"], tracking="X-1")
    with stack.services.store.begin() as conn:  # two sweeps racing
        for _ in range(2):
            queue.enqueue(conn, "sweep.erp_dispatches", {}, shop=SHOP, now=stack.services.clock.now())
    stack.settle()
    rewind_the_feed(stack)
    sweep_dispatches(stack)
    assert shipped(shopify, order) == [{"TEE-M": 1}]


@pytest.mark.parametrize("erp", SAGE_AND_TRYTON, indirect=True)
def test_an_unmapped_carrier_goes_as_a_custom_name_and_is_listed_once(
    shopify: Shopify, erp: Erp, make_stack: Any
) -> None:
    stack = stack_for(make_stack, erp)
    first = posted(stack, shopify, erp, [("TEE-S", 1)])
    second = posted(stack, shopify, erp, [("TEE-S", 1)])
    for order in (first, second):
        despatch(erp, order["name"], carrier="Speedy Parcels", tracking=f"SP-{order['name']}")
    sweep_dispatches(stack)
    assert tracking(shopify, first) == [[("Speedy Parcels", f"SP-{first['name']}")]]
    carriers = stack.problems(kind="unmapped_carrier")
    assert [(p.entity_id, p.count) for p in carriers] == [("Speedy Parcels", 2)]


@pytest.mark.parametrize("erp", SAGE_AND_TRYTON, indirect=True)
@pytest.mark.parametrize("case", ["cancelled", "fulfilled_by_hand", "more_than_left"])
def test_what_shopify_refuses_is_one_problem_for_operations_saying_which(
    shopify: Shopify, erp: Erp, make_stack: Any, case: str
) -> None:
    stack = stack_for(make_stack, erp)
    order = posted(stack, shopify, erp, [("TEE-L", 2)])
    if case == "fulfilled_by_hand":
        fulfil_by_hand(shopify, order, "TEE-L", 2)
    elif case == "more_than_left":
        fulfil_by_hand(shopify, order, "TEE-L", 1)
    despatch(erp, order["name"], tracking="R-1")
    if case == "cancelled":
        shopify.cancel(order["id"])  # after the warehouse shipped: too late for the ERP
        stack.settle()
    sweep_dispatches(stack)
    rejected = stack.problems(kind="fulfilment_rejected")
    assert len(rejected) == 1 and order["name"] in rejected[0].message
    words = {
        "cancelled": "cancelled",
        "fulfilled_by_hand": "already fulfilled",
        "more_than_left": "fewer units",
    }
    assert words[case] in rejected[0].message and rejected[0].resolution
    assert len(fulfilments(shopify, order)) == (0 if case == "cancelled" else 1)


# -- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize("erp", SAGE_AND_TRYTON, indirect=True)
def test_a_despatch_of_an_order_shopbridge_never_posted_is_a_problem(
    shopify: Shopify, erp: Erp, make_stack: Any
) -> None:
    stack = stack_for(make_stack, erp)
    support = load_contract("contract_support")
    reference = f"#MANUAL-{erp.vendor}"
    erp.port.create_sales_order(support.order_request(reference, erp.account, ("MUG-01", 1)))
    despatch(erp, reference, tracking="M-1")
    sweep_dispatches(stack)
    (problem,) = stack.problems(kind="dispatch_unmatched")
    assert reference in problem.message and "never posted" in problem.message
    assert [job.state for job in stack.jobs() if job.kind == "erp.dispatch"] == ["dead"]  # kept, replayable


@pytest.mark.parametrize("erp", SAGE_AND_TRYTON, indirect=True)
def test_a_despatch_of_more_than_shopify_ordered_is_a_problem_and_fulfils_nothing(
    shopify: Shopify, erp: Erp, make_stack: Any
) -> None:
    stack = stack_for(make_stack, erp, shop_extra="amendment_cutoff_statuses = []")
    order = posted(stack, shopify, erp, [("TEE-L", 3)])
    shopify.set_quantity(order["id"], "TEE-L", 1)  # after the cut-off: the ERP keeps 3
    stack.settle()
    despatch(erp, order["name"], tracking="O-1")
    sweep_dispatches(stack)
    (problem,) = stack.problems(kind="dispatch_unmatched")
    assert order["name"] in problem.message and "more than" in problem.message
    assert fulfilments(shopify, order) == []
