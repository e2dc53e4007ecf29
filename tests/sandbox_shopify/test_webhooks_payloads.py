"""Webhook bodies are shaped like Shopify's REST resources (``tests/fixtures/shopify/rest-payloads``)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from shopbridge.sandbox.shopify import payloads
from shopbridge.sandbox.shopify.scenario import run_day
from shopbridge.sandbox.shopify.state import ShopState

REST = Path(__file__).resolve().parents[1] / "fixtures" / "shopify" / "rest-payloads"
MONEY = re.compile(r"^-?\d+\.\d{2}$")


def _fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((REST / f"{name}.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def traded() -> tuple[ShopState, dict[str, Any]]:
    state = ShopState()
    run_day(state, seed=4, orders=30)
    order = next(
        o for o in state.orders.values() if o["refund_ids"] and o["fulfillment_ids"] and o["customer_id"]
    )
    return state, order


def test_order_bodies_carry_every_key_of_shopifys_order_resource(
    traded: tuple[ShopState, dict[str, Any]],
) -> None:
    state, order = traded
    body, reference = payloads.order_body(state, order), _fixture("order")["order"]
    assert set(reference) <= set(body)
    assert set(reference["line_items"][0]) <= set(body["line_items"][0])
    assert set(reference["shipping_lines"][0]) <= set(body["shipping_lines"][0])
    assert set(reference["billing_address"]) <= set(body["shipping_address"])
    assert {"id", "email", "first_name", "last_name"} <= set(body["customer"])


def test_refund_and_fulfilment_bodies_carry_the_keys_of_their_rest_resources(
    traded: tuple[ShopState, dict[str, Any]],
) -> None:
    state, order = traded
    refund = payloads.refund_body(state, state.refunds[order["refund_ids"][0]])
    reference = _fixture("refund")["refund"]
    assert set(reference) <= set(refund)
    assert set(reference["refund_line_items"][0]) - {"line_item"} <= set(refund["refund_line_items"][0])
    assert set(reference["transactions"][0]) <= set(refund["transactions"][0])
    fulfillment = payloads.fulfillment_body(state, state.fulfillments[order["fulfillment_ids"][0]])
    assert set(_fixture("fulfillment")["fulfillment"]) <= set(fulfillment)


def test_rest_money_is_written_with_the_currencys_decimals_and_statuses_in_lowercase(
    traded: tuple[ShopState, dict[str, Any]],
) -> None:
    state, order = traded
    body = payloads.order_body(state, order)
    for key in ("subtotal_price", "total_price", "total_tax", "total_discounts", "total_line_items_price"):
        assert MONEY.match(body[key]), (key, body[key])
    assert body["financial_status"] in {"paid", "partially_refunded", "refunded", "partially_paid"}
    assert body["total_price_set"]["shop_money"]["currency_code"] == "GBP"
    assert body["id"] == int(order["id"].rsplit("/", 1)[-1]) and body["admin_graphql_api_id"] == order["id"]
