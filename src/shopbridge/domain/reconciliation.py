"""The daily reconciliation's rules: do Shopify, shopbridge and the ledger agree on one day? Pure.

Each checkpoint takes the day's facts from both sides (plain records the flow reads through the
ports) and gives a verdict and its mismatches. A mismatch carries a ``key`` that names the thing
(an order, a refund, a dispatch, a payout, a tax bucket) and never the day, so the same mismatch
found again tomorrow is the same problem, still open.

A checkpoint whose facts one side cannot give (an ERP without a way to read credit notes back) is
``not_checkable``: never a pass by default.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise

__all__ = [
    "CHECKPOINTS",
    "CheckpointResult",
    "DayReport",
    "DaySummary",
    "DispatchFact",
    "ErpOrderFact",
    "ExpectedOrder",
    "Mismatch",
    "PayoutFact",
    "PayoutPosting",
    "RefundFact",
    "StockFact",
    "TaxKey",
    "Verdict",
    "check_fulfilments",
    "check_orders",
    "check_payouts",
    "check_refunds",
    "check_stock",
    "check_tax",
    "csv_text",
    "parity_confirmed",
    "snap_rate",
    "tax_buckets",
]

CENT = Decimal("0.01")
CHECKPOINTS = ("orders", "refunds", "fulfilments", "payouts", "tax", "stock")
TaxKey = tuple[str, Decimal]  # (country code, rate)


class Verdict(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_CHECKABLE = "not_checkable"


@dataclass(frozen=True)
class Mismatch:
    """One disagreement. ``key`` names the thing (stable across days); ``what`` says how it differs."""

    checkpoint: str
    key: str
    what: str
    message: str
    details: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckpointResult:
    name: str
    verdict: Verdict
    checked: int = 0
    mismatches: tuple[Mismatch, ...] = ()
    note: str = ""


def _result(name: str, checked: int, mismatches: Sequence[Mismatch], note: str = "") -> CheckpointResult:
    verdict = Verdict.FAIL if mismatches else Verdict.PASS
    return CheckpointResult(name, verdict, checked, tuple(mismatches), note)


def not_checkable(name: str, why: str) -> CheckpointResult:
    return CheckpointResult(name, Verdict.NOT_CHECKABLE, note=why)


def _money(value: Decimal) -> str:
    return str(value.quantize(CENT))


def _differs(a: Decimal, b: Decimal) -> bool:
    return a.quantize(CENT) != b.quantize(CENT)


def _beyond(a: Decimal, b: Decimal, allowance: Decimal) -> bool:
    """``a`` and ``b`` differ by more than ``allowance`` (to the cent; no allowance: any cent)."""
    return abs(a.quantize(CENT) - b.quantize(CENT)) > allowance


# -- 1. orders vs ledger -------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpectedOrder:
    """A qualifying Shopify order of the day, as the ERP should hold it (mapped: net of tax, goods
    and shipping)."""

    name: str
    net: Decimal
    tax: Decimal
    # Changed in Shopify after the cut-off: a person carries the change to the ERP (its
    # amendment_after_cutoff problem says so), so the amounts are not compared, only the count.
    held_for_person: bool = False


@dataclass(frozen=True)
class ErpOrderFact:
    """One ERP sales order carrying a Shopify reference, as read back (``tax`` ``None``: the ERP's
    read gives no tax, so net alone is compared)."""

    reference: str
    erp_number: str
    net: Decimal
    tax: Decimal | None
    # What the ERP's own rounding may put between its tax and Shopify's (a penny a taxed line where the
    # ERP taxes line by line and takes no rounding line); a difference within it is not a mismatch.
    rounding_allowance: Decimal = Decimal(0)


def check_orders(
    expected: Sequence[ExpectedOrder], found: Mapping[str, Sequence[ErpOrderFact]]
) -> CheckpointResult:
    """Every qualifying order has exactly one ERP order with equal totals and tax (the amounts of an
    order held at the cut-off for a person are not compared: its own problem is open)."""
    mismatches: list[Mismatch] = []
    for order in expected:
        mismatches += _order_mismatches(order, found.get(order.name, ()))
    held = [order.name for order in expected if order.held_for_person]
    notes = (
        [f"amounts not compared, changed after the cut-off for a person: {', '.join(held)}"] if held else []
    )
    notes += _rounding_note(expected, found)
    return _result("orders", len(expected), mismatches, "; ".join(notes))


def _rounding_note(
    expected: Sequence[ExpectedOrder], found: Mapping[str, Sequence[ErpOrderFact]]
) -> list[str]:
    """The orders whose tax the ERP's own line rounding moved (within its allowance), and by how much."""
    moved = [_rounded(order, found.get(order.name, ())) for order in expected if not order.held_for_person]
    pennies = [value for value in moved if value is not None]
    if not pennies:
        return []
    total = _money(sum(pennies, Decimal(0)))
    return [f"{len(pennies)} order(s) taxed with the ERP's own line rounding, {total} in all"]


def _rounded(order: ExpectedOrder, erp: Sequence[ErpOrderFact]) -> Decimal | None:
    """What the ERP's rounding moved this order's tax by, when it did and stayed within its allowance."""
    if len(erp) != 1 or erp[0].tax is None or not _differs(erp[0].tax, order.tax):
        return None
    if _beyond(erp[0].tax, order.tax, erp[0].rounding_allowance):
        return None
    return erp[0].tax - order.tax


def _order_mismatches(order: ExpectedOrder, erp: Sequence[ErpOrderFact]) -> list[Mismatch]:
    key = f"order:{order.name}"
    if not erp:
        return [Mismatch("orders", key, "missing", f"Shopify order {order.name} has no ERP order")]
    if len(erp) > 1:
        numbers = ", ".join(e.erp_number for e in erp)
        return [Mismatch("orders", key, "duplicated", f"{order.name} has {len(erp)} ERP orders: {numbers}")]
    held = erp[0]
    if order.held_for_person:
        return []
    tax_differs = held.tax is not None and _beyond(held.tax, order.tax, held.rounding_allowance)
    if _differs(held.net, order.net) or tax_differs:
        erp_tax = "unknown" if held.tax is None else _money(held.tax)
        message = (
            f"{order.name}: Shopify net {_money(order.net)} tax {_money(order.tax)}, "
            f"ERP {held.erp_number} net {_money(held.net)} tax {erp_tax}"
        )
        details = {"erp_number": held.erp_number, "shopify_net": _money(order.net)}
        details |= {"erp_net": _money(held.net), "shopify_tax": _money(order.tax), "erp_tax": erp_tax}
        return [Mismatch("orders", key, "different", message, details)]
    return []


# -- 2. refunds vs credit notes ------------------------------------------------------------------


@dataclass(frozen=True)
class RefundFact:
    """A Shopify refund of the day and the value of its ERP credit note (``None``: none found)."""

    refund_id: str
    order_name: str
    value: Decimal
    credit_note: Decimal | None
    credit_note_number: str = ""
    manual: bool = False  # the ERP cannot post it exactly: finance was asked to key it (credit_note_manual)


def check_refunds(refunds: Sequence[RefundFact]) -> CheckpointResult:
    """Every refund has its credit note, of the same value.

    A refund the ERP could not credit exactly is keyed by finance from its ``credit_note_manual``
    problem: until a note carrying the refund's reference appears, it is counted in the note, not
    raised a second time as a mismatch; once one appears, it is compared like any other.
    """
    mismatches: list[Mismatch] = []
    awaiting = 0
    for refund in refunds:
        key = f"refund:{refund.refund_id}"
        if refund.credit_note is None and refund.manual:
            awaiting += 1
        elif refund.credit_note is None:
            message = f"refund {refund.refund_id} of {refund.order_name} has no credit note"
            mismatches.append(Mismatch("refunds", key, "missing", message, {"order": refund.order_name}))
        elif _differs(refund.credit_note, refund.value):
            message = (
                f"refund of {refund.order_name}: Shopify {_money(refund.value)}, credit note "
                f"{refund.credit_note_number} {_money(refund.credit_note)}"
            )
            details = {"shopify": _money(refund.value), "erp": _money(refund.credit_note)}
            details["order"] = refund.order_name
            mismatches.append(Mismatch("refunds", key, "different", message, details))
    note = f"{awaiting} awaiting a credit note keyed by hand (credit_note_manual)" if awaiting else ""
    return _result("refunds", len(refunds), mismatches, note)


# -- 3. fulfilments ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DispatchFact:
    """An ERP dispatch of the day and whether Shopify holds its fulfilment (live, not cancelled)."""

    erp_id: str
    order_reference: str
    fulfilled_in_shopify: bool


def check_fulfilments(dispatches: Sequence[DispatchFact]) -> CheckpointResult:
    mismatches = [
        Mismatch(
            "fulfilments",
            f"dispatch:{d.erp_id}",
            "missing",
            f"ERP dispatch {d.erp_id} of {d.order_reference} has no fulfilment in Shopify",
            {"order": d.order_reference},
        )
        for d in dispatches
        if not d.fulfilled_in_shopify
    ]
    return _result("fulfilments", len(dispatches), mismatches)


# -- 4. payouts vs postings ----------------------------------------------------------------------


@dataclass(frozen=True)
class PayoutFact:
    """A Shopify Payments payout of the day: its status and net (the bank deposit, signed)."""

    payout_id: str
    status: str
    net: Decimal


@dataclass(frozen=True)
class PayoutPosting:
    """What shopbridge settled of a payout (its payout record)."""

    payout_id: str
    outcome: str  # posted, unbalanced, exported, changed
    net: Decimal
    difference: Decimal = Decimal(0)
    unknown_types: tuple[str, ...] = ()
    erp_reference: str = ""


def check_payouts(payouts: Sequence[PayoutFact], postings: Mapping[str, PayoutPosting]) -> CheckpointResult:
    """Every paid payout is posted, balanced, has no line in suspense, and its deposit matches."""
    paid = [p for p in payouts if p.status.upper() == "PAID"]
    mismatches: list[Mismatch] = []
    for payout in paid:
        mismatches += _payout_mismatches(payout, postings.get(payout.payout_id))
    return _result("payouts", len(paid), mismatches)


def _payout_mismatches(payout: PayoutFact, posting: PayoutPosting | None) -> list[Mismatch]:
    key = f"payout:{payout.payout_id}"
    if posting is None or posting.outcome != "posted":
        state = "never settled" if posting is None else posting.outcome
        return [
            Mismatch("payouts", key, "not_posted", f"paid payout {payout.payout_id} is not posted ({state})")
        ]
    found: list[Mismatch] = []
    if posting.difference != 0:
        message = f"payout {payout.payout_id} does not balance by {_money(posting.difference)}"
        found.append(Mismatch("payouts", key, "unbalanced", message))
    if _differs(posting.net, payout.net):
        message = f"payout {payout.payout_id}: deposit {_money(payout.net)}, posted {_money(posting.net)}"
        found.append(Mismatch("payouts", key, "deposit", message))
    if posting.unknown_types:
        types = ", ".join(posting.unknown_types)
        message = f"payout {payout.payout_id} has unknown transaction type(s) in suspense: {types}"
        found.append(Mismatch("payouts", f"{key}:suspense", "suspense", message, {"types": types}))
    return found


# -- 5. tax per rate and country -----------------------------------------------------------------


def tax_buckets(parts: Iterable[tuple[str, Decimal, Decimal]]) -> dict[TaxKey, Decimal]:
    """Sum (country, rate, amount) parts per (country, rate); rates normalised (0.20 == 0.2)."""
    buckets: dict[TaxKey, Decimal] = defaultdict(Decimal)
    for country, rate, amount in parts:
        buckets[(country, rate.normalize())] += amount
    return dict(buckets)


def snap_rate(net: Decimal, tax: Decimal, known: Iterable[Decimal]) -> Decimal:
    """The VAT rate an ERP line was charged at, read back from its rounded amounts.

    Two rounded amounts rarely give the rate exactly (0.66 on 3.29 is 20.06%), so the nearest of the
    rates Shopify charged on the order is taken when within half a percent; otherwise the rate read
    back, to a tenth of a percent (a line the ERP taxed at another rate shows as its own bucket).
    """
    if net == 0:
        return Decimal(0)
    implied = tax / net
    nearest = min(known, key=lambda rate: abs(rate - implied), default=None)
    if nearest is not None and abs(nearest - implied) <= Decimal("0.005"):
        return nearest.normalize()
    return implied.quantize(Decimal("0.001")).normalize()


def check_tax(
    shopify: Mapping[TaxKey, Decimal],
    erp: Mapping[TaxKey, Decimal],
    allowance: Mapping[TaxKey, Decimal] | None = None,
) -> CheckpointResult:
    """Tax per (country, rate), Shopify vs ERP; ``allowance`` is what the ERP's own line rounding may
    put between them per bucket (the orders' allowances summed)."""
    mismatches: list[Mismatch] = []
    allowed = allowance or {}
    for country, rate in sorted(set(shopify) | set(erp)):
        ours, theirs = shopify.get((country, rate), Decimal(0)), erp.get((country, rate), Decimal(0))
        if _beyond(ours, theirs, allowed.get((country, rate), Decimal(0))):
            label = f"{country or '??'} {rate * 100:g}%"
            message = f"tax at {label}: Shopify {_money(ours)}, ERP {_money(theirs)}"
            details = {"shopify": _money(ours), "erp": _money(theirs)}
            mismatches.append(Mismatch("tax", f"tax:{country}:{rate}", "different", message, details))
    rounded = sum((erp.get(key, Decimal(0)) - shopify.get(key, Decimal(0)) for key in allowed), Decimal(0))
    note = (
        f"the ERP's own line rounding moved the tax by {_money(rounded)}"
        if _differs(rounded, Decimal(0))
        else ""
    )
    return _result("tax", len(set(shopify) | set(erp)), mismatches, note)


# -- 6. stock ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StockFact:
    """What the latest stock audit found: ``None`` when no audit has run."""

    drift_count: int
    worst: str = ""


def check_stock(latest: StockFact | None) -> CheckpointResult:
    if latest is None:
        return not_checkable("stock", "no stock audit has run")
    if latest.drift_count == 0:
        return _result("stock", 1, [])
    message = f"the latest stock audit found {latest.drift_count} drifted level(s): {latest.worst}"
    return _result("stock", 1, [Mismatch("stock", "stock:audit", "drift", message)])


# -- the day -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayReport:
    shop: str
    day: str  # ISO date
    checkpoints: tuple[CheckpointResult, ...]

    @property
    def passed(self) -> bool:
        return all(c.verdict is Verdict.PASS for c in self.checkpoints)

    @property
    def mismatches(self) -> tuple[Mismatch, ...]:
        return tuple(m for c in self.checkpoints for m in c.mismatches)

    def verdicts(self) -> dict[str, str]:
        return {c.name: c.verdict.value for c in self.checkpoints}

    def as_dict(self) -> dict[str, object]:
        return {
            "shop": self.shop,
            "day": self.day,
            "passed": self.passed,
            "checkpoints": {
                c.name: {
                    "verdict": c.verdict.value,
                    "checked": c.checked,
                    "note": c.note,
                    "mismatches": [
                        {"key": m.key, "what": m.what, "message": m.message, "details": dict(m.details)}
                        for m in c.mismatches
                    ],
                }
                for c in self.checkpoints
            },
        }

    def csv_rows(self) -> list[tuple[str, str, str, str, str]]:
        """(checkpoint, verdict, key, what, message): one row per mismatch, one per clean checkpoint."""
        rows: list[tuple[str, str, str, str, str]] = []
        for c in self.checkpoints:
            rows += [(c.name, c.verdict.value, m.key, m.what, m.message) for m in c.mismatches]
            if not c.mismatches:
                rows.append((c.name, c.verdict.value, "", "", c.note))
        return rows


@dataclass(frozen=True)
class DaySummary:
    """One stored day: its verdicts, for the trend and the go-live gate."""

    day: str
    passed: bool
    verdicts: Mapping[str, str]


def csv_text(report: DayReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("checkpoint", "verdict", "key", "what", "message"))
    writer.writerows(report.csv_rows())
    return out.getvalue()


def parity_confirmed(passed_by_day: Sequence[tuple[str, bool]], needed: int) -> bool:
    """True once the latest ``needed`` consecutive days (ISO dates, any order) all passed."""
    ordered = sorted(passed_by_day)
    if needed <= 0 or len(ordered) < needed:
        return False
    tail = ordered[-needed:]
    days = [date.fromisoformat(d) for d, _ in tail]
    consecutive = all(b - a == timedelta(days=1) for a, b in pairwise(days))
    return consecutive and all(ok for _, ok in tail)
