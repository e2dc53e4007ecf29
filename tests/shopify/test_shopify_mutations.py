"""Mutation helpers: chunks of 250, compare-and-swap values, keys that survive a retry."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from shopbridge.config import ShopSettings
from shopbridge.connectors.shopify.client import ShopifyClient
from shopbridge.connectors.shopify.errors import StaleQuantity
from shopbridge.connectors.shopify.mutations import QuantityChange, chunk_key, set_quantities
from shopbridge.sandbox.shopify.server import SandboxServer


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any], str | None]] = []

    def mutate(self, name: str, variables: Mapping[str, Any] | None = None, *, key: str | None = None) -> Any:
        self.calls.append((name, dict(variables or {}), key))
        return {"inventoryAdjustmentGroup": {"id": f"group-{len(self.calls)}"}, "userErrors": []}


def changes(count: int) -> list[QuantityChange]:
    return [
        QuantityChange(f"gid://shopify/InventoryItem/{n}", "gid://shopify/Location/1", n, None)
        for n in range(count)
    ]


@pytest.mark.parametrize(("count", "calls"), [(1, 1), (250, 1), (251, 2), (600, 3)])
def test_pushes_are_split_into_chunks_of_250(count: int, calls: int) -> None:
    recorder = Recorder()
    set_quantities(recorder, changes(count), key="job-key")
    sizes = [len(variables["input"]["quantities"]) for _, variables, _ in recorder.calls]
    assert len(sizes) == calls and sum(sizes) == count and max(sizes) <= 250


def test_a_retry_sends_the_same_keys_and_each_chunk_its_own() -> None:
    first, retry = Recorder(), Recorder()
    set_quantities(first, changes(600), key="job-key")
    set_quantities(retry, changes(600), key="job-key")
    keys = [key for _, _, key in first.calls]
    assert keys == [key for _, _, key in retry.calls]
    assert len(set(keys)) == 3
    assert keys[0] == chunk_key("job-key", 0) != chunk_key("other-job", 0)


def test_change_from_quantity_is_always_sent_even_as_null() -> None:
    recorder = Recorder()
    set_quantities(recorder, [QuantityChange("i", "l", 5, None), QuantityChange("i", "l", 6, 5)], key="k")
    quantities = recorder.calls[0][1]["input"]["quantities"]
    assert [("changeFromQuantity" in q, q["changeFromQuantity"]) for q in quantities] == [
        (True, None),
        (True, 5),
    ]


def test_stale_compare_and_swap_against_the_sandbox_is_stale_quantity(
    sandbox: SandboxServer, sandbox_shop: ShopSettings
) -> None:
    from shopify_support import control

    level = control(sandbox, "state")["inventory_levels"][0]
    wrong = level["available"] + 1
    change = QuantityChange(level["inventory_item_id"], level["location_id"], 3, wrong)
    with ShopifyClient.from_settings(sandbox_shop) as client, pytest.raises(StaleQuantity):
        set_quantities(client, [change], key="stale-test")
    right = QuantityChange(level["inventory_item_id"], level["location_id"], 3, level["available"])
    with ShopifyClient.from_settings(sandbox_shop) as client:
        assert set_quantities(client, [right], key="fresh-test")[0]["id"]
    after = next(lv for lv in control(sandbox, "state")["inventory_levels"] if lv["id"] == level["id"])
    assert after["available"] == 3
