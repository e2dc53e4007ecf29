"""Incremental stock push (issue 11): a large catalogue, 1% of its stock changed in the ERP, and what
it takes shopbridge to bring Shopify in line, next to a naive connector doing the same.

Set-up (not timed): the Shopify sandbox holds ``--skus`` variants stocked at ``--locations``
locations; the in-memory ERP holds the same SKUs in one warehouse per location; shopbridge's store
is in the steady state a previous sweep leaves (the ERP's levels kept, the stock items known, the
last pushed quantities, the activations remembered) and the ERP cursor is at the end of its feed.

Measured:

* incremental: ``--changed`` of the (SKU, warehouse) levels change in the ERP; one stock sweep
  (``stock_to_shopify.sweep``: the real flow, the real Shopify client over HTTP to the sandbox)
  brings Shopify in line. Reported: the wall time from the ERP change to Shopify holding every new
  figure, the ``inventorySetQuantities`` calls (the Shopify sandbox's adjustment groups; the goal is
  ceil(changes / 250)), the cost points Shopify charged (the ``extensions.cost`` of each answer,
  summed), and how long those points take at a restore rate of 100 points/s (Standard plan);
* naive peer: every item every run, with one ``inventoryActivate`` per item and location per run,
  as Tryton's ``web_shop_shopify`` does, then the quantities set in batches of 250 (generous: many
  connectors set one at a time). Run over HTTP for ``--naive-sample`` SKUs and scaled linearly to
  the catalogue (the cost of a call does not depend on how many others there are). Reported: its
  cost points and the ratio to the incremental push (goal >= 50x).

The wall time was once mostly the sandbox's (each change in an ``inventorySetQuantities`` answer
scanned every level of the shop to build its InventoryItem and Location nodes); item levels are now
found by location and ``Location.hasActiveInventory`` scans only when selected, so a 250-quantity
call no longer grows with the catalogue. Calls, levels and cost points never depended on it.

Run: ``.venv/bin/python bench/stock_push.py [--skus 100000] [--quick]`` -> ``bench/results/stock_push.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import sqlalchemy as sa  # noqa: E402

from shopbridge.bootstrap import Services, build_services  # noqa: E402
from shopbridge.config import parse_settings  # noqa: E402
from shopbridge.connectors.erp.memory import MemoryErp  # noqa: E402
from shopbridge.connectors.shopify.client import ShopifyClient  # noqa: E402
from shopbridge.connectors.shopify.mutations import QuantityChange, set_quantities  # noqa: E402
from shopbridge.engine.schema import erp_stock_levels, links, stock_items, stock_snapshots  # noqa: E402
from shopbridge.flows import stock_to_shopify  # noqa: E402
from shopbridge.sandbox.shopify import inventory_model as inv  # noqa: E402
from shopbridge.sandbox.shopify.resolvers.products import add_location, add_product, add_variant  # noqa: E402
from shopbridge.sandbox.shopify.server import SandboxServer, SandboxSettings  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "stock_push.json"
SHOP = "bench"
TOKEN_ENV = "SHOPBRIDGE_BENCH_STOCK_TOKEN"
START = 50  # every level's quantity before the change
RESTORE_RATE = 100.0  # Standard plan, points per second


def build_shopify(skus: int, locations: int) -> tuple[SandboxServer, list[str], list[tuple[str, str]]]:
    """The sandbox shop: ``skus`` variants stocked at every location with :data:`START` available."""
    server = SandboxServer(
        SandboxSettings(access_token=os.environ[TOKEN_ENV], bucket_size=1e12, restore_rate=1e9)
    )
    state = server.sandbox.state
    location_ids = [str(add_location(state, f"Store {n}")["id"]) for n in range(locations)]
    variants: list[tuple[str, str]] = []
    for n in range(skus):
        sku = f"SKU-{n:06d}"
        # An explicit handle: the sandbox otherwise scans every product for a free one (quadratic).
        product = add_product(state, sku, status="ACTIVE", product_type="Bench", handle=sku.lower())
        variant = add_variant(state, product["id"], sku=sku, price="10.00")
        for location in location_ids:
            inv.activate(state, variant["inventory_item_id"], location, START)
        variants.append((sku, str(variant["inventory_item_id"])))
    server.start()
    return server, location_ids, variants


def build_services_for(server: SandboxServer, location_ids: list[str], workdir: Path) -> Services:
    os.environ.setdefault("SHOPBRIDGE_BENCH_UNUSED", "unused")
    settings = parse_settings(
        {
            "database": {"url": f"sqlite:///{workdir / 'bench.db'}"},
            "shops": [
                {
                    "name": SHOP,
                    "domain": "bench.myshopify.com",
                    "admin_url": server.sandbox.base_url,
                    "access_token": {"env": TOKEN_ENV},
                    "webhook_secrets": [{"env": TOKEN_ENV}],
                    # shopbridge's own pacing is not what is measured: points are counted, not waited.
                    "restore_rate": 1e9,
                    "locations": {loc: f"WH{n}" for n, loc in enumerate(location_ids)},
                }
            ],
            "stock": {"drop_guard_share": 0.5},
        }
    )
    services = build_services(settings)
    services.store.migrate()
    # A long timeout: on a loaded machine a large catalogue is measured rather than timed out.
    services._shopify[SHOP] = ShopifyClient.from_settings(settings.shops[0], timeout=1800.0)
    return services


def steady_state(
    services: Services, erp: MemoryErp, location_ids: list[str], variants: list[tuple[str, str]]
) -> None:
    """What a previous sweep leaves: levels kept, items known, quantities pushed, activations done."""
    now = services.clock.now()
    warehouses = [f"WH{n}" for n in range(len(location_ids))]
    for sku, _item in variants:
        erp.add_item(sku)
        for warehouse in warehouses:
            erp.set_stock(sku, warehouse, Decimal(START))
    with services.store.begin() as conn:
        conn.execute(
            erp_stock_levels.insert(),
            [
                {"sku": s, "warehouse": w, "free": str(START), "seen_at": now}
                for s, _i in variants
                for w in warehouses
            ],
        )
        conn.execute(
            stock_items.insert(),
            [
                {
                    "shop": SHOP,
                    "sku": s,
                    "variant_id": f"v-{s}",
                    "inventory_item_id": i,
                    "product_type": "Bench",
                    "checked_at": now,
                }
                for s, i in variants
            ],
        )
        conn.execute(
            stock_snapshots.insert(),
            [
                {
                    "shop": SHOP,
                    "location_id": loc,
                    "inventory_item_id": i,
                    "sku": s,
                    "quantity": START,
                    "pushed_at": now,
                }
                for s, i in variants
                for loc in location_ids
            ],
        )
        conn.execute(
            links.insert(),
            [
                {
                    "entity_type": "inventory_level",
                    "shop": SHOP,
                    "shopify_id": f"{i}@{loc}",
                    "erp_id": f"{i}@{loc}",
                    "erp_reference": "",
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for _s, i in variants
                for loc in location_ids
            ],
        )
    cursor = None
    while True:
        page = erp.stock_changed(cursor, limit=100_000)
        cursor = page.next_cursor or cursor
        if not page.has_more:
            break
    with services.store.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO cursors (name, value, updated_at) VALUES (:n, :v, :t)"),
            {"n": "erp.stock", "v": cursor, "t": now},
        )


def incremental(
    services: Services,
    erp: MemoryErp,
    server: SandboxServer,
    location_ids: list[str],
    variants: list[tuple[str, str]],
    share: float,
) -> dict[str, Any]:
    rng = random.Random(2026)
    levels = [(sku, item, n) for sku, item in variants for n in range(len(location_ids))]
    changed = rng.sample(levels, max(1, round(len(levels) * share)))
    state = server.sandbox.state
    groups_before = set(state.adjustment_groups)
    client = services.shopify(SHOP)
    cost_before, calls_before = client.stats.cost_actual, client.stats.calls
    began = time.perf_counter()
    for sku, _item, n in changed:
        erp.set_stock(sku, f"WH{n}", Decimal(rng.randint(1, START - 1)))
    result = stock_to_shopify.sweep(services.flow_context(SHOP), key=str(uuid.uuid4()))
    seconds = time.perf_counter() - began
    made = [g for gid, g in state.adjustment_groups.items() if gid not in groups_before]
    wrong = sum(
        1
        for sku, item, n in changed
        if inv.quantity(inv.level(state, item, location_ids[n]) or {}, "available")
        != int(erp._stock[(sku, f"WH{n}")].level.free)
    )
    points = client.stats.cost_actual - cost_before
    return {
        "levels_changed_in_erp": len(changed),
        "seconds_erp_change_to_shopify": round(seconds, 2),
        "mutations": len(made),
        "mutations_goal": math.ceil(len(changed) / 250),
        "levels_pushed": sum(1 for g in made for c in g["changes"] if c["name"] == "available"),
        "shopify_calls": client.stats.calls - calls_before,
        "cost_points": round(points),
        "seconds_of_budget_at_100_points_per_s": round(points / RESTORE_RATE, 1),
        "levels_wrong_after": wrong,
        "flow_reported": {
            "levels": result.levels,
            "mutations": result.mutations,
            "conflicts": result.conflicts,
        },
    }


def naive(
    services: Services,
    server: SandboxServer,
    location_ids: list[str],
    variants: list[tuple[str, str]],
    sample: int,
) -> dict[str, Any]:
    """Every item every run: activate each item at each location, then set every quantity."""
    client: ShopifyClient = services.shopify(SHOP)
    cost_before, calls_before = client.stats.cost_actual, client.stats.calls
    picked = variants[:sample]
    began = time.perf_counter()
    for _sku, item in picked:
        for location in location_ids:
            client.mutate("inventory_activate", {"inventoryItemId": item, "locationId": location})
    changes = [QuantityChange(item, loc, START, None) for _sku, item in picked for loc in location_ids]
    set_quantities(client, changes, key=str(uuid.uuid4()))
    seconds = time.perf_counter() - began
    points = client.stats.cost_actual - cost_before
    scale = len(variants) / len(picked)
    return {
        "skus_run_over_http": len(picked),
        "calls_in_sample": client.stats.calls - calls_before,
        "cost_points_in_sample": round(points),
        "seconds_in_sample": round(seconds, 2),
        "cost_points_per_run_scaled": round(points * scale),
        "calls_per_run_scaled": round((client.stats.calls - calls_before) * scale),
        "seconds_of_budget_at_100_points_per_s_scaled": round(points * scale / RESTORE_RATE, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skus", type=int, default=100_000, help="catalogue size (default 100000)")
    parser.add_argument("--locations", type=int, default=3, help="Shopify locations (default 3)")
    parser.add_argument("--changed", type=float, default=0.01, help="share of levels changed (default 0.01)")
    parser.add_argument("--naive-sample", type=int, default=200, help="SKUs the naive peer runs over HTTP")
    parser.add_argument("--quick", action="store_true", help="a small run (5000 SKUs)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    skus = 5000 if args.quick else args.skus
    os.environ.setdefault(TOKEN_ENV, uuid.uuid4().hex)
    workdir = Path(tempfile.mkdtemp(prefix="shopbridge-bench-stock-"))
    began = time.perf_counter()
    print(f"setting up {skus} SKUs at {args.locations} locations", flush=True)
    server, location_ids, variants = build_shopify(skus, args.locations)
    services = build_services_for(server, location_ids, workdir)
    erp = MemoryErp()
    services._erp = erp
    try:
        steady_state(services, erp, location_ids, variants)
        setup_seconds = time.perf_counter() - began
        print(f"set up in {setup_seconds:.1f}s; pushing {args.changed:.0%} of the stock", flush=True)
        pushed = incremental(services, erp, server, location_ids, variants, args.changed)
        print(json.dumps(pushed), flush=True)
        peer = naive(services, server, location_ids, variants, min(args.naive_sample, skus))
        print(json.dumps(peer), flush=True)
    finally:
        services._erp = None
        services.close()
        server.stop()
    ratio = peer["cost_points_per_run_scaled"] / max(pushed["cost_points"], 1)
    report = {
        "benchmark": "stock_push",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "catalogue": {"skus": skus, "locations": args.locations, "levels": skus * args.locations},
        "setup_seconds": round(setup_seconds, 1),
        "run_seconds": round(time.perf_counter() - began, 1),
        "what": "the ERP (in-memory) changes a share of its (SKU, warehouse) levels; one stock sweep of"
        " the real flow and Shopify client over HTTP to the Shopify sandbox brings Shopify in line."
        " Mutations, levels and cost points are the Shopify sandbox's own (adjustment groups, the cost"
        " in each answer). The naive peer runs over HTTP for a sample and is scaled to the catalogue.",
        "incremental": pushed,
        "naive_peer": peer,
        "cost_ratio_naive_to_incremental": round(ratio, 1),
    }
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"cost ratio naive / incremental: {ratio:.1f}x -> {args.output}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
