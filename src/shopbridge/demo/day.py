"""A day of trading through shopbridge, and the report that proves nothing was lost.

The Shopify sandbox trades a day (orders with discounts, taxes and bundles, cancellations, edits,
refunds, fulfilments, a payout). Its webhooks reach shopbridge's signed intake with some dropped and
some duplicated on purpose. The reconciliation then compares Shopify's order list with what shopbridge
holds twice: after the webhooks alone (the dropped ones are missing) and after the order sweep (none
may be missing). The order flow posts the day's orders into the ERP (Sage 200 unless told otherwise);
the day adds what
the ERP side must survive: a SKU the ERP only gets later (quarantine, then release by the items
sweep), a bundle, edits before the cut-off, an edit after it, a cancellation of a posted order, and
tax-inclusive and tax-exclusive prices. The order check reads both sandboxes' own state.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from shopbridge import admin
from shopbridge.demo import fulfilments_day, payouts_day, prices_day, reconcile_day, stock_audit_day
from shopbridge.demo.catalogue_day import CatalogueDay, merge_stock
from shopbridge.demo.closing import closing_summary, summary_rows
from shopbridge.demo.orders import order_check
from shopbridge.demo.refunds_day import RefundsDay
from shopbridge.demo.stack import LATE_SKU, SHOP_NAME, DemoOptions, DemoStack
from shopbridge.demo.stock_day import run_stock_day
from shopbridge.engine import queue
from shopbridge.intake.order_sweep import enqueue_sweep, start_watermark
from shopbridge.intake.reconcile import IntakeReconciliation, reconcile_intake
from shopbridge.ports.erp import ErpHealth
from shopbridge.sandbox.shopify import scenario_actions as act
from shopbridge.sandbox.shopify.checkout import place_order
from shopbridge.sandbox.shopify.scenario import Summary, run_day


@dataclass
class DemoReport:
    """Everything the demo measured, as printed and as written to ``report.json``/``report.md``."""

    trading: dict[str, Any]
    webhooks: dict[str, int]
    before_sweep: IntakeReconciliation
    after_sweep: IntakeReconciliation
    erp: ErpHealth
    status: dict[str, Any]
    counters: dict[str, int] = field(default_factory=dict)
    dashboard: str = ""
    orders: dict[str, Any] = field(default_factory=dict)
    changes: dict[str, Any] = field(default_factory=dict)
    catalogue: dict[str, Any] = field(default_factory=dict)
    stock: dict[str, Any] = field(default_factory=dict)
    payouts: dict[str, Any] = field(default_factory=dict)
    fulfilments: dict[str, Any] = field(default_factory=dict)
    refunds: dict[str, Any] = field(default_factory=dict)
    ledger: dict[str, Any] = field(default_factory=dict)  # the daily reconciliation's checkpoints

    def to_json(self) -> dict[str, Any]:
        return self._with_catalogue(self._orders_json())

    def _orders_json(self) -> dict[str, Any]:
        return {
            "trading": self.trading,
            "webhooks": self.webhooks,
            "reconciliation": {
                "orders_in_shopify": len(self.after_sweep.in_shopify),
                "missing_after_webhooks": sorted(self.before_sweep.missing),
                "missing_after_sweep": sorted(self.after_sweep.missing),
                "agrees": self.after_sweep.agrees,
                **self.ledger,
            },
            "erp": {
                "vendor": self.erp.vendor,
                "reachable": self.erp.reachable,
                "authenticated": self.erp.authenticated,
                "detail": self.erp.detail,
                "capabilities": sorted(c.value for c in self.erp.capabilities),
            },
            "orders": self.orders,
            "changes": self.changes,
            "payouts": self.payouts,
            "fulfilments": self.fulfilments,
            "refunds": self.refunds,
            "stock": self.stock,
            "status": self.status,
            "counters": self.counters,
            "dashboard": self.dashboard,
        }

    def _with_catalogue(self, data: dict[str, Any]) -> dict[str, Any]:
        """The catalogue phase's findings, and its counts merged into ``stock``; then the closing
        summary, read from the sections above (``demo/closing.py``)."""
        if self.catalogue:
            data["catalogue"] = {k: v for k, v in self.catalogue.items() if k != "stock"}
            merge_stock(data, self.catalogue["stock"])
        data["summary"] = closing_summary(data)
        return data


class DemoDay:
    """The demo's phases, in order; each is a method so the CLI can show progress between them."""

    PHASES = (
        "trade",
        "deliver",
        "reconcile_webhooks",
        "sweep",
        "reconcile_sweep",
        "release",
        "change",
        "redeliver",
        "catalogue",
        "prices",
        "despatch",
        "refund",
        "move_stock",
        "check_erp",
        "audit_stock",
        "payouts",
        "reconcile_ledger",
    )

    def __init__(self, stack: DemoStack, options: DemoOptions) -> None:
        self.stack = stack
        self.options = options
        self.day_start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(
            days=1
        )
        self.summary: Summary | None = None
        self.catalogue_day = CatalogueDay(stack)
        self.payout_trade: dict[str, Any] = {}
        self.before: IntakeReconciliation | None = None
        self.after: IntakeReconciliation | None = None
        self.erp: ErpHealth | None = None
        self.stock: dict[str, Any] = {}
        self.stock_counts: dict[str, Any] = {}
        self.changes: dict[str, list[str]] = {
            "tax_exclusive": [],
            "edited_before_cutoff": [],
            "edited_after_cutoff": [],
            "cancelled_after_posting": [],
        }
        self.refunds = RefundsDay(stack)
        self.ledger: dict[str, Any] = {}

    def trade(self) -> None:
        """shopbridge was installed before the trading day began: its order watermark starts there.

        The day (all prices VAT-inclusive) is followed by one VAT-exclusive order that also sells the
        SKU the ERP does not have yet. Workers start once the day is traded, so shopbridge's own
        write-backs come after the day's events and a seed gives the same day every run.
        """
        services = self.stack.services
        assert services is not None and self.stack.shopify is not None
        start_watermark(services.store, SHOP_NAME, self.day_start)
        state = self.stack.shopify.state
        self.summary = run_day(state, seed=self.options.seed, orders=self.options.orders)
        order = place_order(
            state,
            {
                "lines": [{"sku": LATE_SKU, "quantity": 2}, {"sku": "TEE-L", "quantity": 1}],
                "shipping": {"title": "Standard", "price": "3.95", "code": "STD"},
                "tax": {"title": "VAT", "rate": "0.2"},
                "taxes_included": False,
                "gateway": "shopify_payments",
                "payment": "paid",
                "customer": {"email": "trade.buyer@example.com", "firstName": "Tara", "lastName": "Exvat"},
            },
        )
        self.changes["tax_exclusive"].append(str(order["name"]))
        self.payout_trade = payouts_day.trade_payouts(state)  # returns, a chargeback: a refund-heavy payout
        self.stack.start_workers()

    def deliver(self) -> None:
        assert self.stack.shopify is not None
        self.stack.emitter().flush(timeout=120)
        self.stack.wait_until_idle()

    def reconcile_webhooks(self) -> None:
        self.before = self._reconcile()

    def sweep(self) -> None:
        services = self.stack.services
        assert services is not None
        with services.store.begin() as conn:
            enqueue_sweep(conn, SHOP_NAME, now=services.clock.now())
        self.stack.wait_until_idle()

    def reconcile_sweep(self) -> None:
        self.after = self._reconcile()

    def release(self) -> None:
        """Later in the day the ERP gets the missing SKU; the items sweep releases its orders."""
        services, stack = self.stack.services, self.stack
        assert services is not None and stack.shopify is not None
        name, price = stack.catalogue[LATE_SKU]
        stack.erp.add_item(LATE_SKU, name, price)
        with services.store.begin() as conn:
            queue.enqueue(conn, "sweep.erp_items", {}, dedup_key="sweep.erp_items")
        stack.wait_until_idle()

    def change(self) -> None:
        """Edits of posted orders (two before the cut-off, one after despatch), one cancellation.

        The order edited after despatch gains an item (a customer adding to a parcel already gone):
        its despatch still fulfils what was shipped, and the added item is the person's task the
        cut-off raises. (Taking units off a shipped order would make its despatch carry more than
        the order holds: a real conflict, tested in tests/e2e, not part of the clean day.)"""
        stack = self.stack
        assert stack.shopify is not None
        state = stack.shopify.state
        rng = random.Random(self.options.seed)
        posted = {o.reference for o in stack.erp.orders()}
        with state.lock:
            candidates = [
                o
                for o in sorted(state.orders.values(), key=lambda o: int(str(o["id"]).rsplit("/", 1)[-1]))
                if o["name"] in posted
                and not o["cancelled_at"]
                and not any(line["fulfilled"] for line in o["line_items"])
                and not any(line["refunded"] for line in o["line_items"])
            ]
            variants = sorted(
                gid
                for gid, v in state.variants.items()
                if v.get("sku") in stack.catalogue
                and state.products[str(v["product_id"])]["status"] == "ACTIVE"
            )
        picked = rng.sample(candidates, min(4, len(candidates)))
        for order in picked[:2]:
            if act.edit(state, rng, order, variants):
                self.changes["edited_before_cutoff"].append(str(order["name"]))
        if len(picked) > 2:
            order = picked[2]
            stack.erp.despatch(str(order["name"]))
            if act.edit(state, rng, order, variants, add_only=True):
                self.changes["edited_after_cutoff"].append(str(order["name"]))
        if len(picked) > 3 and act.cancel(state, picked[3], restock=True):
            self.changes["cancelled_after_posting"].append(str(picked[3]["name"]))

    def redeliver(self) -> None:
        """The changes' webhooks (some dropped again), then a sweep for what they missed."""
        self.deliver()
        self.sweep()
        self.after = self._reconcile()

    def catalogue(self) -> None:
        """Products the ERP cannot sell yet are gated, one is released, duplicate SKUs are found."""
        self.catalogue_day.run()

    def prices(self) -> None:
        """A price change on the B2B trade list; the price lists sweep carries it to Shopify."""
        self.stock.update(prices_day.run(self.stack))

    def despatch(self) -> None:
        """The warehouse despatches (a split order, the bundle, whole orders); the sweep fulfils them."""
        # Orders changed after posting are left alone (one was despatched already to pass the
        # cut-off); the VAT-exclusive order is an ordinary order unless it was also edited.
        edited = {name for kind, names in self.changes.items() if kind != "tax_exclusive" for name in names}
        assert self.stack.shopify is not None
        done = fulfilments_day.despatch_day(
            self.stack.erp, self.stack.shopify.state, edited, self._sweep_dispatches
        )
        self.changes.update({f"despatched_{kind}": names for kind, names in done.items()})

    def _sweep_dispatches(self) -> None:
        services = self.stack.services
        assert services is not None
        with services.store.begin() as conn:
            queue.enqueue(conn, "sweep.erp_dispatches", {}, shop=SHOP_NAME, now=services.clock.now())
        self.stack.wait_until_idle()

    def refund(self) -> None:
        """Refunds of posted orders (partial, shipping only, restocked); the refunds sweep behind them."""
        self.refunds.refund_posted(avoid={name for names in self.changes.values() for name in names})

    def move_stock(self) -> None:
        """The ERP's stock moves; shopbridge pushes only what changed (``demo/stock_day.py``)."""
        self.stock_counts = run_stock_day(self.stack)

    def check_erp(self) -> None:
        assert self.stack.services is not None
        self.erp = self.stack.services.erp.check()

    def audit_stock(self) -> None:
        """The full stock audit at the end of the day (demo/stock_audit_day.py)."""
        self.stock.update(stock_audit_day.audit_stock(self.stack))

    def payouts(self) -> None:
        """The payouts sweep, once the day's payouts are issued (a real install: ``[schedules] payouts``)."""
        services = self.stack.services
        assert services is not None
        with services.store.begin() as conn:
            queue.enqueue(conn, "sweep.payouts", {}, shop=SHOP_NAME, now=services.clock.now())
        self.stack.wait_until_idle()

    def reconcile_ledger(self) -> None:
        """The daily reconciliation of each date the day's trading touched (demo/reconcile_day.py)."""
        self.ledger = reconcile_day.reconcile_ledger(self.stack, self.day_start.date())

    def _reconcile(self) -> IntakeReconciliation:
        services = self.stack.services
        assert services is not None
        client = services.shopify(SHOP_NAME)
        return reconcile_intake(services.store, client, shop=SHOP_NAME, since=self.day_start)

    def report(self) -> DemoReport:
        services, shopify = self.stack.services, self.stack.shopify
        assert services is not None and shopify is not None
        assert self.summary and self.before and self.after and self.erp
        stats = self.stack.emitter().stats
        return DemoReport(
            trading={k: v for k, v in self.summary.as_dict().items() if k not in ("order_ids", "payout_ids")},
            webhooks={
                "triggered": stats.triggered,
                "dropped": stats.dropped,
                "duplicated": stats.duplicated,
                "delivered": stats.delivered,
                "failed_attempts": stats.failed_attempts,
            },
            before_sweep=self.before,
            after_sweep=self.after,
            erp=self.erp,
            status=admin.status(services).to_json(),
            counters=dict(admin.counter_values(services)),
            dashboard=f"{self.stack.web_url}/",
            orders=self._orders(),
            changes=self.changes,
            catalogue=self.catalogue_day.report(),
            stock={**self.stock_counts, **self.stock},
            payouts=payouts_day.payout_check(shopify.state, self.stack.erp),
            fulfilments=self._fulfilments(),
            refunds=self.refunds.report(),
            ledger=self.ledger,
        )

    def _fulfilments(self) -> dict[str, Any]:
        services, shopify = self.stack.services, self.stack.shopify
        assert services is not None and shopify is not None
        with services.store.begin() as conn:
            return fulfilments_day.fulfilment_check(self.stack.erp, shopify.state, conn)

    def _orders(self) -> dict[str, Any]:
        services, shopify = self.stack.services, self.stack.shopify
        assert services is not None and shopify is not None
        with services.store.begin() as conn:
            return order_check(
                shopify.state,
                self.stack.erp,
                conn,
                cancelled_after_posting=self.changes["cancelled_after_posting"],
            )


NOT_SERVING = "not kept running (`shopbridge demo --serve` keeps it up until Ctrl-C)"


def write_report(report: DemoReport, options: DemoOptions, *, serving: bool = True) -> tuple[str, str]:
    """Write ``report.json`` and ``report.md`` into the demo's folder; returns both paths.

    ``report.md`` links the dashboard only while the demo keeps it up: a link to a dashboard that
    stopped with the demo would lead nowhere."""
    data = report.to_json()
    json_path = options.workdir / "report.json"
    json_path.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
    md_path = options.workdir / "report.md"
    md_path.write_text(
        render_markdown(data if serving else {**data, "dashboard": NOT_SERVING}), encoding="utf-8"
    )
    return str(json_path), str(md_path)


def render_markdown(data: dict[str, Any]) -> str:
    rec, hooks, erp = data["reconciliation"], data["webhooks"], data["erp"]
    verdict = "AGREE" if rec["agrees"] else "DISAGREE"
    lines = [
        "# shopbridge demo: reconciliation report",
        "",
        f"**Shopify and shopbridge {verdict}**: {rec['orders_in_shopify']} orders in Shopify; "
        f"{len(rec['missing_after_webhooks'])} missing after webhooks alone, "
        f"{len(rec['missing_after_sweep'])} missing after the sweep.",
        "",
        *_summary_lines(data),
        "## Webhooks",
        *(f"- {name}: {value}" for name, value in hooks.items()),
        "",
        "## The trading day (Shopify sandbox)",
        *(f"- {name}: {value}" for name, value in data["trading"].items() if name != "totals"),
        *(f"- totals {cur}: {json.dumps(vals)}" for cur, vals in data["trading"].get("totals", {}).items()),
        "",
        "## ERP",
        f"- {erp['vendor']}: reachable={erp['reachable']} authenticated={erp['authenticated']}",
        f"- {erp['detail']}",
        f"- capabilities: {', '.join(erp['capabilities'])}",
        f"- {verdict_line(data['orders'])}",
        *(f"- payouts {name}: {value}" for name, value in data.get("payouts", {}).items()),
        f"- refunds: {json.dumps({k: v for k, v in data['refunds'].items() if k != 'cases'})}",
        *(f"- {name}: {value}" for name, value in data["orders"].items() if isinstance(value, int)),
        *(f"- {name}: {', '.join(value)}" for name, value in data["changes"].items()),
        *(f"- fulfilments {name}: {value}" for name, value in data.get("fulfilments", {}).items()),
        "",
        *_catalogue_lines(data),
        "## Queue",
        *(f"- {row['kind']} {row['state']}: {row['count']}" for row in data["status"]["queue"]),
        "",
        f"Dashboard: {data['dashboard']}",
    ]
    return "\n".join(lines) + "\n"


def _summary_lines(data: dict[str, Any]) -> list[str]:
    """The closing summary, as the demo printed it."""
    if "summary" not in data:
        return []
    return [
        "## Closing summary",
        *(f"- {what}: {figure}" for what, figure in summary_rows(data["summary"])),
        "",
    ]


def _catalogue_lines(data: dict[str, Any]) -> list[str]:
    catalogue = data.get("catalogue")
    if not catalogue:
        return []
    return [
        "## Catalogue",
        *(f"- {name.replace('_', ' ')}: {', '.join(value) or 'none'}" for name, value in catalogue.items()),
        "",
    ]


def verdict_line(orders: dict[str, Any]) -> str:
    erp_name = orders.get("erp", "the ERP")
    return (
        f"{orders['qualifying']} qualifying orders in Shopify, {orders['in_erp_exactly_once']} in {erp_name}"
        f" exactly once, {orders['duplicates_in_erp']} duplicated, {orders['totals_differ']} totals differ"
        f" ({orders['quarantined']} quarantined, {orders['released']} released,"
        f" {orders['after_cutoff_problems']} held at the cut-off)"
    )


def orders_agree(orders: dict[str, Any]) -> bool:
    return bool(
        orders["in_erp_exactly_once"] == orders["qualifying"]
        and orders["duplicates_in_erp"] == 0
        and orders["totals_differ"] == 0
    )


def disagreements(data: dict[str, Any]) -> list[str]:
    """What the day's sandboxes disagree on, one line each; empty when Shopify and the ERP agree.

    Each line is a count read from the sandboxes' own state (the report's objects), so the demo's exit
    code says whether the flows did their work, not only whether the intake saw every order.
    """
    found: list[str] = []
    if not data["reconciliation"]["agrees"]:
        found.append(f"orders missing in shopbridge: {data['reconciliation']['missing_after_sweep']}")
    if not orders_agree(data["orders"]):
        found.append(f"orders: {verdict_line(data['orders'])}")
    fulfilments = data.get("fulfilments") or {}
    if fulfilments and (
        fulfilments["fulfilled_in_shopify"] != fulfilments["dispatches_in_erp"] or fulfilments["duplicates"]
    ):
        found.append(f"fulfilments: {fulfilments}")
    refunds = data.get("refunds") or {}
    if refunds and (
        refunds["credited_exactly_once"] != refunds["expected"]
        or refunds["duplicates"]
        or refunds["amount_differs"]
    ):
        found.append(
            f"refunds: missing {refunds.get('missing')}, {refunds['duplicates']} duplicated, "
            f"{refunds['amount_differs']} amounts differ"
        )
    payouts = data.get("payouts") or {}
    if payouts and (payouts["posted"] != payouts["paid"] or Decimal(payouts["net_difference"]) != 0):
        posted, paid, difference = payouts["posted"], payouts["paid"], payouts["net_difference"]
        found.append(f"payouts: {posted} of {paid} posted, difference {difference}")
    if (data.get("stock") or {}).get("drift_after_audit"):
        found.append(f"stock: {data['stock']['drift_after_audit']} levels drift after the audit")
    found += _failed_checkpoints(data["reconciliation"])
    return found


def _failed_checkpoints(reconciliation: dict[str, Any]) -> list[str]:
    """A reconciliation checkpoint that fails is a disagreement the demo must not exit 0 on."""
    checkpoints = reconciliation.get("checkpoints") or {}
    mismatches = reconciliation.get("mismatches") or []
    return [
        f"reconciliation {name} fails: "
        + "; ".join(m["message"] for m in mismatches if m["checkpoint"] == name)
        for name, verdict in checkpoints.items()
        if verdict == "fail"
    ]
