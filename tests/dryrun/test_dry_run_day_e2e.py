"""A dry-run day against the Shopify sandbox and each ERP (the Sage 200, SYSPRO and Prima sandboxes, a
real Tryton server), then the go-live gates and the switch to live.

The day is the demo's trading (orders, refunds, payouts) with every flow in dry run
(``shopbridge run --dry-run``). The ERPs' own state proves that nothing was written to either
system; the trail holds every write the flows would have made. Once ``golive enable orders`` switches
the flow live, the orders the dry run would have posted are posted by themselves, each once (one the
retailer keyed by hand meanwhile is linked, not posted again), and a second enable and run add none.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections import Counter
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner, Result

from cli.signing import signed_in_client
from shopbridge.cli.app import app
from shopbridge.demo import payouts_day
from shopbridge.demo.stack import DEMO_ADMIN, SHOP_NAME, DemoOptions, DemoStack
from shopbridge.domain.money import Money
from shopbridge.domain.problems import ProblemKind
from shopbridge.domain.records import Address, SalesOrderLine, SalesOrderRequest
from shopbridge.dryrun import DRY_RUN_PREFIX, WOULD_DO_STEP
from shopbridge.engine import queue
from shopbridge.engine.schema import audit, golive_flows, jobs, links, order_syncs, problems, trail
from shopbridge.flows.order_to_sales_order import KIND as ORDER_KIND
from shopbridge.flows.order_to_sales_order import order_entity_key
from shopbridge.golive.catch_up import CATCH_UP_KIND
from shopbridge.intake.order_sweep import enqueue_sweep, start_watermark
from shopbridge.sandbox.shopify.scenario import run_day

# What shopbridge could write in the Shopify sandbox (reads may add bulk operations and counters).
SHOPIFY_WRITABLE = (
    "products",
    "variants",
    "inventory_items",
    "inventory_levels",
    "orders",
    "refunds",
    "fulfillment_orders",
    "fulfillments",
    "metafields",
    "catalogs",
    "price_lists",
    "publications",
    "companies",
    "company_locations",
    "customers",
)


# Tryton is a real server (``.venv-tryton``), marked as the other Tryton tests are.
ERPS = ["sage200", "syspro", "prima", pytest.param("tryton", marks=pytest.mark.tryton)]

# The Tryton models shopbridge's adapter creates or writes (connectors/erp/tryton), and those its
# documents make (lines, moves, shipments); each row's write date shows a change.
TRYTON_MODELS = (
    "sale.sale",
    "sale.line",
    "sale.amendment",
    "party.party",
    "party.address",
    "party.contact_mechanism",
    "account.invoice",
    "account.invoice.line",
    "account.move",
    "account.move.line",
    "stock.shipment.out",
    "stock.move",
    "product.template",
    "product.product",
)


@pytest.fixture(params=ERPS)
def stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DemoStack]:
    erp = str(request.param)
    options = DemoOptions(workdir=tmp_path, orders=8, drop_rate=0.0, duplicate_rate=0.0, workers=2, erp=erp)
    with DemoStack(options) as running:
        yield running


def _shopify_state(stack: DemoStack) -> dict[str, Any]:
    assert stack.shopify is not None
    state = stack.shopify.state
    with state.lock:
        return {name: copy.deepcopy(getattr(state, name)) for name in SHOPIFY_WRITABLE}


def _erp_state(stack: DemoStack) -> tuple[tuple[int, ...], dict[str, Any]]:
    """The ERP's record counters (every insert moves one) and its tables, from its own state (Tryton:
    over JSON-RPC as a clerk would read it)."""
    vendor = stack.options.erp
    if vendor == "sage200":
        sage = stack.erp.sandbox.state  # type: ignore[attr-defined]
        with sage.lock:
            return (sage.tables.next_id,), copy.deepcopy(sage.tables.rows)
    if vendor == "prima":
        return _prima_state(stack.erp.sandbox.state.company)  # type: ignore[attr-defined]
    if vendor == "tryton":
        return _tryton_state(stack.erp)
    company = stack.erp.sandbox.state.company  # type: ignore[attr-defined]
    with company.lock:
        counters = (
            company.rowversion,
            company.next_order,
            company.next_note,
            company.next_journal,
            company.next_invoice,
        )
        return counters, copy.deepcopy(company.tables)


def _prima_state(company: Any) -> tuple[tuple[int, ...], dict[str, Any]]:
    """Every table of the Prima sandbox's company; its sequence moves on any change, and each numbering
    (orders, credits, journals) on an insert."""
    with company.lock:
        counters = (company.sequence, *(n for _, n in sorted(company.counters.items())))
        tables = {
            f.name: copy.deepcopy(getattr(company, f.name))
            for f in dataclasses.fields(company)
            if f.name not in ("lock", "sequence", "counters")
        }
    tables["despatches"] = dict(enumerate(tables["despatches"]))
    return counters, tables


def _tryton_state(erp: Any) -> tuple[tuple[int, ...], dict[str, Any]]:
    """Per model, how many rows and the highest id (an insert moves them), and each row's write date."""
    counters: list[int] = []
    tables: dict[str, Any] = {}
    for model in TRYTON_MODELS:
        rows = erp._call(model, "search_read", [], 0, None, None, ["write_date", "create_date"])
        counters += [len(rows), max((int(r["id"]) for r in rows), default=0)]
        tables[model] = {r["id"]: (str(r["write_date"]), str(r["create_date"])) for r in rows}
    return tuple(counters), tables


def _changed(after: dict[str, Any], before: dict[str, Any]) -> dict[str, Any]:
    """Table -> the records that differ (both sides), to say what was written."""
    diff = {}
    for table in sorted(set(after) | set(before)):
        rows_after, rows_before = after.get(table, {}), before.get(table, {})
        changed = {k for k in set(rows_after) | set(rows_before) if rows_after.get(k) != rows_before.get(k)}
        if changed:
            diff[table] = [(rows_before.get(k), rows_after.get(k)) for k in sorted(changed)][:3]
    return diff


def _sweep(stack: DemoStack, kind: str) -> None:
    services = stack.services
    assert services is not None
    with services.store.begin() as conn:
        queue.enqueue(conn, kind, {}, shop=SHOP_NAME, now=services.clock.now())
    assert stack.wait_until_idle(120)


def _dry_run_day(stack: DemoStack) -> None:
    services = stack.services
    assert services is not None and stack.shopify is not None
    services.dry_run = True  # what `shopbridge run --dry-run` sets
    start_watermark(services.store, SHOP_NAME, services.clock.now().replace(hour=0, minute=0))
    run_day(stack.shopify.state, seed=2026, orders=8)
    payouts_day.trade_payouts(stack.shopify.state)


def _run_flows(stack: DemoStack) -> None:
    services = stack.services
    assert services is not None
    stack.start_workers()
    stack.emitter().flush(timeout=120)
    assert stack.wait_until_idle(120)
    with services.store.begin() as conn:
        enqueue_sweep(conn, SHOP_NAME, now=services.clock.now())
    assert stack.wait_until_idle(120)
    for kind in ("sweep.catalogue", "sweep.erp_stock", "sweep.payouts", "sweep.erp_dispatches"):
        _sweep(stack, kind)


def _key_by_hand(stack: DemoStack, orders: list[dict[str, Any]]) -> str:
    """One order the dry run would have posted, keyed into the ERP meanwhile by the retailer's current
    process (through the ERP's own API, as the would-do's payload has it); returns its reference.

    One with no SKU the dry run found duplicated (that order waits in quarantine, not in the ERP), keyed
    to the web-sales account where the dry run would have created the customer."""
    services = stack.services
    assert services is not None
    with services.store.begin() as conn:
        duplicated = set(
            conn.execute(
                sa.select(problems.c.entity_id).where(problems.c.kind == ProblemKind.DUPLICATE_SKU.value)
            ).scalars()
        )
    for would_do in orders:
        order = would_do["payload"]["order"]
        skus = {line["sku"] for line in order["lines"]}
        if not skus & duplicated:
            if order["customer_account"].startswith(DRY_RUN_PREFIX):
                order = {**order, "customer_account": stack.erp.web_account}
            services.flow_context(SHOP_NAME).erp.create_sales_order(_request(order))
            return str(order["reference"])
    raise AssertionError(f"no order to key by hand among {[w['reference'] for w in orders]}")


def _money(value: dict[str, str] | None) -> Money | None:
    return None if value is None else Money(Decimal(value["amount"]), value["currency"])


def _request(order: dict[str, Any]) -> SalesOrderRequest:
    """The request a would-do's payload holds in full (``dryrun/payload.py``), as a dataclass again."""
    lines = tuple(
        SalesOrderLine(
            **{
                **line,
                "unit_price": _money(line["unit_price"]),
                "tax": _money(line["tax"]),
                "discount": _money(line["discount"]),
            }
        )
        for line in order["lines"]
    )
    address = order["delivery_address"]
    return SalesOrderRequest(
        **{
            **order,
            "order_date": date.fromisoformat(order["order_date"]),
            "lines": lines,
            "shipping": _money(order["shipping"]),
            "shipping_tax": _money(order["shipping_tax"]),
            "delivery_address": None if address is None else Address(**address),
        }
    )


def _catch_up_jobs(stack: DemoStack) -> list[str]:
    assert stack.services is not None
    with stack.services.store.begin() as conn:
        catch_up = jobs.c.dedup_key.like("golive:%")
        query = sa.select(jobs.c.entity_key).where(jobs.c.kind == ORDER_KIND, catch_up)
        return list(conn.execute(query).scalars())


def _live_run(stack: DemoStack) -> Counter[str]:
    """A live run (``shopbridge run``) until the queue is idle: the ERP's orders, by reference.

    The catch-up ``golive enable`` queues again for a few minutes later runs now (as if they passed)."""
    assert stack.services is not None
    with stack.services.store.begin() as conn:
        later = sa.update(jobs).where(jobs.c.kind == CATCH_UP_KIND, jobs.c.state == "pending")
        assert conn.execute(later.values(run_after=stack.services.clock.now())).rowcount == 1
    stack.start_workers()
    assert stack.wait_until_idle(120)
    return Counter(order.reference for order in stack.erp.orders())


def _debug(stack: DemoStack) -> str:
    assert stack.services is not None
    with stack.services.store.begin() as conn:
        syncs = conn.execute(sa.select(order_syncs)).all()
        steps = conn.execute(
            sa.select(trail.c.entity_id, trail.c.step, trail.c.detail).order_by(trail.c.id)
        ).all()
        js = conn.execute(sa.select(jobs.c.kind, jobs.c.state, jobs.c.entity_key, jobs.c.last_error)).all()
    return "\n".join(map(str, [*syncs, *steps[-60:], *js]))


def _would_dos(stack: DemoStack) -> list[dict[str, Any]]:
    assert stack.services is not None
    with stack.services.store.begin() as conn:
        rows = conn.execute(sa.select(trail).where(trail.c.step == WOULD_DO_STEP)).all()
    return [{"entity": row.entity_id, **row.detail} for row in rows]


def _cli(config: Path, *args: str) -> Result:
    return CliRunner().invoke(app, ["--config", str(config), *args], env={"COLUMNS": "200"})


def test_a_dry_run_day_writes_nothing_records_every_write_and_the_gates_hold_go_live(
    stack: DemoStack,
) -> None:
    services = stack.services
    assert services is not None
    _dry_run_day(stack)
    shopify_before, erp_before = _shopify_state(stack), _erp_state(stack)

    _run_flows(stack)

    # 0 writes in either sandbox, counted from their own state.
    assert _shopify_state(stack) == shopify_before
    assert _changed(_erp_state(stack)[1], erp_before[1]) == {}
    assert _erp_state(stack)[0] == erp_before[0]  # no record inserted or changed
    assert stack.erp.orders() == []

    # Every would-be write is on the trail, with its full payload.
    done = _would_dos(stack)
    kinds = Counter(w["kind"] for w in done)
    assert kinds["erp.create_sales_order"] >= 5, kinds
    assert kinds["shopify.set_available"] >= 1, kinds
    assert kinds["shopify.set_product_status"] >= 1, kinds  # the SKU the ERP lacks is gated
    assert all(w["payload"] and w["flow"] for w in done)
    orders = [w for w in done if w["kind"] == "erp.create_sales_order"]
    # On the Shopify order's trail (where `orders show` looks), the ERP reference in the detail.
    assert all(w["payload"]["order"]["lines"] and w["reference"].startswith("#") for w in orders)
    assert all(w["entity"].startswith("gid://shopify/Order/") for w in orders)
    assert len({w["reference"] for w in orders}) == len(orders)  # recorded once each, though swept twice

    # Nothing stored that would stop the live run from really writing.
    with services.store.begin() as conn:
        assert conn.execute(sa.select(links).where(links.c.erp_id.like(f"{DRY_RUN_PREFIX}%"))).all() == []
        dry_syncs = sa.select(order_syncs).where(order_syncs.c.erp_id.like(f"{DRY_RUN_PREFIX}%"))
        assert conn.execute(dry_syncs).all() == []

    config = stack.options.workdir / "shopbridge.toml"
    report = _cli(config, "dryrun", "report", "--from", "2020-01-01", "--to", "2099-12-31", "--json")
    assert report.exit_code == 0, report.output
    assert '"erp.create_sales_order"' in report.output and '"current_process"' in report.output
    one = _cli(config, "dryrun", "show", orders[0]["entity"])  # one order's trail: its would-dos in full
    assert one.exit_code == 0, one.output
    assert {"erp.create_sales_order", "shopify.record_erp_order"} <= {
        r["kind"] for r in json.loads(one.output)
    }

    # The gates: which fail, and why.
    check = _cli(config, "golive", "check", "--flow", "orders")
    assert check.exit_code == 1, check.output
    lines = {line.split("│")[1].strip(): line for line in check.output.splitlines() if line.count("│") > 3}
    assert "fail" in lines["dry run clean 7 days"] and "under 7 days ago" in lines["dry run clean 7 days"]
    assert "fail" in lines["reconciliation parity 7 days"]
    assert "fail" in lines["alert routes tested"] and "no [[alerts.routes]]" in lines["alert routes tested"]
    assert "fail" in lines["an owner for each team"] and "finance" in lines["an owner for each team"]
    assert "pass" in lines["lookups complete"], lines["lookups complete"]
    assert "fail" in lines["connection and scopes"] and "public_url" in lines["connection and scopes"]
    # The dashboard's go-live page, asked to check Shopify and the ERP, shows the same table.
    with signed_in_client(stack.web_url, DEMO_ADMIN, stack.admin_password) as client:
        page = client.get("/golive", params={"flow": "orders", "systems": "check"}).text
    rows = page.split('data-gate="')[1:]
    shown = {row.split('"')[0]: row.split('data-status="')[1].split('"')[0] for row in rows}
    printed = {name: line.split("│")[2].strip() for name, line in lines.items() if name}  # the status column
    assert shown == printed and set(shown.values()) == {"pass", "fail"}, page

    # The operator stops the dry run; meanwhile the retailer's current process keys one order itself.
    stack.stop_workers()
    services.dry_run = False
    keyed = _key_by_hand(stack, orders)
    would_post = {w["entity"] for w in orders}

    # Enabling is refused while gates fail; allowed with an override, which is audited.
    refused = _cli(config, "golive", "enable", "orders")
    assert refused.exit_code == 1 and "orders stays in dry run" in refused.output
    assert _catch_up_jobs(stack) == []  # refused: nothing queued
    allowed = _cli(
        config, "golive", "enable", "orders", "--override", "--reason", "pilot week", "--by", "ann"
    )
    assert allowed.exit_code == 0, allowed.output
    assert f"{len(would_post)} order(s) the dry run would have posted are queued" in allowed.output
    with services.store.begin() as conn:
        entry = conn.execute(sa.select(audit).where(audit.c.action == "golive_enable")).one()
        switched = conn.execute(sa.select(golive_flows)).one()
    assert (entry.actor, entry.entity_id, entry.detail["reason"]) == ("ann", "orders", "pilot week")
    assert entry.detail["override"] and entry.detail["failed_gates"]
    assert (switched.flow, switched.live, switched.override) == ("orders", 1, 1)

    # Live now: nothing else brings them back, yet the orders the dry run would have posted really post,
    # each once; the one the ERP already has is linked to, not posted again.
    erp_orders = _live_run(stack)
    assert set(erp_orders.values()) == {1}, erp_orders
    posted = set(erp_orders)
    with services.store.begin() as conn:
        status = {row.name: row.status for row in conn.execute(sa.select(order_syncs))}
        keyed_sync = conn.execute(sa.select(order_syncs).where(order_syncs.c.name == keyed)).one()
        posts = sa.select(trail.c.detail).where(trail.c.step == "posted")
        keyed_posts = conn.execute(posts.where(trail.c.entity_id == keyed_sync.order_id)).scalars()
        live = [d for d in keyed_posts if not d["erp_id"].startswith(DRY_RUN_PREFIX)]  # not the dry run's
        assert [detail["existed"] for detail in live] == [True]
    assert posted == {name for name, state in status.items() if state == "posted"} and len(posted) >= 2
    assert keyed in posted
    # The rest wait for a person for a reason the dry run found meanwhile (a duplicate SKU), not for it.
    for name in {w["reference"] for w in orders} - posted:
        assert status[name] == "quarantined", _debug(stack)
    assert sorted(_catch_up_jobs(stack)) == sorted(order_entity_key(SHOP_NAME, gid) for gid in would_post)

    # Enabled again and run again (a restart): nothing more is queued, and the ERP still has each once.
    again = _cli(config, "golive", "enable", "orders", "--override", "--reason", "again", "--by", "ann")
    assert again.exit_code == 0 and "queued" not in again.output, again.output
    stack.stop_workers()
    assert _live_run(stack) == erp_orders
    assert len(_catch_up_jobs(stack)) == len(would_post)
