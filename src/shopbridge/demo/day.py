"""A day of trading through shopbridge, and the report that proves nothing was lost.

The Shopify sandbox trades a day (orders with discounts, taxes and bundles, cancellations, edits,
refunds, fulfilments, a payout). Its webhooks reach shopbridge's signed intake with some dropped and
some duplicated on purpose. The reconciliation then compares Shopify's order list with what shopbridge
holds twice: after the webhooks alone (the dropped ones are missing) and after the order sweep (none
may be missing). The ERP is checked for reachability and capabilities; posting orders to it is the
order flow's issue, not yet built, and the report says so rather than pretending.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from shopbridge import admin
from shopbridge.demo.stack import SHOP_NAME, DemoOptions, DemoStack
from shopbridge.intake.order_sweep import enqueue_sweep, start_watermark
from shopbridge.intake.reconcile import IntakeReconciliation, reconcile_intake
from shopbridge.ports.erp import ErpHealth
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

    def to_json(self) -> dict[str, Any]:
        return {
            "trading": self.trading,
            "webhooks": self.webhooks,
            "reconciliation": {
                "orders_in_shopify": len(self.after_sweep.in_shopify),
                "missing_after_webhooks": sorted(self.before_sweep.missing),
                "missing_after_sweep": sorted(self.after_sweep.missing),
                "agrees": self.after_sweep.agrees,
            },
            "erp": {
                "vendor": self.erp.vendor,
                "reachable": self.erp.reachable,
                "authenticated": self.erp.authenticated,
                "detail": self.erp.detail,
                "capabilities": sorted(c.value for c in self.erp.capabilities),
            },
            "status": self.status,
            "counters": self.counters,
            "dashboard": self.dashboard,
        }


class DemoDay:
    """The demo's phases, in order; each is a method so the CLI can show progress between them."""

    PHASES = ("trade", "deliver", "reconcile_webhooks", "sweep", "reconcile_sweep", "check_erp")

    def __init__(self, stack: DemoStack, options: DemoOptions) -> None:
        self.stack = stack
        self.options = options
        self.day_start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(
            days=1
        )
        self.summary: Summary | None = None
        self.before: IntakeReconciliation | None = None
        self.after: IntakeReconciliation | None = None
        self.erp: ErpHealth | None = None

    def trade(self) -> None:
        """shopbridge was installed before the trading day began: its order watermark starts there."""
        services = self.stack.services
        assert services is not None and self.stack.shopify is not None
        start_watermark(services.store, SHOP_NAME, self.day_start)
        self.summary = run_day(self.stack.shopify.state, seed=self.options.seed, orders=self.options.orders)

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

    def check_erp(self) -> None:
        assert self.stack.services is not None
        self.erp = self.stack.services.erp.check()

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
        )


def write_report(report: DemoReport, options: DemoOptions) -> tuple[str, str]:
    """Write ``report.json`` and ``report.md`` into the demo's folder; returns both paths."""
    data = report.to_json()
    json_path = options.workdir / "report.json"
    json_path.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
    md_path = options.workdir / "report.md"
    md_path.write_text(render_markdown(data), encoding="utf-8")
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
        "- orders are not posted to the ERP yet: the order flow is its own issue.",
        "",
        "## Queue",
        *(f"- {row['kind']} {row['state']}: {row['count']}" for row in data["status"]["queue"]),
        "",
        f"Dashboard: {data['dashboard']}",
    ]
    return "\n".join(lines) + "\n"
