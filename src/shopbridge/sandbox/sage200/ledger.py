"""Sandbox handlers for the ledgers: sales credit notes, bank receipts and payments, their enquiries.

Posting checks what Sage checks before it posts: the account and bank exist, every nominal code
exists, and the nominal analysis adds up to the document's goods value.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shopbridge.sandbox.sage200.calls import Call, SageError, dec, whole
from shopbridge.sandbox.sage200.catalogue import listing
from shopbridge.sandbox.sage200.state import Record, SageState, money

CREDIT_NOTE = "Credit Note"


def _urn(record: Record) -> dict[str, str]:
    return {"urn": str(record["urn"])}


def _check_nominals(state: SageState, items: list[Record]) -> None:
    if not items:
        raise SageError("At least one nominal analysis item is required.")
    for item in items:
        if state.first("nominal_codes", reference=item.get("code")) is None:
            raise SageError(f"The nominal code '{item.get('code')}' could not be found.")


def post_sales_credit_note(state: SageState, call: Call) -> Any:
    body = call.json()
    customer = state.get("customers", whole(body["customer_id"], "customer_id"))
    if customer is None:
        raise SageError(f"The customer with Id {body['customer_id']} could not be found.")
    items = list(body.get("nominal_analysis_items", []))
    _check_nominals(state, items)
    goods = dec(body.get("document_goods_value"))
    analysed = sum((dec(i.get("value")) for i in items), Decimal(0))
    if analysed != goods:
        raise SageError(f"The nominal analysis total {analysed} does not equal the goods value {goods}.")
    tax = dec(body.get("document_tax_value"))
    posted = state.insert(
        "sales_posted_transactions",
        {
            "customer_id": customer["id"],
            "trader_transaction_type": CREDIT_NOTE,
            "reference": body.get("reference", ""),
            "second_reference": body.get("second_reference", ""),
            "transaction_date": body.get("transaction_date") or state.stamp(),
            "document_goods_value": money(goods),
            "document_tax_value": money(tax),
            "document_gross_value": money(goods + tax),
            "nominal_analysis_items": [_nominal_row(i, i.get("value")) for i in items],
            "urn": state.tables.new_id(),
        },
    )
    customer["balance"] = money(dec(customer.get("balance")) - goods - tax)
    state.touch(customer)
    return _urn(posted)


def _nominal_row(item: Record, value: Any) -> Record:
    return {"code": item.get("code"), "narrative": item.get("narrative"), "value": money(dec(value))}


def get_sales_posted_transactions(state: SageState, call: Call) -> Any:
    return listing(state, "sales_posted_transactions", "sales_posted_transaction", call)


def get_banks(state: SageState, call: Call) -> Any:
    return listing(state, "banks", "bank", call)


def get_bank_posted_transactions(state: SageState, call: Call) -> Any:
    return listing(state, "bank_posted_transactions", "bank_posted_transaction", call)


def post_bank_receipt(state: SageState, call: Call) -> Any:
    return _post_bank_entry(state, call, "Receipt")


def post_bank_payment(state: SageState, call: Call) -> Any:
    return _post_bank_entry(state, call, "Payment")


def _post_bank_entry(state: SageState, call: Call, kind: str) -> Any:
    body = call.json()
    bank = state.get("banks", whole(body["bank_id"], "bank_id"))
    if bank is None:
        raise SageError(f"The bank account with Id {body['bank_id']} could not be found.")
    items = list(body.get("nominal_analysis_items", []))
    _check_nominals(state, items)
    total = sum((_gross(i) for i in items), Decimal(0))
    # The bank's running ``balance`` (a field of the spec's ``bank``): receipts in, payments out.
    bank["balance"] = money(dec(bank.get("balance")) + (total if kind == "Receipt" else -total))
    state.touch(bank)
    posted = state.insert(
        "bank_posted_transactions",
        {
            "bank_id": bank["id"],
            "bank_transaction_type": kind,
            "entry_description": body.get("narrative"),
            "reference": body.get("reference", ""),
            "second_reference": body.get("second_reference", ""),
            "transaction_date": body.get("transaction_date") or state.stamp(),
            "cheque_value": money(total),
            "source": "Cash Book",
            "nominal_analysis_items": [_nominal_row(i, _gross(i)) for i in items],
            "urn": state.tables.new_id(),
        },
    )
    return _urn(posted)


def _gross(item: Record) -> Decimal:
    if item.get("gross_value") is not None:
        return dec(item["gross_value"])
    return dec(item.get("goods_value")) + dec(item.get("tax_value"))
