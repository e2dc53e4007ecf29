"""Every ``nodes(ids:)`` read asks, at its batch size, for no more than one query's 1,000 points.

``nodes(ids:)`` is charged per id (one object each) and a fragment's fields on its type condition
(``sandbox/shopify/cost.py``), so a batch is only as large as its per-id cost allows.
"""

from __future__ import annotations

import pytest
from graphql import parse

from shopbridge.connectors.shopify import catalogue_changes, price_lists
from shopbridge.connectors.shopify.documents import document
from shopbridge.connectors.shopify.mutations import MAX_QUANTITIES
from shopbridge.sandbox.shopify.cost import MAX_SINGLE_QUERY_COST, requested_cost
from shopbridge.sandbox.shopify.schema import admin_schema


def _requested(name: str, type_name: str, count: int) -> int:
    ids = [f"gid://shopify/{type_name}/{n}" for n in range(1, count + 1)]
    variables = {"ids": ids, "locationId": "gid://shopify/Location/1"}
    return requested_cost(admin_schema(), parse(document(name).text), None, variables)


@pytest.mark.parametrize(
    ("name", "type_name", "batch", "per_id"),
    [
        ("products_existing", "Product", catalogue_changes.IDS_PER_CALL, 1),  # the product 1
        ("inventory_item_levels", "InventoryItem", MAX_QUANTITIES, 3),  # item 1, level 1, quantities 1
        ("company_locations", "Company", price_lists.COMPANIES_PER_CALL, 253),  # 1 + locations 2 + 250
    ],
)
def test_a_batch_fits_under_the_single_query_limit(
    name: str, type_name: str, batch: int, per_id: int
) -> None:
    assert _requested(name, type_name, 1) == per_id
    assert _requested(name, type_name, batch) == batch * per_id <= MAX_SINGLE_QUERY_COST


def test_four_companies_would_be_refused() -> None:
    """Why the company batch is three: a fourth company's 253 points take the read past 1,000."""
    assert (
        _requested("company_locations", "Company", price_lists.COMPANIES_PER_CALL + 1) > MAX_SINGLE_QUERY_COST
    )


def test_a_page_of_price_lists_fits_under_the_single_query_limit() -> None:
    """Per price list: its node 1, the catalog 1, and in the CompanyLocationCatalog fragment
    companyLocations 2 + 250: 254; a page of three 2 + 3 x 254 = 764 (of fifty: 12,702, refused)."""
    document_ = parse(document("price_lists").text)
    cost = requested_cost(admin_schema(), document_, None, {"first": price_lists.PRICE_LISTS_PAGE})
    assert cost == 2 + price_lists.PRICE_LISTS_PAGE * 254 <= MAX_SINGLE_QUERY_COST
