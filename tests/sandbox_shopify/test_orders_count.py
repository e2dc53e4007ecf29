"""``ordersCount``: the orders a search finds, counted up to ``limit``, in the shape Shopify answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_orders_harness import Shop, running_shop

# Recorded from a live shop (copied from the shared reference captures, 2025-01): the read after an
# order was deleted, whose search finds nothing.
CAPTURE = (
    Path(__file__).parents[1]
    / "fixtures/shopify/captures-2025-01/orders/order-edit-residual-live-capture.json"
)
COUNT = "query($q: String, $limit: Int) { ordersCount(query: $q, limit: $limit) { count precision } }"


@pytest.fixture
def shop() -> Iterator[Shop]:
    yield from running_shop()


def test_a_search_that_finds_nothing_answers_as_the_live_shop_did(shop: Shop) -> None:
    step = json.loads(CAPTURE.read_text())["steps"]["afterDeleteRead"]
    variables = dict(step["variables"], id="gid://shopify/Order/987654321")  # an order the shop lacks
    assert shop.data(step["query"], variables) == step["response"]["data"]


def test_the_count_follows_the_search_and_stops_at_the_limit(shop: Shop) -> None:
    ids = [shop.place(lines=[{"variant_id": shop.variant("MUG-01"), "quantity": 1}]) for _ in range(5)]
    lowest = int(ids[0].rsplit("/", 1)[-1])
    everything = shop.data(COUNT, {"q": f"id:>={lowest}", "limit": None})["ordersCount"]
    assert everything == {"count": 5, "precision": "EXACT"}
    later = shop.data(COUNT, {"q": f"id:>={lowest + 2}"})["ordersCount"]  # the default limit, 10,000
    assert later == {"count": 3, "precision": "EXACT"}
    capped = shop.data(COUNT, {"q": f"id:>={lowest}", "limit": 2})["ordersCount"]
    assert capped == {"count": 2, "precision": "AT_LEAST"}


def test_counting_by_an_unsupported_field_says_so(shop: Shop) -> None:
    answer = shop.graphql(COUNT, {"q": "risk_level:high"})
    assert "risk_level" in json.dumps(answer["errors"])
