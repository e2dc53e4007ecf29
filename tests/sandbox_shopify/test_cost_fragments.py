"""Calculated query cost through fragments: a fragment's fields cost on its type condition.

Shopify's documented rules (shopify.dev "GraphQL Admin API rate limits", cost calculation):
scalars and enums 0, objects 1, connections sized by ``first``/``last`` (2 + size x node),
interfaces and unions "maximum of possible selections", mutations 10. The sandbox's one
calibration (FIDELITY.md): objects without the ``Node`` identity (MoneyBag, PurchasingCompany...)
cost 0. ``nodes(ids:)`` holds at most one object per id, so it is charged per id.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from graphql import parse, validate
from sandbox_catalog_support import GraphQL

from shopbridge.sandbox.shopify.checkout import place_order
from shopbridge.sandbox.shopify.cost import actual_cost, requested_cost
from shopbridge.sandbox.shopify.schema import admin_schema
from shopbridge.sandbox.shopify.server import SandboxServer

CAPTURES = Path(__file__).resolve().parents[1] / "fixtures" / "shopify" / "captures-2025-01"
LINES = "lineItems(first: 5) { nodes { id } }"
IDS = ["gid://shopify/Order/1", "gid://shopify/Order/2", "gid://shopify/Order/3"]

ORDER_FIELDS = "id refunds(first: 10) { id } lineItems(first: 5) { nodes { id } }"
INLINE = f"query($ids: [ID!]!) {{ nodes(ids: $ids) {{ ... on Order {{ {ORDER_FIELDS} }} }} }}"
NAMED = f"query($ids: [ID!]!) {{ nodes(ids: $ids) {{ ...O }} }} fragment O on Order {{ {ORDER_FIELDS} }}"


def _cost(document: str, variables: dict[str, Any] | None = None) -> int:
    schema = admin_schema()
    parsed = parse(document)
    assert validate(schema, parsed) == []  # a cost of a document Shopify would refuse proves nothing
    return requested_cost(schema, parsed, None, variables)


def test_nodes_with_an_inline_fragment_costs_the_fragments_fields() -> None:
    """Per id: the Order 1, its refunds (a plain list of Refund objects) 1, lineItems 2 + 5 x 1 = 7:
    9 per id; three ids: 27. (Looked up on ``Node`` instead, the fragment cost nothing: 1.)"""
    assert _cost(INLINE, {"ids": IDS}) == 27


def test_a_named_fragment_costs_the_same_as_the_inline_one() -> None:
    """The same fields spread from ``fragment O on Order``: 9 per id, 27 for three."""
    assert _cost(NAMED, {"ids": IDS}) == _cost(INLINE, {"ids": IDS}) == 27


def test_an_interface_costs_its_dearest_member() -> None:
    """``Node`` may be an Order (1 + lineItems 2 + 5 = 8) or a Product (1 + variants 2 + 50 x 1 = 53):
    the maximum of the possible selections, 53 per id; two ids: 106."""
    document = (
        "query($ids: [ID!]!) { nodes(ids: $ids) { id "
        "... on Order { lineItems(first: 5) { nodes { id } } } "
        "... on Product { variants(first: 50) { nodes { id } } } } }"
    )
    assert _cost(document, {"ids": IDS[:2]}) == 106


def test_a_fragment_on_another_type_costs_nothing_here() -> None:
    """``shop`` is 1; a fragment on Order inside ``nodes`` never applies to the Shop."""
    assert _cost("{ shop { name ... on Shop { id } } }") == 1
    assert _cost('{ node(id: "gid://shopify/Order/1") { ... on Product { title } } }') == 1


@pytest.mark.parametrize(
    ("fragments", "expected"),
    [
        # Customer: 1 + orders 2 + 4 x 1 = 7; PurchasingCompany (no Node identity) 0 + company 1 +
        # location 1 = 2; the union costs the dearer, 7; with the order's 1: 8.
        (
            "... on Customer { id orders(first: 4) { nodes { id } } } "
            "... on PurchasingCompany { company { id } location { id } }",
            8,
        ),
        # Only the company is selected: Customer 1 (its object, nothing selected), PurchasingCompany
        # 0 + company 1 + location 1 + contact 1 = 3: the union 3, with the order 4.
        ("... on PurchasingCompany { company { id } location { id } contact { id } }", 4),
    ],
)
def test_a_union_costs_its_dearest_member(fragments: str, expected: int) -> None:
    document = f'{{ order(id: "gid://shopify/Order/1") {{ purchasingEntity {{ {fragments} }} }} }}'
    assert _cost(document) == expected


def test_shopify_charged_a_union_fragment_as_the_rules_say() -> None:
    """Recorded: draftOrderComplete with ``purchasingEntity { ... on PurchasingCompany {...} }``
    cost 15 on Shopify: the mutation 10, draftOrder 1, order 1, company, contact, location 1 each."""
    capture = json.loads((CAPTURES / "b2b/b2b-company-location-order-aggregates.json").read_text())
    operation = capture["operations"]["draftOrderComplete"]
    recorded = operation["response"]["payload"]["extensions"]["cost"]["requestedQueryCost"]
    assert recorded == 15
    assert requested_cost(admin_schema(), parse(operation["query"]), None, operation["variables"]) == 15


def test_actual_cost_reads_each_returned_node_as_its_own_type() -> None:
    """Returned: an Order with two line items (1 + 2 + 2 = 5), a Product (its object 1, no Order
    fields) and a null (free): 6."""
    document = parse(f"query($ids: [ID!]!) {{ nodes(ids: $ids) {{ id ... on Order {{ {LINES} }} }} }}")
    data = {
        "nodes": [
            {"id": "gid://shopify/Order/1", "lineItems": {"nodes": [{"id": "a"}, {"id": "b"}]}},
            {"id": "gid://shopify/Product/9"},
            None,
        ]
    }
    assert actual_cost(admin_schema(), document, None, {"ids": IDS}, data) == 6


def test_the_sandbox_charges_nodes_by_the_fragment(sandbox: SandboxServer, gql: GraphQL) -> None:
    """Two ids, one unknown: requested 2 x (1 + 2 + 5) = 16; actual the order 1, its connection 2
    and its two line items 2: 5 (the unknown id's null is free)."""
    order = place_order(
        sandbox.state, {"lines": [{"sku": "TEE-M", "quantity": 1}, {"sku": "MUG-01", "quantity": 2}]}
    )
    ids = [order["id"], "gid://shopify/Order/404404"]
    body = gql(
        f"query($ids: [ID!]!) {{ nodes(ids: $ids) {{ ... on Order {{ {LINES} }} }} }}", {"ids": ids}
    ).json()
    assert [node and len(node["lineItems"]["nodes"]) for node in body["data"]["nodes"]] == [2, None]
    assert body["extensions"]["cost"]["requestedQueryCost"] == 16
    assert body["extensions"]["cost"]["actualQueryCost"] == 5


# Every recorded cost the calculator reproduced before fragments were costed on their type
# condition, and after (the draftOrderComplete one is new): none may be lost. The other recorded
# costs differ because Shopify's per-field weights are not published (FIDELITY.md, "Query cost").
MATCHED = [
    ("b2b/b2b-company-location-order-aggregates.json", "/operations/draftOrderComplete/response/payload"),
    ("b2b/b2b-company-location-order-aggregates.json", "/cleanup[0]/response/payload"),
    ("b2b/b2b-company-location-order-aggregates.json", "/cleanup[1]/response/payload"),
    ("b2b/b2b-company-location-order-aggregates.json", "/cleanup[2]/response/payload"),
    ("b2b/b2b-company-location-order-aggregates.json", "/cleanup[3]/response/payload"),
    ("customers/customer-create-parity.json", "/upstreamCalls[0]/response/body"),
    ("customers/customer-create-parity.json", "/upstreamCalls[1]/response/body"),
    ("orders/fulfillment-cancel-parity.json", "/setup/fulfillmentCreate/response"),
    ("orders/fulfillment-cancel-parity.json", "/setup/fulfillmentTrackingInfoUpdate/response"),
    ("orders/fulfillment-cancel-parity.json", "/mutation/response"),
    ("orders/fulfillment-cancel-parity.json", "/cleanup/response"),
    ("orders/fulfillment-multi-tracking-info.json", "/fulfillmentCreate/response"),
    ("orders/fulfillment-multi-tracking-info.json", "/cleanup/cancel/response"),
    ("orders/fulfillment-multi-tracking-info.json", "/cleanup/delete/response"),
    ("orders/money-bag-presentment-parity.json", "/cleanup[0]/response/payload"),
    ("orders/order-create-fulfillment-assigned-location.json", "/operations/locations/response/payload"),
    ("orders/order-create-fulfillment-assigned-location.json", "/cleanup[0]/response/payload"),
    ("orders/order-edit-residual-live-capture.json", "/steps/addShippingLine/response"),
    ("orders/order-edit-residual-live-capture.json", "/steps/updateShippingLine/response"),
    ("orders/order-edit-residual-live-capture.json", "/steps/removeShippingLine/response"),
    ("orders/order-edit-residual-live-capture.json", "/steps/deleteOrder/response"),
    ("orders/orderClose-noop-on-already-closed.json", "/upstreamCalls[0]/response/body"),
    ("orders/orderOpen-noop-on-already-open.json", "/upstreamCalls[0]/response/body"),
    ("payments/shopify-payments-account-access-denied.json", "/upstreamCalls[0]/response/body"),
    ("products/inventorySetQuantities-name-validation.json", "/cases/damaged/response"),
    ("products/inventorySetQuantities-name-validation.json", "/cases/committed/response"),
    ("products/inventorySetQuantities-name-validation.json", "/cases/onHand/response"),
    ("products/inventorySetQuantities-name-validation.json", "/cases/availableTooHigh/response"),
    ("products/inventorySetQuantities-name-validation.json", "/cases/duplicatePair/response"),
    (
        "shipping-fulfillments/fulfillment-create-name.json",
        "/cleanup/gid://shopify/Order/8838112182578/cancel/response",
    ),
    (
        "shipping-fulfillments/fulfillment-create-name.json",
        "/cleanup/gid://shopify/Order/8838112182578/delete/response",
    ),
]


def _recorded(capture: Any, path: str = "", doc: str | None = None, variables: Any = None) -> Iterator[Any]:
    """(path, document, variables, recorded cost) of each response in a capture that carries a cost."""
    if isinstance(capture, dict):
        doc = next(
            (v for k in ("query", "document", "mutation") if isinstance(v := capture.get(k), str)), doc
        )
        variables = capture["variables"] if isinstance(capture.get("variables"), dict) else variables
        cost = (
            (capture.get("extensions") or {}).get("cost")
            if isinstance(capture.get("extensions"), dict)
            else None
        )
        if cost and doc:
            yield path, doc, variables, cost["requestedQueryCost"]
        for key, value in capture.items():
            if key != "extensions":
                yield from _recorded(value, f"{path}/{key}", doc, variables)
    elif isinstance(capture, list):
        for index, value in enumerate(capture):
            yield from _recorded(value, f"{path}[{index}]", doc, variables)


@pytest.mark.parametrize(("name", "path"), MATCHED)
def test_recorded_costs_still_match(name: str, path: str) -> None:
    found = {p: (d, v, c) for p, d, v, c in _recorded(json.loads((CAPTURES / name).read_text()))}
    document, variables, recorded = found[path]
    assert requested_cost(admin_schema(), parse(document), None, variables) == recorded
