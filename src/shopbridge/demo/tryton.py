"""The demo against a real Tryton server, run from the ``.venv-tryton`` that ``scripts/setup.sh`` makes."""

from __future__ import annotations

from decimal import Decimal

from shopbridge.demo.erps import DemoErp, ErpOrder, ErpUnavailable


class TrytonErp(DemoErp):
    vendor = "tryton"
    title = "Tryton"
    warehouse = "WH"
    web_account = ""
    tax_codes = (("0.2", "VAT20"), ("0", "VAT0"))
    totals_source = "Tryton sale.sale untaxed/tax/total amounts over JSON-RPC"

    def __init__(self) -> None:
        raise ErpUnavailable("the Tryton demo is not wired yet")

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def add_item(self, sku: str, name: str, price: Decimal) -> None: ...

    def despatch(self, reference: str) -> None: ...

    def orders(self) -> list[ErpOrder]:
        return []

    def config(self) -> str:
        return ""
