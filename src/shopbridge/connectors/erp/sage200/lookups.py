"""Reads the adapter needs around its documents: reference data (cached), products, customers, orders."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from shopbridge.connectors.erp.sage200.client import JsonObject, Sage200Client, any_id, any_of, odata_quote
from shopbridge.connectors.erp.sage200.cursors import ChangeCursor
from shopbridge.connectors.erp.sage200.translate import dec, format_time
from shopbridge.errors import NeedsPerson

BATCH = 20  # values per "a eq x or a eq y" filter: keeps URLs well under gateway limits
STAMP = "date_time_updated"


def _batches(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), BATCH):
        yield values[start : start + BATCH]


# How long a product or customer row read for one call may serve the next. An order job reads its
# items (get_items) and its customer, then creates the order a moment later: re-reading both would
# cost two of its eight ERP requests. Short, so a change made in Sage is seen within seconds.
RECENT_SECONDS = 30.0
# The credit check's customer row (balance, on hold) may be this old: the row the same job read a
# moment before by email, not one from another order half a minute ago.
FRESH_ACCOUNT_SECONDS = 5.0


class Lookups:
    def __init__(self, client: Sage200Client, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self._warehouses: dict[str, int] | None = None
        self._tax_codes: list[JsonObject] | None = None
        self._codes: dict[int, str] = {}
        self._standard_band: int | None = None
        self._monotonic = monotonic
        self._recent: dict[tuple[str, str], tuple[float, JsonObject]] = {}
        self._lock = threading.Lock()

    def _remember(self, kind: str, key: str, row: JsonObject) -> None:
        with self._lock:
            self._recent[(kind, key)] = (self._monotonic(), row)

    def _recalled(self, kind: str, key: str, within: float = RECENT_SECONDS) -> JsonObject | None:
        with self._lock:
            seen = self._recent.get((kind, key))
        if seen is None or self._monotonic() - seen[0] > within:
            return None
        return seen[1]

    def recent_products(self, skus: Iterable[str]) -> dict[str, JsonObject]:
        """Products by code as read in the last few seconds, reading only those not read lately."""
        wanted = sorted(set(skus))
        found = {sku: row for sku in wanted if (row := self._recalled("product", sku)) is not None}
        found.update(self.products_by_code([sku for sku in wanted if sku not in found]))
        return found

    def remember_created_customer(self, created: JsonObject) -> None:
        """The ``customer`` Sage answered a POST with, kept as the ``customer_view`` row the order's
        credit check and sales order would read a moment later (the view spells the hold flag
        ``account_is_on_hold``; the resource ``on_hold``)."""
        if created.get("reference") is None or created.get("id") is None:
            return  # not the answer the spec promises: the next step reads the account afresh
        view = {**created, "account_is_on_hold": created.get("on_hold")}
        self._remember("customer", str(created["reference"]), view)

    def recent_account(self, account: str, within: float = RECENT_SECONDS) -> JsonObject:
        """The customer row of ``account`` as read in the last ``within`` seconds, or read now."""
        return self._recalled("customer", account, within) or self.account(account)

    def warehouses(self) -> dict[str, int]:
        if self._warehouses is None:
            rows = self.client.get_all("/warehouses", {"$select": "id,name"})
            self._warehouses = {str(r["name"]): int(r["id"]) for r in rows}
        return self._warehouses

    def tax_codes(self) -> list[JsonObject]:
        if self._tax_codes is None:
            self._tax_codes = self.client.get_all("/tax_codes", {"$select": "id,code,name,tax_rate"})
        return self._tax_codes

    def nominal_references(self) -> set[str]:
        """Every nominal code's reference (``GET /nominal_codes``), for ``connect erp``; not cached."""
        return {str(r["reference"]) for r in self.client.get_all("/nominal_codes", {"$select": "reference"})}

    def courier_names(self) -> set[str]:
        """Every courier's name (``GET /couriers``), for ``connect erp``; not cached."""
        return {str(r["name"]) for r in self.client.get_all("/couriers", {"$select": "name"})}

    def products_by_code(self, skus: Iterable[str]) -> dict[str, JsonObject]:
        wanted = sorted(set(skus))
        found: dict[str, JsonObject] = {}
        for batch in _batches(wanted):
            for row in self.client.get_all("/products", {"$filter": any_of("code", batch)}):
                found[str(row["code"])] = row
                self._codes[int(row["id"])] = str(row["code"])
                self._remember("product", str(row["code"]), row)
        return found

    def standard_prices(self, product_ids: Sequence[int]) -> dict[int, Decimal]:
        """Selling prices in the standard price band (Sage's list price) by product id."""
        if self._standard_band is None:
            bands = self.client.get_list("/price_bands", {"$filter": "is_standard_band eq true", "$top": "1"})
            self._standard_band = int(bands[0]["id"]) if bands else 0
        prices: dict[int, Decimal] = {}
        for batch in _batches(sorted(set(product_ids))):
            flt = f"price_band_id eq {self._standard_band} and ({any_id('product_id', batch)})"
            for row in self.client.get_all("/product_price_views", {"$filter": flt}):
                prices[int(row["product_id"])] = dec(row.get("product_price_price"))
        return prices

    def product_codes(self, ids: Iterable[int]) -> dict[int, str]:
        missing = sorted({i for i in ids if i not in self._codes})
        for batch in _batches(missing):
            query = {"$filter": any_id("id", batch), "$select": "id,code"}
            for row in self.client.get_all("/products", query):
                self._codes[int(row["id"])] = str(row["code"])
        return self._codes

    def customer(self, field: str, value: str | int) -> JsonObject | None:
        literal = odata_quote(value) if isinstance(value, str) else str(value)
        rows = self.client.get_list("/customer_views", {"$filter": f"{field} eq {literal}", "$top": "2"})
        if rows:
            self._remember("customer", str(rows[0].get("reference")), rows[0])
        return rows[0] if rows else None

    def account(self, account: str) -> JsonObject:
        row = self.customer("reference", account)
        if row is None:
            raise NeedsPerson(f"Sage 200 has no customer account {account!r}")
        return row

    def order_row(self, reference: str) -> JsonObject | None:
        query = {"$filter": f"customer_document_no eq {odata_quote(reference)}", "$expand": "lines"}
        rows = self.client.get_all("/sop_orders", query)
        live = [r for r in rows if str(r.get("cancelled_status", "")).lower() != "full"]
        chosen = live or rows
        return chosen[0] if chosen else None

    def changes(self, path: str, cursor: str | None, limit: int) -> tuple[list[JsonObject], str, bool]:
        """Rows of ``path`` changed since ``cursor`` (see cursors.py), at most ``limit`` of them."""
        start = ChangeCursor.decode(cursor)
        query = {"$orderby": f"{STAMP} asc,id asc"}
        since = start.since()
        if since is not None:
            query["$filter"] = f"{STAMP} ge {format_time(since)}"
        fresh: list[JsonObject] = []
        more = False
        for row in self.client.iter_pages(path, query):
            if not start.is_new(int(row["id"]), str(row[STAMP])):
                continue
            if len(fresh) == limit:
                more = True
                break
            fresh.append(row)
        advanced = start.advance((int(r["id"]), str(r[STAMP])) for r in fresh)
        return fresh, advanced.encode(), more
