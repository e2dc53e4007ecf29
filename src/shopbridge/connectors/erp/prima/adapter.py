"""The ERP port over Prima's request documents (see ``requests.py`` for the request-type table)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace

from shopbridge.config.erp import PrimaSettings
from shopbridge.connectors.erp.prima import reconcile_reads
from shopbridge.connectors.erp.prima import requests as rq
from shopbridge.connectors.erp.prima.client import PrimaClient
from shopbridge.connectors.erp.prima.errors import PrimaRejected
from shopbridge.domain.money import Money
from shopbridge.domain.orders import FieldLimits
from shopbridge.domain.records import (
    CreditNote,
    CreditNoteLine,
    Customer,
    Dispatch,
    Item,
    JournalEntry,
    PriceList,
    SalesOrder,
    SalesOrderLine,
    SalesOrderRequest,
    SalesOrderStatus,
    StockLevel,
)
from shopbridge.errors import ConfigurationError, NeedsPerson, ShopbridgeError
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

CAPABILITIES = frozenset(
    {
        Capability.READ_ITEMS,
        Capability.READ_STOCK,
        Capability.STOCK_SNAPSHOT,
        Capability.READ_PRICE_LISTS,
        Capability.CUSTOMERS,
        Capability.CREDIT_LIMIT_CHECK,
        Capability.CREATE_SALES_ORDER,
        Capability.AMEND_SALES_ORDER,
        Capability.CANCEL_SALES_ORDER,
        Capability.READ_DISPATCHES,
        Capability.CREDIT_NOTE,
        Capability.CREDIT_NOTE_RESTOCK,
        Capability.JOURNAL,
    }
)
_CHUNK = 50
_CONFLICT_FIELDS = (("Name", "display_name"), ("Phone", "phone"))


class PrimaAdapter:
    """ERP port for Prima (Prima Solutions) through its SOAP/XML web services."""

    vendor = "prima"
    # Assumed (Prima publishes no schema; see sandbox/prima/WIRE.md): 35-character names and address lines,
    # as in the recorded MultiNewOrder traffic; the order number field takes 30.
    field_limits = FieldLimits(name=35, address_line=35, city=35, postcode=10, description=60, reference=30)

    def __init__(
        self, settings: PrimaSettings, *, client: PrimaClient | None = None, currency: str = "GBP"
    ) -> None:
        self._settings = settings
        self._client = client or PrimaClient(settings)
        self._currency = currency

    @property
    def client(self) -> PrimaClient:
        return self._client

    def close(self) -> None:
        """Close the HTTP pool (commands and services close their ERP when done)."""
        self._client.close()

    @property
    def capabilities(self) -> frozenset[Capability]:
        return CAPABILITIES

    def check(self) -> ErpHealth:
        try:
            self._client.call(rq.order_status("shopbridge-check"))
        except PrimaRejected:
            pass  # Prima answered in its own words (no such order): reachable and authenticated
        except ConfigurationError as exc:
            return ErpHealth(self.vendor, reachable=True, authenticated=False, detail=str(exc))
        except ShopbridgeError as exc:
            return ErpHealth(self.vendor, reachable=False, authenticated=False, detail=str(exc))
        detail = f"{self._client.operation} answered"
        return ErpHealth(self.vendor, True, True, detail=detail, capabilities=self.capabilities)

    def lookup_exists(self, kind: str, code: str) -> bool | None:
        """Whether a code the config names exists (``connect erp``). Only customer accounts can be
        asked (``CustomerEnquiry`` by ``Account``, the request the customer lookup already sends):
        no Prima request type, sourced or assumed, reads warehouses, tax codes, nominal codes or
        carrier services (WIRE.md), so those are None (not checkable)."""
        if kind != "customer_account":
            return None
        return rq.read_customer(self._client.call(rq.account_enquiry(code))) is not None

    # --- items, stock, prices --------------------------------------------------------------
    def items_changed(self, cursor: str | None, limit: int = 100) -> Page[Item]:
        response = self._client.call(rq.changed_since("ProductEnquiry", cursor, limit))
        nodes = rq.records(response, "Product")
        items = tuple(rq.read_products(response, self._currency))
        return Page(items, rq.last_sequence(nodes, cursor), has_more=len(nodes) >= limit)

    def get_items(self, skus: Sequence[str]) -> dict[str, Item]:
        wanted = list(dict.fromkeys(skus))
        found: dict[str, Item] = {}
        for start in range(0, len(wanted), _CHUNK):
            response = self._client.call(rq.product_enquiry(wanted[start : start + _CHUNK]))
            found.update({item.sku: item for item in rq.read_products(response, self._currency)})
        return found

    def stock_changed(self, cursor: str | None, limit: int = 100) -> Page[StockLevel]:
        response = self._client.call(rq.changed_since("StockEnquiry", cursor, limit))
        nodes = rq.records(response, "Stock")
        return Page(
            tuple(rq.read_stock(response)), rq.last_sequence(nodes, cursor), has_more=len(nodes) >= limit
        )

    def available_to_sell(self, skus: Sequence[str] | None = None) -> list[StockLevel]:
        """Prima's available-to-sell figures (the calls a live integration uses), for a stock audit."""
        warehouse = self._settings.default_warehouse
        return rq.read_available(self._client.call(rq.available_to_sell(skus)), warehouse)

    def price_lists(self) -> Sequence[PriceList]:
        return rq.read_price_lists(self._client.call(rq.price_enquiry()))

    # --- customers -------------------------------------------------------------------------
    def find_or_create_customer(self, customer: Customer, *, create: bool = True) -> CustomerMatch:
        found = rq.read_customer(self._client.call(rq.customer_enquiry(customer.email)))
        if found is not None:
            return CustomerMatch(found["Account"], False, _conflicts(found, customer))
        if not create:
            raise CustomerMissing(customer.email)
        account = customer.erp_account or _account_code(customer.email)
        try:
            created = self._client.call(rq.new_customer(account, customer))
        except PrimaRejected:
            # The account code comes from the email, so a worker posting another order of the same
            # new customer may have created it since our enquiry: then it is the account we want.
            found = rq.read_customer(self._client.call(rq.account_enquiry(account)))
            if found is None:
                raise
            return CustomerMatch(found["Account"], False, _conflicts(found, customer))
        return CustomerMatch(rq.read_created(created, "Account"), True)

    def check_credit(self, account: str, amount_due: Money) -> None:
        found = rq.read_customer(self._client.call(rq.account_enquiry(account)))
        if found is None:
            raise NeedsPerson(f"Prima has no customer account {account}")
        limit, balance = rq.number(found.get("CreditLimit")), rq.number(found.get("Balance"))
        if limit > 0 and balance + amount_due.amount > limit:
            raise CreditLimitExceeded(
                account, f"balance {balance} + order {amount_due.amount} > limit {limit}"
            )

    # --- sales orders ----------------------------------------------------------------------
    def find_sales_order(self, reference: str) -> SalesOrder | None:
        """``OrderStatus`` on our order number; Prima answers an unknown number with ERROR.

        Any ERROR reads as "not found", as live integrations do: a create that follows is still safe,
        because Prima refuses a second order with the same number (E:21) and we then look again.
        """
        try:
            answer = self._client.call(rq.order_status(reference))
        except PrimaRejected:
            return None
        return rq.read_order(answer, reference, self._currency)

    def create_sales_order(self, order: SalesOrderRequest) -> PostedDocument:
        existing = self.find_sales_order(order.reference)
        if existing is not None:
            return PostedDocument(existing.erp_id, existing.erp_number, existed=True)
        order = self._carried(order)
        self._require_known_skus(order)
        try:
            response = self._client.call(rq.new_order(order, warehouse=self._wh(order)))
        except PrimaRejected as exc:
            return self._lost_race_or_raise(order.reference, exc)
        number = rq.read_created(response, "OrderNumber")
        return PostedDocument(number, number)

    def _carried(self, order: SalesOrderRequest) -> SalesOrderRequest:
        """Shipping as a line on the carriage product, with Shopify's VAT, where one is configured.

        A Prima charge (``OrderChargeData``) has a value and no tax, so shipping sent as a charge
        loses its VAT; a line carries it in ``ExtTaxVal`` like any other.
        """
        product = self._settings.carriage_product
        if not product or order.shipping is None:
            return order
        tax = order.shipping_tax or Money.zero(order.currency)
        line = SalesOrderLine(
            sku=product, quantity=1, unit_price=order.shipping, tax=tax, description=order.shipping_method
        )
        return replace(order, lines=(*order.lines, line), shipping=None, shipping_tax=None)

    def _lost_race_or_raise(self, reference: str, exc: PrimaRejected) -> PostedDocument:
        """Another worker created the order with this number a moment ago: that order is ours."""
        found = self.find_sales_order(reference) if rq.DUPLICATE_ORDER in exc.codes else None
        if found is None:
            raise exc
        return PostedDocument(found.erp_id, found.erp_number, existed=True)

    def _require_known_skus(self, order: SalesOrderRequest) -> None:
        skus = [line.sku for line in order.lines]
        known = self.get_items(skus)
        missing = [sku for sku in dict.fromkeys(skus) if sku not in known]
        if missing:
            raise UnknownSku(missing, reference=order.reference)

    def _wh(self, order: SalesOrderRequest) -> str:
        return order.warehouse or self._settings.default_warehouse

    def _require_order(self, reference: str) -> SalesOrder:
        found = self.find_sales_order(reference)
        if found is None:
            raise NeedsPerson(f"Prima has no order with customer order ref {reference}")
        return found

    def amend_sales_order(self, order: SalesOrderRequest) -> PostedDocument:
        current = self._require_order(order.reference)
        order = self._carried(order)
        self._require_known_skus(order)
        self._client.call(rq.amend_order(current.erp_id, order, warehouse=self._wh(order)))
        return PostedDocument(current.erp_id, current.erp_number, existed=True)

    def cancel_sales_order(self, reference: str, reason: str = "") -> PostedDocument:
        current = self._require_order(reference)
        if current.status is SalesOrderStatus.CANCELLED:
            return PostedDocument(current.erp_id, current.erp_number, existed=True)
        self._client.call(rq.cancel_order(current.erp_id, reason))
        return PostedDocument(current.erp_id, current.erp_number)

    # --- despatches, credits, money --------------------------------------------------------
    def dispatches_since(self, cursor: str | None, limit: int = 100) -> Page[Dispatch]:
        response = self._client.call(rq.changed_since("DespatchEnquiry", cursor, limit))
        nodes = rq.records(response, "Despatch")
        carriage = self._settings.carriage_product
        dispatches = tuple(_goods_only(d, carriage) for d in rq.read_despatches(response))
        return Page(dispatches, rq.last_sequence(nodes, cursor), has_more=len(nodes) >= limit)

    def create_credit_note(self, note: CreditNote) -> PostedDocument:
        order = self._require_order(note.order_reference)
        existing = order.extra.get(f"credit:{note.refund_reference}")
        if existing:
            return PostedDocument(existing, existing, existed=True)
        gap = self.credit_note_gap(note)
        if gap:  # the flow asks first; an inexact note is never posted
            raise InexactCreditNote(self.vendor, note, gap)
        request = rq.new_credit(order.erp_id, self._carried_credit(note))
        number = rq.read_created(self._client.call(request), "CreditNumber")
        return PostedDocument(number, number, extra={"order": order.erp_id})

    def credit_note_gap(self, note: CreditNote) -> str:
        """What ``NewCredit`` cannot carry exactly (``ports/erp.ErpCreditExactness``); "" when it can.

        Its lines (``CreditLineData``) carry a product, a net price and Shopify's tax (``ExtTaxVal``);
        its ``Carriage`` a value and no tax. So an adjustment (no product) has no place, and taxed
        shipping fits only as a line on the carriage product (``erp.prima.carriage_product``).
        """
        gaps = []
        if note.adjustment is not None or note.adjustment_tax is not None:
            adjustment = note.adjustment or Money.zero(note.currency)
            gaps.append(
                f"an adjustment of {adjustment.rounded()}: NewCredit has no adjustment, only product lines"
            )
        taxed = note.shipping_tax is not None and not note.shipping_tax.is_zero()
        if taxed and not self._settings.carriage_product:
            gaps.append(
                "shipping tax: NewCredit's Carriage carries no tax (set erp.prima.carriage_product to "
                "credit shipping as a line with its VAT)"
            )
        return "; ".join(gaps)

    def _carried_credit(self, note: CreditNote) -> CreditNote:
        """Refunded shipping as a line on the carriage product, with Shopify's VAT (as orders carry it)."""
        product = self._settings.carriage_product
        if not product or note.shipping is None:
            return note
        tax = note.shipping_tax or Money.zero(note.currency)
        line = CreditNoteLine(sku=product, quantity=1, net=note.shipping, tax=tax)
        return replace(note, lines=(*note.lines, line), shipping=None, shipping_tax=None)

    def credit_notes_held(self, refunds: Sequence[tuple[str, str]]) -> dict[str, HeldCreditNote]:
        return reconcile_reads.credit_notes_held(self._client.call, refunds, self._currency)

    def orders_held(self, references: Sequence[str]) -> dict[str, list[HeldOrder]]:
        return reconcile_reads.orders_held(self._client.call, references, self._currency)

    def post_payout(self, entry: JournalEntry) -> PostedDocument:
        found = rq.records(self._client.call(rq.journal_enquiry(entry.reference)), "Journal")
        if found:
            number = rq.attr(found[0], "JournalNumber")
            return PostedDocument(number, number, existed=True)
        number = rq.read_created(self._client.call(rq.journal(entry)), "JournalNumber")
        return PostedDocument(number, number)


def _account_code(email: str) -> str:
    """Stable per email, so a retried create finds its own account rather than making a second."""
    return "WEB" + hashlib.sha1(email.strip().lower().encode()).hexdigest()[:7].upper()


def _conflicts(found: dict[str, str], customer: Customer) -> tuple[str, ...]:
    ours = {"display_name": customer.display_name, "phone": customer.phone}
    return tuple(
        name for key, name in _CONFLICT_FIELDS if ours[name] and found.get(key, "") not in ("", ours[name])
    )


def _goods_only(dispatch: Dispatch, carriage: str) -> Dispatch:
    """Prima despatches the order's carriage line with its goods; shipping is no parcel content."""
    if not carriage:
        return dispatch
    return replace(dispatch, lines=tuple(line for line in dispatch.lines if line.sku != carriage))
