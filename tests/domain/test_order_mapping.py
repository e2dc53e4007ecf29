"""Mapping an order to the ERP request: lookups, warehouses, gift cards, bad input, cuts, fingerprint."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from shopbridge.domain.money import Money
from shopbridge.domain.orders import (
    Cut,
    FieldLimits,
    MappedOrder,
    OrderRules,
    OrderUnmappable,
    erp_skus,
    map_order,
    order_fingerprint,
)
from shopbridge.domain.records import (
    Address,
    BundleComponent,
    Order,
    OrderLine,
    SalesOrderRequest,
    ShippingLine,
    TaxLine,
    Transaction,
)

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
LOCATION = "gid://shopify/Location/42"
HOME = Address("1 High Street", city="Leeds", postcode="LS1 1AA", country_code="GB", name="Ann Lee")


def gbp(amount: str) -> Money:
    return Money.of(amount, "GBP")


def vat(rate: str, amount: str) -> TaxLine:
    return TaxLine("VAT", Decimal(rate), gbp(amount))


def a_line(sku: str = "MUG", quantity: int = 1, **overrides: object) -> OrderLine:
    fields: dict[str, object] = {"title": "White mug", "tax_lines": (vat("0.2", "1.60"),)}
    fields.update(overrides)
    return OrderLine(sku, sku, quantity, gbp("9.60"), **fields)  # type: ignore[arg-type]


def an_order(*lines: OrderLine, **overrides: object) -> Order:
    fields: dict[str, object] = {"shipping_address": HOME, "taxes_included": True}
    fields.update(overrides)
    return Order(
        "gid://shopify/Order/1",
        "#1001",
        "GBP",
        NOW,
        lines or (a_line(),),
        **fields,  # type: ignore[arg-type]
    )


def mapped(order: Order, rules: OrderRules | None = None) -> MappedOrder:
    return map_order(order, rules or OrderRules(), customer_account="WEB")


def paid(gateway: str, kind: str = "sale", status: str = "success") -> Transaction:
    return Transaction(kind, status, gateway, gbp("9.60"))


TAX_CODES = {"GB:0.2": "T1", "0.2": "S20", "0.05": "T5", "0": "T0", "IE:0.23": "IE23"}


@pytest.mark.parametrize(
    ("tax_lines", "country", "code"),
    [
        pytest.param((vat("0.2", "1.60"),), "GB", "T1", id="the country-specific rate wins"),
        pytest.param((vat("0.2", "1.60"),), "FR", "S20", id="another country falls back to the bare rate"),
        pytest.param((vat("0.200", "1.60"),), "", "S20", id="no country and a rate with trailing zeros"),
        pytest.param((vat("0.05", "0.46"),), "GB", "T5", id="the reduced rate has its own code"),
        pytest.param((vat("0", "0.00"),), "GB", "T0", id="a zero-rated line finds the zero code"),
        pytest.param((), "GB", "T0", id="a line with no tax lines is looked up as rate zero"),
        pytest.param(
            (vat("0.15", "1.00"), vat("0.05", "0.33")),
            "GB",
            "T1",
            id="several tax lines use the combined rate",
        ),
        pytest.param((vat("0.13", "1.10"),), "GB", "", id="an unmapped rate leaves the ERP's default"),
    ],
)
def test_a_lines_tax_code_is_looked_up_by_country_and_rate(
    tax_lines: tuple[TaxLine, ...], country: str, code: str
) -> None:
    order = an_order(a_line(tax_lines=tax_lines), shipping_address=replace(HOME, country_code=country))
    result = mapped(order, OrderRules(tax_codes=TAX_CODES))
    assert result.request.lines[0].tax_code == code
    assert any("no tax code" in n for n in result.notes) == (code == "")


@pytest.mark.parametrize(
    ("location", "warehouses", "default", "warehouse"),
    [
        pytest.param(
            LOCATION, {LOCATION: "MAIN"}, "", "MAIN", id="a mapped location GID finds its warehouse"
        ),
        pytest.param(LOCATION, {"42": "MAIN"}, "", "MAIN", id="a numeric key matches the GID location"),
        pytest.param("42", {LOCATION: "MAIN"}, "", "MAIN", id="a numeric location matches a GID key"),
        pytest.param("", {LOCATION: "MAIN"}, "WEB", "WEB", id="no location uses the default warehouse"),
        pytest.param("", {}, "", "", id="no location and no default leaves the ERP's default"),
        pytest.param(LOCATION, {}, "WEB", "WEB", id="without a warehouse map every order uses the default"),
    ],
)
def test_the_orders_location_picks_the_warehouse_of_every_line(
    location: str, warehouses: dict[str, str], default: str, warehouse: str
) -> None:
    order = an_order(a_line("MUG"), a_line("TEA"), location_id=location)
    request = mapped(order, OrderRules(warehouses=warehouses, default_warehouse=default)).request
    assert request.warehouse == warehouse
    assert [ln.warehouse for ln in request.lines] == [warehouse, warehouse]


@pytest.mark.parametrize(
    ("transactions", "method", "fell_back"),
    [
        pytest.param((paid("shopify_payments"),), "CARD", False, id="the gateway of the sale is looked up"),
        pytest.param(
            (paid("paypal", status="failure"), paid("shopify_payments", "capture")),
            "CARD",
            False,
            id="a failed attempt is passed over for the successful capture",
        ),
        pytest.param(
            (paid("paypal", "authorization"),), "PAYPAL", False, id="an authorization names the gateway"
        ),
        pytest.param((paid("paypal", "refund"),), "OTHER", True, id="a refund is not a payment"),
        pytest.param(
            (paid("gift_card"), paid("shopify_payments")),
            "CARD",
            False,
            id="a gift card tender is passed over for the other tender",
        ),
        pytest.param((paid("gift_card"),), "GIFT", False, id="an order paid only by gift card says so"),
        pytest.param((paid("klarna"),), "OTHER", True, id="an unmapped gateway falls back to default"),
        pytest.param((), "OTHER", True, id="no payment at all falls back to default"),
    ],
)
def test_the_payment_method_comes_from_the_first_successful_payment(
    transactions: tuple[Transaction, ...], method: str, fell_back: bool
) -> None:
    table = {"shopify_payments": "CARD", "paypal": "PAYPAL", "gift_card": "GIFT", "default": "OTHER"}
    result = mapped(an_order(transactions=transactions), OrderRules(payment_methods=table))
    assert result.request.payment_method == method
    assert any("payment gateway" in n for n in result.notes) == fell_back


@pytest.mark.parametrize(
    ("code", "title", "table", "method"),
    [
        pytest.param("NEXT", "Next day", {"NEXT": "DPD", "Next day": "RM"}, "DPD", id="the code wins"),
        pytest.param("X", "Next day", {"Next day": "RM", "default": "POST"}, "RM", id="then the title"),
        pytest.param("X", "Y", {"default": "POST"}, "POST", id="then the default"),
        pytest.param("X", "Y", {}, "", id="then the ERP's default"),
    ],
)
def test_the_shipping_method_is_looked_up_by_code_then_title_then_default(
    code: str, title: str, table: dict[str, str], method: str
) -> None:
    ship = ShippingLine(title, gbp("4.80"), code, (vat("0.2", "0.80"),))
    request = mapped(an_order(shipping_lines=(ship,)), OrderRules(shipping_methods=table)).request
    assert (request.shipping_method, request.shipping, request.shipping_tax) == (
        method,
        gbp("4.00"),
        gbp("0.80"),
    )


def test_shipping_gets_the_tax_code_of_its_rate_like_any_line() -> None:
    ship = ShippingLine("Standard", gbp("3.95"), "STD", (vat("0.2", "0.66"),))
    rules = OrderRules(tax_codes={"0.2": "T1", "0": "T0"})
    assert mapped(an_order(shipping_lines=(ship,)), rules).request.shipping_tax_code == "T1"
    untaxed = ShippingLine("Free", gbp("0.00"), "FREE")
    assert mapped(an_order(shipping_lines=(untaxed,)), rules).request.shipping_tax_code == "T0"


def test_an_order_without_shipping_lines_has_no_shipping() -> None:
    request = mapped(an_order()).request
    assert (request.shipping, request.shipping_tax, request.shipping_method) == (None, None, "")


@pytest.mark.parametrize(
    ("order", "rules", "code", "words"),
    [
        pytest.param(
            an_order(a_line(""), a_line("TEA")),
            OrderRules(),
            "empty_sku",
            "a SKU",
            id="an empty SKU is bad input",
        ),
        pytest.param(
            an_order(a_line("MUG", 0)),
            OrderRules(),
            "zero_quantity",
            "quantity",
            id="an order whose only line has a quantity of 0 is bad input",
        ),
        pytest.param(
            an_order(a_line("MUG", 0), a_line("TEA", 0)),
            OrderRules(),
            "zero_quantity",
            "quantity",
            id="an order whose every line has a quantity of 0 is bad input",
        ),
        pytest.param(
            an_order(),
            OrderRules(ledger_currencies=frozenset({"EUR"})),
            "no_ledger_accounts",
            "GBP ledger accounts",
            id="a currency with no ledger accounts is bad input",
        ),
        pytest.param(
            an_order(location_id=LOCATION),
            OrderRules(warehouses={"gid://shopify/Location/7": "MAIN"}),
            "no_warehouse",
            f"add location {LOCATION} with its warehouse to shops.locations",
            id="a location with no warehouse is bad input naming shops.locations",
        ),
        pytest.param(
            an_order(a_line("", is_gift_card=True)),
            OrderRules(),
            "gift_card_not_configured",
            "gift_card_sku",
            id="a gift card sold with no gift card item configured is bad input",
        ),
        pytest.param(
            an_order(),
            OrderRules(limits=FieldLimits(reference=4)),
            "reference_too_long",
            "order name",
            id="an order name longer than the ERP's reference is bad input",
        ),
    ],
)
def test_bad_input_is_unmappable_with_plain_words(
    order: Order, rules: OrderRules, code: str, words: str
) -> None:
    with pytest.raises(OrderUnmappable) as caught:
        mapped(order, rules)
    assert (caught.value.code, caught.value.order_name) == (code, "#1001")
    assert words in f"{caught.value.reason} {caught.value.fix}"
    assert caught.value.fix in str(caught.value)


def test_a_line_removed_by_an_edit_is_dropped_when_others_remain() -> None:
    request = mapped(an_order(a_line("MUG", 0), a_line("TEA", 2, tax_lines=(vat("0.2", "3.20"),)))).request
    assert [(ln.sku, ln.quantity) for ln in request.lines] == [("TEA", 2)]


def test_a_gift_card_sold_becomes_a_line_on_the_gift_card_item_with_no_warehouse() -> None:
    card = a_line("", 1, is_gift_card=True, tax_lines=())
    order = an_order(card, a_line("MUG"), location_id=LOCATION)
    rules = OrderRules(gift_card_sku="GIFTCARD", warehouses={LOCATION: "MAIN"})
    request = mapped(order, rules).request
    assert [(ln.sku, ln.warehouse, ln.unit_price) for ln in request.lines] == [
        ("GIFTCARD", "", gbp("9.60")),
        ("MUG", "MAIN", gbp("8.00")),
    ]


def test_the_presentment_currency_is_recorded_in_the_note_when_it_differs() -> None:
    assert "EUR" in mapped(an_order(presentment_currency="EUR")).request.note
    assert mapped(an_order(presentment_currency="GBP")).request.note == ""


def test_texts_longer_than_the_erps_fields_are_cut_and_each_cut_is_reported() -> None:
    address = Address(
        "12 Very Long Street Name", "Flat 3", "Middlesbrough", "", "TS1 1AA", "GB", name="Ann Lee"
    )
    order = an_order(a_line(title="Large white porcelain mug"), shipping_address=address)
    limits = FieldLimits(name=20, address_line=10, city=8, postcode=8, description=12)
    result = mapped(order, OrderRules(limits=limits))
    assert result.request.delivery_address == replace(address, line1="12 Very Lo", city="Middlesb")
    assert result.request.lines[0].description == "Large white"
    assert result.cuts == (
        Cut("line MUG description", "Large white porcelain mug", "Large white"),
        Cut("delivery address line 1", "12 Very Long Street Name", "12 Very Lo"),
        Cut("delivery city", "Middlesbrough", "Middlesb"),
    )


def test_nothing_is_cut_without_limits() -> None:
    long = Address("x" * 200, city="y" * 100, name="z" * 100)
    result = mapped(an_order(a_line(title="t" * 500), shipping_address=long))
    assert result.cuts == ()
    assert result.request.delivery_address == long


@pytest.mark.parametrize(
    ("lines", "rules", "skus"),
    [
        pytest.param(
            (a_line("TEA"), a_line("MUG"), a_line("TEA")), OrderRules(), ("MUG", "TEA"), id="sorted unique"
        ),
        pytest.param(
            (a_line("BOX"), a_line("MUG")),
            OrderRules(bundles={"BOX": (BundleComponent("MUG", 2), BundleComponent("LID", 1))}),
            ("LID", "MUG"),
            id="a bundle is replaced by its components",
        ),
        pytest.param(
            (a_line("", is_gift_card=True), a_line("MUG")),
            OrderRules(gift_card_sku="GIFTCARD"),
            ("GIFTCARD", "MUG"),
            id="a gift card sold needs the gift card item",
        ),
        pytest.param(
            (a_line("MUG", 0), a_line("TEA")), OrderRules(), ("TEA",), id="a removed line needs nothing"
        ),
    ],
)
def test_erp_skus_are_what_the_erp_must_know_after_bundle_expansion(
    lines: tuple[OrderLine, ...], rules: OrderRules, skus: tuple[str, ...]
) -> None:
    assert erp_skus(an_order(*lines), rules) == skus


def test_erp_skus_expand_the_erps_kits_too() -> None:
    kits = {"SET": (BundleComponent("A", 1), BundleComponent("B", 1))}
    assert erp_skus(an_order(a_line("SET")), OrderRules(), kits=kits) == ("A", "B")


BASE = mapped(
    an_order(a_line("MUG"), a_line("TEA"), shipping_lines=(ShippingLine("Std", gbp("4.80")),))
).request


def with_line(index: int, **changes: object) -> SalesOrderRequest:
    lines = list(BASE.lines)
    lines[index] = replace(lines[index], **changes)  # type: ignore[arg-type]
    return replace(BASE, lines=tuple(lines))


@pytest.mark.parametrize(
    ("changed", "same"),
    [
        pytest.param(replace(BASE), True, id="equal content gives an equal fingerprint"),
        pytest.param(replace(BASE, lines=BASE.lines[::-1]), True, id="the order of lines does not matter"),
        pytest.param(
            replace(BASE, note="hello", payment_method="X"), True, id="notes and methods do not count"
        ),
        pytest.param(with_line(0, tax_code="T9"), True, id="a tax code from configuration does not count"),
        pytest.param(with_line(0, quantity=2), False, id="a quantity change differs"),
        pytest.param(with_line(0, unit_price=gbp("7.99")), False, id="a price change differs"),
        pytest.param(with_line(0, sku="JUG"), False, id="a SKU change differs"),
        pytest.param(with_line(0, tax=gbp("1.59")), False, id="a tax change differs"),
        pytest.param(replace(BASE, shipping=gbp("5.00")), False, id="a shipping amount change differs"),
        pytest.param(
            replace(BASE, delivery_address=replace(HOME, postcode="LS2 2BB")),
            False,
            id="a delivery address change differs",
        ),
        pytest.param(replace(BASE, delivery_address=None), False, id="losing the delivery address differs"),
    ],
)
def test_the_fingerprint_changes_exactly_when_the_erp_order_must(
    changed: SalesOrderRequest, same: bool
) -> None:
    assert (order_fingerprint(changed) == order_fingerprint(BASE)) == same
    assert len(order_fingerprint(BASE)) == 16
