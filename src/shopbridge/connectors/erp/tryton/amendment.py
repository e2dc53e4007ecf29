"""Amending a Tryton sale so it matches the Shopify order again.

Before confirmation (draft, quotation, or confirmed and not yet processed) the lines are simply
rewritten and the sale is moved on again. Once Tryton has processed the sale it allows no new or
deleted lines; the ``sale_amendment`` module changes them instead: a ``sale.amendment`` whose
``line`` actions set an existing line's product, quantity, price and description. Validating it
bumps the sale's revision, drops the draft moves and invoice lines and processes the sale again.

So the order's lines are paired with the sale's by product; a line the order no longer has goes to
quantity 0 (it stays, and reads back as absent); a new SKU takes over a line that nothing has been
shipped or invoiced from and that carries the same taxes (an amendment keeps a line's taxes). When
no such line is free, or a line would shrink below what has been shipped, packed or invoiced on a
posted invoice (a kit: once any component has shipped), a person decides (refund, or change it in
Tryton). The plan compares before it writes, so amending to the same content again changes nothing.
An amendment a crash left in draft is deleted before the next is made (ours carry ``MARK``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from shopbridge.connectors.erp.tryton import sales
from shopbridge.connectors.erp.tryton import translate as tr
from shopbridge.connectors.erp.tryton.lookups import Lookups, ProductRef
from shopbridge.domain.records import SalesOrderRequest, SalesOrderStatus
from shopbridge.errors import NeedsPerson
from shopbridge.ports.erp import PostedDocument

AMENDED_STATES = ("processing", "done")
MARK = "shopbridge:"  # leads the description of the amendments we create
_LINE_FIELDS = (
    "type",
    "product",
    "product.suffix_code",
    "quantity",
    "unit",
    "unit_price",
    "description",
    "taxes",
    "moves",
    "moves_progress",
    "product.type",
)


@dataclass(frozen=True)
class Wanted:
    """A line as the order wants it (``product`` ``None``: the shipping line)."""

    sku: str
    product: int | None
    quantity: float
    unit: int | None
    unit_price: Decimal
    description: str
    taxes: tuple[int, ...] = ()

    def key(self) -> tuple[Any, ...]:
        return (self.product or 0, self.quantity, self.unit_price, self.description, self.taxes)


@dataclass(frozen=True)
class Current(Wanted):
    """A line of the sale as Tryton has it, with what is already out of the door."""

    id: int = 0
    shipped: float = 0.0  # in stock moves assigned (packed, picked) or done
    invoiced: float = 0.0  # on posted or paid invoices

    @property
    def committed(self) -> float:
        return max(self.shipped, self.invoiced)

    def matches(self, target: Wanted) -> bool:
        return (self.product, self.quantity, self.unit_price, self.description) == (
            target.product,
            target.quantity,
            target.unit_price,
            target.description,
        )

    def emptied(self) -> Wanted:
        return Wanted(self.sku, self.product, 0.0, self.unit, self.unit_price, self.description, self.taxes)


@dataclass(frozen=True)
class Change:
    line: int
    target: Wanted


# --- the plan (pure) ----------------------------------------------------------------------------


def plan(current: Sequence[Current], wanted: Sequence[Wanted], reference: str) -> list[Change]:
    """The line changes that make the sale's lines the order's, or a refusal a person must resolve."""
    pairs, unmatched = _pair(current, wanted)
    left = [line for line in current if all(line is not old for old, _new in pairs)]
    taken, missing = _take_spares(left, unmatched)
    if missing:
        raise NeedsPerson(
            f"cannot amend Tryton sale {reference}: an amendment can only change existing lines and "
            f"no line is free for {', '.join(w.sku or 'shipping' for w in missing)}; add them in "
            "Tryton as a new sale, or cancel the sale and place the order again",
            details={"reference": reference, "skus": [w.sku for w in missing]},
        )
    emptied = [(line, line.emptied()) for line in left if all(line is not old for old, _new in taken)]
    targets = [*pairs, *taken, *emptied]
    _refuse_below_committed(targets, reference)
    _refuse_tax_changes(pairs, reference)
    return [Change(old.id, new) for old, new in targets if not old.matches(new)]


def _pair(
    current: Sequence[Current], wanted: Sequence[Wanted]
) -> tuple[list[tuple[Current, Wanted]], list[Wanted]]:
    """Each wanted line with the first unpaired current line of the same product (shipping: none)."""
    free = list(current)
    pairs: list[tuple[Current, Wanted]] = []
    unmatched: list[Wanted] = []
    for want in wanted:
        found = next((line for line in free if line.product == want.product), None)
        if found is None:
            unmatched.append(want)
            continue
        free.remove(found)
        pairs.append((found, want))
    return pairs, unmatched


def _take_spares(
    left: Sequence[Current], unmatched: Sequence[Wanted]
) -> tuple[list[tuple[Current, Wanted]], list[Wanted]]:
    """Give each new line an unpaired line nothing has left from, with the same taxes and kind."""
    spares = [line for line in left if line.committed == 0]
    taken: list[tuple[Current, Wanted]] = []
    missing: list[Wanted] = []
    for want in unmatched:
        spare = next(
            (s for s in spares if (s.product is None) == (want.product is None) and (s.taxes == want.taxes)),
            None,
        )
        if spare is None:
            missing.append(want)
            continue
        spares.remove(spare)
        taken.append((spare, want))
    return taken, missing


def _refuse_below_committed(targets: Sequence[tuple[Current, Wanted]], reference: str) -> None:
    short = [(old, new) for old, new in targets if new.quantity < old.committed]
    if not short:
        return
    said = "; ".join(
        f"{old.sku or 'shipping'} from {old.quantity:g} to {new.quantity:g} "
        f"({old.shipped:g} shipped or packed, {old.invoiced:g} on posted invoices)"
        for old, new in short
    )
    raise NeedsPerson(
        f"cannot amend Tryton sale {reference} below what has left: {said}; refund the difference "
        "(a credit note) or reverse the shipment in Tryton first",
        details={"reference": reference, "skus": [old.sku for old, _new in short]},
    )


def _refuse_tax_changes(pairs: Sequence[tuple[Current, Wanted]], reference: str) -> None:
    changed = [old.sku or "shipping" for old, new in pairs if new.quantity and old.taxes != new.taxes]
    if changed:
        raise NeedsPerson(
            f"cannot amend Tryton sale {reference}: the tax of {', '.join(changed)} changed and an "
            "amendment keeps a line's taxes; change the line's taxes in Tryton",
            details={"reference": reference, "skus": changed},
        )


# --- against Tryton -------------------------------------------------------------------------------


def amend_sale(look: Lookups, sale: dict[str, Any], order: SalesOrderRequest) -> PostedDocument:
    if tr.order_status(sale) == SalesOrderStatus.CANCELLED:
        raise NeedsPerson(f"Tryton sale {order.reference} is cancelled and cannot be amended; place it again")
    products = sales.require_products(look, order)
    sales.company_currency(look, order)
    values = sales.line_values(look, order, products)
    if sale.get("state") in AMENDED_STATES:
        # An amendment only changes existing lines: the VAT rounding pair of the creation stays as
        # it was or goes to zero, so a processed sale's VAT may end a penny from Shopify's.
        return _amend_processed(look, sale, order.reference, _wanted(values, products))
    rewritten = sales.with_vat_rounding(look, order, values)
    return _rewrite(look, sale, rewritten, _wanted(rewritten, products))


def _wanted(values: Sequence[dict[str, Any]], products: dict[str, ProductRef]) -> list[Wanted]:
    skus = {ref.id: sku for sku, ref in products.items()}
    return [
        Wanted(
            sku=skus.get(v.get("product") or 0, ""),
            product=v.get("product"),
            quantity=float(v["quantity"]),
            unit=v.get("unit"),
            unit_price=Decimal(v["unit_price"]),
            description=str(v.get("description") or ""),
            taxes=tuple(sorted(int(t) for t in v["taxes"][0][1])) if v.get("taxes") else (),
        )
        for v in values
    ]


def _rewrite(
    look: Lookups, sale: dict[str, Any], values: list[dict[str, Any]], wanted: Sequence[Wanted]
) -> PostedDocument:
    """A sale not yet processed: replace its lines (back in draft) and move it on again."""
    sale_id, state = int(sale["id"]), str(sale.get("state"))
    current = current_lines(look, sale_id)
    changed = sorted(c.key() for c in current) != sorted(w.key() for w in wanted)
    if changed:
        if state != "draft":
            look.rpc.model("sale.sale", "draft", [sale_id])
            state = "draft"
        lines = [["delete", [c.id for c in current]], ["create", values]]
        look.rpc.model("sale.sale", "write", [sale_id], {"lines": lines})
    sales.advance(look, {"id": sale_id, "state": state})
    return sales.posted(_reread(look, sale_id), existed=not changed)


def _amend_processed(
    look: Lookups, sale: dict[str, Any], reference: str, wanted: Sequence[Wanted]
) -> PostedDocument:
    sale_id = int(sale["id"])
    changes = plan(current_lines(look, sale_id), wanted, reference)
    if not changes:
        return sales.posted(sale, existed=True)
    _drop_our_drafts(look, sale_id)
    amendment = _create_amendment(look, sale_id, reference, changes)
    try:
        look.rpc.model("sale.amendment", "validate_amendment", [amendment])
    except NeedsPerson as refused:
        look.rpc.model("sale.amendment", "delete", [amendment])
        raise NeedsPerson(
            f"Tryton refused to amend sale {reference}: {refused}; change the sale in Tryton, or cancel "
            "it and place the order again",
            details={**refused.details, "reference": reference},
        ) from refused
    done = sales.posted(_reread(look, sale_id))
    return PostedDocument(done.erp_id, done.number, extra={**done.extra, "amendment": str(amendment)})


def current_lines(look: Lookups, sale_id: int) -> list[Current]:
    """The sale's lines (type ``line``) with the quantities already shipped and invoiced."""
    rows = look.search_read(
        "sale.line", [("sale", "=", sale_id), ("type", "=", "line")], _LINE_FIELDS, order=[("id", "ASC")]
    )
    shipped = _shipped(look, [int(m) for row in rows for m in row.get("moves") or ()])
    invoiced = _invoiced(look, [int(row["id"]) for row in rows])
    return [_current(row, shipped, invoiced) for row in rows]


def _current(row: dict[str, Any], shipped: dict[int, float], invoiced: dict[int, float]) -> Current:
    line_id = int(row["id"])
    product = row.get("product")
    quantity = float(row.get("quantity") or 0)
    moved = shipped.get(line_id, 0.0)
    kit = (row.get("product.") or {}).get("type") == "kit"
    if kit and row.get("moves_progress"):  # a kit ships as components: once any has left, keep it all
        moved = max(moved, quantity)
    return Current(
        sku=str((row.get("product.") or {}).get("suffix_code") or ""),
        product=int(product) if product else None,
        quantity=quantity,
        unit=int(row["unit"]) if row.get("unit") else None,
        unit_price=Decimal(row.get("unit_price") or 0),
        description=str(row.get("description") or ""),
        taxes=tuple(sorted(int(t) for t in row.get("taxes") or ())),
        id=line_id,
        shipped=moved,
        invoiced=invoiced.get(line_id, 0.0),
    )


def _shipped(look: Lookups, move_ids: list[int]) -> dict[int, float]:
    if not move_ids:
        return {}
    moves = look.search_read(
        "stock.move", [("id", "in", move_ids), ("state", "in", ["assigned", "done"])], ["origin", "quantity"]
    )
    return _by_line(moves)


def _invoiced(look: Lookups, line_ids: list[int]) -> dict[int, float]:
    if not line_ids:
        return {}
    lines = look.search_read(
        "account.invoice.line",
        [("origin", "in", [f"sale.line,{i}" for i in line_ids]), ("invoice.state", "in", ["posted", "paid"])],
        ["origin", "quantity"],
    )
    return _by_line(lines)


def _by_line(rows: Sequence[dict[str, Any]]) -> dict[int, float]:
    """Quantities summed per sale line, from rows whose ``origin`` is ``"sale.line,<id>"``."""
    totals: dict[int, float] = {}
    for row in rows:
        model, _sep, ident = str(row.get("origin") or "").partition(",")
        if model == "sale.line" and ident.isdigit():
            totals[int(ident)] = totals.get(int(ident), 0.0) + float(row.get("quantity") or 0)
    return totals


def _drop_our_drafts(look: Lookups, sale_id: int) -> None:
    """An amendment a crash left unvalidated would be validated with the next: remove ours first."""
    drafts = look.search_read(
        "sale.amendment",
        [("sale", "=", sale_id), ("state", "=", "draft"), ("description", "like", f"{MARK}%")],
        ["id"],
    )
    if drafts:
        look.rpc.model("sale.amendment", "delete", [int(d["id"]) for d in drafts])


def _create_amendment(look: Lookups, sale_id: int, reference: str, changes: Sequence[Change]) -> int:
    values = {
        "sale": sale_id,
        "description": f"{MARK} match Shopify order {reference}",
        "lines": [["create", [_amendment_line(change) for change in changes]]],
    }
    created = look.rpc.model("sale.amendment", "create", [values])
    return int(created[0])


def _amendment_line(change: Change) -> dict[str, Any]:
    target = change.target
    return {
        "action": "line",
        "line": change.line,
        "product": target.product,
        "quantity": target.quantity,
        "unit": target.unit,
        "unit_price": target.unit_price,
        "description": target.description,
    }


def _reread(look: Lookups, sale_id: int) -> dict[str, Any]:
    return look.search_read("sale.sale", [("id", "=", sale_id)], sales.SALE_FIELDS)[0]
