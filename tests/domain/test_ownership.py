"""The field ownership matrix: the ERP's value reaches Shopify only where the ERP owns the field."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shopbridge.domain.catalogue import CatalogueProduct, CatalogueVariant
from shopbridge.domain.money import Money
from shopbridge.domain.ownership import Owner, Ownership, field_changes
from shopbridge.domain.records import Item

VARIANT = CatalogueVariant("V1", "TEE-M", Decimal("15.00"), "111", Decimal("0.2"), "I1")
PRODUCT = CatalogueProduct("P1", "Classic Tee", "ACTIVE", (VARIANT,))
ERP_ITEM = Item(
    "TEE-M",
    description="TEE MEDIUM",
    unit_price=Money.of("12.50", "GBP"),
    barcode="5012345678900",
    weight_kg=Decimal("0.25"),
)
EVERYTHING_ERP = Ownership(Owner.ERP, Owner.ERP, Owner.ERP, Owner.ERP)


def test_the_default_matrix() -> None:
    assert Ownership().rows() == [
        ("title", "shopify", "product title, from the ERP item's description"),
        ("barcode", "erp", "variant barcode (EAN/UPC)"),
        ("weight", "erp", "inventory item weight, in kilograms"),
        ("price", "shopify", "variant price, from the ERP item's unit price"),
        ("status", "shopbridge", "on sale or not: shopbridge gates products the ERP cannot sell"),
    ]
    assert Ownership().gating and not Ownership(status=Owner.SHOPIFY).gating


@pytest.mark.parametrize(
    ("case", "ownership", "item", "expected"),
    [
        (
            "default: barcode and weight",
            Ownership(),
            ERP_ITEM,
            [("barcode", "5012345678900", "111"), ("weight", Decimal("0.25"), Decimal("0.2"))],
        ),
        (
            "everything the ERP's",
            EVERYTHING_ERP,
            ERP_ITEM,
            [
                ("title", "TEE MEDIUM", "Classic Tee"),
                ("barcode", "5012345678900", "111"),
                ("weight", Decimal("0.25"), Decimal("0.2")),
                ("price", Decimal("12.50"), Decimal("15.00")),
            ],
        ),
        (
            "nothing the ERP's",
            Ownership(Owner.SHOPIFY, Owner.SHOPIFY, Owner.SHOPIFY, Owner.SHOPIFY),
            ERP_ITEM,
            [],
        ),
        (
            "already equal: nothing",
            EVERYTHING_ERP,
            Item(
                "TEE-M",
                "Classic Tee",
                unit_price=Money.of("15", "GBP"),
                barcode="111",
                weight_kg=Decimal("0.200"),
            ),
            [],
        ),
        ("the ERP has no barcode or weight: Shopify's stay", Ownership(), Item("TEE-M", "x"), []),
        (
            "a price in another currency is not pushed",
            Ownership(price=Owner.ERP),
            Item("TEE-M", unit_price=Money.of("9.00", "EUR")),
            [],
        ),
        ("an empty description is not pushed", Ownership(title=Owner.ERP), Item("TEE-M", "  "), []),
    ],
)
def test_only_erp_owned_fields_that_differ_are_pushed(
    case: str, ownership: Ownership, item: Item, expected: list[tuple[str, object, object]]
) -> None:
    changes = field_changes(PRODUCT, {"TEE-M": item}, ownership, currency="GBP")
    assert [(c.field, c.value, c.was) for c in changes] == expected, case


def test_a_variant_change_names_its_variant_and_inventory_item() -> None:
    (change,) = field_changes(PRODUCT, {"TEE-M": ERP_ITEM}, Ownership(barcode=Owner.SHOPIFY), currency="GBP")
    assert (change.product_id, change.variant_id, change.inventory_item_id) == ("P1", "V1", "I1")


def test_a_variant_whose_sku_the_erp_lacks_gets_nothing() -> None:
    assert field_changes(PRODUCT, {}, EVERYTHING_ERP, currency="GBP") == []


@pytest.mark.parametrize(
    ("field", "owner"),
    [("title", Owner.SHOPBRIDGE), ("price", Owner.SHOPBRIDGE), ("status", Owner.ERP)],
)
def test_an_owner_a_field_cannot_have_is_refused(field: str, owner: Owner) -> None:
    with pytest.raises(ValueError, match=field):
        Ownership(**{field: owner})  # type: ignore[arg-type]
