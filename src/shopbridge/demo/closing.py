"""The demo's closing summary: what the day did, read from ``report.json``'s own sections.

Every figure comes from a section the day measured against the sandboxes (orders and credit notes
read back from the ERP, fulfilments and payouts from both sides, open problems from the store, the
checkpoints from the daily reconciliation), so the summary printed is the report's, never a tally of
its own. ``report.json`` keeps it under ``"summary"`` as well.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

__all__ = ["closing_summary", "summary_rows"]


def closing_summary(data: dict[str, Any]) -> dict[str, Any]:
    """The summary's figures from the report's sections (``data`` is ``DemoReport.to_json()``)."""
    orders, fulfilments = data["orders"], data["fulfilments"]
    refunds, payouts = data["refunds"], data["payouts"]
    checkpoints: dict[str, str] = dict(data["reconciliation"].get("checkpoints", {}))
    owners: Counter[str] = Counter()
    for row in data["status"]["problems"]:
        owners[str(row["team"])] += int(row["count"])
    return {
        "orders_posted": orders.get("in_erp_exactly_once", 0),
        "orders_qualifying": orders.get("qualifying", 0),
        "fulfilments_sent": fulfilments.get("fulfilled_in_shopify", 0),
        "dispatches_in_erp": fulfilments.get("dispatches_in_erp", 0),
        "credit_notes": refunds.get("credit_notes_in_erp", 0),
        "refunds_credited_once": refunds.get("credited_exactly_once", 0),
        "refunds_expected": refunds.get("expected", 0),
        "payouts_balanced": payouts.get("balanced", 0),
        "payouts_paid": payouts.get("paid", 0),
        "open_problems_by_owner": dict(sorted(owners.items())),
        "reconciliation": checkpoints,
        "reconciliation_passed": bool(checkpoints) and all(v == "pass" for v in checkpoints.values()),
    }


def summary_rows(summary: dict[str, Any]) -> list[tuple[str, str]]:
    """(what, figure) lines of the closing table, short enough for an 80-column terminal."""
    s = summary
    rows = [
        ("orders posted to the ERP", f"{s['orders_posted']} of {s['orders_qualifying']} qualifying"),
        ("fulfilments sent to Shopify", f"{s['fulfilments_sent']} of {s['dispatches_in_erp']} dispatches"),
        (
            "credit notes in the ERP",
            f"{s['credit_notes']} ({s['refunds_credited_once']} of {s['refunds_expected']} refunds"
            " credited once)",
        ),
        ("payout entries balanced", f"{s['payouts_balanced']} of {s['payouts_paid']} paid"),
    ]
    owners = summary["open_problems_by_owner"]
    rows += [(f"open problems: {team}", str(count)) for team, count in owners.items()]
    if not owners:
        rows.append(("open problems", "0"))
    checkpoints = summary["reconciliation"]
    rows += [(f"reconciliation: {name}", verdict) for name, verdict in checkpoints.items()]
    rows.append(("reconciliation", "PASS" if summary["reconciliation_passed"] else "FAIL"))
    return rows
