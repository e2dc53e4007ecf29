"""Change feeds read from Tryton: items, free stock, customer shipments done, and price lists.

Each feed pages with :func:`translate.take_page` (stamp order, overlap, seen pairs). Stock has no
stamp of its own: a level changes when a stock move touching the warehouse changes, so after one full
listing of every goods product the feed follows the moves and recomputes the levels they touch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from shopbridge.connectors.erp.tryton import translate as tr
from shopbridge.connectors.erp.tryton.lookups import ALL, Lookups
from shopbridge.domain.money import Money
from shopbridge.domain.records import BundleComponent, Dispatch, Item, Price, PriceList, StockLevel
from shopbridge.ports.erp import Page

MOVE_FIELDS = ("last_modified_at", "product")
STAMP_FIELDS = ("last_modified_at", "template.last_modified_at")


def _changed_domain(since: Any, *, template: bool = False) -> list[Any]:
    if since is None:
        return []
    if template:
        return [["OR", ("last_modified_at", ">=", since), ("template.last_modified_at", ">=", since)]]
    return [("last_modified_at", ">=", since)]


def items_changed(look: Lookups, cursor: str | None, limit: int) -> Page[Item]:
    state = tr.decode_cursor(cursor)
    domain = [("suffix_code", "!=", None), *_changed_domain(state.since, template=True)]
    # Every candidate is read, but only its stamps: the page's full rows are read afterwards.
    stamps = look.search_read("product.product", domain, STAMP_FIELDS, context=ALL)
    page, after, more = tr.take_page(stamps, state, limit)
    wanted = [int(r["id"]) for r in page]
    rows = look.search_read("product.product", [("id", "in", wanted)], tr.ITEM_FIELDS, context=ALL)
    by_id = {int(r["id"]): r for r in rows}
    return Page(tuple(_items(look, [by_id[i] for i in wanted if i in by_id])), tr.encode_cursor(after), more)


def get_items(look: Lookups, skus: Sequence[str]) -> dict[str, Item]:
    rows = look.search_read(
        "product.product", [("suffix_code", "in", list(skus))], tr.ITEM_FIELDS, context=ALL
    )
    return {item.sku: item for item in _items(look, rows)}


def _items(look: Lookups, rows: Sequence[Mapping[str, Any]]) -> list[Item]:
    kits = [int(r["id"]) for r in rows if r.get("type") == "kit"]
    parts = _components(look, kits) if kits else {}
    _cid, currency = look.currency
    return [tr.to_item(r, currency, parts.get(int(r["id"]), ())) for r in rows]


def _components(look: Lookups, product_ids: list[int]) -> dict[int, list[BundleComponent]]:
    """Kit components, set on the kit's product or (more usually) on its template."""
    kits = look.search_read("product.product", [("id", "in", product_ids)], ["template"], context=ALL)
    template_of = {int(k["template"]): int(k["id"]) for k in kits}
    domain = ["OR", ("parent_product", "in", product_ids), ("parent_template", "in", list(template_of))]
    rows = look.search_read(
        "product.component",
        [domain],
        ["parent_product", "parent_template", "product.suffix_code", "quantity"],
    )
    found: dict[int, list[BundleComponent]] = {}
    for row in rows:
        owner = row.get("parent_product") or template_of.get(int(row.get("parent_template") or 0))
        sku = (row.get("product.") or {}).get("suffix_code")
        if owner and sku:
            found.setdefault(int(owner), []).append(BundleComponent(str(sku), int(row["quantity"])))
    return found


def stock_changed(look: Lookups, cursor: str | None, limit: int) -> Page[StockLevel]:
    state = tr.decode_cursor(cursor) if cursor else _start_listing(look)
    if state.listing_after is not None:
        return _list_stock(look, state, limit)
    domain = [*_changed_domain(state.since), *_touches_warehouse(look)]
    moves = look.search_read("stock.move", domain, MOVE_FIELDS)
    page, after, more = tr.take_page(moves, state, limit)
    products = sorted({int(m["product"]) for m in page})
    return Page(tuple(_levels(look, products)), tr.encode_cursor(after), more)


def _start_listing(look: Lookups) -> tr.FeedCursor:
    """Before the first full listing, note the newest move: the feed follows moves from there."""
    newest = look.search_read("stock.move", [], MOVE_FIELDS, order=[("last_modified_at", "DESC")], limit=1)
    if not newest:
        return tr.FeedCursor(listing_after=0)
    start = tr.FeedCursor(watermark=tr.stamp_of(newest[0]), listing_after=0)
    recent = look.search_read("stock.move", _changed_domain(start.since), MOVE_FIELDS)
    seen = frozenset((int(m["id"]), tr.stamp_of(m).isoformat()) for m in recent)
    return tr.FeedCursor(start.watermark, seen, 0)


def _list_stock(look: Lookups, state: tr.FeedCursor, limit: int) -> Page[StockLevel]:
    after = state.listing_after or 0
    rows = look.search_read(
        "product.product",
        [("id", ">", after), ("type", "=", "goods"), ("suffix_code", "!=", None)],
        ["id"],
        order=[("id", "ASC")],
        limit=limit + 1,
    )
    chunk = [int(r["id"]) for r in rows[:limit]]
    more = len(rows) > limit
    following = tr.FeedCursor(state.watermark, state.seen, chunk[-1] if more else None)
    return Page(tuple(_levels(look, chunk)), tr.encode_cursor(following), more)


def _touches_warehouse(look: Lookups) -> list[Any]:
    wid = look.warehouse.id
    return [
        ["OR", ("from_location", "child_of", [wid], "parent"), ("to_location", "child_of", [wid], "parent")]
    ]


def _levels(look: Lookups, product_ids: Sequence[int]) -> list[StockLevel]:
    if not product_ids:
        return []
    context = {"locations": [look.warehouse.id], "with_childs": True, **ALL}
    rows = look.search_read(
        "product.product",
        [("id", "in", list(product_ids))],
        ["suffix_code", "quantity", "forecast_quantity", "last_modified_at"],
        order=[("id", "ASC")],
        context=context,
    )
    return [
        StockLevel(
            sku=str(r["suffix_code"]),
            warehouse=look.warehouse.code,
            free=tr.free_stock(r.get("quantity"), r.get("forecast_quantity")),
            on_hand=Decimal(str(r.get("quantity") or 0)),
        )
        for r in rows
        if r.get("suffix_code")
    ]


def dispatches_since(look: Lookups, cursor: str | None, limit: int) -> Page[Dispatch]:
    state = tr.decode_cursor(cursor)
    domain = [("state", "=", "done"), ("warehouse", "=", look.warehouse.id), *_changed_domain(state.since)]
    shipments = look.search_read(
        "stock.shipment.out", domain, ["number", "reference", "last_modified_at", "outgoing_moves"]
    )
    page, after, more = tr.take_page(shipments, state, limit)
    return Page(tuple(_dispatches(look, page)), tr.encode_cursor(after), more)


def _dispatches(look: Lookups, shipments: Sequence[Mapping[str, Any]]) -> list[Dispatch]:
    if not shipments:
        return []
    ids = [int(s["id"]) for s in shipments]
    sales = look.search_read("sale.sale", [("shipments", "in", ids)], ["reference", "shipments"])
    reference = {int(sid): str(s.get("reference") or "") for s in sales for sid in s.get("shipments", ())}
    move_ids = [int(m) for s in shipments for m in s.get("outgoing_moves", ())]
    moves = look.search_read(
        "stock.move", [("id", "in", move_ids)], ["shipment", "product.suffix_code", "quantity"]
    )
    by_shipment: dict[str, list[dict[str, Any]]] = {}
    for move in moves:
        by_shipment.setdefault(str(move.get("shipment")), []).append(move)
    return [
        tr.to_dispatch(
            s,
            by_shipment.get(f"stock.shipment.out,{s['id']}", []),
            reference.get(int(s["id"]), ""),
            look.warehouse.code,
        )
        for s in shipments
    ]


def price_lists(look: Lookups) -> list[PriceList]:
    """Tryton price lists are formulas; a line naming a product with a plain number is a fixed price,
    which is what we read (formulas such as ``unit_price * 0.9`` need Tryton to evaluate them).

    A list's customers are the parties whose sale price list it is (``sale_price_list`` module)."""
    _cid, currency = look.currency
    lists = look.search_read("product.price_list", [], ["name"], order=[("id", "ASC")])
    buyers = _buyers(look)
    lines = look.search_read(
        "product.price_list.line",
        [("product", "!=", None)],
        ["price_list", "product.suffix_code", "formula", "quantity"],
    )
    return [
        PriceList(
            code=str(pl["name"]),
            currency=currency,
            name=str(pl["name"]),
            prices=tuple(_prices(lines, int(pl["id"]), currency)),
            customer_accounts=buyers.get(int(pl["id"]), ()),
        )
        for pl in lists
    ]


def _buyers(look: Lookups) -> dict[int, tuple[str, ...]]:
    """The party codes buying on each price list (a party's sale price list, in the company's context;
    the per-company values' own model is not open to RPC, so parties are read through it)."""
    rows = look.search_read(
        "party.party", [("sale_price_lists.sale_price_list", "!=", None)], ["code", "sale_price_list"]
    )
    found: dict[int, set[str]] = {}
    for row in rows:
        if row.get("code") and row.get("sale_price_list"):
            found.setdefault(int(row["sale_price_list"]), set()).add(str(row["code"]))
    return {list_id: tuple(sorted(codes)) for list_id, codes in found.items()}


def _prices(lines: Sequence[dict[str, Any]], list_id: int, currency: str) -> list[Price]:
    prices = []
    for line in lines:
        sku = (line.get("product.") or {}).get("suffix_code")
        if int(line["price_list"]) != list_id or not sku:
            continue
        try:
            amount = Decimal(str(line.get("formula", "")).strip())
        except InvalidOperation:
            continue
        minimum = int(line.get("quantity") or 0)
        prices.append(Price(str(sku), Money(amount, currency), min_quantity=max(minimum, 1)))
    return prices
