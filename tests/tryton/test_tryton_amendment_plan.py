"""The amendment plan (pure): how the order's lines are laid onto a processed Tryton sale's lines."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shopbridge.connectors.erp.tryton.amendment import Change, Current, Wanted, plan
from shopbridge.errors import NeedsPerson

VAT = (7,)
PRODUCTS = {"RED": 1, "BLUE": 2, "MUG": 3}


def want(sku: str, quantity: float, price: str = "10.00", taxes: tuple[int, ...] = VAT) -> Wanted:
    product = PRODUCTS.get(sku)
    return Wanted(sku, product, quantity, 1 if product else None, Decimal(price), sku, taxes)


def have(line: int, sku: str, quantity: float, *, shipped: float = 0.0, invoiced: float = 0.0) -> Current:
    product = PRODUCTS.get(sku)
    return Current(
        sku,
        product,
        quantity,
        1 if product else None,
        Decimal("10.0000"),
        sku,
        VAT,
        id=line,
        shipped=shipped,
        invoiced=invoiced,
    )


def test_the_same_content_plans_no_change() -> None:
    assert plan([have(1, "RED", 2), have(2, "MUG", 1)], [want("RED", 2), want("MUG", 1)], "#P1") == []


def test_a_new_quantity_changes_only_that_line() -> None:
    changes = plan([have(1, "RED", 2), have(2, "MUG", 1)], [want("RED", 5), want("MUG", 1)], "#P2")
    assert changes == [Change(1, want("RED", 5))]


def test_a_removed_line_goes_to_quantity_zero() -> None:
    changes = plan([have(1, "RED", 2), have(2, "MUG", 1)], [want("RED", 2)], "#P3")
    assert [(c.line, c.target.sku, c.target.quantity) for c in changes] == [(2, "MUG", 0.0)]


def test_a_new_sku_takes_over_a_line_that_is_going_or_gone() -> None:
    swapped = plan([have(1, "RED", 2), have(2, "MUG", 1)], [want("RED", 2), want("BLUE", 3)], "#P4")
    revived = plan([have(1, "RED", 2), have(2, "MUG", 0)], [want("RED", 2), want("BLUE", 3)], "#P5")
    assert swapped == revived == [Change(2, want("BLUE", 3))]


def test_a_new_sku_with_no_free_line_needs_a_person() -> None:
    with pytest.raises(NeedsPerson, match=r"#P6.*no line is free for BLUE"):
        plan([have(1, "RED", 2)], [want("RED", 2), want("BLUE", 1)], "#P6")


@pytest.mark.parametrize(
    ("current", "quantity"),
    [
        (have(1, "RED", 3, shipped=3), 2),
        (have(1, "RED", 3, invoiced=3), 1),
        (have(1, "RED", 3, shipped=1), 0),
    ],
)
def test_shrinking_below_what_has_left_needs_a_person(current: Current, quantity: int) -> None:
    with pytest.raises(NeedsPerson, match=r"#P7 below what has left.*refund the difference"):
        plan([current], [want("RED", quantity)], "#P7")


def test_growing_a_shipped_line_is_allowed() -> None:
    assert plan([have(1, "RED", 3, shipped=3)], [want("RED", 4)], "#P8") == [Change(1, want("RED", 4))]


def test_a_shipped_line_is_never_taken_over_by_another_sku() -> None:
    with pytest.raises(NeedsPerson, match="no line is free for BLUE"):
        plan([have(1, "RED", 3, shipped=3)], [want("BLUE", 3)], "#P9")


def test_a_changed_tax_on_a_kept_line_needs_a_person() -> None:
    with pytest.raises(NeedsPerson, match="tax of RED changed"):
        plan([have(1, "RED", 2)], [want("RED", 2, taxes=())], "#P10")


def test_shipping_is_matched_to_the_line_without_product() -> None:
    changes = plan([have(1, "RED", 1), have(2, "", 1)], [want("RED", 1), want("", 1, price="5.95")], "#P11")
    assert changes == [Change(2, want("", 1, price="5.95"))]
