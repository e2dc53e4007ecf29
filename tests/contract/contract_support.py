"""Builders and readers shared by the contract tests (not a harness: no ``harness_`` prefix)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import TypeVar

from harness import STANDARD_ITEMS, STANDARD_NOMINALS

from shopbridge.domain.money import Money
from shopbridge.domain.records import (
    CreditNote,
    CreditNoteLine,
    JournalEntry,
    JournalLine,
    SalesOrderLine,
    SalesOrderRequest,
)
from shopbridge.ports.erp import Page

T = TypeVar("T")
MAX_PAGES = 200  # a feed that has not ended after this many pages never will

STANDARD_PRICES = {sku: price for sku, _desc, price, _stock in STANDARD_ITEMS}


def order_request(reference: str, account: str, *lines: tuple[str, int]) -> SalesOrderRequest:
    """A GBP order for ``account`` with ``(sku, quantity)`` lines at the standard prices, 20% VAT."""
    wanted = lines or (("TSHIRT-RED-M", 2), ("MUG-WHITE", 1))
    return SalesOrderRequest(
        reference=reference,
        customer_account=account,
        currency="GBP",
        order_date=date(2026, 11, 22),
        lines=tuple(_line(sku, qty) for sku, qty in wanted),
    )


def _line(sku: str, quantity: int) -> SalesOrderLine:
    price = STANDARD_PRICES.get(sku, Decimal("10.00"))
    return SalesOrderLine(
        sku=sku,
        quantity=quantity,
        unit_price=Money(price, "GBP"),
        tax=Money(price * quantity * Decimal("0.2"), "GBP"),
    )


def read_to_end(
    read: Callable[[str | None, int], Page[T]], cursor: str | None, limit: int = 100
) -> tuple[list[T], str | None, int]:
    """Follow a feed until ``has_more`` is false: (everything read, the final cursor, pages read)."""
    seen: list[T] = []
    for pages in range(1, MAX_PAGES + 1):
        page = read(cursor, limit)
        seen.extend(page.items)
        cursor = page.next_cursor
        if not page.has_more:
            return seen, cursor, pages
    raise AssertionError(f"the feed did not end after {MAX_PAGES} pages of {limit}")


def credit_note(refund: str, order: str) -> CreditNote:
    line = CreditNoteLine(
        sku="MUG-WHITE", quantity=1, net=Money(Decimal("8.00"), "GBP"), tax=Money(Decimal("1.60"), "GBP")
    )
    return CreditNote(refund_reference=refund, order_reference=order, currency="GBP", lines=(line,))


def payout(reference: str) -> JournalEntry:
    def money(text: str) -> Money:
        return Money(Decimal(text), "GBP")

    lines = (
        JournalLine(STANDARD_NOMINALS["bank"], "payout to bank", debit=money("95.00")),
        JournalLine(STANDARD_NOMINALS["fees"], "Shopify Payments fees", debit=money("5.00")),
        JournalLine(STANDARD_NOMINALS["clearing"], "sales settled", credit=money("100.00")),
    )
    return JournalEntry(reference=reference, posted_on=date(2026, 11, 20), currency="GBP", lines=lines)
