"""SYSPRO's reconciliation read gives each order's tax, per line and whole, from SORQOD."""

from __future__ import annotations

from datetime import date

from shopbridge.connectors.erp.syspro import SysproAdapter
from shopbridge.domain.money import Money
from shopbridge.domain.records import SalesOrderLine, SalesOrderRequest
from shopbridge.sandbox.syspro import SysproSandbox


def _gbp(text: str) -> Money:
    return Money.of(text, "GBP")


def _order(reference: str, *, mug_code: str = "") -> SalesOrderRequest:
    lines = (
        SalesOrderLine("TSHIRT-RED-M", 2, _gbp("15.00"), _gbp("6.00"), tax_code="A"),
        SalesOrderLine("MUG-WHITE", 1, _gbp("8.00"), _gbp("1.60"), tax_code=mug_code),
    )
    return SalesOrderRequest(
        reference,
        "C00001",
        "GBP",
        date(2026, 11, 22),
        lines,
        shipping=_gbp("5.00"),
        shipping_tax=_gbp("1.00"),
    )


def test_each_line_reads_back_with_the_tax_its_code_gives(adapter: SysproAdapter) -> None:
    adapter.create_sales_order(_order("#T3001"))
    (held,) = adapter.orders_held(["#T3001"])["#T3001"]
    assert held.net == _gbp("43.00")
    assert sorted((ln.sku, ln.tax) for ln in held.goods) == [
        ("MUG-WHITE", _gbp("1.60")),  # no code sent: the stock code's own (A, 20%)
        ("TSHIRT-RED-M", _gbp("6.00")),
    ]
    assert held.tax == _gbp("8.60")  # goods 7.60 and the freight's 1.00 at the customer's code
    assert held.tax_per_line  # SYSPRO taxes each line itself: the reconciliation allows its rounding


def test_a_line_posted_under_the_wrong_tax_code_reads_back_at_that_codes_rate(adapter: SysproAdapter) -> None:
    """The planted discrepancy "a tax code mapped to the wrong rate": B is 5%, so the mug reads 0.40."""
    adapter.create_sales_order(_order("#T3002", mug_code="B"))
    (held,) = adapter.orders_held(["#T3002"])["#T3002"]
    mug = next(ln for ln in held.goods if ln.sku == "MUG-WHITE")
    assert mug.tax == _gbp("0.40")
    assert held.tax == _gbp("7.40")


def test_without_a_licence_for_sorqod_the_read_is_net_only(
    adapter: SysproAdapter, sandbox: SysproSandbox
) -> None:
    adapter.create_sales_order(_order("#T3003"))
    sandbox.levers.apply("faults", {"unlicense": ["SORQOD"]})
    (held,) = adapter.orders_held(["#T3003"])["#T3003"]
    assert held.tax is None and held.net == _gbp("43.00")
    assert all(ln.tax == _gbp("0") for ln in held.goods)
