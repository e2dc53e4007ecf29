"""The ERP port for Sage 200 (Standard and Professional, UK) over its REST API.

Capabilities: no JOURNAL (the API has no nominal-journal POST: payouts post as a bank receipt plus a
bank payment, see payouts.py), no RETURN_ORDER (no SOP return POST: refunds are ledger credit notes),
no CREDIT_NOTE_RESTOCK (a sales credit note moves no stock, and the API offers no stock adjustment:
``stock_transfers`` only moves stock between warehouses and stock takes need a person, so a restock is
returned as a warehouse task in ``PostedDocument.extra["restock_task"]``), no KITS.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from decimal import Decimal

from shopbridge.connectors.erp.sage200 import reconcile_reads
from shopbridge.connectors.erp.sage200 import translate as tr
from shopbridge.connectors.erp.sage200.client import JsonObject, Sage200Client, odata_quote
from shopbridge.connectors.erp.sage200.lookups import FRESH_ACCOUNT_SECONDS, Lookups
from shopbridge.connectors.erp.sage200.payouts import PAYMENT_MARK, RECEIPT_MARK, payout_entries
from shopbridge.domain.money import Money
from shopbridge.domain.orders import FieldLimits
from shopbridge.domain.problems import ProblemKind, Team
from shopbridge.domain.records import (
    CreditNote,
    Customer,
    Dispatch,
    Item,
    ItemStatus,
    JournalEntry,
    Price,
    PriceList,
    SalesOrder,
    SalesOrderLine,
    SalesOrderRequest,
    SalesOrderStatus,
    StockLevel,
)
from shopbridge.errors import ConfigurationError, NeedsPerson, RetryLater
from shopbridge.ports.erp import (
    Capability,
    CreditLimitExceeded,
    CustomerMatch,
    CustomerMissing,
    ErpHealth,
    HeldCreditNote,
    HeldOrder,
    Page,
    PostedDocument,
    UnknownSku,
)

CAPABILITIES = frozenset(
    {
        Capability.READ_ITEMS,
        Capability.READ_STOCK,
        Capability.READ_PRICE_LISTS,
        Capability.CUSTOMERS,
        Capability.CREDIT_LIMIT_CHECK,
        Capability.CREATE_SALES_ORDER,
        Capability.AMEND_SALES_ORDER,
        Capability.CANCEL_SALES_ORDER,
        Capability.READ_DISPATCHES,
        Capability.CREDIT_NOTE,
        Capability.BANK_RECEIPT,
    }
)
DEFAULT_SALES_NOMINAL = "4000"
DESPATCHES_PER_LINE_QUERY = 20  # receipts whose lines one GET asks for (an ``or`` of ids: a short URL)


class Sage200Adapter:
    vendor = "sage200"
    # sop_order in Sage 200's OpenAPI (reference/sage200/openapi/sop.json): 60 for delivery names and
    # address lines, 30 for customer_document_no (our reference).
    field_limits = FieldLimits(name=60, address_line=60, city=60, postcode=60, description=6000, reference=30)

    def __init__(self, client: Sage200Client) -> None:
        self.client = client
        self.settings = client.settings
        self.lookups = Lookups(client)

    @property
    def capabilities(self) -> frozenset[Capability]:
        return CAPABILITIES

    def close(self) -> None:
        self.client.close()

    def check(self) -> ErpHealth:
        try:
            sites = self.client.get_list("/sites")
            self.client.get_list("/warehouses", {"$top": "1", "$select": "id"})
        except ConfigurationError as exc:
            return ErpHealth(self.vendor, reachable=True, authenticated=False, detail=str(exc))
        except (RetryLater, NeedsPerson) as exc:
            return ErpHealth(self.vendor, reachable=False, authenticated=False, detail=str(exc))
        names = [
            f"{s.get('site_name')} / {s.get('company_name')}"
            for s in sites
            if str(s.get("site_id")) == self.settings.site_id
        ]
        detail = f"site {names[0]}" if names else f"site {self.settings.site_id} is not listed by GET /sites"
        return ErpHealth(
            self.vendor, reachable=True, authenticated=True, detail=detail, capabilities=CAPABILITIES
        )

    def lookup_exists(self, kind: str, code: str) -> bool | None:
        """Whether a code the config names exists (``connect erp``): warehouses, tax codes, customer
        accounts, nominal codes (``GET /nominal_codes``) and couriers (``GET /couriers``)."""
        if kind == "nominal_code":
            return code in self.lookups.nominal_references()
        if kind == "carrier":
            return code in self.lookups.courier_names()
        if kind == "warehouse":
            return code in self.lookups.warehouses()
        if kind == "tax_code":
            return any(code in (str(r.get("code")), str(r.get("id"))) for r in self.lookups.tax_codes())
        if kind == "customer_account":
            return self.lookups.customer("reference", code) is not None
        return None

    # --- items, stock, prices --------------------------------------------------------------------
    def items_changed(self, cursor: str | None, limit: int = 100) -> Page[Item]:
        rows, next_cursor, more = self.lookups.changes("/products", cursor, limit)
        return Page(tuple(self._items(rows)), next_cursor, more)

    def get_items(self, skus: Sequence[str]) -> dict[str, Item]:
        # Always read: the catalogue sweep gates products on what this returns, and must see an item
        # deactivated a moment ago (a 30 s memory of products, tried for the order burst, kept a
        # deactivated item's product on sale until it ran out).
        return {item.sku: item for item in self._items(list(self.lookups.products_by_code(skus).values()))}

    def _items(self, rows: list[JsonObject]) -> list[Item]:
        prices = self.lookups.standard_prices([int(r["id"]) for r in rows]) if rows else {}
        return [tr.item_from_product(r, _gbp(prices.get(int(r["id"])))) for r in rows]

    def stock_changed(self, cursor: str | None, limit: int = 100) -> Page[StockLevel]:
        rows, next_cursor, more = self.lookups.changes("/warehouse_holdings", cursor, limit)
        codes = self.lookups.product_codes(int(r["product_id"]) for r in rows)
        levels = tuple(
            tr.stock_from_holding(r, codes[int(r["product_id"])])
            for r in rows
            if int(r["product_id"]) in codes
        )
        return Page(levels, next_cursor, more)

    def price_lists(self) -> Sequence[PriceList]:
        bands = self.client.get_all("/price_bands")
        prices = self.client.get_all("/product_price_views")
        buyers = self._band_customers(bands)
        return [
            self._price_list(
                band,
                [p for p in prices if p.get("price_band_id") == band["id"]],
                buyers.get(int(band["id"]), ()),
            )
            for band in bands
        ]

    def _band_customers(self, bands: list[JsonObject]) -> dict[int, tuple[str, ...]]:
        """Customer references per price band, except the standard band: it is every customer's
        default (Sage gives each new account a band), and its prices are the shop's own."""
        standard = [int(b["id"]) for b in bands if b.get("is_standard_band")]
        query = {"$select": "reference,price_band_id"}
        if standard:
            query["$filter"] = f"price_band_id ne {standard[0]}"
        found: dict[int, list[str]] = {}
        for row in self.client.get_all("/customer_views", query):
            if row.get("price_band_id") is not None and row.get("reference"):
                found.setdefault(int(row["price_band_id"]), []).append(str(row["reference"]))
        return {band: tuple(sorted(refs)) for band, refs in found.items()}

    @staticmethod
    def _price_list(band: JsonObject, rows: list[JsonObject], customers: tuple[str, ...] = ()) -> PriceList:
        prices = tuple(
            Price(
                sku=str(r["product_code"]),
                price=Money(tr.dec(r.get("product_price_price")), tr.BASE_CURRENCY),
            )
            for r in rows
            if r.get("product_code")
        )
        return PriceList(
            code=str(band["name"]),
            currency=tr.BASE_CURRENCY,
            name=str(band.get("description", "")),
            prices=prices,
            customer_accounts=customers,
        )

    # --- customers ---------------------------------------------------------------------------------
    def find_or_create_customer(self, customer: Customer, *, create: bool = True) -> CustomerMatch:
        if customer.erp_account:
            row = self.lookups.customer("reference", customer.erp_account)
            if row is not None:
                return CustomerMatch(
                    str(row["reference"]), created=False, conflicts=_conflicts(customer, row)
                )
        row = self.lookups.customer("contact_default_email_address", customer.email)
        if row is not None:
            return CustomerMatch(str(row["reference"]), created=False, conflicts=_conflicts(customer, row))
        if not create:
            raise CustomerMissing(customer.email)
        body = _customer_body(customer)
        try:
            created = self.client.post("/customers", body)
        except NeedsPerson:
            # The reference comes from the email, so a worker posting another order of the same new
            # customer may have created it since our lookup: then it is the account we want.
            row = self.lookups.customer("reference", str(body["reference"]))
            if row is None:
                raise
            return CustomerMatch(str(row["reference"]), created=False, conflicts=_conflicts(customer, row))
        self.lookups.remember_created_customer(created)  # the credit check and the order need its row
        return CustomerMatch(str(created["reference"]), created=True)

    def check_credit(self, account: str, amount_due: Money) -> None:
        # The row the order's own customer look-up read a moment ago, if it did: balance and hold as
        # fresh as a second GET would give them (a sales order moves neither; invoices and receipts do).
        row = self.lookups.recent_account(account, within=FRESH_ACCOUNT_SECONDS)
        if row.get("account_is_on_hold"):
            raise CreditLimitExceeded(account, "the account is on hold in Sage 200")
        limit = tr.dec(row.get("credit_limit"))
        balance = tr.dec(row.get("balance"))
        if limit > 0 and balance + amount_due.amount > limit:
            raise CreditLimitExceeded(
                account, f"balance {balance} + order {amount_due.amount} > limit {limit}"
            )

    # --- sales orders ----------------------------------------------------------------------------
    def find_sales_order(self, reference: str) -> SalesOrder | None:
        row = self.lookups.order_row(reference)
        if row is None:
            return None
        customer = self.lookups.customer("id", int(row["customer_id"]))
        return tr.sales_order_from_sage(row, str(customer["reference"]) if customer else "")

    def create_sales_order(self, order: SalesOrderRequest) -> PostedDocument:
        existing = self.lookups.order_row(order.reference)
        if existing is not None:
            return _posted(existing, existed=True)
        customer = self.lookups.recent_account(order.customer_account)  # only its id is used
        body = tr.order_body(order, int(customer["id"]), self._lines(order))
        return _posted(self.client.post("/sop_orders", body), existed=False)

    def _lines(self, order: SalesOrderRequest) -> list[JsonObject]:
        skus = [ln.sku for ln in order.lines]
        products = self.lookups.recent_products(skus)
        missing = [sku for sku in dict.fromkeys(skus) if sku not in products]
        if missing:
            raise UnknownSku(missing, reference=order.reference)
        inactive = [
            sku for sku, row in products.items() if tr.item_from_product(row).status is not ItemStatus.ACTIVE
        ]
        if inactive:
            raise NeedsPerson(
                f"item(s) inactive in Sage 200 on order {order.reference}: {', '.join(sorted(inactive))}",
                team=Team.MERCHANDISING,
                details={"skus": sorted(inactive)},
            )
        return tr.order_lines(
            order,
            products,
            self.lookups.warehouses(),
            self.lookups.tax_codes(),
            order.warehouse or self.settings.default_warehouse,
        )

    def amend_sales_order(self, order: SalesOrderRequest) -> PostedDocument:
        row = self._open_order(order.reference, "amend")
        body = tr.order_body(order, int(row["customer_id"]), self._lines(order))
        body["document_no"] = row.get("document_no", "")
        return _posted(self.client.put(f"/sop_orders/{row['id']}", body), existed=True)

    def cancel_sales_order(self, reference: str, reason: str = "") -> PostedDocument:
        row = self._order(reference, "cancel")
        if tr.order_status(row) is SalesOrderStatus.CANCELLED:
            return _posted(row, existed=True)
        _require_open(row, "cancel")
        return _posted(self.client.put(f"/sop_orders/{row['id']}", tr.cancel_body(row)), existed=False)

    def _open_order(self, reference: str, verb: str) -> JsonObject:
        row = self._order(reference, verb)
        _require_open(row, verb)
        return row

    def _order(self, reference: str, verb: str) -> JsonObject:
        row = self.lookups.order_row(reference)
        if row is None:
            raise NeedsPerson(f"Sage 200 has no sales order {reference} to {verb}")
        return row

    # --- dispatches, credit notes, payouts -------------------------------------------------------
    def dispatches_since(self, cursor: str | None, limit: int = 100) -> Page[Dispatch]:
        receipts, next_cursor, more = self.lookups.changes("/sop_despatch_receipts", cursor, limit)
        lines = self._despatch_lines([int(receipt["id"]) for receipt in receipts])
        dispatches = [tr.dispatch_from_sage(r, lines.get(int(r["id"]), [])) for r in receipts]
        return Page(tuple(dispatches), next_cursor, more)

    def _despatch_lines(self, receipt_ids: Sequence[int]) -> dict[int, list[JsonObject]]:
        """The lines of a page of receipts, a few receipts to a request: a page is a handful of GETs,
        not one per receipt (each is a chance for a 5xx that makes the sweep read the page again)."""
        found: dict[int, list[JsonObject]] = {}
        for start in range(0, len(receipt_ids), DESPATCHES_PER_LINE_QUERY):
            chunk = receipt_ids[start : start + DESPATCHES_PER_LINE_QUERY]
            query = {"$filter": " or ".join(f"sop_despatch_id eq {rid}" for rid in chunk)}
            for line in self.client.get_all("/sop_order_despatch_line_views", query):
                found.setdefault(int(line["sop_despatch_id"]), []).append(line)
        return found

    def create_credit_note(self, note: CreditNote) -> PostedDocument:
        reference = tr.short_reference(note.refund_reference)
        extra = _restock_task(note)
        query = {"$filter": f"reference eq {odata_quote(reference)}"}
        for row in self.client.get_all("/sales_posted_transactions", query):
            if row.get("second_reference") == note.order_reference[: tr.REFERENCE_MAX]:
                return PostedDocument(
                    str(row.get("urn", row.get("id"))), reference, existed=True, extra=extra
                )
        order = self.lookups.order_row(note.order_reference)
        if order is None:
            raise NeedsPerson(f"Sage 200 has no sales order {note.order_reference} to credit")
        customer = self.lookups.customer("id", int(order["customer_id"])) or {}
        nominal = str(customer.get("default_nominal_account_number") or DEFAULT_SALES_NOMINAL)
        body = tr.credit_note_body(note, int(order["customer_id"]), nominal, self._credit_tax_codes(note))
        urn = self.client.post("/sales_credit_notes", body).get("urn")
        extra["order_erp_id"] = str(order["id"])
        return PostedDocument(str(urn), reference, existed=False, extra=extra)

    def credit_note_value(self, refund_reference: str, order_reference: str) -> tuple[str, Money] | None:
        """The posted credit note of a refund (``ports/erp.ErpReconcileReads``): its URN and gross value."""
        reference = tr.short_reference(refund_reference)
        query = {"$filter": f"reference eq {odata_quote(reference)}"}
        for row in self.client.get_all("/sales_posted_transactions", query):
            if row.get("second_reference") == order_reference[: tr.REFERENCE_MAX]:
                number = str(row.get("urn", row.get("id")))
                return number, Money(tr.dec(row.get("document_gross_value")), tr.BASE_CURRENCY)
        return None

    def credit_notes_held(self, refunds: Sequence[tuple[str, str]]) -> dict[str, HeldCreditNote]:
        return reconcile_reads.credit_notes_held(self.client, refunds)

    def orders_held(self, references: Sequence[str]) -> dict[str, list[HeldOrder]]:
        return reconcile_reads.orders_held(self.client, references)

    def _credit_tax_codes(self, note: CreditNote) -> list[int]:
        """The tax code of each part of the note (goods with shipping; the adjustment), by rate."""
        codes = self.lookups.tax_codes()
        return [
            tr.tax_code_id(
                SalesOrderLine(
                    sku="CREDIT",
                    quantity=1,
                    unit_price=Money(net, note.currency),
                    tax=Money(tax, note.currency),
                ),
                codes,
            )
            for net, tax in tr.credit_note_parts(note)
        ]

    def post_payout(self, entry: JournalEntry) -> PostedDocument:
        bank = self._bank(entry.bank_account or self.settings.bank_account_code)
        nominal = str(bank.get("bank_account_nominal_reference") or bank["code"])
        entries = payout_entries(entry, int(bank["id"]), nominal)
        query = {"$filter": f"reference eq {odata_quote(entries.reference)}"}
        found = {
            str(r.get("second_reference")): str(r.get("urn", r.get("id")))
            for r in self.client.get_all("/bank_posted_transactions", query)
        }
        halves = (
            (RECEIPT_MARK, entries.receipt, "/bank_receipt"),
            (PAYMENT_MARK, entries.payment, "/bank_payment"),
        )
        wanted = [(mark, body, path) for mark, body, path in halves if body is not None]
        urns = {
            mark: found.get(mark) or str(self.client.post(path, body).get("urn"))
            for mark, body, path in wanted
        }
        first = next(iter(urns.values()), "")
        extra = {mark.replace(" ", "_") + "_urn": urn for mark, urn in urns.items()}
        existed = all(mark in found for mark, _body, _path in wanted)
        return PostedDocument(first, entries.reference, existed=existed, extra=extra)

    def _bank(self, code: str) -> JsonObject:
        banks = self.client.get_list("/banks", {"$filter": f"code eq {odata_quote(code)}"})
        if not banks:
            raise ConfigurationError(
                f"Sage 200 has no bank account {code!r}",
                key="erp.sage200.bank_account_code",
                fix="set it to the code of the bank account Shopify pays out to",
            )
        return banks[0]


def _require_open(row: JsonObject, verb: str) -> None:
    status = tr.order_status(row)
    if status is not SalesOrderStatus.OPEN:
        reference = row.get("customer_document_no")
        raise NeedsPerson(
            f"cannot {verb} Sage 200 order {row.get('document_no')} ({reference}): it is {status}",
            kind=ProblemKind.AMENDMENT_AFTER_CUTOFF,
        )


def _gbp(amount: Decimal | None) -> Money | None:
    return Money(amount, tr.BASE_CURRENCY) if amount is not None else None


def _posted(row: JsonObject, *, existed: bool) -> PostedDocument:
    return PostedDocument(
        str(row["id"]),
        str(row.get("document_no", "")),
        existed=existed,
        extra={"customer_id": str(row.get("customer_id", ""))},
    )


def _conflicts(customer: Customer, row: JsonObject) -> tuple[str, ...]:
    pairs = (
        ("first_name", customer.first_name, row.get("contact_first_name")),
        ("last_name", customer.last_name, row.get("contact_last_name")),
        ("company", customer.company, row.get("name") if customer.company else None),
    )
    return tuple(
        name
        for name, ours, theirs in pairs
        if ours and theirs and str(ours).strip().lower() != str(theirs).strip().lower()
    )


def account_reference(email: str) -> str:
    """A stable 8-character account reference for a web customer (a retry finds, never duplicates)."""
    return "W" + hashlib.sha256(email.strip().lower().encode()).hexdigest()[:7].upper()


def _customer_body(customer: Customer) -> JsonObject:
    reference = account_reference(customer.email)
    contact: JsonObject = {"emails": [{"email": customer.email, "is_default": True}]}
    if customer.first_name:
        contact["first_name"] = customer.first_name[:60]
    if customer.last_name:
        contact["last_name"] = customer.last_name[:60]
    body: JsonObject = {
        "reference": reference,
        "name": customer.display_name[:60],
        "short_name": reference,
        "contacts": [contact],
    }
    if customer.credit_limit is not None:
        body["credit_limit"] = tr.number(customer.credit_limit.amount)
    return body


def _restock_task(note: CreditNote) -> dict[str, str]:
    restock = [
        f"{ln.sku} x{ln.quantity}" + (f" into {ln.warehouse}" if ln.warehouse else "")
        for ln in note.lines
        if ln.restock
    ]
    return {"restock_task": "; ".join(restock)} if restock else {}


__all__ = ["CAPABILITIES", "Sage200Adapter"]
