"""A refund as a credit note: lines, shipping, adjustments, bundles, restock, refusals, exact totals."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopbridge.domain.credit_notes import RefundRules, RefundUnmappable, Restock, map_refund, restock_rows
from shopbridge.domain.money import Money
from shopbridge.domain.order_mapping import bundle_shares
from shopbridge.domain.records import BundleComponent, Refund, RefundLine, RestockType, SalesOrderLine

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
SHOP_LOC = "gid://shopify/Location/1"
OUTLET_LOC = "gid://shopify/Location/2"


def gbp(amount: str) -> Money:
    return Money.of(amount, "GBP")


def erp_line(sku: str, quantity: int, unit: str = "10.00", tax: str = "2.00") -> SalesOrderLine:
    return SalesOrderLine(sku=sku, quantity=quantity, unit_price=gbp(unit), tax=gbp(tax))


ORDER = (erp_line("MUG", 3), erp_line("TEE", 2), erp_line("CUP", 2), erp_line("SAUCER", 2))
KIT = (BundleComponent("CUP", 1), BundleComponent("SAUCER", 1))
RULES = RefundRules(
    bundles={"TEASET": KIT},
    saleable_return_locations=frozenset({"1"}),
    warehouses={SHOP_LOC: "MAIN", "2": "OUTLET"},
    default_warehouse="MAIN",
)


def line(
    sku: str,
    quantity: int,
    subtotal: str,
    tax: str,
    restock: RestockType = RestockType.NO_RESTOCK,
    location: str = "",
) -> RefundLine:
    return RefundLine(
        f"gid://shopify/LineItem/{sku}", sku, quantity, gbp(subtotal), gbp(tax), restock, location
    )


def refund(*lines: RefundLine, total: str | None = None, **extra: object) -> Refund:
    base = Refund(
        shopify_id="gid://shopify/Refund/9",
        order_id="gid://shopify/Order/1",
        order_name="#1001",
        created_at=NOW,
        currency="GBP",
        lines=lines,
        total=gbp(total) if total is not None else None,
    )
    return replace(base, **extra)  # type: ignore[arg-type]


def test_partial_refund_credits_the_refunded_units_with_shopifys_tax() -> None:
    mapped = map_refund(refund(line("MUG", 1, "10.00", "2.00"), total="12.00"), ORDER, RULES)
    note = mapped.note
    assert [(ln.sku, ln.quantity, ln.net, ln.tax) for ln in note.lines] == [
        ("MUG", 1, gbp("10.00"), gbp("2.00"))
    ]
    assert note.refund_reference == "gid://shopify/Refund/9"
    assert note.order_reference == "#1001"
    assert note.adjustment is None and note.shipping is None
    assert note.total == gbp("12.00")
    assert note.issued_on == NOW.date()
    assert mapped.restocks == ()


def test_tax_is_carried_even_when_it_is_not_the_rate_times_the_net() -> None:
    note = map_refund(refund(line("MUG", 1, "10.00", "1.99"), total="11.99"), ORDER, RULES).note
    assert note.lines[0].tax == gbp("1.99")
    assert note.tax_total == gbp("1.99")


def test_shipping_only_refund_carries_shipping_and_its_tax() -> None:
    r = refund(shipping=gbp("4.00"), shipping_tax=gbp("0.80"), total="4.80")
    note = map_refund(r, ORDER, RULES).note
    assert note.lines == ()
    assert (note.shipping, note.shipping_tax, note.adjustment) == (gbp("4.00"), gbp("0.80"), None)
    assert note.total == gbp("4.80")


def test_taxes_included_subtotals_are_netted_of_their_tax() -> None:
    r = refund(
        line("MUG", 1, "12.00", "2.00"),
        shipping=gbp("4.80"),
        shipping_tax=gbp("0.80"),
        total="16.80",
        taxes_included=True,
    )
    note = map_refund(r, ORDER, RULES).note
    assert note.lines[0].net == gbp("10.00")
    assert note.shipping == gbp("4.00")
    assert note.total == gbp("16.80")
    assert note.adjustment is None


def test_appeasement_with_no_lines_is_an_adjustment_of_the_whole_amount() -> None:
    note = map_refund(refund(total="5.00", note="sorry for the wait"), ORDER, RULES).note
    assert note.lines == ()
    assert note.adjustment == gbp("5.00")
    assert note.total == gbp("5.00")
    assert note.reason == "sorry for the wait"


def test_refund_discrepancy_becomes_the_adjustment() -> None:
    # Shopify refunded 11.00 for a line it values at 12.00: a refund discrepancy of -1.00
    note = map_refund(refund(line("MUG", 1, "10.00", "2.00"), total="11.00"), ORDER, RULES).note
    assert note.adjustment == gbp("-1.00")
    assert note.total == gbp("11.00")


def test_order_adjustment_tax_is_shopifys() -> None:
    r = refund(total="6.00", adjustments=(gbp("5.00"),), adjustments_tax=gbp("1.00"))
    note = map_refund(r, ORDER, RULES).note
    assert (note.adjustment, note.adjustment_tax) == (gbp("5.00"), gbp("1.00"))
    assert note.total == gbp("6.00")


def test_no_total_given_means_the_sum_of_the_parts() -> None:
    r = refund(line("MUG", 2, "20.00", "4.00"), shipping=gbp("1.00"), adjustments=(gbp("0.50"),))
    assert map_refund(r, ORDER, RULES).note.total == gbp("25.50")


def test_bundle_line_credits_its_components_like_the_order_mapping() -> None:
    r = refund(line("TEASET", 1, "15.01", "3.01"), total="18.02")
    note = map_refund(r, ORDER, RULES).note
    shares = bundle_shares(KIT, gbp("15.01"), gbp("3.01"))
    assert [(ln.sku, ln.quantity, ln.net, ln.tax) for ln in note.lines] == [
        (c.sku, c.quantity, net, tax) for c, net, tax in shares
    ]
    assert [ln.net for ln in note.lines] == [gbp("7.50"), gbp("7.51")]
    assert note.total == gbp("18.02")


def test_line_the_erp_order_lacks_is_refused() -> None:
    with pytest.raises(RefundUnmappable) as caught:
        map_refund(refund(line("HAT", 1, "5.00", "1.00"), total="6.00"), ORDER, RULES)
    assert caught.value.code == "line_not_on_order"
    assert "HAT" in caught.value.reason


def test_more_units_than_the_erp_order_holds_is_refused() -> None:
    with pytest.raises(RefundUnmappable) as caught:
        map_refund(refund(line("TEE", 3, "30.00", "6.00"), total="36.00"), ORDER, RULES)
    assert caught.value.code == "more_than_ordered"


def test_split_erp_lines_of_one_sku_count_together() -> None:
    split = (erp_line("MUG", 1, "3.34"), erp_line("MUG", 2, "3.33"))
    note = map_refund(refund(line("MUG", 3, "10.00", "2.00"), total="12.00"), split, RULES).note
    assert note.lines[0].quantity == 3


@pytest.mark.parametrize(
    ("restock", "location", "comes_back", "warehouse"),
    [
        (RestockType.RETURN, SHOP_LOC, True, "MAIN"),  # returned to a saleable location
        (RestockType.RETURN, OUTLET_LOC, False, "OUTLET"),  # the outlet's returns are not saleable
        (RestockType.CANCEL, SHOP_LOC, False, "MAIN"),  # cancelled units never left the shelf
        (RestockType.NO_RESTOCK, SHOP_LOC, False, "MAIN"),
        (RestockType.RETURN, "", False, "MAIN"),  # no location: nowhere to restock
    ],
)
def test_restock_needs_a_return_to_a_saleable_location(
    restock: RestockType, location: str, comes_back: bool, warehouse: str
) -> None:
    mapped = map_refund(
        refund(line("MUG", 2, "20.00", "4.00", restock, location), total="24.00"), ORDER, RULES
    )
    assert mapped.note.lines[0].restock is comes_back
    assert mapped.note.lines[0].warehouse == warehouse
    assert mapped.restocks == ((Restock("MUG", 2, warehouse),) if comes_back else ())


def test_restocked_bundle_returns_its_components() -> None:
    r = refund(line("TEASET", 2, "30.00", "6.00", RestockType.RETURN, SHOP_LOC), total="36.00")
    mapped = map_refund(r, ORDER, RULES)
    assert restock_rows(mapped.restocks) == [
        {"sku": "CUP", "quantity": 2, "warehouse": "MAIN"},
        {"sku": "SAUCER", "quantity": 2, "warehouse": "MAIN"},
    ]


def test_numeric_saleable_location_matches_a_gid() -> None:
    rules = replace(RULES, saleable_return_locations=frozenset({"gid://shopify/Location/2"}))
    r = refund(line("MUG", 1, "10.00", "2.00", RestockType.RETURN, "gid://shopify/Location/2"), total="12.00")
    assert map_refund(r, ORDER, rules).note.lines[0].restock is True


# -- the total equals the refund's, to the penny ------------------------------------------------

pennies = st.integers(min_value=0, max_value=100_000)
signed_pennies = st.integers(min_value=-5_000, max_value=5_000)


def _money(units: int) -> Money:
    return Money(Decimal(units) / 100, "GBP")


@st.composite
def refunds(draw: st.DrawFn) -> Refund:
    skus = draw(st.lists(st.sampled_from(["MUG", "TEE", "TEASET"]), max_size=3))
    lines = tuple(
        RefundLine(
            f"gid://shopify/LineItem/{i}",
            sku,
            draw(st.integers(min_value=1, max_value=2 if sku != "MUG" else 3)),
            _money(draw(pennies)),
            _money(draw(pennies)),
        )
        for i, sku in enumerate(dict.fromkeys(skus))
    )
    shipping = draw(st.none() | pennies.map(_money))
    shipping_tax = draw(st.none() | pennies.map(_money))
    adjustments = tuple(_money(u) for u in draw(st.lists(signed_pennies, max_size=2)))
    adjustments_tax = draw(st.none() | signed_pennies.map(_money))
    total = draw(st.none() | pennies.map(_money))
    return refund(
        *lines,
        shipping=shipping,
        shipping_tax=shipping_tax,
        adjustments=adjustments,
        adjustments_tax=adjustments_tax,
        total=None if total is None else str(total.amount),
        taxes_included=draw(st.booleans()),
    )


@settings(max_examples=300, deadline=None)
@given(refunds())
def test_credit_note_total_equals_the_refund_total_to_the_penny(r: Refund) -> None:
    note = map_refund(r, ORDER, RULES).note
    expected = r.total if r.total is not None else _parts(r)
    assert note.total == expected
    assert note.total.rounded() == note.total  # whole pennies, nothing below
    assert all(ln.tax == rl_tax for ln, rl_tax in _line_taxes(r, note.lines))


def _parts(r: Refund) -> Money:
    zero = Money.zero("GBP")
    goods = sum((ln.subtotal + ln.tax for ln in r.lines), zero)
    extras = [r.shipping or zero, r.shipping_tax or zero, r.adjustments_tax or zero, *r.adjustments]
    return goods + sum(extras, zero)


def _line_taxes(r: Refund, lines: tuple[object, ...]) -> list[tuple[object, Money]]:
    """Plain lines carry Shopify's tax unchanged (bundles share it; their sum is checked by the total)."""
    plain = [rl for rl in r.lines if rl.sku != "TEASET"]
    notes = [ln for ln in lines if getattr(ln, "sku", "") in {rl.sku for rl in plain}]
    return [(ln, rl.tax) for ln, rl in zip(notes, plain, strict=True)]


def test_an_unmapped_location_restocks_where_the_erp_order_sold_the_sku() -> None:
    rules = replace(RULES, saleable_return_locations=frozenset({"9"}), default_warehouse="SPARE")
    sold = (replace(erp_line("MUG", 3), warehouse="LEEDS"),)
    r = refund(line("MUG", 1, "10.00", "2.00", RestockType.RETURN, "gid://shopify/Location/9"), total="12.00")
    assert map_refund(r, sold, rules).restocks == (Restock("MUG", 1, "LEEDS"),)
    assert map_refund(r, (erp_line("MUG", 3),), rules).restocks == (Restock("MUG", 1, "SPARE"),)
