"""The demo day's refunds, and the refunds object of the report read from the sandboxes' own state.

Besides the refunds the trading day makes by itself, the day makes one of each case the refunds flow
must handle, once the day's orders are posted and changed: on posted orders a partial refund, a
shipping-only refund and a return restocked at a location whose returns are saleable; and a refund
made before shopbridge can post its order (an order of an item the ERP gets only afterwards).
Their ``refunds/create`` webhooks go through the same lossy delivery as the day's; the refunds sweep
then brings in what was dropped.

The report counts from the sandboxes: the Shopify sandbox's refunds (and what each refunded) against
the ERP sandbox's credit notes (and the gross each carries, where the ERP keeps one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from shopbridge import admin
from shopbridge.demo.erp_base import DemoErp
from shopbridge.demo.stack import SHOP_NAME, DemoStack
from shopbridge.engine import queue
from shopbridge.intake.order_sweep import enqueue_sweep
from shopbridge.sandbox.shopify import order_figures as fig
from shopbridge.sandbox.shopify.checkout import place_order
from shopbridge.sandbox.shopify.resolvers.products import add_product, add_variant
from shopbridge.sandbox.shopify.resolvers.refunds import create_refund
from shopbridge.sandbox.shopify.state import ShopState

__all__ = ["RefundsDay", "line_cost", "make_refund", "refunds_report", "shipping_cost"]

SWEEP_KIND = "sweep.refunds"
NEW_SKU = "MUG-TRAVEL"  # sold in Shopify before the ERP has it: its order waits, and so does its refund
NEW_PRICE = "14.40"
_CENT = Decimal("0.01")


@dataclass
class RefundsDay:
    """Makes the day's refund cases and brings them in; ``made`` names the order of each case."""

    stack: DemoStack
    made: dict[str, list[str]] = field(
        default_factory=lambda: {"before_posting": [], "partial": [], "shipping_only": [], "with_restock": []}
    )

    def refund_posted(self, avoid: set[str] | frozenset[str] = frozenset()) -> None:
        """A partial, a shipping-only and a restocked refund of posted orders, and one refund made
        before its order can be posted; then the webhooks, the refunds sweep behind them, and the
        release of the waiting order (whose refund then follows it into the ERP). Orders named in
        ``avoid`` (those the day changed: some are held by a problem) are not refunded."""
        state = self._state()
        posted = {o.reference for o in self.stack.erp.orders() if not o.cancelled} - set(avoid)
        picked = iter(_candidates(state, posted))
        for case in ("partial", "shipping_only", "with_restock"):
            order = next(picked, None)
            if order is not None and _make(state, case, order):
                self.made[case].append(str(order["name"]))
        self.before_posting()
        self.sweep()

    def before_posting(self) -> None:
        """An order of an item the ERP does not have yet waits in quarantine; a refund of its other
        line is made meanwhile; then the ERP gets the item and the items sweep releases the order."""
        services, stack, state = self.stack.services, self.stack, self._state()
        assert services is not None
        product = add_product(state, "Travel mug (new)", status="ACTIVE", vendor="Demo", product_type="Mugs")
        add_variant(state, product["id"], sku=NEW_SKU, price=NEW_PRICE, title="Default Title")
        order = place_order(
            state,
            {
                "lines": [{"sku": "TEE-M", "quantity": 2}, {"sku": NEW_SKU, "quantity": 1}],
                "shipping": {"title": "Standard", "price": "3.95", "code": "STD"},
                "tax": {"title": "VAT", "rate": "0.2"},
                "taxes_included": True,
                "gateway": "shopify_payments",
                "payment": "paid",
                "customer": {"email": "early.refund@example.com", "firstName": "Ezra", "lastName": "Early"},
            },
        )
        stack.emitter().flush(timeout=120)
        with services.store.begin() as conn:  # its webhook may be lost: the order sweep brings it in
            enqueue_sweep(conn, SHOP_NAME, now=services.clock.now())
        stack.wait_until_idle()
        with state.lock:
            tee = next(line for line in order["line_items"] if line["sku"] == "TEE-M")
        if make_refund(state, order["id"], [(tee["id"], 1, "NO_RESTOCK")], shipping=False):
            self.made["before_posting"].append(str(order["name"]))
        stack.emitter().flush(timeout=120)
        stack.wait_until_idle()
        stack.erp.add_item(NEW_SKU, "Travel mug", Decimal(NEW_PRICE))
        with services.store.begin() as conn:
            queue.enqueue(conn, "sweep.erp_items", {}, dedup_key="sweep.erp_items", now=services.clock.now())
        stack.wait_until_idle()

    def sweep(self) -> None:
        """The refunds sweep behind the webhooks: what the lossy delivery dropped comes in here."""
        services = self.stack.services
        assert services is not None
        with services.store.begin() as conn:
            queue.enqueue(
                conn, SWEEP_KIND, {}, shop=SHOP_NAME, dedup_key=SWEEP_KIND, now=services.clock.now()
            )
        self.stack.wait_until_idle()

    def report(self) -> dict[str, Any]:
        services = self.stack.services
        assert services is not None
        tasks = admin.list_problems(services, kind="restock_task", status=None)
        manual = admin.list_problems(services, kind="credit_note_manual", status=None, limit=1000)
        by_hand = {_tail(p.entity_id) for p in manual}
        report = refunds_report(self._state(), self.stack.erp, restock_tasks=len(tasks), by_hand=by_hand)
        return {**report, "cases": self.made}

    def _state(self) -> ShopState:
        assert self.stack.shopify is not None
        return self.stack.shopify.state


# --- making refunds, as a merchant does in Shopify's admin ----------------------------------------


def _candidates(state: ShopState, in_erp: set[str]) -> list[dict[str, Any]]:
    """Posted, open, untouched orders with shipping and a line of two units or more (oldest first)."""
    with state.lock:
        return [
            o
            for o in sorted(state.orders.values(), key=lambda o: int(str(o["id"]).rsplit("/", 1)[-1]))
            if o["name"] in in_erp
            and not o["cancelled_at"]
            and not o["refund_ids"]
            and o["shipping_lines"]
            and any(_left(line) >= 1 for line in o["line_items"])
        ]


def _make(state: ShopState, case: str, order: dict[str, Any]) -> bool:
    with state.lock:
        line = max(order["line_items"], key=_left)
    if case == "shipping_only":
        return make_refund(state, order["id"], [], shipping=True)
    restock = "RETURN" if case == "with_restock" else "NO_RESTOCK"
    return make_refund(state, order["id"], [(line["id"], 1, restock)], shipping=False)


def _left(line: dict[str, Any]) -> int:
    return fig.refundable_quantity(line)


def make_refund(
    state: ShopState,
    order_id: str,
    lines: list[tuple[str, int, str]],
    *,
    shipping: bool,
    note: str = "demo refund",
    at_order_location: bool = True,
) -> bool:
    """``refundCreate`` with what those units (and the shipping) cost the customer; False if refused.

    ``lines`` are (line item id, quantity, restock type); each is returned at the order's location
    unless ``at_order_location`` is false (then Shopify is given no location).
    """
    with state.lock:
        order = state.orders[order_id]
        by_id = {line["id"]: line for line in order["line_items"]}
        owed = sum((line_cost(order, by_id[i], qty) for i, qty, _r in lines), Decimal(0))
        if shipping:
            owed += shipping_cost(order)
        sale = next(t for t in order["transactions"] if t["kind"] in ("SALE", "CAPTURE"))
        location = {"locationId": order["location_id"]} if at_order_location else {}
    data: dict[str, Any] = {
        "orderId": order_id,
        "note": note,
        "refundLineItems": [
            {"lineItemId": i, "quantity": qty, "restockType": restock, **location}
            for i, qty, restock in lines
        ],
        "transactions": [
            {
                "amount": str(owed),
                "gateway": sale["gateway"],
                "kind": "REFUND",
                "orderId": order_id,
                "parentId": sale["id"],
            }
        ],
    }
    if shipping:
        data["shipping"] = {"fullRefund": True}
    return not create_refund(state, data)["userErrors"]


def line_cost(order: dict[str, Any], line: dict[str, Any], quantity: int) -> Decimal:
    """What ``quantity`` units of ``line`` cost the customer (tax included), to the penny."""
    whole = line["unit"].scale(line["quantity"]) - line["discount"]
    tax = sum((t.price.shop for t in line["tax_lines"]), Decimal(0))
    paid = Decimal(whole.shop) if order["taxes_included"] else Decimal(whole.shop) + tax
    return (paid * quantity / int(line["quantity"])).quantize(_CENT)


def shipping_cost(order: dict[str, Any]) -> Decimal:
    """What the order's shipping cost the customer, tax included."""
    ship = order["shipping_lines"][0]
    left = Decimal((ship["price"] - ship["discount"]).shop)
    tax = sum((t.price.shop for t in ship["tax_lines"]), Decimal(0))
    return left if order["taxes_included"] else left + tax


# --- the report, from the sandboxes' own state --------------------------------------------------


def refunds_report(
    state: ShopState, erp: DemoErp, *, restock_tasks: int, by_hand: set[str] | frozenset[str] = frozenset()
) -> dict[str, Any]:
    """Shopify's refunds against the ERP's credit notes, both read from their sandboxes.

    ``expected`` are the refunds of orders the ERP holds, made before any cancel of the order (a
    refund of an order never posted, or a cancel's own refund, has nothing to credit), less those
    the ERP cannot credit exactly: ``handled_manually`` counts those, each given to finance as a
    ``credit_note_manual`` problem (``by_hand``: their numeric ids) and never posted.
    ``amount_checked`` counts the credit notes whose ERP keeps a gross to compare (SYSPRO works its
    own tax out; Prima's is what the adapter sent).
    """
    refunds = _shopify_refunds(state)
    notes = erp_credit_notes(erp)
    by_refund: dict[str, list[Decimal | None]] = {}
    for key, gross in notes:
        by_refund.setdefault(key, []).append(gross)
    in_erp = {o.reference for o in erp.orders()}
    creditable = [
        key for key, (name, _total, before_cancel) in refunds.items() if name in in_erp and before_cancel
    ]
    expected = [key for key in creditable if key not in by_hand]
    checked = [(key, gross) for key, gross in notes if gross is not None and key in refunds]
    return {
        "in_shopify": len(refunds),
        "expected": len(expected),
        "credit_notes_in_erp": len(notes),
        "credited_exactly_once": sum(1 for key in expected if len(by_refund.get(key, [])) == 1),
        "missing": sorted(f"{refunds[k][0]} refund {k}" for k in expected if k not in by_refund),
        "not_expected": sorted(
            f"{refunds[k][0]} refund {k}" for k in by_refund if k in refunds and k not in expected
        ),
        "duplicates": sum(1 for grosses in by_refund.values() if len(grosses) > 1),
        "amount_checked": len(checked),
        "amount_differs": sum(1 for key, gross in checked if gross != refunds[key][1]),
        "restock_tasks": restock_tasks,
        "handled_manually": sum(1 for key in creditable if key in by_hand),
    }


def _shopify_refunds(state: ShopState) -> dict[str, tuple[str, Decimal, bool]]:
    """Each refund (numeric id): its order's name, what it refunded (its transactions), and whether it
    came before any cancel of the order (a cancel's own refund credits nothing: the ERP order goes)."""
    found: dict[str, tuple[str, Decimal, bool]] = {}
    with state.lock:
        for gid, refund in state.refunds.items():
            order = state.orders[refund["order_id"]]
            paid = [t for t in order["transactions"] if t["id"] in refund["transaction_ids"]]
            before_cancel = not order["cancelled_at"] or refund["created_at"] < order["cancelled_at"]
            found[_tail(gid)] = (
                str(order["name"]),
                sum((t["amount"].shop for t in paid), Decimal(0)),
                before_cancel,
            )
    return found


def erp_credit_notes(erp: DemoErp) -> list[tuple[str, Decimal | None]]:
    """Each credit note the ERP sandbox holds for a Shopify refund: the refund's numeric id (from the
    reference the adapter wrote) and the note's gross, or None where the ERP keeps none."""
    readers = {"sage200": _sage, "tryton": _tryton, "syspro": _syspro, "prima": _prima}
    return readers[erp.vendor](erp)


def _sage(erp: Any) -> list[tuple[str, Decimal | None]]:
    state = erp.sandbox.state
    with state.lock:
        notes = state.find("sales_posted_transactions", trader_transaction_type="Credit Note")
        return [(str(n["reference"]), Decimal(str(n["document_gross_value"]))) for n in notes]


def _tryton(erp: Any) -> list[tuple[str, Decimal | None]]:
    rows = erp._call(
        "account.invoice",
        "search_read",
        [("type", "=", "out"), ("reference", "like", "gid://shopify/Refund/%"), ("state", "!=", "cancelled")],
        0,
        None,
        None,
        ["reference", "total_amount"],
    )
    return [(_tail(str(r["reference"])), -Decimal(str(r["total_amount"]))) for r in rows]


def _syspro(erp: Any) -> list[tuple[str, Decimal | None]]:
    company = erp.sandbox.state.company
    with company.lock:
        rows = [r for r in company.table("SorMaster").values() if r.get("DocumentType") == "C"]
        return [(str(r.get("CustomerPoNumber", "")).removeprefix("RF"), None) for r in rows]


def _prima(erp: Any) -> list[tuple[str, Decimal | None]]:
    """Each credit's gross as the adapter sent it: every line's net ``Price`` and ``ExtTaxVal``, and
    any ``Carriage`` (which carries no tax)."""
    company = erp.sandbox.state.company
    with company.lock:
        return [
            (_tail(ref), sum((net + tax for _p, net, tax in company.credit_values[number]), Decimal(0)))
            for order in company.orders.values()
            for ref, number in order.credits.items()
        ]


def _tail(gid: str) -> str:
    return gid.rsplit("/", 1)[-1]
