"""The reconciliation bench's Shopify sandbox, served from a process of its own (``in_own_process``).

Shopify runs on its own servers: its bulk operations, its throttle and its JSONL files cost shopbridge
nothing but the wait. In the bench's process the sandbox's bulk executor shared the GIL with the
reconciliation it was answering, so its CPU counted as shopbridge's. Here the host places the day
(orders, refunds, payouts) in its own process when the bench asks over the pipe
(``bench/sandbox_hosts.py``); shopbridge reads it over HTTP as from Shopify. The host reports its own
CPU seconds and peak RSS, so the bench can tell the sandbox's share from shopbridge's.
"""

from __future__ import annotations

import resource
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sandbox_hosts import ShopifyHost

SKUS = ("TEE-S", "TEE-M", "TEE-L", "MUG-01", "BOTTLE-01")


def progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
    )


def checkout(n: int) -> dict[str, Any]:
    """The n-th order of the day: paid, 20% VAT included, shipped to London."""
    return {
        "lines": [{"sku": SKUS[n % len(SKUS)], "quantity": 1 + n % 2}],
        "tax": {"title": "VAT", "rate": "0.2"},
        "taxes_included": True,
        "payment": "paid",
        "gateway": "shopify_payments",
        "customer": {"email": f"bench{n}@example.com", "firstName": "Bench", "lastName": str(n)},
        "shipping_address": {"countryCode": "GB", "city": "London", "address1": "1 High St"},
    }


class ReconcileShopifyHost(ShopifyHost):
    """The Shopify sandbox holding the bench's trading day, with a Plus shop's cost budget."""

    def configure(self, restore_rate: float, maximum: float) -> None:
        """Bulk runs at 1 µs an object (as the stock audit's bench); the plan's bucket, full."""
        from shopbridge.sandbox.shopify.state import BulkTiming

        self.server.state.bulk_timing = BulkTiming(base_s=0.5, per_object_s=0.000001)
        bucket = self.server.sandbox.bucket
        bucket.configure(maximum=maximum, restore_rate=restore_rate)
        bucket.refill_fully()

    def refill(self) -> None:
        self.server.sandbox.bucket.refill_fully()

    def place_orders(self, count: int) -> list[str]:
        """``count`` paid orders, stock enough for all of them; their GIDs in order."""
        from shopbridge.sandbox.shopify.checkout import place_order

        state = self.server.state
        with state.lock:
            for quantities in state.inventory_levels.values():
                quantities["available"] = quantities.get("available", 0) + count * 4
        made = []
        with progress() as bar:
            task = bar.add_task("placing orders", total=count)
            for n in range(count):
                made.append(str(place_order(state, checkout(n))["id"]))
                bar.advance(task)
        return made

    def refund_fully(self, order_ids: list[str]) -> None:
        """Each order refunded in full, nothing restocked."""
        from shopbridge.sandbox.shopify import scenario_actions as act

        state = self.server.state
        with progress() as bar:
            task = bar.add_task("refunding", total=len(order_ids))
            for order_id in order_ids:
                act.refund_full(state, state.orders[order_id], restock=False)
                bar.advance(task)

    def pay_out(self, groups: list[list[str]]) -> None:
        """One payout per group, settling its orders' payments."""
        from shopbridge.sandbox.shopify.payouts_model import FeePlan, issue_payout, record_orders_payments

        state = self.server.state
        with progress() as bar:
            task = bar.add_task("paying out", total=len(groups))
            for group in groups:
                with state.lock:
                    record_orders_payments(state, [state.orders[o] for o in group], FeePlan())
                    issue_payout(state, "GBP")
                bar.advance(task)

    def usage(self) -> dict[str, float]:
        """This process's CPU seconds (every thread: HTTP, bulk executor) and peak RSS so far."""
        used = resource.getrusage(resource.RUSAGE_SELF)
        return {"cpu_seconds": used.ru_utime + used.ru_stime, "peak_rss_mb": used.ru_maxrss / 1024}
