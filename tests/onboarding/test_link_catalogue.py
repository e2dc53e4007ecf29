"""``shopbridge link catalogue`` end to end: the Shopify sandbox against each ERP sandbox, with
planted mismatches of every kind (half the SKUs unmatched), all reported, the matches linked."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from onboarding_support import Shop, invoke

from shopbridge.config import load_settings
from shopbridge.connectors.erp import build_erp
from shopbridge.demo.erp_base import DemoErp
from shopbridge.demo.erps import make_erp
from shopbridge.domain.records import Item
from shopbridge.engine import links
from shopbridge.engine.store import Store
from shopbridge.onboarding.catalogue_link import all_erp_items


@pytest.fixture(params=["sage200", "syspro", "prima"])
def erp(request: pytest.FixtureRequest) -> Iterator[DemoErp]:
    sandbox = make_erp(request.param)
    sandbox.start()
    yield sandbox
    sandbox.stop()


def _erp_items(config: Path) -> list[Item]:
    settings = load_settings(config).erp
    assert settings is not None
    port = build_erp(settings)
    try:
        return all_erp_items(port)
    finally:
        close = getattr(port, "close", None)
        if callable(close):
            close()


def _plant(shop: Shop, erp: DemoErp) -> None:
    """Shopify: TEE-S, TEE-M, TEE-L, MUG-01 twice (a duplicate), BOTTLE-01, BUNDLE-BRK and TOTE-01,
    whose SKU is emptied. The ERP gets TEE-S, TEE-M and MUG-01, plus one active item Shopify lacks
    and one inactive (never reported)."""
    state = shop.server.state
    with state.lock:
        tote = next(v for v in state.variants.values() if v["sku"] == "TOTE-01")
        tote["sku"] = ""
    for sku in ("TEE-S", "TEE-M", "MUG-01", "ERP-ONLY-1", "ERP-OFF-1"):
        erp.add_item(sku, f"item {sku}", Decimal("5.00"))
    erp.set_item_active("ERP-OFF-1", False)


def test_link_catalogue_links_the_matches_and_reports_every_mismatch(
    shop: Shop, erp: DemoErp, tmp_path: Path, sqlite_store: Store, config: Path
) -> None:
    _plant(shop, erp)
    config.write_text(config.read_text() + f'\n[erp]\nvendor = "{erp.vendor}"\n\n{erp.config()}')
    before = {i.sku for i in _erp_items(config)}
    result = invoke(config, "link", "catalogue", "--out", str(tmp_path / "out"))
    assert result.exit_code == 1, result.output  # mismatches remain
    body = json.loads((tmp_path / "out" / "catalogue-mismatches-uk.json").read_text())
    found: dict[str, set[str]] = {}
    for row in body["mismatches"]:
        found.setdefault(row["kind"], set()).add(row["sku"])
    unmatched = {"TEE-L", "BOTTLE-01", "BUNDLE-BRK"} - before
    assert found.get("sku_not_in_erp", set()) == unmatched
    assert found["duplicate_sku"] == {"MUG-01"}
    assert found["empty_sku"] == {""}
    assert "ERP-ONLY-1" in found["erp_item_not_on_shopify"]
    assert "ERP-OFF-1" not in found["erp_item_not_on_shopify"]
    assert not {"TEE-S", "TEE-M", "MUG-01"} & found["erp_item_not_on_shopify"]
    with sqlite_store.begin() as conn:
        linked = {
            sku
            for sku in ("TEE-S", "TEE-M", "TEE-L", "MUG-01", "BOTTLE-01", "BUNDLE-BRK")
            if links.find(conn, entity_type="variant", shop="uk", erp_id=sku) is not None
        }
    assert linked == {"TEE-S", "TEE-M"} | ({"TEE-L", "BOTTLE-01", "BUNDLE-BRK"} & before)
    assert body["summary"]["linked"] == len(linked)
    with (tmp_path / "out" / "catalogue-mismatches-uk.csv").open(encoding="utf-8") as handle:
        assert len(list(csv.DictReader(handle))) == len(body["mismatches"])
    again = invoke(config, "link", "catalogue", "--out", str(tmp_path / "out"))
    assert again.exit_code == 1
    assert json.loads((tmp_path / "out" / "catalogue-mismatches-uk.json").read_text()) == body


def test_a_catalogue_that_fully_matches_exits_0(
    shop: Shop, erp: DemoErp, tmp_path: Path, config: Path
) -> None:
    state = shop.server.state
    with state.lock:
        skus = [v["sku"] for v in state.variants.values()]
        for n, variant in enumerate(state.variants.values()):
            variant["sku"] = f"{variant['sku']}-{n}"  # no duplicates left
        skus = [v["sku"] for v in state.variants.values()]
    config.write_text(config.read_text() + f'\n[erp]\nvendor = "{erp.vendor}"\n\n{erp.config()}')
    for sku in skus:
        erp.add_item(sku, sku, Decimal("1.00"))
    before = _erp_items(config)
    extra = {i.sku for i in before if i.status.value == "active"} - set(skus)
    result = invoke(config, "link", "catalogue", "--out", str(tmp_path))
    summary = json.loads((tmp_path / "catalogue-mismatches-uk.json").read_text())["summary"]
    assert summary["linked"] == len(skus)
    assert summary["erp_item_not_on_shopify"] == len(extra)
    assert result.exit_code == (1 if extra else 0)
