"""Payout summaries into SYSPRO: a GL journal (GENTJL) where licensed, else cash book receipts (ARSTPY).

Each object is offered until SYSPRO answers it with exception 100000 (not licensed), found by the
validate-only probe of ``check()`` or by a real post; a real post that meets it switches that path
off and raises the ``ConfigurationError`` naming the object, so the job's retry takes the other
path. Before either posts, both places a payout can have gone are looked up by its reference
(``GenJournalCtl.Reference`` and the cash book's ``CshTransactions.TrnReference``), so a payout
posted one way is never posted again the other way after the licences change.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from shopbridge.connectors.erp.syspro import xmlmap as xm
from shopbridge.connectors.erp.syspro import xmlpayout as xp
from shopbridge.connectors.erp.syspro.client import SysproClient
from shopbridge.connectors.erp.syspro.errors import is_unlicensed
from shopbridge.domain.records import JournalEntry
from shopbridge.errors import ConfigurationError, ShopbridgeError, UnsupportedOperation
from shopbridge.ports.erp import Capability, PostedDocument


class Finder(Protocol):
    def __call__(
        self, table: str, columns: Sequence[str], where: Sequence[xm.Condition], *, rows: int
    ) -> list[dict[str, str]]: ...


class SysproPayouts:
    """Which payout path SYSPRO offers, and posting a payout once through it."""

    def __init__(self, client: SysproClient, find: Finder, *, cash_book: str) -> None:
        self._client = client
        self._find = find
        self.cash_book = cash_book
        self.journal_licensed: bool | None = None  # unknown until probed or first posted
        self.receipts_licensed: bool | None = None
        self._bank_ledgers: dict[str, str] = {}

    def capabilities(self) -> set[Capability]:
        offered = {Capability.JOURNAL} if self.journal_licensed is not False else set()
        if self.receipts_licensed is not False and self.cash_book:
            offered.add(Capability.BANK_RECEIPT)
        return offered

    # --- probes ----------------------------------------------------------------------------
    def probe(self) -> str:
        """Both objects in validate-only mode with an empty document; 100000 switches one off."""
        journal = self._probe("GENTJL", xm.gentjl_parameters(validate_only=True), "<PostGlJournal/>")
        receipts = self._probe("ARSTPY", xp.arstpy_parameters(validate_only=True), "<PostArPayment/>")
        self.journal_licensed = journal if journal is not None else self.journal_licensed
        self.receipts_licensed = receipts if receipts is not None else self.receipts_licensed
        return "; ".join(self._describe(name, state) for name, state in self._states())

    def _probe(self, business_object: str, parameters: str, xml_in: str) -> bool | None:
        try:
            self._client.post(business_object, parameters, xml_in)
        except ConfigurationError as exc:
            return False if is_unlicensed(exc) else None
        except ShopbridgeError:
            return None
        return True

    def _states(self) -> list[tuple[str, bool | None]]:
        return [("GENTJL", self.journal_licensed), ("ARSTPY", self.receipts_licensed)]

    def _describe(self, name: str, state: bool | None) -> str:
        what = {"GENTJL": "GL journals", "ARSTPY": "cash book receipts"}[name]
        if state is None:
            return f"{what} ({name}) probe inconclusive"
        if not state:
            return f"{what} off: {name} is not licensed (e.net exception 100000)"
        if name == "ARSTPY" and not self.cash_book:
            return f"{what} ({name}) licensed but erp.syspro.cash_book is not set"
        return f"{what} ({name}) licensed"

    # --- posting ---------------------------------------------------------------------------
    def post(self, entry: JournalEntry) -> PostedDocument:
        found = self._posted(entry.reference)  # first: a payout posted before stays posted
        if found is not None:
            return found
        offered = self.capabilities()
        if not offered:
            raise UnsupportedOperation(self._why_not(entry))
        if Capability.JOURNAL in offered:
            return self._post_journal(entry)
        return self._post_receipts(entry)

    def _why_not(self, entry: JournalEntry) -> str:
        receipts = (
            "set erp.syspro.cash_book to post it as cash book receipts (ARSTPY)"
            if self.receipts_licensed is not False
            else "license GENTJL (GL journals) or ARSTPY (A/R miscellaneous receipts) for the operator "
            "in e.net License Apportionment"
        )
        journals = "SYSPRO GL journals (GENTJL) are not licensed"
        return f"{journals}; {receipts}, or post payout {entry.reference} by hand"

    def _posted(self, reference: str) -> PostedDocument | None:
        where = [xm.Condition("Reference", "EQ", reference)]
        journals = self._find("GenJournalCtl", xm.JOURNAL_COLUMNS, where, rows=1)
        if journals:
            found = xm.journal_id(journals[0])
            return PostedDocument(found, found, existed=True, extra={"business_object": "GENTJL"})
        if not self.cash_book:  # ARSTPY is never used without one, and a site may have no Cash Book
            return None
        key = xp.receipt_reference(reference)
        where = [xm.Condition("TrnReference", "EQ", key)]
        receipts = self._find("CshTransactions", xp.RECEIPT_COLUMNS, where, rows=100)
        if receipts:
            found = xp.receipts_id(receipts[0].get("Bank", ""), key)
            extra = {"business_object": "ARSTPY", "receipts": str(len(receipts))}
            return PostedDocument(found, key, existed=True, extra=extra)
        return None

    def _post_journal(self, entry: JournalEntry) -> PostedDocument:
        try:
            root = self._client.post("GENTJL", xm.gentjl_parameters(), xm.gentjl_xml(entry))
        except ConfigurationError as exc:
            if is_unlicensed(exc):
                self.journal_licensed = False
            raise
        self.journal_licensed = True
        number = xm.journal_number(root)
        return PostedDocument(number, number, extra={"business_object": "GENTJL"})

    def _post_receipts(self, entry: JournalEntry) -> PostedDocument:
        bank_ledger = self._bank_ledger(self.cash_book)
        receipts = xp.misc_receipts(entry, bank_ledger, cash_book=self.cash_book)
        xml_in = xp.arstpy_xml(entry, receipts, cash_book=self.cash_book, bank_ledger=bank_ledger)
        try:
            self._client.post("ARSTPY", xp.arstpy_parameters(), xml_in)
        except ConfigurationError as exc:
            if is_unlicensed(exc):
                self.receipts_licensed = False
            raise
        self.receipts_licensed = True
        key = xp.receipt_reference(entry.reference)
        extra = {"business_object": "ARSTPY", "receipts": str(len(receipts))}
        return PostedDocument(xp.receipts_id(self.cash_book, key), key, extra=extra)

    def _bank_ledger(self, bank: str) -> str:
        """The cash book's ledger code (ApBank.CashGlCode), read once per adapter."""
        if bank not in self._bank_ledgers:
            rows = self._find("ApBank", xp.BANK_COLUMNS, [xm.Condition("Bank", "EQ", bank)], rows=1)
            if not rows or not rows[0].get("CashGlCode"):
                raise ConfigurationError(
                    f"SYSPRO has no bank (cash book) {bank!r} with a cash ledger code",
                    key="erp.syspro.cash_book",
                    fix="set it to the SYSPRO bank the Shopify payouts are paid into",
                    details={"cash_book": bank},
                )
            self._bank_ledgers[bank] = rows[0]["CashGlCode"]
        return self._bank_ledgers[bank]
