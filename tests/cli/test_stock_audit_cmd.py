"""`shopbridge stock audit`: the audit now, against the HTTP Shopify sandbox, with a summary."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from cli.seeding import write_config
from shopbridge.cli.app import app
from shopbridge.engine import snapshots
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.schema import problems
from shopbridge.engine.store import Store
from shopbridge.sandbox.shopify.server import SandboxServer, SandboxSettings

TOKEN = "shpat_cli_audit"
SHOP = """
[[shops]]
name = "uk"
domain = "sandbox.myshopify.com"
admin_url = "{url}"
access_token = {{ env = "CLI_AUDIT_TOKEN" }}
webhook_secrets = [{{ env = "CLI_AUDIT_TOKEN" }}]
"""


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    server = SandboxServer(SandboxSettings(access_token=TOKEN, seed_catalogue=True, seed=7))
    server.state.bulk_timing.base_s = 0.05
    server.start()
    yield server
    server.stop()


@pytest.fixture
def config(tmp_path: Path, store: Store, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CLI_AUDIT_TOKEN", TOKEN)
    path = write_config(tmp_path / "shopbridge.toml", store)
    with path.open("a", encoding="utf-8") as out:
        out.write(SHOP.format(url=sandbox.sandbox.base_url))
    return path


def pushed_one_level_as(store: Store, sandbox: SandboxServer, quantity: int) -> tuple[str, str]:
    """A snapshot for one sandbox level saying shopbridge pushed ``quantity``; returns the level."""
    with sandbox.state.lock:
        item, location = sorted(sandbox.state.inventory_levels)[0]
        sku = sandbox.state.variants[sandbox.state.inventory_items[item]["variant_id"]]["sku"]
    with store.begin() as conn:
        snapshots.record_pushed(
            conn,
            shop="uk",
            location_id=location,
            inventory_item_id=item,
            quantity=quantity,
            sku=sku,
            now=FakeClock().now(),
        )
    return item, location


def test_the_audit_repairs_drift_and_prints_the_worst(
    config: Path, store: Store, sandbox: SandboxServer
) -> None:
    item, location = pushed_one_level_as(store, sandbox, 41)
    result = CliRunner().invoke(app, ["--config", str(config), "stock", "audit"], env={"USER": "ops"})
    assert result.exit_code == 0, result.output
    assert "1 drifted, 1 repaired" in result.output
    assert "largest drift" in result.output and "comparing with snapshots" in result.output
    assert sandbox.state.inventory_levels[(item, location)]["available"] == 41
    with store.begin() as conn:
        kinds = [row.kind for row in conn.execute(sa.select(problems.c.kind))]
    assert kinds == ["stock_mismatch"]


def cancel_the_next_bulk_operation(sandbox: SandboxServer) -> None:
    """Cancel the next bulk operation in Shopify (as a person in the admin would) while it runs."""
    pause = threading.Event()
    for _ in range(1000):
        with sandbox.state.lock:
            ops = sandbox.state.bulk_operations.values()
            running = [op["id"] for op in ops if op["status"] in ("CREATED", "RUNNING")]
        if running:
            mutation = (
                f'mutation {{ bulkOperationCancel(id: "{running[0]}") {{ userErrors {{ message }} }} }}'
            )
            httpx.post(
                sandbox.graphql_url, json={"query": mutation}, headers={"X-Shopify-Access-Token": TOKEN}
            )
            return
        pause.wait(0.01)


def test_a_cancelled_read_is_one_red_line_and_exit_1(
    config: Path, store: Store, sandbox: SandboxServer
) -> None:
    item, location = pushed_one_level_as(store, sandbox, 41)
    before = sandbox.state.inventory_levels[(item, location)]["available"]
    sandbox.state.bulk_timing.base_s = 30.0
    canceller = threading.Thread(target=cancel_the_next_bulk_operation, args=(sandbox,))
    canceller.start()
    result = CliRunner().invoke(app, ["--config", str(config), "stock", "audit"], env={"USER": "ops"})
    canceller.join(10)
    assert result.exit_code == 1, result.output
    assert "ended CANCELED" in result.output
    assert sandbox.state.inventory_levels[(item, location)]["available"] == before
