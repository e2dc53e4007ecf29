"""The demo against a real Tryton server (``demo/tryton_server.py``), seeded as the test suite seeds it.

The shared seed (its standard items, a credit-limited customer, a fixed fiscal day) means the demo
and the tests use one cached database; the demo then adds the shop's catalogue and stock over
JSON-RPC, as a clerk would.
"""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

from shopbridge.connectors.erp.tryton.rpc import TrytonRpc
from shopbridge.demo.erp_base import ENV_TRYTON_PASSWORD, STOCK, DemoErp, ErpOrder
from shopbridge.demo.tryton_server import (
    ADMIN_PASSWORD,
    DATABASE,
    TrytonServer,
    cached_database,
    seed_spec,
    tryton_venv,
)
from shopbridge.errors import NeedsPerson
from shopbridge.sandbox.syspro.state import SEED_ITEMS

__all__ = ["TrytonErp", "tryton_venv"]

CUSTOMER_EMAIL = "existing@example.com"


class TrytonErp(DemoErp):
    vendor = "tryton"
    title = "Tryton"
    warehouse = "WH"
    web_account = ""  # the seeded customer's party code, read once the server is up
    tax_codes = (("0.2", "VAT 20%"), ("0", "VAT 0%"))  # the adapter finds Tryton's taxes by rate
    totals_source = "Tryton sale.sale untaxed/tax/total amounts over JSON-RPC (Tryton computes the tax)"

    def __init__(self) -> None:
        self.venv = tryton_venv()
        self.password = os.environ.setdefault(ENV_TRYTON_PASSWORD, ADMIN_PASSWORD)
        self.server: TrytonServer | None = None
        self.url = ""
        self.rpc: TrytonRpc | None = None

    # --- the server ------------------------------------------------------------------------------
    def start(self) -> None:
        database, _seconds = cached_database(self.venv, seed_spec(SEED_ITEMS, CUSTOMER_EMAIL))
        self.server = TrytonServer(self.venv, database)
        self.server.start()
        self.url = self.server.url
        # The admin's password is the database's; the demo hands it over the environment like any secret.
        os.environ[ENV_TRYTON_PASSWORD] = ADMIN_PASSWORD
        self.rpc = TrytonRpc(self.url, DATABASE, "admin", ADMIN_PASSWORD)
        party = self._call(
            "party.contact_mechanism", "search_read", [("value", "=", CUSTOMER_EMAIL)], 0, 1, None, ["party"]
        )
        code = self._call("party.party", "read", [int(party[0]["party"])], ["code"])
        self.web_account = str(code[0]["code"])

    def stop(self) -> None:
        if self.rpc is not None:
            self.rpc.close()
        if self.server is not None:
            self.server.stop()

    # --- as a clerk would, over JSON-RPC ----------------------------------------------------------
    def _call(self, model: str, method: str, *args: Any) -> Any:
        assert self.rpc is not None
        return self.rpc.model(model, method, *args, context={"active_test": False})

    def add_item(self, sku: str, name: str, price: Decimal) -> None:
        """A salable goods product (its list price net of VAT), in stock in the warehouse."""
        unit = self._call("product.uom", "search", [("name", "=", "Unit")], 0, 1, None)[0]
        category = self._call("product.category", "search", [("name", "=", "Goods")], 0, 1, None)[0]
        values = {
            "name": name,
            "type": "goods",
            "salable": True,
            "default_uom": unit,
            "sale_uom": unit,
            "list_price": price,
            "account_category": category,
            "products": [["create", [{"suffix_code": sku}]]],
        }
        self._call("product.template", "create", [values])
        self.count_stock(sku, STOCK)

    def count_stock(self, sku: str, free: Decimal) -> None:
        """A stock count (an inventory): the warehouse's storage holds ``free`` units of ``sku``."""
        product = self._call("product.product", "search", [("suffix_code", "=", sku)], 0, 1, None)[0]
        storage = self._call(
            "stock.location", "search_read", [("code", "=", self.warehouse)], 0, 1, None, ["storage_location"]
        )[0]["storage_location"]
        line = {"product": product, "quantity": float(free)}
        inventory = self._call(
            "stock.inventory", "create", [{"location": storage, "lines": [["create", [line]]]}]
        )
        self._call("stock.inventory", "confirm", inventory)

    def set_item_active(self, sku: str, active: bool) -> None:
        """Salable or not, on the product's template (archiving a product with stock asks a question)."""
        found = self._call(
            "product.product", "search_read", [("suffix_code", "=", sku)], 0, 1, None, ["template"]
        )
        self._call("product.template", "write", [int(found[0]["template"])], {"salable": active})

    def despatch(self, reference: str) -> None:
        sales = self._call(
            "sale.sale", "search_read", [("reference", "=", reference)], 0, None, None, ["shipments"]
        )
        shipments = [int(s) for sale in sales for s in sale["shipments"]]
        if not shipments:
            raise NeedsPerson(f"Tryton sale {reference} has no shipment to despatch")
        self._call("stock.shipment.out", "write", shipments, {"reference": "Royal Mail: RM000000001GB"})
        for step in ("assign_try", "pick", "pack", "do"):
            self._call("stock.shipment.out", step, shipments)

    def orders(self) -> list[ErpOrder]:
        fields = ["reference", "state", "untaxed_amount", "tax_amount", "total_amount"]
        rows = self._call("sale.sale", "search_read", [("reference", "!=", None)], 0, None, None, fields)
        return [
            ErpOrder(
                reference=str(r["reference"]),
                cancelled=r["state"] == "cancelled",
                net=Decimal(str(r["untaxed_amount"])),
                tax=Decimal(str(r["tax_amount"])),
                gross=Decimal(str(r["total_amount"])),
            )
            for r in rows
        ]

    def config(self) -> str:
        return f"""[erp.tryton]
url = "{self.url}"
database = "{DATABASE}"
username = "admin"
password = {{ env = "{ENV_TRYTON_PASSWORD}" }}
warehouse_code = "{self.warehouse}"
"""
