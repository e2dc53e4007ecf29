"""The control API: reset, seed, fault settings, state."""

from __future__ import annotations

import httpx
from sandbox_catalog_support import GraphQL, data_of


def test_reset_empties_the_shop_and_seed_refills_it(client: httpx.Client, gql: GraphQL) -> None:
    assert client.post("/_sandbox/reset").json() == {"ok": True}
    assert data_of(gql("{ products(first: 5) { nodes { id } } }"))["products"]["nodes"] == []
    seeded = client.post("/_sandbox/seed", json={"seed": 3}).json()
    assert sorted(seeded["variants_by_sku"]) == [
        "BOTTLE-01",
        "BUNDLE-BRK",
        "MUG-01",
        "TEE-L",
        "TEE-M",
        "TEE-S",
        "TOTE-01",
    ]
    assert len(seeded["variants_by_sku"]["MUG-01"]) == 2
    assert len(data_of(gql("{ products(first: 50) { nodes { id } } }"))["products"]["nodes"]) == 6


def test_server_error_fault_answers_5xx_before_doing_anything(client: httpx.Client, gql: GraphQL) -> None:
    client.post("/_sandbox/settings", json={"error_rate": 1.0, "error_status": 502})
    assert gql("{ shop { name } }").status_code == 502
    client.post("/_sandbox/settings", json={"error_rate": 0.0})
    assert gql("{ shop { name } }").status_code == 200


def test_settings_round_trip_and_unknown_setting_is_refused(client: httpx.Client) -> None:
    view = client.post(
        "/_sandbox/settings", json={"latency_ms": 1, "restore_rate": 50, "bucket_size": 1000}
    ).json()
    assert (view["latency_ms"], view["restore_rate"], view["bucket_size"]) == (1, 50, 1000)
    refused = client.post("/_sandbox/settings", json={"colour": "blue"})
    assert refused.status_code == 400
    assert "colour" in refused.json()["error"]


def test_state_lists_catalogue_for_assertions(client: httpx.Client) -> None:
    state = client.get("/_sandbox/state").json()
    skus = sorted(v["sku"] for v in state["variants"].values())
    assert skus.count("MUG-01") == 2
    assert {"locations", "products", "inventory_items", "customers", "bulk_operations"} <= set(state)
