"""``shopbridge orders show``: one order's story, found by any of its names, on a real store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from shopbridge.cli.app import app
from shopbridge.domain.order_sync import OrderSync, SyncStatus
from shopbridge.domain.problems import ProblemKind, ProblemReport
from shopbridge.engine import queue
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.store import Store
from shopbridge.engine.uow import StoreUnitOfWork

ORDER = "gid://shopify/Order/1001"


def shopbridge(config: Path, *args: str) -> Result:
    return CliRunner().invoke(app, ["--config", str(config), *args], env={"COLUMNS": "200"})


@pytest.fixture
def posted_order(store: Store, fake_clock: FakeClock) -> None:
    sync = OrderSync("uk", ORDER, "#1001", SyncStatus.POSTED, erp_id="77", erp_number="SO-77")
    with StoreUnitOfWork(store, fake_clock).begin() as tx:
        tx.save_order_sync(sync)
        tx.add_trail("uk", ORDER, "received", {"topic": "orders/paid"})
        tx.add_trail("uk", ORDER, "posted", {"erp_number": "SO-77"})
        tx.report_problem(
            ProblemReport(ProblemKind.CUSTOMER_CONFLICT, "order", ORDER, "name differs", shop="uk")
        )
    with store.begin() as conn:
        queue.enqueue(conn, "shopify.order", {"topic": "orders/paid"}, entity_key="order:uk:1001")


@pytest.mark.parametrize("key", ["#1001", "1001", ORDER, "SO-77"])
def test_an_order_is_found_by_its_name_its_id_or_its_erp_number(
    config: Path, posted_order: None, key: str
) -> None:
    result = shopbridge(config, "orders", "show", key, "--json")
    assert result.exit_code == 0, result.output
    story = json.loads(result.stdout)
    assert (story["name"], story["erp_number"], story["status"]) == ("#1001", "SO-77", "posted")
    assert [step["step"] for step in story["trail"]] == ["received", "posted"]
    assert [job["kind"] for job in story["jobs"]] == ["shopify.order"]
    assert [problem["kind"] for problem in story["problems"]] == ["customer_conflict"]


def test_the_table_view_shows_both_references_steps_and_problems(config: Path, posted_order: None) -> None:
    result = shopbridge(config, "orders", "show", "#1001")
    assert result.exit_code == 0, result.output
    for text in ("#1001", "SO-77", "posted", "received", "customer_conflict", "[open]"):
        assert text in result.stdout, text


def test_an_unknown_order_says_what_to_give(config: Path) -> None:
    result = shopbridge(config, "orders", "show", "#9999")
    assert result.exit_code == 1
    assert "no order '#9999' is known to shopbridge (give its name, id or ERP number)" in result.output
