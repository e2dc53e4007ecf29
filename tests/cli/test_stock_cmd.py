"""``shopbridge stock explain`` and ``shopbridge peak on|off`` on a real store."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner, Result

from shopbridge.cli.app import app
from shopbridge.domain.order_sync import OrderSync, SyncStatus
from shopbridge.domain.stock import PendingLine, StockItem
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.schema import audit, jobs
from shopbridge.engine.store import Store
from shopbridge.engine.uow import StoreUnitOfWork

LOC1, LOC2 = "gid://shopify/Location/1", "gid://shopify/Location/2"
TEE = StockItem("TEE-S", "gid://shopify/ProductVariant/1", "gid://shopify/InventoryItem/1", "Tees")
MUG = StockItem("MUG-01", "gid://shopify/ProductVariant/2", "gid://shopify/InventoryItem/2", "Mugs")


def shopbridge(config: Path, *args: str) -> Result:
    return CliRunner().invoke(app, ["--config", str(config), *args], env={"COLUMNS": "220"})


@pytest.fixture
def stock_config(tmp_path: Path, store: Store) -> Path:
    url = store.engine.url.render_as_string(hide_password=False)
    path = tmp_path / "shopbridge.toml"
    path.write_text(
        f"""[database]
url = "{url}"

[[shops]]
name = "uk"
domain = "uk.myshopify.com"
access_token = {{ env = "UNSET_TOKEN" }}
webhook_secrets = [{{ env = "UNSET_TOKEN" }}]
[shops.locations]
"1" = ["MAIN", "OVERFLOW"]
"2" = "NORTH"

[buffers]
default = 1
[[buffers.rules]]
sku = "TEE-S"
location = "1"
units = 2
peak_units = 5

[bundles]
"KIT" = {{ "TEE-S" = 1, "MUG-01" = 2 }}
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def stocked(store: Store, fake_clock: FakeClock) -> None:
    with StoreUnitOfWork(store, fake_clock).begin() as tx:
        tx.keep_erp_levels(
            {
                ("TEE-S", "MAIN"): Decimal(10),
                ("TEE-S", "OVERFLOW"): Decimal(4),
                ("MUG-01", "MAIN"): Decimal(7),
            }
        )
        tx.save_stock_items("uk", [TEE, MUG])
        tx.save_order_sync(OrderSync("uk", "gid://shopify/Order/9", "#9", SyncStatus.WAITING))
        tx.replace_pending(
            "uk", {"gid://shopify/Order/9": [PendingLine("TEE-S", LOC1, 3)]}, ["gid://shopify/Order/9"]
        )
        tx.record_pushed("uk", LOC1, TEE.inventory_item_id, "TEE-S", 11)


def test_explain_shows_warehouses_pending_rule_figure_and_last_pushed(
    stock_config: Path, stocked: None
) -> None:
    result = shopbridge(stock_config, "stock", "explain", "TEE-S")
    assert result.exit_code == 0, result.output
    text = result.stdout
    for expected in ("MAIN 10", "OVERFLOW 4", "sku TEE-S at gid://shopify/Location/1: 2 units", "11"):
        assert expected in text, expected
    # 14 free - 3 pending - 2 buffer at location 1; location 2 has nothing and the default rule.
    assert "free 14 - pending 3 - buffer 2" in text and "= 9" in text
    assert "free 0 - pending 0 - buffer 1 (buffer default: 1 units) = 0" in text


def test_explain_a_bundle_names_its_scarcest_component(stock_config: Path, stocked: None) -> None:
    result = shopbridge(stock_config, "stock", "explain", "KIT")
    assert result.exit_code == 0, result.output
    assert "scarcest MUG-01" in result.stdout  # MUG-01: 7 - 1 = 6, // 2 = 3; TEE-S: 9
    assert "bundle: min(MUG-01: 6 // 2 = 3, TEE-S: 9 // 1 = 9) = 3" in result.stdout


def test_explain_an_unknown_sku_refuses(stock_config: Path, stocked: None) -> None:
    result = shopbridge(stock_config, "stock", "explain", "NOPE")
    assert result.exit_code == 1
    assert "knows no stock of NOPE" in result.stderr


def test_peak_on_is_kept_audited_and_queues_the_skus_whose_buffer_changes(
    stock_config: Path, stocked: None, store: Store
) -> None:
    result = shopbridge(stock_config, "peak", "on", "--actor", "ops")
    assert result.exit_code == 0, result.output
    assert "1 SKU(s) queued" in result.stdout
    explained = shopbridge(stock_config, "stock", "explain", "TEE-S")
    assert "(peak mode)" in explained.stdout and "= 6" in explained.stdout  # the peak buffer of 5
    with store.begin() as conn:
        queued = conn.execute(sa.select(jobs.c.kind, jobs.c.payload)).all()
        actions = conn.execute(sa.select(audit.c.actor, audit.c.action)).all()
    assert [(kind, payload["skus"]) for kind, payload in queued] == [("sweep.erp_stock", ["TEE-S"])]
    assert [tuple(row) for row in actions] == [("ops", "peak_on")]
    assert shopbridge(stock_config, "peak", "off").exit_code == 0
    assert "(peak mode)" not in shopbridge(stock_config, "stock", "explain", "TEE-S").stdout


def test_peak_takes_only_on_or_off(stock_config: Path) -> None:
    assert shopbridge(stock_config, "peak", "maybe").exit_code == 2


def test_explain_shows_a_collection_rule_where_the_product_is_in_the_collection(
    stock_config: Path, stocked: None, store: Store, fake_clock: FakeClock
) -> None:
    text = stock_config.read_text(encoding="utf-8").replace(
        "[bundles]", '[[buffers.rules]]\ncollection = "fragile"\nunits = 3\n\n[bundles]'
    )
    stock_config.write_text(text, encoding="utf-8")
    fragile_mug = StockItem(MUG.sku, MUG.variant_id, MUG.inventory_item_id, "Mugs", ("fragile", "kitchen"))
    with StoreUnitOfWork(store, fake_clock).begin() as tx:
        tx.save_stock_items("uk", [fragile_mug])
        assert tx.stock_items("uk", [MUG.sku])[MUG.sku].collections == ("fragile", "kitchen")
    mug = shopbridge(stock_config, "stock", "explain", "MUG-01")
    assert mug.exit_code == 0, mug.output
    assert "free 7 - pending 0 - buffer 3 (buffer collection fragile: 3 units) = 4" in mug.stdout
    tee = shopbridge(stock_config, "stock", "explain", "TEE-S")  # in no collection: its own rules
    assert "collection fragile" not in tee.stdout
