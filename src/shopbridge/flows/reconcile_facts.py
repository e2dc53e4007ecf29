"""The daily reconciliation's reads: each side's facts for one day, through the ports, as domain records.

Shopify is read through the Shopify port (the day's orders by ``created_at``, in one bulk operation
where the port offers it, else listed page by page and read one by one; the
refunds of the orders refunded since the day began, a batch of orders a read where the port offers
it; the fulfilments of the orders dispatched), the
ERP through the ERP port (:class:`~shopbridge.ports.erp.ErpReconcileReads`: every order carrying
each of the day's names, so a duplicate shows, and the credit note of each refund, a batch at a
time; ``dispatches_since``), shopbridge's own state (syncs, links, payout records, the latest stock
audit) through the unit of work.

Orders compare the whole order as the order flow posts it, shipping included, with the ERP's own
totals (rounding lines and all). Where an ERP's read gives no tax (SYSPRO), net is compared with
net and the tax checkpoint is not checkable.

A side that cannot answer gives ``None`` and its checkpoint is "not checkable", never a pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import partial

from shopbridge.domain.order_mapping import as_sold
from shopbridge.domain.order_reference import erp_reference, is_stores, order_name_of
from shopbridge.domain.order_sync import SyncStatus
from shopbridge.domain.orders import OrderRules, OrderUnmappable, map_order, qualify
from shopbridge.domain.reconciliation import (
    DispatchFact,
    ErpOrderFact,
    ExpectedOrder,
    PayoutFact,
    PayoutPosting,
    RefundFact,
    StockFact,
    TaxKey,
    snap_rate,
    tax_buckets,
)
from shopbridge.domain.records import (
    BundleComponent,
    Dispatch,
    Order,
    OrderLine,
    Refund,
    RefundTotal,
    TaxLine,
)
from shopbridge.flows.order_settings import rules_for
from shopbridge.flows.refund_to_credit_note import MANUAL_LINK
from shopbridge.flows.spec import FlowContext
from shopbridge.ports.erp import Capability, ErpReconcileReads, HeldCreditNote, HeldOrder
from shopbridge.ports.shopify import (
    RefundedOrder,
    ShopifyBulkDayReads,
    ShopifyBulkDayRefunds,
    ShopifyReconcileReads,
    ShopifyRefundBatchReads,
)

__all__ = [
    "OrderComparison",
    "OrderFacts",
    "ShopifyDay",
    "day_bounds",
    "dispatch_facts",
    "order_facts",
    "payout_facts",
    "refund_facts",
    "shopify_day",
]

FULFILMENT_LINK = "fulfilment"  # flows/dispatch_to_fulfilment.LINK
CREDIT_NOTE_LINK = "credit_note"  # flows/refund_to_credit_note.LINK
NO_FULFILMENT = "components:"  # a dispatch that only moved bundle progress: no fulfilment is due
_IN_ERP = (SyncStatus.POSTED, SyncStatus.MANUAL)  # posted once it qualified, whatever it is now
_DEAD_FULFILMENT = {"CANCELLED", "ERROR", "FAILURE"}
_RECONCILE_ACCOUNT = "RECONCILE"  # mapping needs an account; totals do not depend on it
ERP_BATCH = 500  # references handed to one ERP read (each adapter batches its own requests within)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=UTC)
    return start, start + timedelta(days=1)


@dataclass(frozen=True)
class OrderFacts:
    expected: list[ExpectedOrder]
    found: dict[str, list[ErpOrderFact]]
    shopify_tax: dict[TaxKey, Decimal]
    erp_tax: dict[TaxKey, Decimal] | None  # None: the ERP's read gives no tax (not checkable)
    tax_allowance: dict[TaxKey, Decimal] = field(default_factory=dict)  # the ERP's own line rounding


@dataclass(frozen=True)
class ShopifyDay:
    """What the day's reads of Shopify found before the checkpoints compare them."""

    orders: list[Order] | None  # None: the port cannot list the day's orders
    creditable: list[str] | None  # refunded orders shopbridge put in the ERP; None: not read yet
    refunds: dict[str, tuple[RefundTotal, ...]]  # refunds already read (totals, units), by order id


def shopify_day(
    ctx: FlowContext, day: date, ready: Callable[[list[Order]], None] | None = None
) -> ShopifyDay:
    """The day's orders and, where the port reads them together, the orders refunded since the day
    began and their refunds: listed and read while Shopify runs the day's bulk operation, each once
    (not listed where the ERP cannot read its credit notes back: there is no refunds checkpoint).

    ``ready``: given the day's orders a group at a time while the refunds are still being read (on
    this thread: those without refunds, then refunded ones whose refunds are in), where the port
    reads them together; else not called. The orders not handed over are in the day's read."""
    if not isinstance(ctx.shopify, ShopifyBulkDayRefunds):
        return ShopifyDay(shopify_orders(ctx, day), None, {})
    start, end = day_bounds(day)
    checked = isinstance(ctx.erp, ErpReconcileReads)
    since = start if checked else None
    read = ctx.shopify.orders_and_refunds_created_in_bulk(start, end, since, ready=ready)
    return ShopifyDay(read.orders, _in_erp(ctx, read.refunded), read.refunds)


def shopify_orders(ctx: FlowContext, day: date) -> list[Order] | None:
    """The day's orders: in one bulk operation where the port offers it, else listed and read one by one."""
    start, end = day_bounds(day)
    if isinstance(ctx.shopify, ShopifyBulkDayReads):
        return ctx.shopify.orders_created_in_bulk(start, end)
    if not isinstance(ctx.shopify, ShopifyReconcileReads):
        return None
    found = (ctx.shopify.order(order_id) for order_id in ctx.shopify.orders_created_between(start, end))
    return [order for order in found if order is not None]


def order_facts(ctx: FlowContext, orders: list[Order]) -> OrderFacts | None:
    """Each qualifying order as the ERP should hold it (mapped) and as it does, with tax per rate.

    ``None`` when the ERP port cannot read its orders back in bulk (``ErpReconcileReads``)."""
    return OrderComparison(ctx).facts(orders)


_Part = tuple[str, Decimal, Decimal]  # (country, rate, tax)


@dataclass(frozen=True)
class _Compared:
    """One qualifying order compared: what it adds to the day's facts.

    ``whole``: its tax is compared whole at its one rate, or not at all (``erp_parts`` a list); else
    line by line, ``erp_parts`` ``None`` where the ERP's read gives no tax for its lines."""

    expected: ExpectedOrder
    found: list[ErpOrderFact]
    shopify_parts: list[_Part]
    erp_parts: list[_Part] | None
    allowance: tuple[tuple[TaxKey, Decimal], ...]
    whole: bool


class OrderComparison:
    """The day's orders compared with the ERP's, a group at a time as Shopify's read hands them over
    (the orders without refunds while the refunds are still being read, the rest once they are in),
    each group's syncs, ERP orders and kits read in batches. :meth:`facts` puts them together in the
    day's order: the same facts as one comparison of the whole day."""

    def __init__(self, ctx: FlowContext) -> None:
        self._ctx = ctx
        self._erp = ctx.erp if isinstance(ctx.erp, ErpReconcileReads) else None
        self._rules = replace(rules_for(ctx.settings, ctx.shop), limits=ctx.erp.field_limits)
        self._kits: dict[str, tuple[BundleComponent, ...]] = {}
        self._asked: set[str] = set()  # SKUs already asked of the ERP for kits
        self._compared: dict[str, _Compared | None] = {}  # by order id; None: the order does not qualify

    def add(self, orders: Sequence[Order]) -> None:
        """Compare these orders (as they stand in the day's read), once each."""
        if self._erp is None:
            return
        new = [o for o in orders if o.shopify_id not in self._compared]
        statuses = _sync_statuses(self._ctx, new) if new else {}
        qualifying = [
            o for o in new if qualify(o, self._rules).qualifies or statuses.get(o.shopify_id) in _IN_ERP
        ]
        references = {o.name: erp_reference(self._rules.reference_prefix, o.name) for o in qualifying}
        held = _orders_held(self._erp, list(references.values()))
        self._ask_kits(qualifying)
        self._compared.update(dict.fromkeys((o.shopify_id for o in new), None))
        for order in qualifying:
            found = held.get(references[order.name], [])
            status = statuses.get(order.shopify_id)
            self._compared[order.shopify_id] = _compare(order, self._rules, self._kits, status, found)

    def facts(self, orders: list[Order]) -> OrderFacts | None:
        """The facts of the day's ``orders``, in their order (any not yet compared are compared now)."""
        if self._erp is None:
            return None
        self.add(orders)
        facts = OrderFacts([], {}, {}, {})
        shopify_parts: list[_Part] = []
        erp_parts: list[_Part] | None = []
        for order in orders:
            compared = self._compared[order.shopify_id]
            if compared is None:
                continue
            facts.expected.append(compared.expected)
            if compared.found:
                facts.found[order.name] = compared.found
            shopify_parts += compared.shopify_parts
            if compared.whole or (erp_parts is not None and compared.erp_parts is not None):
                for key, amount in compared.allowance:
                    facts.tax_allowance[key] = facts.tax_allowance.get(key, Decimal(0)) + amount
                if erp_parts is not None:
                    erp_parts += compared.erp_parts or []
            else:
                erp_parts = None
        facts.shopify_tax.update(tax_buckets(shopify_parts))
        erp_tax = None if erp_parts is None else tax_buckets(erp_parts)
        return replace(facts, erp_tax=erp_tax)

    def _ask_kits(self, orders: list[Order]) -> None:
        """As the order flow does: bundles the ERP holds as kits, for SKUs config does not define;
        each SKU asked once for the whole day (the adapter batches), not once per order."""
        if Capability.KITS not in self._ctx.erp.capabilities:
            return
        sold = {line.sku for order in orders for line in order.lines}
        asked = sorted(s for s in sold if s and s not in self._rules.bundles and s not in self._asked)
        self._asked.update(asked)
        items = self._ctx.erp.get_items(asked) if asked else {}
        self._kits.update(
            {sku: item.components for sku, item in items.items() if item.is_kit and item.components}
        )


def _compare(
    order: Order,
    rules: OrderRules,
    kits: dict[str, tuple[BundleComponent, ...]],
    status: SyncStatus | None,
    held: list[HeldOrder],
) -> _Compared:
    """One qualifying order as the ERP should hold it and as it does, and its tax parts."""
    expected, skus = _expected(order, rules, kits)
    for_person = status is SyncStatus.MANUAL
    expected = replace(expected, held_for_person=for_person)
    if not held:
        return _Compared(expected, [], [], [], (), whole=True)  # the orders checkpoint's finding
    allowance = _rounding_allowance(order, held[0])
    found = [_fact(h, allowance) for h in held]
    if for_person:  # the ERP differs until a person carries the change: its problem is open
        return _Compared(expected, found, [], [], (), whole=True)
    country = _country(order)
    rates = {t.rate.normalize() for ln in _live(order) for t in ln.tax_lines}
    one_rate = _one_rate(order)
    erp_lines = None if held[0].tax is None else _goods_parts(held[0], skus, country, rates)
    if (
        one_rate is not None
        and erp_lines is not None
        and held[0].tax is not None
        and _all_at(erp_lines, one_rate)
    ):
        # Both sides tax the whole order at one rate: compare its whole tax, so that an ERP's
        # rounding line (Tryton's, Sage's) and the shipping's tax fall in that rate's bucket.
        charged = sum((t.amount.amount for t in _taxes(order)), Decimal(0))
        key = (country, one_rate)
        erp_whole = [(country, one_rate, held[0].tax.amount)]
        return _Compared(
            expected, found, [(country, one_rate, charged)], erp_whole, ((key, allowance),), True
        )
    shopify_parts = [(country, t.rate, t.amount.amount) for ln in _live(order) for t in ln.tax_lines]
    return _Compared(expected, found, shopify_parts, erp_lines, _line_allowance(erp_lines, held[0]), False)


def _sync_statuses(ctx: FlowContext, orders: list[Order]) -> dict[str, SyncStatus]:
    """Where shopbridge stands with each order: one posted, then edited to a balance due (partially
    paid), no longer qualifies and is still the ERP's to hold."""
    with ctx.uow.begin() as tx:
        return tx.order_sync_statuses(ctx.shop.name, [order.shopify_id for order in orders])


def _orders_held(erp: ErpReconcileReads, names: list[str]) -> dict[str, list[HeldOrder]]:
    held: dict[str, list[HeldOrder]] = {}
    for start in range(0, len(names), ERP_BATCH):
        held.update(erp.orders_held(names[start : start + ERP_BATCH]))
    return held


def _live(order: Order) -> Iterator[OrderLine]:
    """The goods lines still sold, their taxes at the sold quantity: an edit that removed units
    leaves the line's tax lines at the quantity first ordered (Shopify's way), so they are prorated
    as the order flow posts them."""
    for line in order.lines:
        if line.quantity > 0 and not line.is_gift_card:
            yield as_sold(line)


def _taxes(order: Order) -> list[TaxLine]:
    """Shopify's tax lines on the goods sold and on the shipping."""
    return [t for ln in _live(order) for t in ln.tax_lines] + [
        t for shipping in order.shipping_lines for t in shipping.tax_lines
    ]


def _one_rate(order: Order) -> Decimal | None:
    """The one rate every taxed line of the order (shipping too) carries; None for several or none."""
    rates = {t.rate.normalize() for t in _taxes(order)}
    return rates.pop() if len(rates) == 1 else None


def _all_at(parts: list[tuple[str, Decimal, Decimal]], rate: Decimal) -> bool:
    """Every ERP goods line reads back at ``rate`` (a line at another rate is a wrong tax code)."""
    return all(line_rate.normalize() == rate for _country, line_rate, _tax in parts)


def _country(order: Order) -> str:
    address = order.shipping_address or order.billing_address
    return address.country_code if address is not None else ""


def _expected(
    order: Order, rules: OrderRules, kits: dict[str, tuple[BundleComponent, ...]]
) -> tuple[ExpectedOrder, set[str]]:
    """The mapped order's net and tax as the order flow posts it: goods lines and shipping."""
    try:
        mapped = map_order(order, rules, customer_account=_RECONCILE_ACCOUNT, kits=kits)
    except OrderUnmappable:  # already a problem of its own; the ERP cannot hold it
        net = sum((ln.unit_price.amount * ln.quantity for ln in _live(order)), Decimal(0))
        return ExpectedOrder(order.name, net, order.tax_total.amount), {ln.sku for ln in order.lines}
    request = mapped.request
    shipping = request.shipping.amount if request.shipping is not None else Decimal(0)
    shipping_tax = request.shipping_tax.amount if request.shipping_tax is not None else Decimal(0)
    net = sum((ln.unit_price.amount * ln.quantity for ln in request.lines), shipping)
    tax = sum((ln.tax.amount for ln in request.lines), shipping_tax)
    return ExpectedOrder(order.name, net, tax), {ln.sku for ln in request.lines}


def _fact(held: HeldOrder, allowance: Decimal) -> ErpOrderFact:
    tax = None if held.tax is None else held.tax.amount
    return ErpOrderFact(held.reference, held.number, held.net.amount, tax, allowance)


def _line_allowance(lines: list[_Part] | None, held: HeldOrder) -> tuple[tuple[TaxKey, Decimal], ...]:
    """A penny in each goods line's bucket where the ERP rounds each line's tax itself."""
    if lines is None or not held.tax_per_line:
        return ()
    return tuple(((country, rate.normalize()), Decimal("0.01")) for country, rate, _tax in lines)


def _rounding_allowance(order: Order, held: HeldOrder) -> Decimal:
    """A penny a taxed line (goods and shipping) where the ERP taxes line by line with no rounding
    line to carry Shopify's figure (``HeldOrder.tax_per_line``); nothing elsewhere."""
    if not held.tax_per_line:
        return Decimal(0)
    taxed = [ln for ln in _live(order) if ln.tax_lines] + [s for s in order.shipping_lines if s.tax_lines]
    return Decimal("0.01") * len(taxed)


def _goods_parts(
    held: HeldOrder, skus: set[str], country: str, rates: set[Decimal]
) -> list[tuple[str, Decimal, Decimal]]:
    """The goods lines' tax per (country, rate read back): shipping and rounding lines are left to
    the orders checkpoint's totals."""
    goods = [ln for ln in held.goods if ln.sku in skus]
    return [
        (country, snap_rate(ln.unit_price.amount * ln.quantity, ln.tax.amount, rates), ln.tax.amount)
        for ln in goods
    ]


def refund_facts(ctx: FlowContext, day: date, read: ShopifyDay | None = None) -> list[RefundFact] | None:
    """The day's refunds of orders in the ERP, each with its credit note's value (or ``None``).

    Gross with gross where the ERP's read gives the note's tax; net with Shopify's net where not
    (those refunds alone are read whole, for their tax). ``read``: what ``shopify_day`` already
    read (the creditable orders, refunds), not read again.
    """
    if not isinstance(ctx.erp, ErpReconcileReads):
        return None
    refunds = _creditable_refunds(ctx, day, read or ShopifyDay(None, None, {}))
    prefix = ctx.shop.order_reference_prefix
    notes = _credit_notes_held(
        ctx.erp, [(r.shopify_id, erp_reference(prefix, r.order_name)) for r in refunds]
    )
    taxes = _shopify_taxes(ctx, [r for r in refunds if _net_only(notes.get(r.shopify_id))])
    facts: list[RefundFact] = []
    for refund in refunds:
        note = notes.get(refund.shopify_id)
        value = refund.total.amount - taxes.get(refund.shopify_id, Decimal(0))
        number, credited = (note.number, note.total.amount) if note is not None else ("", None)
        manual = note is None and _keyed_by_hand(ctx, refund.shopify_id)
        facts.append(RefundFact(refund.shopify_id, refund.order_name, value, credited, number, manual))
    return facts


def _net_only(note: HeldCreditNote | None) -> bool:
    """The ERP's read gives the note's net only (it works the tax out itself)."""
    return note is not None and note.tax is None


def _shopify_taxes(ctx: FlowContext, refunds: list[RefundTotal]) -> dict[str, Decimal]:
    """Shopify's tax on each refund given, by refund id: their orders' refunds read whole."""
    order_ids = list(dict.fromkeys(r.order_id for r in refunds))
    return {refund.shopify_id: _tax(refund) for found in _refunds_of(ctx, order_ids) for refund in found}


def _keyed_by_hand(ctx: FlowContext, refund_id: str) -> bool:
    """The refunds flow handed the refund to finance (``credit_note_manual``): it is not posted by us."""
    with ctx.uow.begin() as tx:
        return tx.linked_erp_id(MANUAL_LINK, ctx.shop.name, refund_id) is not None


def _creditable_refunds(ctx: FlowContext, day: date, read: ShopifyDay) -> list[RefundTotal]:
    start, end = day_bounds(day)
    creditable = read.creditable if read.creditable is not None else _creditable_orders(ctx, day)
    unread = [order_id for order_id in creditable if order_id not in read.refunds]
    fetched = {
        o: tuple(map(RefundTotal.of, refunds))
        for o, refunds in zip(unread, _refunds_of(ctx, unread), strict=True)
    }
    found = (read.refunds[o] if o in read.refunds else fetched[o] for o in creditable)
    return [r for refunds in found for r in refunds if start <= r.created_at < end]


def _creditable_orders(ctx: FlowContext, day: date) -> list[str]:
    """The orders refunded since the day began that shopbridge put in the ERP, oldest change first."""
    return _in_erp(ctx, ctx.shopify.refunded_orders_since(day_bounds(day)[0]))


def _in_erp(ctx: FlowContext, refunded: Sequence[RefundedOrder]) -> list[str]:
    """The refunded orders shopbridge put in the ERP (an order never in the ERP has nothing to
    credit), in the order given."""
    ids = [r.order_id for r in refunded]
    with ctx.uow.begin() as tx:
        statuses = tx.order_sync_statuses(ctx.shop.name, ids)
    return [order_id for order_id in ids if statuses.get(order_id) in _IN_ERP]


def _refunds_of(ctx: FlowContext, order_ids: list[str]) -> Iterator[tuple[Refund, ...]]:
    """Each order's refunds, in the order given: batched where the port can, else one read each."""
    if not order_ids:  # the usual case once the day's read brought every refund: no call at all
        return
    if isinstance(ctx.shopify, ShopifyRefundBatchReads):
        batched = ctx.shopify.refunds_of_orders(order_ids)
        yield from (batched.get(order_id, ()) for order_id in order_ids)
        return
    yield from (ctx.shopify.order_refunds(order_id) for order_id in order_ids)


def _credit_notes_held(erp: ErpReconcileReads, pairs: list[tuple[str, str]]) -> dict[str, HeldCreditNote]:
    held: dict[str, HeldCreditNote] = {}
    for start in range(0, len(pairs), ERP_BATCH):
        held.update(erp.credit_notes_held(pairs[start : start + ERP_BATCH]))
    return held


def _tax(refund: Refund) -> Decimal:
    """Shopify's tax on the refund: its lines', the shipping's and the adjustments'."""
    extras = [m.amount for m in (refund.shipping_tax, refund.adjustments_tax) if m]
    return refund.tax_total.amount + sum(extras, Decimal(0))


def dispatch_facts(ctx: FlowContext, day: date) -> list[DispatchFact]:
    """The ERP's dispatches of the day, each with whether Shopify holds its (live) fulfilment."""
    start, end = day_bounds(day)
    others = [shop.order_reference_prefix for shop in ctx.settings.shops if shop.name != ctx.shop.name]
    mine = partial(is_stores, ctx.shop.order_reference_prefix, others)  # not another store's dispatch
    return [
        _dispatch_fact(ctx, d)
        for d in _dispatches(ctx)
        if start <= d.dispatched_at < end and mine(d.order_reference)
    ]


def _dispatches(ctx: FlowContext) -> Iterator[Dispatch]:
    """Every dispatch the ERP reports, from the beginning (cursors are the adapter's: opaque)."""
    cursor: str | None = None
    while True:
        page = ctx.erp.dispatches_since(cursor, limit=200)
        yield from page.items
        if not page.has_more or page.next_cursor == cursor:
            return
        cursor = page.next_cursor


def _dispatch_fact(ctx: FlowContext, dispatch: Dispatch) -> DispatchFact:
    with ctx.uow.begin() as tx:
        fulfilment = tx.linked_shopify_id(FULFILMENT_LINK, ctx.shop.name, dispatch.erp_id)
        name = order_name_of(ctx.shop.order_reference_prefix, dispatch.order_reference)
        sync = tx.order_sync_named(ctx.shop.name, name) if name is not None else None
    if fulfilment is not None and fulfilment.startswith(NO_FULFILMENT):
        return DispatchFact(dispatch.erp_id, dispatch.order_reference, True)
    if fulfilment is None or sync is None:
        return DispatchFact(dispatch.erp_id, dispatch.order_reference, False)
    made = ctx.shopify.fulfilments_made(sync.order_id)
    live = any(f.id == fulfilment and f.status.upper() not in _DEAD_FULFILMENT for f in made)
    return DispatchFact(dispatch.erp_id, dispatch.order_reference, live)


def payout_facts(ctx: FlowContext, day: date) -> tuple[list[PayoutFact], dict[str, PayoutPosting]]:
    """The payouts issued on the day, and what shopbridge settled of each."""
    payouts = [p for p in ctx.shopify.payouts(day) if p.issued_at.date() == day]
    postings: dict[str, PayoutPosting] = {}
    with ctx.uow.begin() as tx:
        for payout in payouts:
            record = tx.payout_record(ctx.shop.name, payout.shopify_id)
            if record is not None:
                postings[payout.shopify_id] = PayoutPosting(
                    payout.shopify_id,
                    record.outcome.value,
                    record.net,
                    record.difference,
                    record.unknown_types,
                    record.erp_reference,
                )
    facts = [PayoutFact(p.shopify_id, p.status, p.net.amount) for p in payouts]
    return facts, postings


def stock_fact(ctx: FlowContext, cursor_name: str) -> StockFact | None:
    with ctx.uow.begin() as tx:
        latest = tx.cursor(cursor_name)
    return None if latest is None else StockFact(int(latest))
