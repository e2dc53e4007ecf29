"""The rehearsal's figures, worked out from the samples, the sandboxes' counters and the phases' times.

Shares of the limits are over the peak window (the first peak order to the drained queue):
- the ERP's: the gate's busy slot-seconds over ``concurrency`` x the window;
- Shopify's: points the sandbox's bucket charged over what the plan could give in the window
  (the bucket full at the start plus ``restore rate`` x the window); the stock push's share is the
  same over the stock phase, where only the stock sweeps spend points.

When neither limit is nearly full, what bounded the throughput is told apart by whether the orders
were done about as fast as the shop placed them (the order rate) or not (the workers: their number,
threads or CPU, or the webhooks' delivery to them): the story ``rehearse --workers N`` tells as N grows.
"""

from __future__ import annotations

from typing import Any

from shopbridge.rehearse.peak import Peak
from shopbridge.rehearse.sampler import Sample, Sampler
from shopbridge.rehearse.scenario import Scenario
from shopbridge.rehearse.stack import RehearsalStack, StackSpec
from shopbridge.rehearse.truth import Finding

__all__ = ["bound_by", "kept_up", "result", "slot_seconds_per_request", "stock_push_saturation", "throughput"]

MIN_SPAN_SECONDS = 0.25
BOUND_SHARE = 0.8  # a limit used this much or more is the one that bounds the throughput
STOCK_PUSH_GOAL = 0.95  # issue 15: the stock push's share of the Shopify budget, when saturated
KEPT_UP_SHARE = 0.9  # orders sustained at this share of the rate placed or more: the workers kept up


def result(
    scenario: Scenario,
    spec: StackSpec,
    stack: RehearsalStack,
    sampler: Sampler,
    peak: Peak,
    phases: dict[str, tuple[float, float]],
    data: dict[str, Any],
    findings: list[Finding],
    extra: dict[str, Any],
) -> dict[str, Any]:
    samples = sorted(sampler.samples, key=lambda s: s.at)  # the sampler's and the phases' marks
    start, end = phases["peak"][0], phases["drain"][1]
    window = max(end - start, 1e-9)
    erp_share = _delta(samples, start, end, "erp_busy_slot_seconds") / (scenario.erp.concurrency * window)
    shopify_share = _shopify_share(scenario, samples, start, end)
    stock_start, stock_end = phases.get("move_stock", (start, start))
    in_window = [s for s in samples if start <= s.at <= end]
    sustained = len(peak.names) / window
    pace = kept_up(sustained, len(peak.names), peak.placed_at - peak.started_at)
    routes = _routes(stack, sampler, start, end)
    busy = _delta(samples, start, end, "erp_busy_slot_seconds")
    return {
        "scenario": scenario.model_dump(mode="json"),
        "erp": spec.erp,
        "database": "postgresql" if spec.database_url.startswith("postgres") else "sqlite",
        "workers": spec.workers,
        "threads_per_worker": spec.threads,
        "ok": not findings,
        "findings": [f.to_json() for f in findings],
        "peak": {
            "orders_placed": len(peak.names),
            "seconds_placing": round(peak.placed_at - peak.started_at, 2),
            "orders_per_second_sustained": round(sustained, 2),
            "time_to_drain_seconds": round(phases["drain"][1] - phases["drain"][0], 2),
            "peak_backlog": max((s.pending + s.running for s in in_window), default=0),
            "peak_queue_age_seconds": round(max((s.oldest_age for s in in_window), default=0.0), 2),
            "window_seconds": round(window, 2),
            "events": peak.events,
        },
        "limits": {
            "erp_concurrency": scenario.erp.concurrency,
            "erp_concurrency_share_used": round(erp_share, 4),
            "erp_peak_in_flight": stack.gate.stats.peak_in_flight,
            "erp_requests_served": stack.gate.stats.served,
            "erp_requests_in_peak": routes,
            "erp_latency_seconds": scenario.erp.latency_seconds,
            "erp_slot_seconds_per_request": slot_seconds_per_request(busy, routes["total"]),
            "erp_refused_outage": stack.gate.stats.refused_outage,
            "erp_refused_errors": stack.gate.stats.refused_errors,
            "shopify_plan": scenario.shopify.plan.value,
            "shopify_budget_share_used": round(shopify_share, 4),
            "shopify_budget_share_used_by_stock_push": round(
                _shopify_share(scenario, samples, stock_start, stock_end), 4
            ),
            "shopify_throttled": int(_delta(samples, 0.0, end, "shopify_throttled")),
            "bound_by": bound_by(erp_share, shopify_share, pace),
            **stock_push_saturation(scenario, samples, stock_start, stock_end),
        },
        "oversells": oversells(scenario, peak),
        "workers_killed": len(stack.pool.killed) if stack.pool else 0,
        "phases": {name: [round(a, 2), round(b, 2)] for name, (a, b) in phases.items()},
        "series": {
            "queue": [[round(s.at, 2), s.pending + s.running, round(s.oldest_age, 2)] for s in samples],
            "throughput": throughput(samples),
        },
        "month_end": extra.get("month_end", {}),
        "dead_jobs": extra.get("dead_jobs", []),
        "ground_truth": {
            "orders": {
                k: v for k, v in data["orders"].items() if k not in ("sources", "totals_differ_orders")
            },
            "fulfilments": data.get("fulfilments"),
            "refunds": {k: v for k, v in (data.get("refunds") or {}).items() if k != "cases"},
            "payouts": data.get("payouts"),
            "reconciliation": {
                k: v
                for k, v in data["reconciliation"].items()
                if k in ("agrees", "checkpoints", "mismatches")
            },
            "webhooks": data["webhooks"],
        },
    }


def _routes(stack: RehearsalStack, sampler: Sampler, start: float, end: float) -> dict[str, Any]:
    """What the ERP's capacity went to over the peak window (orders, stock sweeps...), by route."""
    routes = stack.gate.routes_between(sampler.started + start, sampler.started + end)
    return {"total": sum(routes.values()), "by_route": routes}


def bound_by(erp_share: float, shopify_share: float, workers_kept_up: bool | None = None) -> str:
    """Which limit held the throughput back: the one used most, if used at least :data:`BOUND_SHARE`.

    Neither: the order rate if the orders were done about as fast as they were placed, else the
    workers or what feeds them (``workers_kept_up`` None: not known, both named). Where the orders
    waited (in the queue, or as webhooks not yet delivered) the peak queue age tells apart.
    """
    if max(erp_share, shopify_share) < BOUND_SHARE:
        if workers_kept_up is None:
            return "neither limit: the order rate or the workers"
        if workers_kept_up:
            return "neither limit: the order rate (the orders were done about as fast as they were placed)"
        return (
            "neither limit: the workers (their number, threads or CPU) or the webhooks' delivery to"
            " them (the orders were done slower than they were placed, the ERP and Shopify to spare)"
        )
    return "the ERP's concurrency" if erp_share >= shopify_share else "the Shopify cost budget"


def kept_up(sustained: float, orders: int, seconds_placing: float) -> bool | None:
    """Whether orders were done at :data:`KEPT_UP_SHARE` of the rate they were placed, or faster.

    None when the peak placed too few orders over too short a time to have a rate.
    """
    if orders < 2 or seconds_placing <= 0:
        return None
    return sustained >= KEPT_UP_SHARE * orders / seconds_placing


def slot_seconds_per_request(busy_slot_seconds: float, requests: int) -> float | None:
    """How long an ERP request held its gate slot on average: the gate's latency plus the ERP's own
    answer. Well above the latency, something besides the ERP's limit slows each answer (say the
    process the ERP sandbox serves from is busy), and the ERP's share overstates the ERP's own work."""
    return round(busy_slot_seconds / requests, 3) if requests else None


def throughput(samples: list[Sample]) -> dict[str, list[list[float]]]:
    """Jobs done per second per kind, between consecutive samples: {kind: [[at, per second], ...]}."""
    kinds = sorted({kind for s in samples for kind in s.done})
    series: dict[str, list[list[float]]] = {kind: [] for kind in kinds}
    before = samples[0] if samples else None
    for after in samples[1:]:
        assert before is not None
        span = after.at - before.at
        if span < MIN_SPAN_SECONDS:  # a phase's mark just after a sample: a rate over no time
            continue
        for kind in kinds:
            rate = (after.done.get(kind, 0) - before.done.get(kind, 0)) / span
            series[kind].append([round(after.at, 2), round(max(rate, 0.0), 2)])
        before = after
    return {kind: points for kind, points in series.items() if any(rate for _, rate in points)}


def oversells(scenario: Scenario, peak: Peak) -> dict[str, Any]:
    """Units of each bestseller sold in the peak beyond the ERP stock it had, with the cause."""
    stock = scenario.trade.bestseller_stock
    if stock is None:
        return {"units": 0, "by_sku": [], "note": "the ERP had plenty of every SKU: nothing could oversell"}
    rows = []
    for sku in peak.skus[: scenario.trade.bestsellers]:
        over = max(0, peak.sold[sku] - stock)
        rows.append(
            {
                "sku": sku,
                "erp_stock": stock,
                "sold": peak.sold[sku],
                "oversold": over,
                "cause": (
                    "Shopify still offered units the ERP no longer had: the lag between the ERP's change"
                    " and the stock push to Shopify"
                    if over
                    else ""
                ),
            }
        )
    return {"units": sum(r["oversold"] for r in rows), "by_sku": rows}


def _delta(samples: list[Sample], start: float, end: float, name: str) -> float:
    """How much counter ``name`` grew from ``start`` to ``end`` (each read from the last sample by then)."""
    return max(0.0, float(_at(samples, end, name) - _at(samples, start, name)))


def _at(samples: list[Sample], when: float, name: str) -> float:
    taken = [s for s in samples if s.at <= when + 1e-6]
    return float(getattr(max(taken, key=lambda s: s.at), name)) if taken else 0.0


def _shopify_share(scenario: Scenario, samples: list[Sample], start: float, end: float) -> float:
    if end <= start:
        return 0.0
    plan = scenario.shopify.plan
    return _delta(samples, start, end, "shopify_points") / (plan.bucket + plan.restore_rate * (end - start))


def stock_push_saturation(
    scenario: Scenario, samples: list[Sample], start: float, end: float
) -> dict[str, Any]:
    """Whether the stock phase's push was bound by the Shopify budget, and what that means for its share.

    A push that spent less than one full bucket and was never THROTTLED had less to send than the
    budget allows: its share says how little there was to push, not how well it used the budget, so
    the goal (:data:`STOCK_PUSH_GOAL`) applies only to a saturated push.
    """
    points = _delta(samples, start, end, "shopify_points")
    throttled = _delta(samples, start, end, "shopify_throttled")
    saturated = throttled > 0 or points > scenario.shopify.plan.bucket
    share = _shopify_share(scenario, samples, start, end)
    if not saturated:
        verdict = (
            f"unsaturated: {points:g} points pushed, less than one {scenario.shopify.plan.bucket:g}-point"
            f" bucket and never THROTTLED; the goal of {STOCK_PUSH_GOAL:g} applies only when saturated"
        )
    elif share >= STOCK_PUSH_GOAL:
        verdict = f"saturated: {share:.2f} of the budget used, goal {STOCK_PUSH_GOAL:g} met"
    else:
        verdict = f"saturated: {share:.2f} of the budget used, short of the goal of {STOCK_PUSH_GOAL:g}"
    return {"stock_push_saturated": saturated, "stock_push_budget_verdict": verdict}
