"""A balanced payout journal as Sage 200 cash-book entries (pure).

Sage 200's API has no nominal-journal POST. A payout is a movement on the bank, so it posts as:
- one ``bank_receipt`` whose nominal analysis holds the journal's credit lines (e.g. the Shopify
  clearing account), and
- one ``bank_payment`` whose nominal analysis holds its debit lines other than the bank (fees).
The bank's own line is what Sage posts by itself (receipts less payments), so it is left out; the
journal balancing guarantees the bank moves by exactly the payout's net.
Both carry the payout reference (cut to Sage's 20 characters) and a ``second_reference`` saying which
half they are, which is how a repeat finds them in ``bank_posted_transactions``.
"""

from __future__ import annotations

from dataclasses import dataclass

from shopbridge.connectors.erp.sage200.translate import JsonObject, day_start, number, short_reference
from shopbridge.domain.records import JournalEntry, JournalLine

RECEIPT_MARK = "payout"
PAYMENT_MARK = "payout fees"


@dataclass(frozen=True)
class CashBookEntries:
    reference: str
    receipt: JsonObject | None
    payment: JsonObject | None


def payout_entries(entry: JournalEntry, bank_id: int, bank_nominal: str) -> CashBookEntries:
    others = [ln for ln in entry.lines if ln.nominal_code != bank_nominal]
    credits = [ln for ln in others if ln.credit is not None]
    debits = [ln for ln in others if ln.debit is not None]
    reference = short_reference(entry.reference)
    return CashBookEntries(
        reference=reference,
        receipt=_entry(entry, bank_id, reference, RECEIPT_MARK, credits) if credits else None,
        payment=_entry(entry, bank_id, reference, PAYMENT_MARK, debits) if debits else None,
    )


def _entry(
    entry: JournalEntry, bank_id: int, reference: str, mark: str, lines: list[JournalLine]
) -> JsonObject:
    return {
        "bank_id": bank_id,
        "transaction_date": day_start(entry.posted_on),
        "reference": reference,
        "second_reference": mark,
        "narrative": (entry.narrative or f"Shopify payout {entry.reference}")[:6000],
        "nominal_analysis_items": [_analysis(ln, reference) for ln in lines],
    }


def _analysis(line: JournalLine, reference: str) -> JsonObject:
    amount = line.credit or line.debit
    assert amount is not None  # a JournalLine has exactly one of them
    return {
        "code": line.nominal_code[:8],
        "narrative": line.description[:6000] or reference,
        "gross_value": number(amount.amount),
        "goods_value": number(amount.amount),
        "tax_value": 0.0,
        "reference": reference,
    }
