"""The two-store rehearsal's part of the reports: a line per store on the console, a table in HTML."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

__all__ = ["html_section", "summary_lines"]

# (what the row says, the key in each store's figures)
ROWS = (
    ("orders placed", "orders_placed"),
    ("orders posted to the ERP", "orders_posted_to_erp"),
    ("orders per second", "orders_per_second"),
    ("order job: enqueue to done, median (s)", "order_job_seconds_median"),
    ("order job: enqueue to done, max (s)", "order_job_seconds_max"),
    ("oldest pending job, peak (s)", "peak_queue_age_seconds"),
    ("pending jobs, peak", "peak_pending_jobs"),
    ("Shopify points used", "shopify_points"),
    ("Shopify budget share used", "shopify_budget_share_used"),
    ("Shopify THROTTLED answers", "shopify_throttled"),
    ("stock sweeps done", "stock_sweeps_done"),
    ("dead jobs", "dead_jobs"),
    ("orders lost", "lost"),
    ("orders duplicated", "duplicated"),
)


def summary_lines(stores: Any) -> list[str]:
    """One line per store and one on fairness; nothing for a one-store rehearsal."""
    if not stores:
        return []
    lines = [
        f"{label}: {one['orders_placed']} orders, {one['orders_per_second']} orders/s,"
        f" oldest job {one['peak_queue_age_seconds']} s, order jobs done in {one['order_job_seconds_max']} s"
        f" at most, Shopify budget {one['shopify_budget_share_used']:.0%},"
        f" lost {len(one['lost'])}, duplicated {len(one['duplicated'])}"
        for label, one in stores["by_store"].items()
    ]
    fair = stores["fairness"]
    lines.append(
        f"{fair['quiet_store']} was done with {fair['busy_jobs_after_quiet_done']} order jobs of"
        f" {fair['busy_store']} still to finish"
    )
    return lines


def html_section(stores: Any) -> Markup:
    """The per-store table and the fairness line; empty for a one-store rehearsal."""
    if not stores:
        return Markup("")
    labels = list(stores["by_store"])
    head = "".join(f"<th>{escape(label)}</th>" for label in labels)
    body = "".join(
        f"<tr><th>{escape(what)}</th>"
        + "".join(f"<td>{escape(_cell(stores['by_store'][label][key]))}</td>" for label in labels)
        + "</tr>"
        for what, key in ROWS
    )
    fair = stores["fairness"]
    note = (
        f"{fair['quiet_store']} was done with {fair['busy_jobs_after_quiet_done']} order jobs of"
        f" {fair['busy_store']} still to finish."
    )
    return Markup(f"<h2>Stores</h2><table><tr><th></th>{head}</tr>{body}</table><p>{escape(note)}</p>")


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return str(len(value)) + (f" ({', '.join(value[:10])})" if value else "")
    return str(value)
