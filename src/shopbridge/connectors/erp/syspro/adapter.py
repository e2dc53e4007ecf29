"""The ERP port over SYSPRO e.net business objects.

Reads use COMFND (generic find) wherever a change cursor is needed: SYSPRO 8 tables carry a SQL
``TimeStamp`` rowversion, which is the one dependable "changed since" SYSPRO offers; the per-object
queries (INVQRY, SORQRY) have no such filter. Free stock itself comes from INVQRY's
``AvailableQty``, SYSPRO's own figure, for the SKUs the cursor says changed. Orders go in through
SORTOI with the Shopify order name as ``CustomerPoNumber``, looked up before every create. Credit
notes go in through SORTCH (header) and SORTCL (lines) with the refund as their ``CustomerPoNumber``,
looked up the same way; SYSPRO keeps them as sales-order documents, so SorMaster finds them too.
Payouts go in as a GL journal (GENTJL) or, where only ARSTPY is licensed, as cash book receipts
(``payouts.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

from shopbridge.config.erp import SysproSettings
from shopbridge.connectors.erp.syspro import reconcile_reads
from shopbridge.connectors.erp.syspro import xmlcredit as xc
from shopbridge.connectors.erp.syspro import xmlmap as xm
from shopbridge.connectors.erp.syspro import xmlorders as xo
from shopbridge.connectors.erp.syspro import xmlstock as xs
from shopbridge.connectors.erp.syspro.client import SysproClient
from shopbridge.connectors.erp.syspro.payouts import SysproPayouts
from shopbridge.domain.money import Money
from shopbridge.domain.orders import FieldLimits
from shopbridge.domain.records import (
    CreditNote,
    Customer,
    Dispatch,
    Item,
    JournalEntry,
    Price,
    PriceList,
    SalesOrder,
    SalesOrderRequest,
    SalesOrderStatus,
    StockLevel,
)
from shopbridge.errors import (
    BadInput,
    ConfigurationError,
    NeedsPerson,
    ShopbridgeError,
)
from shopbridge.ports.erp import (
    Capability,
    CreditLimitExceeded,
    CustomerMatch,
    CustomerMissing,
    ErpHealth,
    HeldCreditNote,
    HeldOrder,
    InexactCreditNote,
    Page,
    PostedDocument,
    UnknownSku,
)

_BASE = frozenset(
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
        Capability.CREDIT_NOTE,  # SORTCH + SORTCL; no CREDIT_NOTE_RESTOCK: SORTCL has no such flag
    }
)
_CHUNK = 50
_SCAN_PAGE = 500


class SysproAdapter:
    """ERP port for SYSPRO 7/8 through e.net Solutions (REST)."""

    vendor = "syspro"
    # SORTOI as integrators report it (sandbox/syspro/WIRE.md): CustomerPoNumber 30, ShipAddress1-5 40,
    # ShipPostalCode 10, CustomerName 50 (assumed from the XSD-generated classes; check on site).
    field_limits = FieldLimits(name=50, address_line=40, city=40, postcode=10, description=50, reference=30)

    def __init__(
        self,
        settings: SysproSettings,
        *,
        client: SysproClient | None = None,
        currency: str = "GBP",
        price_code: str = "A",
    ) -> None:
        self._settings = settings
        self._client = client or SysproClient(settings)
        self._currency = currency
        self._price_code = price_code
        self._payouts = SysproPayouts(self._client, self._find, cash_book=settings.cash_book)

    @property
    def client(self) -> SysproClient:
        return self._client

    def close(self) -> None:
        """Log off and close the HTTP pool (commands and services close their ERP when done)."""
        self._client.close()

    @property
    def capabilities(self) -> frozenset[Capability]:
        return _BASE | self._payouts.capabilities()

    def check(self) -> ErpHealth:
        try:
            self._client.logon()
        except ShopbridgeError as exc:
            answered = isinstance(exc, ConfigurationError)  # SYSPRO answered, and refused the logon
            return ErpHealth(self.vendor, reachable=answered, authenticated=False, detail=str(exc))
        detail = self._payouts.probe()  # GENTJL and ARSTPY, validate-only
        return ErpHealth(self.vendor, True, True, detail=detail, capabilities=self.capabilities)

    def lookup_exists(self, kind: str, code: str) -> bool | None:
        """Whether a code the config names exists (``connect erp``), found through COMFND in the
        table that holds it (``LOOKUP_TABLES``); None for carriers, which SORTOI takes as free-text
        ``ShippingInstrs`` with no code table established (WIRE.md)."""
        where = xm.LOOKUP_TABLES.get(kind)
        if where is None:
            return None
        table, column = where
        return bool(self._find(table, [column], [xm.Condition(column, "EQ", code)], rows=1))

    # --- items, stock, prices --------------------------------------------------------------
    def items_changed(self, cursor: str | None, limit: int = 100) -> Page[Item]:
        rows = self._find("InvMaster", xm.ITEM_COLUMNS, xm.since(cursor), rows=limit, order_by="TimeStamp")
        items = tuple(xm.item_from_row(row) for row in rows)
        return Page(items, xm.cursor_after(rows, cursor), has_more=len(rows) >= limit)

    def get_items(self, skus: Sequence[str]) -> dict[str, Item]:
        found: dict[str, Item] = {}
        wanted = list(dict.fromkeys(skus))
        for start in range(0, len(wanted), _CHUNK):
            found.update(self._items_chunk(wanted[start : start + _CHUNK]))
        return found

    def _items_chunk(self, skus: Sequence[str]) -> dict[str, Item]:
        rows = self._find("InvMaster", xm.ITEM_COLUMNS, xm.any_of("StockCode", skus), rows=len(skus))
        price_rows = self._find(
            "InvPrice", xm.PRICE_COLUMNS, xm.any_of("StockCode", skus), rows=len(skus) * 10
        )
        prices = xm.prices_by_code(price_rows, self._currency).get(self._price_code, {})
        return {row["StockCode"]: xm.item_from_row(row, price=prices.get(row["StockCode"])) for row in rows}

    def stock_changed(self, cursor: str | None, limit: int = 100) -> Page[StockLevel]:
        rows = self._find(
            "InvWarehouse", xm.STOCK_COLUMNS, xm.since(cursor), rows=limit, order_by="TimeStamp"
        )
        by_sku: dict[str, dict[str, StockLevel]] = {}
        for row in rows:
            if row["StockCode"] not in by_sku:
                by_sku[row["StockCode"]] = self._stock_of(row["StockCode"], rows)
        levels = tuple(
            by_sku[row["StockCode"]].get(row["Warehouse"]) or xs.no_stock(row["StockCode"], row["Warehouse"])
            for row in rows
        )
        return Page(levels, xm.cursor_after(rows, cursor), has_more=len(rows) >= limit)

    def _stock_of(self, sku: str, rows: Sequence[dict[str, str]]) -> dict[str, StockLevel]:
        warehouses = sorted({row["Warehouse"] for row in rows if row["StockCode"] == sku})
        return xs.stock_by_warehouse(self._client.query("INVQRY", xs.invqry_xml(sku, warehouses)), sku)

    def price_lists(self) -> Sequence[PriceList]:
        rows = self._scan("InvPrice", xm.PRICE_COLUMNS, key="StockCode")
        by_code = xm.prices_by_code(rows, self._currency)
        return [
            PriceList(
                code,
                self._currency,
                name=f"SYSPRO price code {code}",
                prices=tuple(Price(sku, money) for sku, money in sorted(prices.items())),
            )
            for code, prices in sorted(by_code.items())
        ]

    # --- customers -------------------------------------------------------------------------
    def find_or_create_customer(self, customer: Customer, *, create: bool = True) -> CustomerMatch:
        rows = self._find(
            "ArCustomer", xm.CUSTOMER_COLUMNS, [xm.Condition("Email", "EQ", customer.email)], rows=1
        )
        if rows:
            return CustomerMatch(rows[0]["Customer"], False, xm.customer_conflicts(rows[0], customer))
        if not create:
            raise CustomerMissing(customer.email)
        code = customer.erp_account or xm.customer_code(customer.email)
        try:
            self._client.setup_add("ARSSCS", xm.arsscs_parameters(), xm.arsscs_xml(code, customer))
        except NeedsPerson:
            # The code comes from the email, so a worker posting another order of the same new
            # customer may have added it since our look-up: then it is the account we want.
            rows = self._find(
                "ArCustomer", xm.CUSTOMER_COLUMNS, [xm.Condition("Customer", "EQ", code)], rows=1
            )
            if not rows:
                raise
            return CustomerMatch(code, False, xm.customer_conflicts(rows[0], customer))
        return CustomerMatch(code, True)

    def check_credit(self, account: str, amount_due: Money) -> None:
        limit, balance = xm.credit_from_arsqry(self._client.query("ARSQRY", xm.arsqry_xml(account)))
        if limit > 0 and balance + amount_due.amount > limit:
            raise CreditLimitExceeded(
                account, f"balance {balance} + order {amount_due.amount} > limit {limit}"
            )

    # --- sales orders ----------------------------------------------------------------------
    def find_sales_order(self, reference: str) -> SalesOrder | None:
        number = self._order_number(reference)
        if number is None:
            return None
        return xo.order_from_sorqry(self._client.query("SORQRY", xo.sorqry_xml(number)), self._currency)

    def _order_number(self, reference: str) -> str | None:
        where = [xm.Condition("CustomerPoNumber", "EQ", reference)]
        rows = self._find("SorMaster", xo.ORDER_COLUMNS, where, rows=5)
        return rows[0]["SalesOrder"] if rows else None

    def create_sales_order(self, order: SalesOrderRequest) -> PostedDocument:
        existing = self._order_number(order.reference)
        if existing is not None:
            return PostedDocument(existing, existing, existed=True)
        self._require_known_skus(order.reference, [ln.sku for ln in order.lines])
        try:
            root = self._client.post(
                "SORTOI", xo.sortoi_parameters(), xo.sortoi_xml(order, warehouse=self._wh(order))
            )
        except NeedsPerson as exc:
            return self._lost_race_or_raise(order.reference, exc)
        number = xo.sortoi_result(root) or self._order_number(order.reference)
        if number is None:
            raise NeedsPerson(
                f"SYSPRO SORTOI accepted order {order.reference} but no sales order carries that "
                "customer PO number; check SYSPRO's sales orders before retrying",
                details={"reference": order.reference},
            )
        return PostedDocument(number, number)

    def _lost_race_or_raise(self, reference: str, exc: NeedsPerson) -> PostedDocument:
        """Another worker imported the same PO number a moment ago: that order is ours."""
        existing = self._order_number(reference) if "already exists" in str(exc).lower() else None
        if existing is None:
            raise exc
        return PostedDocument(existing, existing, existed=True)

    def _require_known_skus(self, reference: str, skus: Sequence[str]) -> None:
        known = self.get_items(skus)
        missing = [sku for sku in dict.fromkeys(skus) if sku not in known]
        if missing:
            raise UnknownSku(missing, reference=reference)

    def _wh(self, order: SalesOrderRequest) -> str:
        return order.warehouse or self._settings.default_warehouse

    def amend_sales_order(self, order: SalesOrderRequest) -> PostedDocument:
        number = self._require_order(order.reference)
        self._require_known_skus(order.reference, [ln.sku for ln in order.lines])
        existing = xo.existing_lines(self._client.query("SORQRY", xo.sorqry_xml(number)))
        xml_in = xo.sortoi_xml(
            order, warehouse=self._wh(order), action="C", sales_order=number, replace=existing
        )
        self._client.post("SORTOI", xo.sortoi_parameters(), xml_in)
        return PostedDocument(number, number, existed=True)

    def cancel_sales_order(self, reference: str, reason: str = "") -> PostedDocument:
        current = self.find_sales_order(reference)
        if current is None:
            raise NeedsPerson(f"SYSPRO has no sales order with customer PO number {reference} to cancel")
        if current.status is SalesOrderStatus.CANCELLED:
            return PostedDocument(current.erp_id, current.erp_number, existed=True)
        self._client.post("SORTOI", xo.sortoi_parameters(), xo.sortoi_cancel_xml(reference, current.erp_id))
        return PostedDocument(current.erp_id, current.erp_number, extra={"reason": reason} if reason else {})

    def _require_order(self, reference: str) -> str:
        number = self._order_number(reference)
        if number is None:
            raise NeedsPerson(f"SYSPRO has no sales order with customer PO number {reference}")
        return number

    # --- despatches, credits, money --------------------------------------------------------
    def dispatches_since(self, cursor: str | None, limit: int = 100) -> Page[Dispatch]:
        notes = self._find(
            "MdnMaster", xo.DISPATCH_COLUMNS, xm.since(cursor), rows=limit, order_by="TimeStamp"
        )
        dispatches = tuple(
            xo.dispatch_from_rows(note, self._dispatch_lines(note["DispatchNote"])) for note in notes
        )
        return Page(dispatches, xm.cursor_after(notes, cursor), has_more=len(notes) >= limit)

    def _dispatch_lines(self, note: str) -> list[dict[str, str]]:
        where = [xm.Condition("DispatchNote", "EQ", note)]
        return self._find("MdnDetail", xo.DISPATCH_LINE_COLUMNS, where, rows=1000)

    def create_credit_note(self, note: CreditNote) -> PostedDocument:
        """SORTCH (header, keyed by our refund reference) then SORTCL (its lines), once per refund."""
        reference = xc.credit_reference(note.refund_reference)
        existing = self._order_number(reference)
        if existing is not None and self._has_lines(existing):
            return PostedDocument(existing, existing, existed=True, extra=_restock_task(note))
        gap = xc.credit_gap(note)
        if gap:  # the flow asks first; an inexact note is never posted
            raise InexactCreditNote(self.vendor, note, gap)
        order = self._order_to_credit(note)
        taken_from = {ln.sku: ln.warehouse for ln in order.lines if ln.warehouse}
        lines = xc.credit_lines(note, warehouse=self._settings.default_warehouse, by_sku=taken_from)
        if not lines:  # SYSPRO would take the header and then refuse an empty line document
            raise BadInput(f"refund {note.refund_reference} on order {note.order_reference} credits nothing")
        if existing is not None:  # the header went in last time, its lines did not
            self._post_credit_lines(existing, lines)
            return PostedDocument(existing, existing, existed=True, extra=_restock_task(note))
        self._require_known_skus(note.order_reference, [ln.sku for ln in note.lines])
        number = self._post_credit_header(note, reference, order)
        self._post_credit_lines(number, lines)
        return PostedDocument(number, number, extra=_restock_task(note))

    def credit_note_gap(self, note: CreditNote) -> str:
        """What SORTCL cannot post exactly (``ports/erp.ErpCreditExactness``); "" when it can."""
        return xc.credit_gap(note)

    def _order_to_credit(self, note: CreditNote) -> SalesOrder:
        order = self.find_sales_order(note.order_reference)
        if order is None:
            raise NeedsPerson(
                f"SYSPRO has no sales order with customer PO number {note.order_reference} to credit "
                f"(refund {note.refund_reference})",
                details={"order_reference": note.order_reference, "refund": note.refund_reference},
            )
        return order

    def _post_credit_header(self, note: CreditNote, reference: str, order: SalesOrder) -> str:
        xml_in = xc.sortch_xml(
            note, customer=order.customer_account, invoice=order.extra.get("last_invoice", "")
        )
        root = self._client.post("SORTCH", xc.sortch_parameters(), xml_in)
        number = xc.sortch_result(root) or self._order_number(reference)
        if number is None:
            raise NeedsPerson(
                f"SYSPRO SORTCH accepted the credit note for refund {note.refund_reference} but no "
                f"credit note carries customer PO number {reference}; check SYSPRO before retrying",
                details={"reference": reference, "order_reference": note.order_reference},
            )
        return number

    def _post_credit_lines(self, number: str, lines: list[xc.CreditLine]) -> None:
        root = self._client.post("SORTCL", xc.sortcl_parameters(), xc.sortcl_xml(number, lines))
        xc.sortcl_result(root, number, len(lines))

    def _has_lines(self, number: str) -> bool:
        where = [xm.Condition("SalesOrder", "EQ", number)]
        return bool(self._find("SorDetail", ("SalesOrder", "SalesOrderLine"), where, rows=1))

    def credit_notes_held(self, refunds: Sequence[tuple[str, str]]) -> dict[str, HeldCreditNote]:
        """COMFND by our refund key, then SORQRY: net only (SORQRY gives no tax)."""
        return reconcile_reads.credit_notes_held(self._client.query, refunds, self._currency)

    def orders_held(self, references: Sequence[str]) -> dict[str, list[HeldOrder]]:
        return reconcile_reads.orders_held(self._client.query, references, self._currency)

    def post_payout(self, entry: JournalEntry) -> PostedDocument:
        """GENTJL while licensed, else ARSTPY receipts into the cash book; once per reference."""
        return self._payouts.post(entry)

    # --- COMFND helpers --------------------------------------------------------------------
    def _find(
        self,
        table: str,
        columns: Sequence[str],
        where: Sequence[xm.Condition],
        *,
        rows: int,
        order_by: str = "",
    ) -> list[dict[str, str]]:
        return xm.find_rows(
            self._client.query("COMFND", xm.find_xml(table, columns, where, rows=rows, order_by=order_by))
        )

    def _scan(self, table: str, columns: Sequence[str], *, key: str) -> list[dict[str, str]]:
        """Every row of ``table``, paged by ``key`` (COMFND has no offset).

        A full page may end part-way through the rows of its last key, so those rows are read again
        with the next page rather than lost.
        """
        out: list[dict[str, str]] = []
        last = ""
        while True:
            where = [xm.Condition(key, "GT", last)] if last else []
            page = self._find(table, columns, where, rows=_SCAN_PAGE, order_by=key)
            if len(page) < _SCAN_PAGE:
                return out + page
            whole = [row for row in page if row[key] != page[-1][key]] or page
            out.extend(whole)
            last = whole[-1][key]


def _restock_task(note: CreditNote) -> dict[str, str]:
    """Lines the customer sent back to stock: SORTCL cannot say so, so a person books them in."""
    restock = [f"{ln.quantity} x {ln.sku}" for ln in note.lines if ln.restock]
    return {"restock_task": "; ".join(restock)} if restock else {}
