"""The scenario driver: the sandbox shop trades for one simulated day, reproducibly from a seed.

Customers (new and returning) place orders with several lines, discount codes, VAT and shipping,
some with the bundle SKU; then some orders are cancelled, some edited, some fulfilled with
tracking, some refunded (partly or fully, with or without restock); at the end of the day the
Shopify Payments balance (charges less fees, refunds, an adjustment and now and then a dispute) is
paid out. Everything goes through the same code as the GraphQL mutations, so the webhooks fire.

In-process: ``run_day(state, seed=1, orders=20)``; over HTTP: ``POST /_sandbox/scenario/day``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from . import order_figures as fig
from . import scenario_actions as act
from .checkout import place_order
from .payouts_model import FeePlan, issue_payout, record_balance_transaction, record_order_payments
from .state import ShopState

DISCOUNTS = {
    "WELCOME10": {"kind": "percentage", "value": "10"},
    "FIVEOFF": {"kind": "fixed", "value": "5.00"},
    "FREESHIP": {"kind": "free_shipping", "value": "0"},
}
SHIPPING = (
    {"title": "Standard", "price": "3.95", "code": "STD"},
    {"title": "Express", "price": "7.95", "code": "EXP"},
)
FIRST_NAMES = ("Ada", "Ben", "Cleo", "Dev", "Esme", "Finn", "Gita", "Hal", "Iris", "Jon")
LAST_NAMES = ("Khan", "Lowe", "Moss", "Nash", "Owen", "Patel", "Quinn", "Reid", "Shaw", "Tait")


@dataclass
class Summary:
    """What the day produced; the per-currency figures are strings of exact decimals."""

    seed: int
    orders: int = 0
    new_customers: int = 0
    returning_customers: int = 0
    cancelled: int = 0
    edited: int = 0
    fulfilled: int = 0
    refunded_partially: int = 0
    refunded_fully: int = 0
    with_discount: int = 0
    with_bundle: int = 0
    order_ids: list[str] = field(default_factory=list)
    payout_ids: list[str] = field(default_factory=list)
    totals: dict[str, dict[str, str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class DayClock:
    """Simulated time for the day: starts at 08:00 UTC and moves forward by minutes per event."""

    def __init__(self, start: datetime, rng: random.Random) -> None:
        self.now = start
        self._rng = rng

    def __call__(self) -> datetime:
        return self.now

    def tick(self, most_minutes: int) -> None:
        self.now += timedelta(minutes=self._rng.randint(1, most_minutes), seconds=self._rng.randint(0, 59))


def run_day(
    state: ShopState,
    seed: int = 1,
    orders: int = 20,
    *,
    clock: Callable[[], datetime] | None = None,
    fees: FeePlan | None = None,
) -> Summary:
    """Trade for one day from 08:00 UTC: of ``clock``'s date when given, else of the day before the
    state's clock, so that everything the day records lies in the past (a sweep with a watermark
    of "now" must not miss it, and nothing is updated in the future)."""
    rng = random.Random(seed)
    now = (clock or state.clock)().astimezone(UTC)
    day = now if clock is not None else now - timedelta(days=1)
    start = day.replace(hour=8, minute=0, second=0, microsecond=0)
    day_clock, saved_clock = DayClock(start, rng), state.clock
    state.clock = day_clock
    try:
        return _trade(state, rng, day_clock, orders, fees or FeePlan(), Summary(seed=seed))
    finally:
        state.clock = saved_clock


def _trade(
    state: ShopState, rng: random.Random, clock: DayClock, count: int, fees: FeePlan, summary: Summary
) -> Summary:
    _prepare_shop(state)
    placed = []
    for _ in range(count):
        clock.tick(max(1, 720 // max(count, 1)))
        placed.append(place_order(state, _checkout(state, rng, summary)))
    for order in placed:
        clock.tick(max(1, 240 // max(count, 1)))
        _after_sale(state, rng, order, summary)
    clock.tick(60)
    _settle(state, rng, placed, fees, summary)
    summary.orders = len(placed)
    summary.order_ids = [o["id"] for o in placed]
    summary.totals = _totals(state, placed, summary.payout_ids)
    return summary


def _prepare_shop(state: ShopState) -> None:
    if not state.variants:
        from .seed import seed_catalogue

        seed_catalogue(state)
    with state.lock:
        for code, rule in DISCOUNTS.items():
            state.discount_codes.setdefault(code, rule)


def _sellable(state: ShopState) -> list[str]:
    with state.lock:
        active = {p["id"] for p in state.products.values() if p.get("status") == "ACTIVE"}
        return sorted(v["id"] for v in state.variants.values() if v.get("product_id") in active)


def _checkout(state: ShopState, rng: random.Random, summary: Summary) -> dict[str, Any]:
    variants = _sellable(state)
    chosen = rng.sample(variants, rng.randint(1, min(4, len(variants))))
    lines = [{"variant_id": v, "quantity": rng.randint(1, 3)} for v in chosen]
    if any(str(state.variants[v].get("sku", "")).startswith("BUNDLE") for v in chosen):
        summary.with_bundle += 1
    request: dict[str, Any] = {
        "lines": lines,
        "shipping": rng.choice(SHIPPING),
        "tax": {"title": "VAT", "rate": "0.2"},
        "taxes_included": True,
        "gateway": "shopify_payments",
        "payment": rng.choices(["paid", "authorized", "pending"], weights=[85, 10, 5])[0],
        "shipping_address": _address(rng),
    }
    if rng.random() < 0.3:
        request["discount_code"] = rng.choice(sorted(DISCOUNTS))
        summary.with_discount += 1
    request.update(_customer(state, rng, summary))
    return request


def _customer(state: ShopState, rng: random.Random, summary: Summary) -> dict[str, Any]:
    with state.lock:
        known = sorted(state.customers)
    if known and rng.random() < 0.4:
        summary.returning_customers += 1
        return {"customer_id": rng.choice(known)}
    summary.new_customers += 1
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    email = f"{first}.{last}.{rng.randrange(10**6)}@example.com".lower()
    return {"customer": {"email": email, "firstName": first, "lastName": last}}


def _address(rng: random.Random) -> dict[str, Any]:
    return {
        "address1": f"{rng.randint(1, 200)} Station Road",
        "city": rng.choice(["Leeds", "Bristol", "York", "Bath"]),
        "zip": f"LS{rng.randint(1, 9)} {rng.randint(1, 9)}AA",
        "country": "United Kingdom",
        "countryCodeV2": "GB",
    }


def _after_sale(state: ShopState, rng: random.Random, order: dict[str, Any], summary: Summary) -> None:
    """What happens to one order after it is placed: at most a cancel, else edit/fulfil/refund.

    The cancel comes first, before anything is fulfilled: Shopify refuses to cancel an order with
    outstanding fulfillments, so the day only ever cancels unfulfilled orders.
    """
    roll = rng.random()
    if roll < 0.06:
        if act.cancel(state, order, restock=True):
            summary.cancelled += 1
        return
    if roll < 0.14 and act.edit(state, rng, order, _sellable(state)):
        summary.edited += 1
    if rng.random() < 0.7:
        act.capture_if_authorized(state, order)
    if fig.received(order).shop > 0 and rng.random() < 0.6 and act.fulfil(state, rng, order):
        summary.fulfilled += 1
    refund_roll = rng.random()
    if refund_roll < 0.08 and fig.net_payment(order).shop > 0:
        act.refund_partial(state, rng, order)
        summary.refunded_partially += 1
    elif refund_roll < 0.12 and fig.net_payment(order).shop > 0:
        act.refund_full(state, order, restock=rng.random() < 0.5)
        summary.refunded_fully += 1


def _settle(
    state: ShopState, rng: random.Random, placed: list[dict[str, Any]], fees: FeePlan, summary: Summary
) -> None:
    with state.lock:
        for order in placed:
            record_order_payments(state, order, fees)
        currency = state.currency
        record_balance_transaction(
            state,
            "ADJUSTMENT",
            Decimal("-1.50"),
            Decimal(0),
            currency,
            source_type="ADJUSTMENT",
            reason="shipping_label",
        )
        paid = [o for o in placed if fig.received(o).shop > 0 and not o["cancelled_at"]]
        if paid and rng.random() < 0.5:
            disputed = rng.choice(paid)
            amount = -fig.received(disputed).shop
            record_balance_transaction(
                state,
                "DISPUTE_WITHDRAWAL",
                amount,
                Decimal("15.00"),
                currency,
                source_type="DISPUTE",
                order=disputed,
            )
        payout = issue_payout(state, currency)
        if payout is not None:
            summary.payout_ids.append(payout["id"])


def _totals(
    state: ShopState, placed: list[dict[str, Any]], payout_ids: list[str]
) -> dict[str, dict[str, str]]:
    """Per currency: order totals, money received and refunded, and what the payouts paid."""
    totals: dict[str, dict[str, Decimal]] = {}
    for order in placed:
        row = totals.setdefault(
            order["currency"], {k: Decimal(0) for k in ("ordered", "received", "refunded", "payout_net")}
        )
        row["ordered"] += fig.original_totals(order).total.shop
        row["received"] += fig.received(order).shop
        row["refunded"] += fig.refunded(order).shop
    with state.lock:
        for payout in (state.payouts[p] for p in payout_ids):
            if payout["currency"] in totals:
                totals[payout["currency"]]["payout_net"] += payout["signed_net"]
    return {cur: {k: str(v) for k, v in row.items()} for cur, row in totals.items()}


async def _run_day_route(request: Request) -> JSONResponse:
    body = await request.json() if await request.body() else {}
    state: ShopState = request.app.state.sandbox.state
    from starlette.concurrency import run_in_threadpool

    summary = await run_in_threadpool(run_day, state, int(body.get("seed", 1)), int(body.get("orders", 20)))
    return JSONResponse(summary.as_dict())


def scenario_routes() -> list[Route]:
    return [Route("/_sandbox/scenario/day", _run_day_route, methods=["POST"])]
