"""The ERP port over a Tryton server (JSON-RPC). Tryton is GPL and runs as its own process; this
package only speaks its wire protocol and never imports it.

Amending a sale uses Tryton's ``sale_amendment`` module once the sale is processed (see
``amendment``); credit limits are Tryton's ``account_credit_limit`` and ``sale_credit_limit`` (see
``credit``). Both are optional Tryton modules: when ``check`` finds one not activated, its
capability is dropped from :attr:`TrytonErp.capabilities` and the operation refused.

What Tryton cannot do through this adapter is left out of :attr:`TrytonErp.capabilities` and
refused with :class:`UnsupportedOperation`: restocking credit notes and sales returns (returns are
a stock process in Tryton).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from shopbridge.connectors.erp.tryton import amendment, cancellation, credit, feeds, reconcile_reads, sales
from shopbridge.connectors.erp.tryton import translate as tr
from shopbridge.connectors.erp.tryton.lookups import Lookups
from shopbridge.connectors.erp.tryton.rpc import TrytonRpc
from shopbridge.domain.money import Money
from shopbridge.domain.orders import FieldLimits
from shopbridge.domain.records import (
    CreditNote,
    Customer,
    Dispatch,
    Item,
    JournalEntry,
    JournalLine,
    PriceList,
    SalesOrder,
    SalesOrderRequest,
    StockLevel,
)
from shopbridge.errors import ConfigurationError, NeedsPerson, RetryLater, UnsupportedOperation
from shopbridge.ports.erp import (
    DOCUMENT_CREDIT_NOTE,
    DOCUMENT_PAYOUT_ENTRY,
    DOCUMENT_SALES_ORDER,
    Capability,
    CustomerMatch,
    CustomerMissing,
    ErpHealth,
    HeldCreditNote,
    HeldOrder,
    Page,
    PostedDocument,
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
        Capability.JOURNAL,
        Capability.KITS,
    }
)
# Capabilities that need an optional Tryton module, and the module.
OPTIONAL_MODULES = {
    Capability.AMEND_SALES_ORDER: "sale_amendment",
    Capability.CREDIT_LIMIT_CHECK: "sale_credit_limit",
}


# The Tryton model behind each kind of document shopbridge links to (ports.erp DOCUMENT_*).
_DOCUMENT_MODELS = {
    DOCUMENT_SALES_ORDER: "sale.sale",
    DOCUMENT_CREDIT_NOTE: "account.invoice",
    DOCUMENT_PAYOUT_ENTRY: "account.move",
}


class TrytonErp:
    vendor = "tryton"
    field_limits = FieldLimits()  # Tryton's char fields have no length limit

    def __init__(
        self, rpc: TrytonRpc, *, warehouse_code: str = "WH", company_id: int = 1, web_url: str = ""
    ) -> None:
        self.rpc = rpc
        self.web_url = web_url  # the web client (sao) with its database: <root>/#<database>
        self.look = Lookups(rpc, warehouse_code, company_id)
        self._lacking: frozenset[Capability] = frozenset()  # learnt by check()

    @property
    def capabilities(self) -> frozenset[Capability]:
        return CAPABILITIES - self._lacking

    def _require(self, capability: Capability) -> None:
        if capability in self._lacking:
            raise UnsupportedOperation(
                f"Tryton module {OPTIONAL_MODULES[capability]} is not activated, so shopbridge cannot "
                f"{capability.value.replace('_', ' ')}; activate it in Tryton and run erp check again"
            )

    def lookup_exists(self, kind: str, code: str) -> bool | None:
        """Whether a code the config names exists (``connect erp``): warehouses by location code,
        customer accounts by party code; None for the kinds not asked of Tryton yet."""
        if kind == "warehouse":
            domain = [("code", "=", code), ("type", "=", "warehouse")]
            return bool(self.look.search_read("stock.location", domain, ["code"]))
        if kind == "customer_account":
            return bool(self.look.search_read("party.party", [("code", "=", code)], ["code"]))
        return None

    def check(self) -> ErpHealth:
        try:
            self.rpc.login()
        except RetryLater as exc:
            return ErpHealth(self.vendor, False, False, str(exc))
        except (ConfigurationError, NeedsPerson) as exc:  # e.g. a wrong password or database name
            return ErpHealth(self.vendor, True, False, str(exc))
        try:
            detail = f"warehouse {self.look.warehouse.code}, currency {self.look.currency[1]}"
            detail += self._learn_modules()
        except (ConfigurationError, NeedsPerson) as exc:
            return ErpHealth(self.vendor, True, True, str(exc), self.capabilities)
        return ErpHealth(self.vendor, True, True, detail, self.capabilities)

    def _learn_modules(self) -> str:
        """Drop the capabilities whose optional module is not activated; say which in the detail."""
        wanted = sorted(OPTIONAL_MODULES.values())
        try:
            rows = self.look.search_read(
                "ir.module", [("name", "in", wanted), ("state", "=", "activated")], ["name"]
            )
        except ConfigurationError:  # the user may not read modules: assume them there, Tryton will say
            return "; could not read which Tryton modules are activated"
        active = {str(r["name"]) for r in rows}
        self._lacking = frozenset(c for c, module in OPTIONAL_MODULES.items() if module not in active)
        missing = [module for module in wanted if module not in active]
        return f"; Tryton modules not activated: {', '.join(missing)}" if missing else ""

    # --- items, stock, prices ----------------------------------------------------------------
    def items_changed(self, cursor: str | None, limit: int = 100) -> Page[Item]:
        return feeds.items_changed(self.look, cursor, limit)

    def get_items(self, skus: Sequence[str]) -> dict[str, Item]:
        return feeds.get_items(self.look, skus) if skus else {}

    def stock_changed(self, cursor: str | None, limit: int = 100) -> Page[StockLevel]:
        return feeds.stock_changed(self.look, cursor, limit)

    def price_lists(self) -> Sequence[PriceList]:
        return feeds.price_lists(self.look)

    # --- customers -----------------------------------------------------------------------------
    def find_or_create_customer(self, customer: Customer, *, create: bool = True) -> CustomerMatch:
        party = self._party_by_email(customer.email)
        if party is not None:
            return CustomerMatch(
                str(party["code"]), created=False, conflicts=tr.party_conflicts(party, customer)
            )
        if not create:
            raise CustomerMissing(customer.email)
        return CustomerMatch(self._create_party(customer), created=True)

    def _party_by_email(self, email: str) -> dict[str, Any] | None:
        mechanisms = self.look.search_read(
            "party.contact_mechanism",
            [("type", "=", "email"), ("value", "ilike", email.strip())],
            ["party"],
            order=[("id", "ASC")],
        )
        if not mechanisms:
            return None
        rows = self.look.search_read(
            "party.party", [("id", "=", int(mechanisms[0]["party"]))], ["code", "name", "phone"]
        )
        return rows[0] if rows else None

    def _create_party(self, customer: Customer) -> str:
        contacts = [{"type": "email", "value": customer.email}]
        if customer.phone:
            contacts.append({"type": "phone", "value": customer.phone})
        values = {
            "name": customer.display_name,
            "contact_mechanisms": [["create", contacts]],
            "addresses": [["create", [_address(customer)]]],
        }
        try:
            created = self.rpc.model("party.party", "create", [values])
        except NeedsPerson as exc:
            if "unique" not in str(exc).lower():
                raise
            # Two workers creating parties at once can draw the same code from Tryton's sequence;
            # the loser's transaction is rolled back, and the next attempt finds the party or makes it.
            raise RetryLater(f"Tryton refused a party code taken at the same moment: {exc}") from exc
        rows = self.look.search_read("party.party", [("id", "=", int(created[0]))], ["code"])
        return str(rows[0]["code"])

    def check_credit(self, account: str, amount_due: Money) -> None:
        self._require(Capability.CREDIT_LIMIT_CHECK)
        credit.check_credit(self.look, account, amount_due)

    # --- sales orders ----------------------------------------------------------------------------
    def find_sales_order(self, reference: str) -> SalesOrder | None:
        return sales.find_sales_order(self.look, reference)

    def create_sales_order(self, order: SalesOrderRequest) -> PostedDocument:
        return sales.create_sales_order(self.look, order)

    def amend_sales_order(self, order: SalesOrderRequest) -> PostedDocument:
        self._require(Capability.AMEND_SALES_ORDER)
        sale = sales.find_sale(self.look, order.reference)
        if sale is None:
            raise NeedsPerson(f"Tryton has no sale with reference {order.reference}; nothing to amend")
        return amendment.amend_sale(self.look, sale, order)

    def cancel_sales_order(self, reference: str, reason: str = "") -> PostedDocument:
        sale = sales.find_sale(self.look, reference)
        if sale is None:
            raise NeedsPerson(f"Tryton has no sale with reference {reference}; nothing to cancel")
        return cancellation.cancel_sale(self.look, sale, reason)

    # --- dispatches, credit notes, payouts ----------------------------------------------------
    def dispatches_since(self, cursor: str | None, limit: int = 100) -> Page[Dispatch]:
        return feeds.dispatches_since(self.look, cursor, limit)

    def create_credit_note(self, note: CreditNote) -> PostedDocument:
        return sales.create_credit_note(self.look, note)

    def post_payout(self, entry: JournalEntry) -> PostedDocument:
        """A posted ``account.move`` in the general journal; the nominal codes are Tryton account codes."""
        existing = self._payout(entry.reference)
        if existing is not None:
            return PostedDocument(str(existing["id"]), str(existing.get("number") or ""), existed=True)
        if entry.currency != self.look.currency[1]:
            raise NeedsPerson(
                f"payout {entry.reference} is in {entry.currency}; Tryton's books are in "
                f"{self.look.currency[1]}"
            )
        accounts = self.look.accounts(sorted({line.nominal_code for line in entry.lines}))
        values = {
            "journal": self.look.journal("general"),
            "period": self.look.period(entry.posted_on),
            "date": entry.posted_on,
            "description": tr.payout_description(entry.reference, entry.narrative),
            "lines": [["create", [_move_line(line, accounts) for line in entry.lines]]],
        }
        move_id = int(self.rpc.model("account.move", "create", [values])[0])
        self.rpc.model("account.move", "post", [move_id])
        posted = self.look.search_read("account.move", [("id", "=", move_id)], ["number"])
        return PostedDocument(str(move_id), str(posted[0].get("number") or ""))

    def _payout(self, reference: str) -> dict[str, Any] | None:
        rows = self.look.search_read(
            "account.move",
            [["OR", ("description", "=", reference), ("description", "like", f"{reference} | %")]],
            ["number", "description"],
        )
        return next((r for r in rows if tr.is_payout(str(r.get("description") or ""), reference)), None)

    def document_url(self, kind: str, erp_id: str) -> str | None:
        """The record in Tryton's web client: ``<web url>/#<database>/model/<model>/<id>``."""
        model = _DOCUMENT_MODELS.get(kind)
        if not self.web_url or model is None or not erp_id.isdigit():
            return None
        return f"{self.web_url}/model/{model}/{erp_id}"

    # --- for tests and tools ---------------------------------------------------------------------
    def credit_notes_held(self, refunds: Sequence[tuple[str, str]]) -> dict[str, HeldCreditNote]:
        return reconcile_reads.credit_notes_held(self.look, refunds)

    def orders_held(self, references: Sequence[str]) -> dict[str, list[HeldOrder]]:
        return reconcile_reads.orders_held(self.look, references)

    def count_credit_notes(self, order_reference: str) -> int:
        return sales.count_credit_notes(self.look, order_reference)

    def close(self) -> None:
        self.rpc.close()


def _address(customer: Customer) -> dict[str, Any]:
    address = customer.billing_address or customer.shipping_address
    if address is None:
        return {}
    street = "\n".join(part for part in (address.line1, address.line2) if part)
    return {"street": street, "city": address.city, "postal_code": address.postcode}


def _move_line(line: JournalLine, accounts: dict[str, int]) -> dict[str, Any]:
    debit = line.debit.amount if line.debit else Decimal(0)
    credit = line.credit.amount if line.credit else Decimal(0)
    return {
        "account": accounts[line.nominal_code],
        "debit": debit,
        "credit": credit,
        "description": line.description,
    }
