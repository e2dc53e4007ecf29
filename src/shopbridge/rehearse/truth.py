"""The rehearsal's verdict, read from the sandboxes' own state (the demo's report objects).

Each check names what failed: the orders lost or duplicated, the refunds never credited or credited
twice, the payouts not posted, the reconciliation's mismatches. The demo's deliberate cut-off case
(an order edited after it was despatched: a person's task, not a loss) is not a failure here either.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

__all__ = ["Finding", "check_ground_truth"]


@dataclass(frozen=True)
class Finding:
    check: str
    detail: str
    entities: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"check": self.check, "detail": self.detail, "entities": self.entities}

    def line(self) -> str:
        named = f": {', '.join(self.entities[:20])}" if self.entities else ""
        more = f" (+{len(self.entities) - 20} more)" if len(self.entities) > 20 else ""
        return f"{self.check}: {self.detail}{named}{more}"


def check_ground_truth(data: dict[str, Any], erp_references: Iterable[str]) -> list[Finding]:
    """Findings (empty when all is well) from the demo report's ``data`` and the ERP's sales orders.

    ``erp_references`` is every sales order's reference as the ERP sandbox holds it (one per order),
    so a duplicated order is named, not only counted.
    """
    return [
        *_orders(data["orders"], Counter(erp_references)),
        *_intake(data["reconciliation"]),
        *_fulfilments(data.get("fulfilments") or {}),
        *_refunds(data.get("refunds") or {}),
        *_payouts(data.get("payouts") or {}),
        *_ledger(data["reconciliation"], data.get("changes") or {}, data.get("stock") or {}),
        *_stock(data.get("stock") or {}),
    ]


def _orders(orders: dict[str, Any], in_erp: Counter[str]) -> list[Finding]:
    found = []
    lost = list(orders.get("missing_in_erp", []))
    if lost:
        found.append(Finding("orders lost", f"{len(lost)} paid orders are not in {orders['erp']}", lost))
    doubled = sorted(ref for ref, n in in_erp.items() if n > 1)
    if doubled:
        found.append(
            Finding("orders duplicated", f"{len(doubled)} orders are in the ERP more than once", doubled)
        )
    differ = [d["order"] for d in orders.get("totals_differ_orders", [])]
    if differ:
        found.append(Finding("order totals", f"{len(differ)} ERP totals differ from Shopify's", differ))
    return found


def _intake(reconciliation: dict[str, Any]) -> list[Finding]:
    missing = list(reconciliation.get("missing_after_sweep", []))
    if reconciliation.get("agrees", True) and not missing:
        return []
    return [Finding("intake", "Shopify orders shopbridge never took in", missing)]


def _fulfilments(fulfilments: dict[str, Any]) -> list[Finding]:
    if not fulfilments:
        return []
    found = []
    despatched, fulfilled = fulfilments["dispatches_in_erp"], fulfilments["fulfilled_in_shopify"]
    if fulfilled != despatched:
        found.append(Finding("fulfilments", f"{despatched} ERP despatches, {fulfilled} fulfilled in Shopify"))
    if fulfilments.get("duplicates"):
        found.append(
            Finding("fulfilments", f"{fulfilments['duplicates']} despatches fulfilled more than once")
        )
    return found


def _refunds(refunds: dict[str, Any]) -> list[Finding]:
    if not refunds:
        return []
    found = []
    if refunds.get("missing"):
        found.append(Finding("credit notes", "refunds with no credit note", list(refunds["missing"])))
    if refunds.get("duplicates"):
        found.append(Finding("credit notes", f"{refunds['duplicates']} refunds credited more than once"))
    if refunds.get("amount_differs"):
        found.append(Finding("credit notes", f"{refunds['amount_differs']} credit notes of the wrong amount"))
    if not found and refunds["credited_exactly_once"] != refunds["expected"]:
        found.append(
            Finding(
                "credit notes", f"{refunds['credited_exactly_once']} of {refunds['expected']} credited once"
            )
        )
    return found


def _payouts(payouts: dict[str, Any]) -> list[Finding]:
    if not payouts:
        return []
    paid = payouts["paid"]
    if payouts["posted"] == paid == payouts["balanced"] and Decimal(str(payouts["net_difference"])) == 0:
        return []
    return [
        Finding(
            "payouts",
            f"{payouts['posted']} of {payouts['paid']} payouts posted, {payouts['balanced']} balanced,"
            f" difference {payouts['net_difference']}",
        )
    ]


def _ledger(reconciliation: dict[str, Any], changes: dict[str, Any], stock: dict[str, Any]) -> list[Finding]:
    """Mismatches of the daily reconciliation, except the demo's order edited after the cut-off, and
    the stock checkpoint's drift when the audit repaired it (the audit exists to find and repair
    drift: restocked refunds and oversells make some; what stays after it is :func:`_stock`'s)."""
    deliberate = set(changes.get("edited_after_cutoff", []))
    repaired = not stock.get("drift_after_audit")
    stray = [
        m
        for m in reconciliation.get("mismatches", [])
        if (not m.get("order") or m["order"] not in deliberate)
        and not (repaired and m["checkpoint"] == "stock")
    ]
    if not stray:
        return []
    named = [f"{m['checkpoint']} {m.get('order') or m.get('key')}" for m in stray]
    return [Finding("reconciliation", f"{len(stray)} mismatches", named)]


def _stock(stock: dict[str, Any]) -> list[Finding]:
    drift = stock.get("drift_after_audit")
    return [Finding("stock", f"{drift} levels drift after the audit")] if drift else []
