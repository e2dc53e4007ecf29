"""The demo day's last phase: the daily reconciliation of the day just traded, as the scheduler runs it.

``reconcile_ledger`` runs ``flows.daily_reconciliation.reconcile_day`` (the same code as the daily
sweep and ``shopbridge reconcile --date D``) for today against the demo's Shopify sandbox and ERP,
and returns what ``report.json`` adds under ``"reconciliation"``: each checkpoint's verdict and the
problems the run raised, counted per owning team. On a clean demo day every checkpoint passes.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from shopbridge.demo.stack import SHOP_NAME, DemoStack
from shopbridge.domain.reconciliation import DayReport, Mismatch
from shopbridge.flows.daily_reconciliation import PROBLEM_KINDS, reconcile_day

__all__ = ["reconcile_ledger", "summary"]


def reconcile_ledger(stack: DemoStack) -> dict[str, Any]:
    services = stack.services
    assert services is not None
    report = reconcile_day(services.flow_context(SHOP_NAME), services.clock.now().date())
    return summary(report)


def summary(report: DayReport) -> dict[str, Any]:
    """Verdict per checkpoint, problems per owning team, and each mismatch's message (to find a bug)."""
    owners = Counter(PROBLEM_KINDS[m.checkpoint].default_team.value for m in report.mismatches)
    return {
        "checkpoints": report.verdicts(),
        "problems_by_owner": dict(sorted(owners.items())),
        "mismatches": [
            {"checkpoint": m.checkpoint, "key": m.key, "order": _order_of(m), "message": m.message}
            for m in report.mismatches
        ],
    }


def _order_of(mismatch: Mismatch) -> str:
    """The Shopify order a mismatch concerns, where it concerns one ("" for payouts, tax, stock)."""
    if mismatch.key.startswith("order:"):
        return mismatch.key.removeprefix("order:")
    return str(mismatch.details.get("order", ""))
