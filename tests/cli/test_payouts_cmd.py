"""``shopbridge payouts list`` and ``payouts show``: settled payouts and their detail, on a real store."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from shopbridge.cli.app import app
from shopbridge.domain.money import Money
from shopbridge.domain.order_sync import OrderSync, SyncStatus
from shopbridge.domain.payout_state import Outcome, record_of
from shopbridge.domain.records import BalanceTransaction, Payout
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.store import Store
from shopbridge.engine.uow import StoreUnitOfWork

PAYOUT = "gid://shopify/ShopifyPaymentsPayout/623721858"
ORDER = "gid://shopify/Order/1001"
WHEN = datetime(2026, 12, 4, 6, tzinfo=UTC)


def shopbridge(config: Path, *args: str) -> Result:
    return CliRunner().invoke(app, ["--config", str(config), *args], env={"COLUMNS": "200"})


def _tx(n: int, kind: str, amount: str, fee: str, order: str = "") -> BalanceTransaction:
    def gbp(text: str) -> Money:
        return Money(Decimal(text), "GBP")

    return BalanceTransaction(
        f"gid://shopify/ShopifyPaymentsBalanceTransaction/{n}",
        kind,
        gbp(amount),
        gbp(fee),
        gbp(amount) - gbp(fee),
        WHEN,
        source_order_id=order,
        source_order_name="#1001" if order else "",
    )


@pytest.fixture
def posted(store: Store, fake_clock: FakeClock) -> None:
    rows = (_tx(1, "CHARGE", "120.00", "2.05", ORDER), _tx(2, "ADJUSTMENT", "-1.50", "0"))
    payout = Payout(PAYOUT, WHEN, "PAID", Money(Decimal("116.45"), "GBP"), rows)
    record = record_of("uk", payout, Outcome.POSTED, journal="reference,date\n", erp_reference="JNL7")
    with StoreUnitOfWork(store, fake_clock).begin() as tx:
        tx.save_payout_record(record)
        tx.save_order_sync(
            OrderSync("uk", ORDER, "#1001", SyncStatus.POSTED, erp_id="77", erp_number="SO-77")
        )


def test_list_shows_each_settled_payout_with_its_erp_document(config: Path, posted: None) -> None:
    result = shopbridge(config, "payouts", "list", "--json")
    assert result.exit_code == 0, result.output
    (payout,) = json.loads(result.stdout)
    assert (payout["payout_id"], payout["outcome"], payout["net"], payout["erp_reference"]) == (
        PAYOUT,
        "posted",
        "116.45",
        "JNL7",
    )
    table = shopbridge(config, "payouts", "list")
    assert "623721858" in table.stdout and "JNL7" in table.stdout


def test_show_writes_the_detail_csv_with_each_orders_erp_number(
    config: Path, posted: None, tmp_path: Path
) -> None:
    target = tmp_path / "detail.csv"
    journal = tmp_path / "journal.csv"
    result = shopbridge(
        config, "payouts", "show", "623721858", "--csv", str(target), "--journal", str(journal)
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert [(r["type"], r["category"], r["order_name"], r["erp_order"]) for r in rows] == [
        ("CHARGE", "sales", "#1001", "SO-77"),
        ("ADJUSTMENT", "adjustments", "", ""),
    ]
    assert journal.read_text() == "reference,date\n"
    assert "SO-77" in result.stdout and "posted" in result.stdout


def test_show_by_gid_as_json_and_an_unknown_payout_is_refused(config: Path, posted: None) -> None:
    found = json.loads(shopbridge(config, "payouts", "show", PAYOUT, "--json").stdout)
    assert [row["erp_order"] for row in found["detail"]] == ["SO-77", ""]
    missing = shopbridge(config, "payouts", "show", "999")
    assert missing.exit_code == 1 and "no payout 999" in missing.stderr
