"""The ERP order is exact to the penny: its net, tax and gross equal Shopify's, split lines and all."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopbridge.domain.money import Money
from shopbridge.domain.order_money import Part, apportion_last, exact_parts
from shopbridge.domain.orders import MappedOrder, OrderRules, map_order
from shopbridge.domain.records import (
    BundleComponent,
    DiscountAllocation,
    Order,
    OrderLine,
    SalesOrderRequest,
    ShippingLine,
    TaxLine,
)

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)

# (sku, quantity, unit price, discount, ((rate, tax amount), ...))
LineSpec = tuple[str, int, str, str, tuple[tuple[str, str], ...]]
# (price, discount, ((rate, tax amount), ...))
ShipSpec = tuple[str, str, tuple[tuple[str, str], ...]]


def taxes(spec: tuple[tuple[str, str], ...], currency: str) -> tuple[TaxLine, ...]:
    return tuple(TaxLine("tax", Decimal(rate), Money.of(amount, currency)) for rate, amount in spec)


def discounts(amount: str, currency: str) -> tuple[DiscountAllocation, ...]:
    return (DiscountAllocation(Money.of(amount, currency), "SALE"),) if Decimal(amount) else ()


def an_order(
    currency: str, taxes_included: bool, lines: list[LineSpec], shipping: list[ShipSpec] | None = None
) -> Order:
    order_lines = tuple(
        OrderLine(
            str(n),
            sku,
            qty,
            Money.of(unit, currency),
            title=sku,
            tax_lines=taxes(tax, currency),
            discounts=discounts(disc, currency),
        )
        for n, (sku, qty, unit, disc, tax) in enumerate(lines, start=1)
    )
    ships = tuple(
        ShippingLine("Standard", Money.of(p, currency), "STD", taxes(t, currency), discounts(d, currency))
        for p, d, t in shipping or []
    )
    return Order(
        "gid://shopify/Order/1",
        "#1001",
        currency,
        NOW,
        order_lines,
        shipping_lines=ships,
        taxes_included=taxes_included,
    )


def erp_totals(request: SalesOrderRequest) -> tuple[Money, Money, Money]:
    currency = request.currency
    net = sum((ln.unit_price * ln.quantity for ln in request.lines), Money.zero(currency))
    tax = sum((ln.tax for ln in request.lines), Money.zero(currency))
    net += request.shipping or Money.zero(currency)
    tax += request.shipping_tax or Money.zero(currency)
    return net, tax, net + tax


def mapped(order: Order, rules: OrderRules | None = None, **kwargs: object) -> MappedOrder:
    return map_order(order, rules or OrderRules(), customer_account="WEB", **kwargs)  # type: ignore[arg-type]


VAT = (("0.2", "4.00"),)
EXACT_CASES = [
    pytest.param(
        "GBP",
        True,
        [("MUG", 2, "12.00", "0", VAT)],
        None,
        ("20.00", "4.00", "24.00"),
        id="a tax-inclusive UK line that divides evenly is carried net of VAT",
    ),
    pytest.param(
        "USD",
        False,
        [("MUG", 2, "10.00", "0", (("0.0825", "1.65"),))],
        None,
        ("20.00", "1.65", "21.65"),
        id="a tax-exclusive US line keeps its net and has Shopify's tax on top",
    ),
    pytest.param(
        "GBP",
        False,
        [("MUG", 3, "10.00", "1.00", (("0.2", "5.80"),))],
        None,
        ("29.00", "5.80", "34.80"),
        id="a net that does not divide by the quantity is still exact",
    ),
    pytest.param(
        "GBP",
        True,
        [("MUG", 3, "10.00", "1.00", (("0.2", "4.83"),))],
        None,
        ("24.17", "4.83", "29.00"),
        id="a tax-inclusive uneven line is exact in net and tax",
    ),
    pytest.param(
        "GBP",
        True,
        [("MUG", 1, "12.00", "0", (("0.2", "2.00"),)), ("SEAT", 1, "10.50", "0", (("0.05", "0.50"),))],
        None,
        ("20.00", "2.50", "22.50"),
        id="a multi-rate order carries each line's own tax",
    ),
    pytest.param(
        "GBP",
        True,
        [("MUG", 2, "15.00", "30.00", (("0.2", "0.00"),))],
        None,
        ("0.00", "0.00", "0.00"),
        id="a 100 percent discount nets zero with zero tax",
    ),
    pytest.param(
        "GBP",
        True,
        [
            ("A", 1, "10.00", "3.34", (("0.2", "1.11"),)),
            ("B", 1, "10.00", "3.33", (("0.2", "1.11"),)),
            ("C", 1, "10.00", "3.33", (("0.2", "1.11"),)),
        ],
        None,
        ("16.67", "3.33", "20.00"),
        id="an order discount that does not divide evenly across lines is carried as Shopify spread it",
    ),
    pytest.param(
        "GBP",
        True,
        [("KIDS-TEE", 2, "7.99", "0", (("0", "0.00"),))],
        None,
        ("15.98", "0.00", "15.98"),
        id="a zero-rated line carries no tax",
    ),
    pytest.param(
        "USD",
        False,
        [("DESK", 1, "100.00", "0", (("0.0625", "6.25"), ("0.01", "1.00")))],
        None,
        ("100.00", "7.25", "107.25"),
        id="a line with a state and a county tax carries both",
    ),
    pytest.param(
        "GBP",
        True,
        [("MUG", 1, "24.00", "0", VAT)],
        [("4.99", "0", (("0.2", "0.83"),))],
        ("24.16", "4.83", "28.99"),
        id="tax-inclusive shipping is carried ex tax beside Shopify's shipping tax",
    ),
    pytest.param(
        "USD",
        False,
        [("MUG", 1, "50.00", "0", (("0.0825", "4.13"),))],
        [("10.00", "10.00", ())],
        ("50.00", "4.13", "54.13"),
        id="a free-shipping discount takes the shipping to zero",
    ),
    pytest.param(
        "JPY",
        False,
        [("TEA", 3, "1000", "100", (("0.1", "290"),))],
        None,
        ("2900", "290", "3190"),
        id="a zero-decimal currency splits by whole yen",
    ),
]


@pytest.mark.parametrize(("currency", "included", "lines", "shipping", "shopify"), EXACT_CASES)
def test_erp_order_totals_equal_shopifys_to_the_penny(
    currency: str,
    included: bool,
    lines: list[LineSpec],
    shipping: list[ShipSpec] | None,
    shopify: tuple[str, str, str],
) -> None:
    request = mapped(an_order(currency, included, lines, shipping)).request
    assert erp_totals(request) == tuple(Money.of(a, currency) for a in shopify)
    for line in request.lines:
        assert line.unit_price == line.unit_price.rounded()


@pytest.mark.parametrize(
    ("net", "tax", "quantity", "parts"),
    [
        pytest.param("30.00", "6.00", 3, [(3, "10.00", "6.00")], id="an even net stays one line"),
        pytest.param(
            "29.00",
            "5.80",
            3,
            [(2, "9.67", "3.87"), (1, "9.66", "1.93")],
            id="3 units netting 29.00 become 2 at 9.67 and 1 at 9.66 with the tax apportioned",
        ),
        pytest.param(
            "0.01",
            "0.00",
            3,
            [(1, "0.01", "0.00"), (2, "0.00", "0.00")],
            id="a penny over three units goes on one unit",
        ),
        pytest.param("0.00", "0.00", 2, [(2, "0.00", "0.00")], id="a zero net stays one line at zero"),
        pytest.param(
            "-1.00",
            "0.00",
            3,
            [(2, "-0.33", "0.00"), (1, "-0.34", "0.00")],
            id="a negative net splits too and still adds up",
        ),
    ],
)
def test_a_line_splits_into_at_most_two_exact_parts(
    net: str, tax: str, quantity: int, parts: list[tuple[int, str, str]]
) -> None:
    result = exact_parts(Money.of(net, "GBP"), Money.of(tax, "GBP"), quantity)
    assert result == tuple(Part(q, Money.of(u, "GBP"), Money.of(t, "GBP")) for q, u, t in parts)
    assert sum((p.net for p in result), Money.zero("GBP")) == Money.of(net, "GBP")


def test_split_lines_keep_the_sku_and_unit_prices_one_penny_apart() -> None:
    order = an_order("GBP", False, [("MUG", 3, "10.00", "1.00", (("0.2", "5.80"),))])
    lines = mapped(order).request.lines
    assert [(ln.sku, ln.quantity, ln.unit_price, ln.tax) for ln in lines] == [
        ("MUG", 2, Money.of("9.67", "GBP"), Money.of("3.87", "GBP")),
        ("MUG", 1, Money.of("9.66", "GBP"), Money.of("1.93", "GBP")),
    ]


@pytest.mark.parametrize(
    ("amount", "weights", "shares"),
    [
        pytest.param("30.00", [2, 1], ["20.00", "10.00"], id="an even share needs no remainder"),
        pytest.param("10.00", [2, 1], ["6.66", "3.34"], id="the remainder penny goes on the last share"),
        pytest.param("0.05", [1, 1, 1], ["0.01", "0.01", "0.03"], id="several pennies all go on the last"),
        pytest.param("0.00", [3, 1], ["0.00", "0.00"], id="zero shares into zeros"),
    ],
)
def test_bundle_apportioning_puts_the_remainder_on_the_last_component(
    amount: str, weights: list[int], shares: list[str]
) -> None:
    assert apportion_last(Money.of(amount, "GBP"), weights) == [Money.of(s, "GBP") for s in shares]


GIFT_BOX = (BundleComponent("MUG", 2), BundleComponent("TEA", 1))


@pytest.mark.parametrize(
    ("quantity", "unit", "tax", "expected"),
    [
        pytest.param(
            1,
            "30.00",
            "6.00",
            [("MUG", 2, "10.00", "4.00"), ("TEA", 1, "10.00", "2.00")],
            id="a bundle's net and tax are shared by component quantity",
        ),
        pytest.param(
            1,
            "10.00",
            "2.00",
            [("MUG", 2, "3.33", "1.33"), ("TEA", 1, "3.34", "0.67")],
            id="an uneven bundle puts the remainder penny on the last component",
        ),
        pytest.param(
            2,
            "12.51",
            "5.00",
            [("MUG", 3, "4.17", "2.50"), ("MUG", 1, "4.16", "0.83"), ("TEA", 2, "4.17", "1.67")],
            id="two bundles multiply the component quantities and split uneven units",
        ),
    ],
)
def test_a_bundle_becomes_its_components_exactly(
    quantity: int, unit: str, tax: str, expected: list[tuple[str, int, str, str]]
) -> None:
    discount = "0.01" if quantity == 2 else "0"  # 2 x 12.51 - 0.01 = 25.01: odd over 6 units
    order = an_order("GBP", False, [("BOX", quantity, unit, discount, (("0.2", tax),))])
    request = mapped(order, OrderRules(bundles={"BOX": GIFT_BOX})).request
    lines = [(ln.sku, ln.quantity, ln.unit_price, ln.tax) for ln in request.lines]
    assert lines == [(s, q, Money.of(u, "GBP"), Money.of(t, "GBP")) for s, q, u, t in expected]
    assert erp_totals(request)[:2] == (order.lines[0].net, Money.of(tax, "GBP"))


def test_configured_bundles_win_over_the_erps_kits_for_the_same_sku() -> None:
    order = an_order("GBP", False, [("BOX", 1, "30.00", "0", (("0.2", "6.00"),))])
    kits = {"BOX": (BundleComponent("OTHER", 1),), "SET": (BundleComponent("X", 1),)}
    request = mapped(order, OrderRules(bundles={"BOX": GIFT_BOX}), kits=kits).request
    assert [ln.sku for ln in request.lines] == ["MUG", "TEA"]


def test_the_erps_kits_expand_a_bundle_when_configuration_has_none() -> None:
    order = an_order("GBP", False, [("SET", 2, "5.00", "0", ())])
    request = mapped(order, kits={"SET": (BundleComponent("X", 3),)}).request
    assert [(ln.sku, ln.quantity) for ln in request.lines] == [("X", 4), ("X", 2)]  # 10.00 over 6 units


pennies = st.integers(min_value=0, max_value=100_000)


@st.composite
def shopify_lines(draw: st.DrawFn) -> LineSpec:
    quantity = draw(st.integers(min_value=1, max_value=13))
    unit = draw(pennies)
    discount = draw(st.integers(min_value=0, max_value=unit * quantity))
    tax = draw(st.integers(min_value=0, max_value=unit * quantity - discount))
    bundle = draw(st.sampled_from(["MUG", "BOX"]))
    return (
        bundle,
        quantity,
        str(Decimal(unit) / 100),
        str(Decimal(discount) / 100),
        (("0.2", str(Decimal(tax) / 100)),),
    )


@settings(database=None, max_examples=200, deadline=None)
@given(lines=st.lists(shopify_lines(), min_size=1, max_size=5), included=st.booleans())
def test_any_order_maps_to_exactly_shopifys_totals(lines: list[LineSpec], included: bool) -> None:
    order = an_order("GBP", included, lines)
    rules = OrderRules(
        bundles={"BOX": (BundleComponent("A", 3), BundleComponent("B", 2), BundleComponent("C", 1))}
    )
    net, tax, _ = erp_totals(mapped(order, rules).request)
    assert tax == order.tax_total
    assert net + tax == sum((ln.net for ln in order.lines), Money.zero("GBP")) + (
        Money.zero("GBP") if included else tax
    )
