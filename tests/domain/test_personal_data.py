"""Masking personal data: a table of fields as Shopify writes them, and a real order payload."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from shopbridge.domain.personal_data import (
    CARD_REMOVED,
    MASK,
    mask_email,
    mask_personal_data,
    mask_text,
    reveal,
)

ORDER = Path(__file__).parents[1] / "fixtures" / "shopify" / "rest-payloads" / "order.json"


@pytest.mark.parametrize(
    ("given", "masked"),
    [
        ({"email": "jane.doe@example.co.uk"}, {"email": f"j{MASK}@e{MASK}.uk"}),
        ({"contact_email": "a@b.io"}, {"contact_email": f"a{MASK}@b{MASK}.io"}),
        ({"emailAddress": "bob@shop.com"}, {"emailAddress": f"b{MASK}@s{MASK}.com"}),
        ({"phone": "+44 7700 900123"}, {"phone": f"{MASK}23"}),
        ({"first_name": "Jane", "lastName": "Doe"}, {"first_name": f"J{MASK}", "lastName": f"D{MASK}"}),
        (
            {"address1": "1 High St", "city": "Leeds", "zip": "LS1 1AA"},
            {"address1": MASK, "city": "Leeds", "zip": MASK},
        ),
        ({"latitude": 53.8, "longitude": -1.5}, {"latitude": MASK, "longitude": MASK}),
        ({"browser_ip": "203.0.113.9"}, {"browser_ip": MASK}),
        # "name" is an order's or a product's outside a person or an address, and kept there
        (
            {"name": "#1001", "line_items": [{"name": "Mug"}]},
            {"name": "#1001", "line_items": [{"name": "Mug"}]},
        ),
        ({"customer": {"name": "Jane Doe"}}, {"customer": {"name": f"J{MASK}"}}),
        ({"shipping_address": {"company": "Acme"}}, {"shipping_address": {"company": f"A{MASK}"}}),
        ({"credit_card_number": "XXXX-4242"}, {"credit_card_number": CARD_REMOVED}),
        ({"payment_details": {"avs_result_code": "Y"}}, {"payment_details": CARD_REMOVED}),
        ({"message": "customer jane@x.com clashes"}, {"message": f"customer j{MASK}@x{MASK}.com clashes"}),
        ({"email": None, "phone": ""}, {"email": None, "phone": ""}),
        ({"sku": "A-1", "quantity": 2}, {"sku": "A-1", "quantity": 2}),
    ],
)
def test_personal_fields_are_masked_and_the_rest_kept(given: dict[str, Any], masked: dict[str, Any]) -> None:
    assert mask_personal_data(given) == masked


def test_a_real_order_payload_keeps_no_email_phone_name_or_street_once_masked() -> None:
    order = json.loads(ORDER.read_text(encoding="utf-8"))["order"]
    personal = [
        order["email"],
        order["billing_address"]["address1"],
        order["billing_address"]["phone"],
        order["billing_address"]["zip"],
        order["billing_address"]["last_name"],
        order["customer"]["email"],
        order["shipping_address"]["address1"],
    ]
    masked = json.dumps(mask_personal_data(order))
    for value in personal:
        assert value and value not in masked, value
    assert "4242" not in masked and "Bob" not in masked and order["name"] in masked


def test_reveal_shows_personal_data_but_never_card_data() -> None:
    order = json.loads(ORDER.read_text(encoding="utf-8"))["order"]
    shown = reveal(order)
    assert shown["email"] == order["email"] and shown["billing_address"] == order["billing_address"]
    assert shown["payment_details"] == CARD_REMOVED and "4242" not in json.dumps(shown)


def test_masking_does_not_change_its_input() -> None:
    given = {"customer": {"email": "a@b.com"}}
    mask_personal_data(given)
    assert given == {"customer": {"email": "a@b.com"}}


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("x@y.z", f"x{MASK}@y{MASK}.z"),
        ("no-at-sign", f"n{MASK}@{MASK}"),
        ("a@localhost", f"a{MASK}@{MASK}"),
    ],
)
def test_mask_email_keeps_first_letters_and_the_last_label(email: str, masked: str) -> None:
    assert mask_email(email) == masked


def test_mask_text_leaves_text_without_an_email_alone() -> None:
    assert mask_text("SKU A-404 is not in the ERP") == "SKU A-404 is not in the ERP"
