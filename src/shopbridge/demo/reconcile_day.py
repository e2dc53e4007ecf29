"""The demo day's last phase: the daily reconciliation of the day just traded, as the scheduler runs it.

``reconcile_ledger`` runs ``flows.daily_reconciliation.reconcile_day`` (the same code as the daily
sweep and ``shopbridge reconcile --date D``) for every date the trading touched (the demo's day
starts yesterday at midnight UTC and runs until now) against the demo's Shopify sandbox and ERP, and
returns what ``report.json`` adds under ``"reconciliation"``: each checkpoint's verdict over those
dates (the worst of them), the problems the runs raised counted per owning team, and each
mismatch. Re-running a date the scheduler reconciled while the day's orders were still in flight
closes the problems that no longer hold. On a clean demo day every checkpoint passes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from shopbridge.demo.stack import SHOP_NAME, DemoStack
from shopbridge.domain.reconciliation import DayReport, Mismatch, Verdict
from shopbridge.flows.daily_reconciliation import PROBLEM_KINDS, reconcile_day

__all__ = ["reconcile_ledger", "summary"]


def reconcile_ledger(stack: DemoStack, since: date) -> dict[str, Any]:
    services = stack.services
    assert services is not None
    today = services.clock.now().date()
    days = [since + timedelta(days=n) for n in range((today - since).days + 1)]
    return summary([reconcile_day(services.flow_context(SHOP_NAME), day) for day in days])


def summary(reports: Sequence[DayReport]) -> dict[str, Any]:
    """Verdict per checkpoint (the worst over the days), problems per owning team, and each
    mismatch's message (to find a bug)."""
    mismatches = [m for report in reports for m in report.mismatches]
    owners = Counter(PROBLEM_KINDS[m.checkpoint].default_team.value for m in mismatches)
    return {
        "days": [report.day for report in reports],
        "checkpoints": _worst_verdicts(reports),
        "problems_by_owner": dict(sorted(owners.items())),
        "mismatches": [
            {"checkpoint": m.checkpoint, "key": m.key, "order": _order_of(m), "message": m.message}
            for m in mismatches
        ],
    }


_SEVERITY = {Verdict.PASS.value: 0, Verdict.NOT_CHECKABLE.value: 1, Verdict.FAIL.value: 2}


def _worst_verdicts(reports: Sequence[DayReport]) -> dict[str, str]:
    worst: dict[str, str] = {}
    for report in reports:
        for name, verdict in report.verdicts().items():
            if _SEVERITY[verdict] >= _SEVERITY.get(worst.get(name, Verdict.PASS.value), 0):
                worst[name] = verdict
    return worst


def _order_of(mismatch: Mismatch) -> str:
    """The Shopify order a mismatch concerns, where it concerns one ("" for payouts, tax, stock)."""
    if mismatch.key.startswith("order:"):
        return mismatch.key.removeprefix("order:")
    return str(mismatch.details.get("order", ""))
