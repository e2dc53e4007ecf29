"""The Prima sandbox's customer and money request types (all assumed: see WIRE.md)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

from shopbridge.sandbox.prima.handlers import (
    ACCOUNT_EXISTS,
    JOURNAL_USED,
    ORDER,
    UNBALANCED,
    PrimaError,
    data_node,
    num,
)
from shopbridge.sandbox.prima.state import DEFAULT_WAREHOUSE, Account, Order, PrimaCompany


def _balance(company: PrimaCompany, account: Account) -> Decimal:
    open_orders = (
        o.value for o in company.orders.values() if o.customer == account.account and o.status == "Processing"
    )
    return account.balance + sum(open_orders, Decimal(0))


def customer_enquiry(company: PrimaCompany, data: ET.Element) -> list[ET.Element]:
    email, code = data.get("Email", "").lower(), data.get("Account", "")
    found = next(
        (c for c in company.customers.values() if (email and c.email.lower() == email) or c.account == code),
        None,
    )
    answer = data_node()
    if found is not None:
        ET.SubElement(
            answer,
            "Customer",
            Account=found.account,
            Name=found.name,
            Email=found.email,
            Phone=found.phone,
            CreditLimit=str(found.credit_limit),
            Balance=str(_balance(company, found)),
        )
    return [answer]


def new_customer(company: PrimaCompany, data: ET.Element) -> list[ET.Element]:
    account = data.get("Account") or company.next_number("WEB")
    if account in company.customers:
        raise PrimaError(ACCOUNT_EXISTS, f"Customer account '{account}' already exists")
    company.customers[account] = Account(
        account, data.get("Name", ""), data.get("Email", ""), phone=data.get("Phone", "")
    )
    return [data_node(Account=account)]


def new_credit(company: PrimaCompany, data: ET.Element) -> list[ET.Element]:
    order = company.orders.get(data.get("OrderNumber", ""))
    if order is None:
        raise PrimaError(ORDER, f"Sales Order {data.get('OrderNumber', '')} not found")
    ref = data.get("CreditRef", "")
    number = order.credits.get(ref) or _post_credit(company, order, data)
    return [data_node(CreditNumber=number, CreditRef=ref, OrderNumber=order.number)]


def _post_credit(company: PrimaCompany, order: Order, data: ET.Element) -> str:
    number = company.next_number("CN")
    lines = []
    for node in data.findall("CreditLineData"):
        qty, restock = int(num(node.get("Quantity"), "Quantity")), node.get("Restock") == "Yes"
        if restock:
            wh = node.get("Warehouse") or DEFAULT_WAREHOUSE
            company.move(node.get("Product", ""), wh, on_hand=Decimal(qty), allocated=Decimal(0))
        lines.append((node.get("Product", ""), qty, restock))
    order.credits[data.get("CreditRef", "")] = number
    company.credits[number] = lines
    company.credit_values[number] = _credit_value(data)
    return number


def _credit_value(data: ET.Element) -> tuple[Decimal, Decimal]:
    lines = data.findall("CreditLineData")
    net = sum(
        (num(n.get("Price") or "0", "Price") for n in lines), num(data.get("Carriage") or "0", "Carriage")
    )
    return net, sum((num(n.get("ExtTaxVal") or "0", "ExtTaxVal") for n in lines), Decimal(0))


def journal(company: PrimaCompany, data: ET.Element) -> list[ET.Element]:
    ref = data.get("Reference", "")
    if ref in company.journals:
        raise PrimaError(JOURNAL_USED, f"Journal reference '{ref}' already used on {company.journals[ref]}")
    lines = data.findall("JournalLineData")
    debit = sum((num(n.get("Debit"), "Debit") for n in lines), Decimal(0))
    credit = sum((num(n.get("Credit"), "Credit") for n in lines), Decimal(0))
    if not lines or debit != credit:
        raise PrimaError(UNBALANCED, f"Journal does not balance: debits {debit}, credits {credit}")
    company.journals[ref] = company.next_number("JN")
    company.journal_lines[ref] = [
        (n.get("Nominal", ""), num(n.get("Debit"), "Debit") - num(n.get("Credit"), "Credit")) for n in lines
    ]
    return [data_node(JournalNumber=company.journals[ref], Reference=ref)]


def journal_enquiry(company: PrimaCompany, data: ET.Element) -> list[ET.Element]:
    ref, answer = data.get("Reference", ""), data_node()
    if ref in company.journals:
        ET.SubElement(answer, "Journal", JournalNumber=company.journals[ref], Reference=ref)
    return [answer]


def price_enquiry(company: PrimaCompany, data: ET.Element) -> list[ET.Element]:
    answer = data_node()
    for code, factor in (("RETAIL", Decimal(1)), ("TRADE", Decimal("0.9"))):
        node = ET.SubElement(answer, "PriceList", Code=code, Currency="GBP", Name=f"{code.title()} prices")
        for p in sorted(company.products.values(), key=lambda p: p.code):
            price = str((p.price * factor).quantize(Decimal("0.01")))
            ET.SubElement(node, "Price", Product=p.code, Price=price)
    return [answer]
