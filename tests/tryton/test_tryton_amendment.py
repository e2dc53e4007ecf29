"""Amending Tryton sales against the real server: through ``sale.amendment`` once processed, by
rewriting before confirmation, idempotent, and refused once goods have left."""

from __future__ import annotations

from decimal import Decimal
from types import ModuleType
from typing import Any

import pytest

from shopbridge.connectors.erp.tryton import TrytonErp
from shopbridge.domain.records import Customer
from shopbridge.errors import NeedsPerson
from shopbridge.ports.erp import CreditLimitExceeded

pytestmark = pytest.mark.tryton


def _sale(erp: TrytonErp, reference: str) -> dict[str, Any]:
    rows = erp.look.search_read(
        "sale.sale", [("reference", "=", reference)], ["state", "revision", "total_amount", "amendments"]
    )
    assert len(rows) == 1
    return rows[0]


def _lines(erp: TrytonErp, reference: str) -> list[tuple[str, int]]:
    found = erp.find_sales_order(reference)
    assert found is not None
    return [(line.sku, line.quantity) for line in found.lines]


def _to_ship(erp: TrytonErp, reference: str) -> dict[str, float]:
    """What the sale's open customer shipment will move, per SKU."""
    moves = erp.look.search_read(
        "stock.move",
        [("origin.sale.reference", "=", reference, "sale.line"), ("state", "not in", ["cancelled", "done"])],
        ["product.suffix_code", "quantity"],
    )
    totals: dict[str, float] = {}
    for move in moves:
        sku = move["product."]["suffix_code"]
        totals[sku] = totals.get(sku, 0.0) + move["quantity"]
    return totals


def test_a_new_quantity_amends_the_processed_sale_and_its_shipment(
    erp: TrytonErp, account: str, support: ModuleType
) -> None:
    posted = erp.create_sales_order(
        support.order_request("#T9101", account, ("TSHIRT-RED-M", 2), ("MUG-WHITE", 1))
    )
    amended = erp.amend_sales_order(
        support.order_request("#T9101", account, ("TSHIRT-RED-M", 5), ("MUG-WHITE", 1))
    )
    sale = _sale(erp, "#T9101")
    assert (amended.erp_id, amended.existed, sale["state"], sale["revision"]) == (
        posted.erp_id,
        False,
        "processing",
        1,
    )
    assert _lines(erp, "#T9101") == [("TSHIRT-RED-M", 5), ("MUG-WHITE", 1)]
    assert _to_ship(erp, "#T9101") == {"TSHIRT-RED-M": 5.0, "MUG-WHITE": 1.0}


def test_a_removed_line_reads_back_absent_and_is_no_longer_shipped_or_charged(
    erp: TrytonErp, account: str, support: ModuleType
) -> None:
    erp.create_sales_order(support.order_request("#T9102", account, ("TSHIRT-RED-M", 1), ("MUG-WHITE", 2)))
    erp.amend_sales_order(support.order_request("#T9102", account, ("TSHIRT-RED-M", 1)))
    assert _lines(erp, "#T9102") == [("TSHIRT-RED-M", 1)]
    assert _to_ship(erp, "#T9102") == {"TSHIRT-RED-M": 1.0}
    assert str(_sale(erp, "#T9102")["total_amount"]) == "15.00"


def test_an_added_line_takes_the_place_a_removed_line_left(
    erp: TrytonErp, account: str, support: ModuleType
) -> None:
    erp.create_sales_order(support.order_request("#T9103", account, ("TSHIRT-RED-M", 1), ("MUG-WHITE", 1)))
    erp.amend_sales_order(support.order_request("#T9103", account, ("TSHIRT-RED-M", 1)))
    erp.amend_sales_order(support.order_request("#T9103", account, ("TSHIRT-RED-M", 1), ("TSHIRT-BLU-L", 2)))
    assert _lines(erp, "#T9103") == [("TSHIRT-RED-M", 1), ("TSHIRT-BLU-L", 2)]
    assert _to_ship(erp, "#T9103") == {"TSHIRT-RED-M": 1.0, "TSHIRT-BLU-L": 2.0}
    assert _sale(erp, "#T9103")["revision"] == 2


def test_an_added_line_with_no_line_free_needs_a_person_and_leaves_the_sale_alone(
    erp: TrytonErp, account: str, support: ModuleType
) -> None:
    erp.create_sales_order(support.order_request("#T9104", account, ("TSHIRT-RED-M", 1)))
    with pytest.raises(NeedsPerson, match=r"#T9104.*no line is free for MUG-WHITE"):
        erp.amend_sales_order(support.order_request("#T9104", account, ("TSHIRT-RED-M", 1), ("MUG-WHITE", 1)))
    sale = _sale(erp, "#T9104")
    assert (sale["revision"], sale["amendments"]) == (0, [])
    assert _lines(erp, "#T9104") == [("TSHIRT-RED-M", 1)]


def test_amending_to_the_same_content_twice_changes_nothing_the_second_time(
    erp: TrytonErp, account: str, support: ModuleType
) -> None:
    erp.create_sales_order(support.order_request("#T9105", account, ("TSHIRT-RED-M", 2)))
    first = erp.amend_sales_order(support.order_request("#T9105", account, ("TSHIRT-RED-M", 3)))
    again = erp.amend_sales_order(support.order_request("#T9105", account, ("TSHIRT-RED-M", 3)))
    sale = _sale(erp, "#T9105")
    assert (first.existed, again.existed, again.erp_id) == (False, True, first.erp_id)
    assert (sale["revision"], len(sale["amendments"])) == (1, 1)


def test_amending_below_what_has_shipped_needs_a_person(
    harness: Any, erp: TrytonErp, account: str, support: ModuleType
) -> None:
    erp.create_sales_order(support.order_request("#T9106", account, ("MUG-WHITE", 2)))
    harness.dispatch("#T9106", carrier="DPD", tracking="15509999")
    with pytest.raises(NeedsPerson, match=r"#T9106 below what has left: MUG-WHITE from 2 to 1.*refund"):
        erp.amend_sales_order(support.order_request("#T9106", account, ("MUG-WHITE", 1)))
    assert _lines(erp, "#T9106") == [("MUG-WHITE", 2)]
    assert _sale(erp, "#T9106")["amendments"] == []


def test_a_quotation_is_rewritten_and_then_confirmed(erp: TrytonErp, support: ModuleType) -> None:
    """A quotation waiting for finance (over the credit limit) is amended by a plain rewrite."""
    limited = erp.find_or_create_customer(Customer(email="limited@example.com")).account
    with pytest.raises(CreditLimitExceeded):
        erp.create_sales_order(support.order_request("#T9107", limited, ("TSHIRT-RED-M", 10)))
    amended = erp.amend_sales_order(support.order_request("#T9107", limited, ("TSHIRT-RED-M", 2)))
    sale = _sale(erp, "#T9107")
    assert (amended.existed, sale["state"], sale["amendments"]) == (False, "processing", [])
    assert _lines(erp, "#T9107") == [("TSHIRT-RED-M", 2)]


def test_a_cancelled_sale_cannot_be_amended(erp: TrytonErp, account: str, support: ModuleType) -> None:
    erp.create_sales_order(support.order_request("#T9108", account, ("MUG-WHITE", 1)))
    erp.cancel_sales_order("#T9108")
    with pytest.raises(NeedsPerson, match="#T9108 is cancelled"):
        erp.amend_sales_order(support.order_request("#T9108", account, ("MUG-WHITE", 2)))


def test_amending_an_order_tryton_never_had_needs_a_person(
    erp: TrytonErp, account: str, support: ModuleType
) -> None:
    with pytest.raises(NeedsPerson, match="no sale with reference #T9199"):
        erp.amend_sales_order(support.order_request("#T9199", account, ("MUG-WHITE", 1)))


def test_a_draft_amendment_a_crash_left_behind_is_replaced_not_validated_with_ours(
    harness: Any, erp: TrytonErp, account: str, support: ModuleType
) -> None:
    erp.create_sales_order(support.order_request("#T9109", account, ("TSHIRT-RED-M", 1)))
    sale_id = _sale(erp, "#T9109")["id"]
    stale = {"sale": sale_id, "description": "shopbridge: match Shopify order #T9109"}
    harness.clerk.model("sale.amendment", "create", [{**stale, "lines": [["create", [{"action": "taxes"}]]]}])
    erp.amend_sales_order(support.order_request("#T9109", account, ("TSHIRT-RED-M", 4)))
    amendments = erp.look.search_read("sale.amendment", [("sale", "=", sale_id)], ["state", "lines"])
    assert [(a["state"], len(a["lines"])) for a in amendments] == [("validated", 1)]
    assert _lines(erp, "#T9109") == [("TSHIRT-RED-M", 4)]


def test_a_kit_once_shipped_cannot_shrink(
    harness: Any, erp: TrytonErp, account: str, support: ModuleType
) -> None:
    """A kit ships as its components (moves of ``sale.line.component``), not as moves of the line."""
    harness.set_stock("CAP-BLACK", "WH", Decimal(10))
    erp.create_sales_order(support.order_request("#T9110", account, ("GIFT-SET", 2)))
    harness.dispatch("#T9110", carrier="DPD", tracking="15507777")
    with pytest.raises(NeedsPerson, match=r"#T9110 below what has left: GIFT-SET from 2 to 1"):
        erp.amend_sales_order(support.order_request("#T9110", account, ("GIFT-SET", 1)))
