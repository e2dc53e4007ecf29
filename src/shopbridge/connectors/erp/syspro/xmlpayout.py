"""A balanced payout journal as ARSTPY miscellaneous receipts (pure, table-tested).

ARSTPY (Post AR Payments, Adjustments and Miscellaneous Receipts) has no journal: a miscellaneous
receipt is one value into one cash book (``Bank``), debited to ``DebitLedgerCode`` and credited to
one ``CreditLedgerCode``. So a payout goes in as one receipt per journal line other than the bank's
own line, all carrying the payout's reference, in one document:

- a credit line (sales, shipping, tax, the Shopify clearing account) is a positive receipt
  crediting that line's ledger code;
- a debit line (fees, chargebacks, refunds) is a **negative** receipt on that ledger code: money
  out of the cash book, debiting the line's ledger. The schema documents a negative value as
  allowed "with a warning", so the parameters ignore warnings.

The receipts add up to the bank line's net, so the cash book moves by exactly the payout and the
ledger sees the same debits and credits as the journal (WIRE.md, source Z3). ``BankChargeValue``
is not used for fees: it books to the bank's own charges account, not the journal's fee ledger.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from decimal import Decimal

from shopbridge.connectors.erp.syspro.xmlmap import amount, sub, to_text
from shopbridge.domain.records import JournalEntry, JournalLine
from shopbridge.errors import BadInput, ConfigurationError

# The cash book rows ARSTPY leaves behind (assumed: CshTransactions, one row per receipt with our
# Reference as TrnReference when payments integrate to Cash Book in detail) and the bank master.
RECEIPT_COLUMNS = ("Bank", "TrnReference", "TrnType", "TrnValue")
BANK_COLUMNS = ("Bank", "Description", "Currency", "CashGlCode")
_MAX_REFERENCE = 30  # the width of TrnReference is not public; 30 matches SYSPRO's PO-number field
_MAX_NOTATION = 50


@dataclass(frozen=True)
class MiscReceipt:
    """One ``MiscellaneousReceipt``: a signed value into the cash book against one ledger code."""

    value: Decimal
    credit_ledger: str
    notation: str


def receipt_reference(reference: str) -> str:
    """The payout's key as ARSTPY's ``Reference``: itself when short, else a stable hash of it."""
    if len(reference) <= _MAX_REFERENCE:
        return reference
    return "PO" + hashlib.sha256(reference.encode("utf-8")).hexdigest()[: _MAX_REFERENCE - 2].upper()


def misc_receipts(entry: JournalEntry, bank_ledger: str, *, cash_book: str) -> list[MiscReceipt]:
    """The receipts that post ``entry`` into the cash book whose ledger code is ``bank_ledger``.

    Refuses the whole payout when the journal has no line on the cash book's ledger (the money
    would land in a bank the journal does not name) or nothing to post.
    """
    if not any(line.nominal_code == bank_ledger for line in entry.lines):
        raise ConfigurationError(
            f"payout {entry.reference} has no line on ledger code {bank_ledger}, the cash book "
            f"{cash_book}'s ledger, so SYSPRO ARSTPY cannot post it into that cash book",
            key="erp.syspro.cash_book",
            fix="set erp.syspro.cash_book to the SYSPRO bank whose cash ledger is the payout's "
            "bank account, or the store's bank account to that bank's ledger code",
            details={"payout": entry.reference, "cash_book": cash_book, "bank_ledger": bank_ledger},
        )
    receipts = [
        _receipt(line, entry) for line in entry.lines if line.nominal_code != bank_ledger and _value(line)
    ]
    if not receipts:
        raise BadInput(f"payout {entry.reference} moves nothing but its bank line; nothing to post")
    return receipts


def _value(line: JournalLine) -> Decimal:
    """Credits come into the cash book, debits go out of it."""
    if line.credit is not None:
        return line.credit.amount
    return -line.debit.amount if line.debit is not None else Decimal(0)


def _receipt(line: JournalLine, entry: JournalEntry) -> MiscReceipt:
    notation = line.description or entry.narrative or f"Shopify payout {entry.reference}"
    return MiscReceipt(_value(line), line.nominal_code, notation[:_MAX_NOTATION])


def arstpy_parameters(*, validate_only: bool = False) -> str:
    """Current period; warnings ignored (a negative receipt warns); all receipts or none.

    ``IntegrateToCashBookInDetail`` Y asks for one cash book row per receipt, which is what the
    lookup by reference needs (it only takes effect where A/R Setup allows the operator override).
    """
    root = ET.Element("PostArPayment")
    params = sub(root, "Parameters")
    sub(params, "PostingPeriod", "C")
    sub(params, "IgnoreWarnings", "Y")
    sub(params, "ApplyIfEntireDocumentValid", "Y")
    sub(params, "ValidateOnly", "Y" if validate_only else "N")
    sub(params, "AutoCorrectPaymentValue", "N")
    sub(params, "ApplySpecificBranch", "N")
    sub(params, "IntegrateToCashBookInDetail", "Y")
    sub(params, "AutoCalculateTax", "N")
    return to_text(root)


def arstpy_xml(entry: JournalEntry, receipts: list[MiscReceipt], *, cash_book: str, bank_ledger: str) -> str:
    """One ``Item/MiscellaneousReceipt`` per receipt, elements in the schema's order."""
    root = ET.Element("PostArPayment")
    reference = receipt_reference(entry.reference)
    for receipt in receipts:
        node = sub(sub(root, "Item"), "MiscellaneousReceipt")
        sub(node, "Bank", cash_book)
        sub(node, "Currency", entry.currency)
        sub(node, "MiscellaneousReceiptValue", amount(receipt.value))
        sub(node, "Reference", reference)
        sub(node, "MiscellaneousReceiptDate", entry.posted_on.isoformat())
        sub(node, "DebitLedgerCode", bank_ledger)
        sub(node, "CreditLedgerCode", receipt.credit_ledger)
        sub(node, "JournalNotation", receipt.notation)
    return to_text(root)


def receipts_id(bank: str, reference: str) -> str:
    """``Bank/Reference`` of a posted payout: the cash book and the key every receipt carries."""
    return f"{bank}/{reference}"
