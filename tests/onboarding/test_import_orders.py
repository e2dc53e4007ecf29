"""``shopbridge import orders --since`` against the Shopify sandbox and an ERP sandbox: orders the
ERP has are linked, the rest counted; ``--post-missing`` puts them on the order flow after a
confirmation; a second run changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from onboarding_support import Shop, invoke, write_config

from shopbridge.bootstrap import build_registry, build_services
from shopbridge.config import load_settings
from shopbridge.connectors.erp import build_erp
from shopbridge.demo.erp_base import DemoErp
from shopbridge.demo.erps import make_erp
from shopbridge.domain.money import Money
from shopbridge.domain.records import SalesOrderLine, SalesOrderRequest
from shopbridge.engine import links
from shopbridge.engine.schema import jobs
from shopbridge.engine.store import Store
from shopbridge.engine.worker import Worker

ORDERS = 5
IN_ERP = 2  # the first two orders are already in the ERP (posted by "the retailer's current process")


@pytest.fixture(params=["sage200", pytest.param("tryton", marks=pytest.mark.tryton)])
def erp(request: pytest.FixtureRequest) -> Iterator[DemoErp]:
    sandbox = make_erp(request.param)
    sandbox.start()
    yield sandbox
    sandbox.stop()


def _orders(shop: Shop) -> list[dict[str, str]]:
    state = shop.server.state
    variant = next(v["id"] for v in state.variants.values() if v["sku"] == "MUG-01")
    for _ in range(ORDERS):
        order = {"lines": [{"variant_id": variant, "quantity": 1}], "payment": "paid"}
        assert shop.http.post("/_sandbox/orders", json=order).status_code == 201
    nodes: list[dict[str, str]] = shop.data(
        "{ orders(first: 50, sortKey: CREATED_AT) { nodes { id name } } }"
    )["orders"]["nodes"]
    return nodes


def _post_to_erp(config: Path, erp: DemoErp, names: list[str]) -> None:
    settings = load_settings(config).erp
    assert settings is not None
    port = build_erp(settings)
    line = SalesOrderLine("MUG-01", 1, Money(Decimal("10.00"), "GBP"), Money(Decimal("2.00"), "GBP"))
    try:
        for name in names:
            request = SalesOrderRequest(name, erp.web_account, "GBP", date.today(), (line,))
            port.create_sales_order(request)
    finally:
        close = getattr(port, "close", None)
        if callable(close):
            close()


def _linked(store: Store, ids: list[str]) -> dict[str, Any]:
    with store.begin() as conn:
        return {i: links.find(conn, entity_type="order", shop="uk", shopify_id=i) for i in ids}


def _import_jobs(store: Store) -> list[dict[str, Any]]:
    with store.begin() as conn:
        rows = conn.execute(sa.select(jobs).where(jobs.c.kind == "shopify.order")).mappings().all()
    return [dict(r) for r in rows]


def _work_off(config: Path, store: Store) -> None:
    services = build_services(load_settings(config), store=store)
    try:
        worker = Worker(store, build_registry(services), clock=services.clock, name="import-test")
        while worker.run_once():
            pass
    finally:
        services.close()


def _counts(output: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for line in output.splitlines():
        cells = [c.strip() for c in line.replace("│", "|").split("|") if c.strip()]
        if len(cells) == 2 and cells[1].isdigit():
            found[cells[0]] = int(cells[1])
    return found


def test_import_links_what_the_erp_has_and_posts_the_rest_once(
    shop: Shop, erp: DemoErp, sqlite_store: Store, config: Path
) -> None:
    write_config(config, sqlite_store, shop, extra=f'web_accounts = {{ GBP = "{erp.web_account}" }}')
    config.write_text(config.read_text() + f'\n[erp]\nvendor = "{erp.vendor}"\n\n{erp.config()}')
    erp.add_item("MUG-01", "mug", Decimal("10.00"))
    orders = _orders(shop)
    ids = [o["id"] for o in orders]
    _post_to_erp(config, erp, [o["name"] for o in orders[:IN_ERP]])

    first = invoke(config, "import", "orders", "--since", "2000-01-01")
    assert first.exit_code == 1, first.output  # orders the ERP lacks were left unposted
    counts = _counts(first.output)
    assert counts["orders"] == ORDERS
    assert counts["linked"] == IN_ERP
    assert counts["missing, not posted"] == ORDERS - IN_ERP
    assert counts["posted (enqueued)"] == 0
    linked = _linked(sqlite_store, ids)
    assert {i for i, link in linked.items() if link is not None} == set(ids[:IN_ERP])
    assert _import_jobs(sqlite_store) == []

    again = invoke(config, "import", "orders", "--since", "2000-01-01")
    assert _counts(again.output)["linked"] == 0
    assert _counts(again.output)["already linked"] == IN_ERP
    assert _linked(sqlite_store, ids) == linked  # the second run changed nothing

    refused = invoke(config, "import", "orders", "--since", "2000-01-01", "--post-missing")
    assert refused.exit_code == 1
    assert f"would post {ORDERS - IN_ERP} order(s)" in refused.output
    assert "pass --yes" in refused.output
    assert _import_jobs(sqlite_store) == []  # refused: nothing enqueued

    posted = invoke(config, "import", "orders", "--since", "2000-01-01", "--post-missing", "--yes")
    assert posted.exit_code == 0, posted.output
    assert _counts(posted.output)["posted (enqueued)"] == ORDERS - IN_ERP
    enqueued = _import_jobs(sqlite_store)
    assert sorted(j["payload"]["order_id"] for j in enqueued) == sorted(ids[IN_ERP:])
    assert {j["payload"]["source"] for j in enqueued} == {"import"}

    repeat = invoke(config, "import", "orders", "--since", "2000-01-01", "--post-missing", "--yes")
    assert _counts(repeat.output)["posted (enqueued)"] == 0
    assert _counts(repeat.output)["already enqueued"] == ORDERS - IN_ERP
    assert len(_import_jobs(sqlite_store)) == len(enqueued)  # the same versions: no second job

    _work_off(config, sqlite_store)  # the order flow posts them and links them, as for any order
    done = invoke(config, "import", "orders", "--since", "2000-01-01", "--post-missing", "--yes")
    assert done.exit_code == 0, done.output
    assert _counts(done.output)["already linked"] == ORDERS
    assert sorted(o.reference for o in erp.orders()) == sorted(o["name"] for o in orders)


def test_since_a_date_after_every_order_reads_none(shop: Shop, erp: DemoErp, config: Path) -> None:
    config.write_text(config.read_text() + f'\n[erp]\nvendor = "{erp.vendor}"\n\n{erp.config()}')
    _orders(shop)
    result = invoke(config, "import", "orders", "--since", "2999-01-01")
    assert result.exit_code == 0, result.output
    assert _counts(result.output)["orders"] == 0


def test_a_since_that_is_not_a_date_is_refused_naming_it(config: Path) -> None:
    result = invoke(config, "import", "orders", "--since", "last tuesday")
    assert result.exit_code == 1
    assert "--since 'last tuesday' is not an ISO date" in result.output
