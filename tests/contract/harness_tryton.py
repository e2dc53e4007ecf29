"""The Tryton adapter under the contract suite, against a real ``trytond`` (one copy of the cached
database per test). The levers act as a Tryton user would, over the same JSON-RPC: create a product,
archive it, count the warehouse (an inventory), pick, pack and ship a customer shipment, and set a
party's credit limit.

Faults are injected below the adapter in its HTTP transport (the real server cannot be asked to
fail): the next ``times`` requests answer ``status`` without reaching Tryton.
"""

from __future__ import annotations

import importlib.util
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from harness import STANDARD_CUSTOMER_EMAIL, STANDARD_ITEMS

from shopbridge.connectors.erp.tryton import TrytonErp
from shopbridge.connectors.erp.tryton.rpc import TrytonRpc
from shopbridge.errors import NeedsPerson
from shopbridge.ports.erp import ErpPort

PYTEST_MARKS = (pytest.mark.tryton,)


def _server_module() -> Any:
    path = Path(__file__).resolve().parents[1] / "tryton" / "tryton_server.py"
    if "tryton_server" not in sys.modules:
        spec = importlib.util.spec_from_file_location("tryton_server", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["tryton_server"] = module
        spec.loader.exec_module(module)
    return sys.modules["tryton_server"]


class FaultTransport(httpx.BaseTransport):
    """Passes requests to Tryton, except the next ``times`` which answer HTTP ``status`` at once."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.status = 0
        self.times = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.times > 0:
            self.times -= 1
            return httpx.Response(self.status, text=f"injected HTTP {self.status}", request=request)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


class TrytonHarness:
    vendor = "tryton"

    def __init__(self) -> None:
        self.server: Any = None
        self.faults = FaultTransport()
        self.erp: TrytonErp | None = None
        self.clerk: TrytonRpc | None = None

    def start(self) -> ErpPort:
        servers = _server_module()
        if not servers.available():
            pytest.skip("no Tryton virtualenv at .venv-tryton")
        spec = servers.seed_spec(STANDARD_ITEMS, STANDARD_CUSTOMER_EMAIL)
        database, _seconds = servers.cached_database(spec)
        self.server = servers.TrytonServer(database)
        self.server.start()
        rpc = TrytonRpc(
            self.server.url, servers.DATABASE, "admin", servers.ADMIN_PASSWORD, transport=self.faults
        )
        self.erp = TrytonErp(rpc)
        self.clerk = TrytonRpc(self.server.url, servers.DATABASE, "admin", servers.ADMIN_PASSWORD)
        return self.erp

    def stop(self) -> None:
        for closable in (self.erp, self.clerk):
            if closable is not None:
                closable.close()
        if self.server is not None:
            self.server.stop()

    # --- levers --------------------------------------------------------------------------------
    def _call(self, model: str, method: str, *args: Any) -> Any:
        assert self.clerk is not None
        return self.clerk.model(model, method, *args, context={"active_test": False})

    def _product(self, sku: str) -> int:
        found = self._call("product.product", "search", [("suffix_code", "=", sku)], 0, None, None)
        assert found, f"no Tryton product {sku}"
        return int(found[0])

    def add_item(self, sku: str, *, price: Decimal = Decimal("10.00"), active: bool = True) -> None:
        unit = self._call("product.uom", "search", [("name", "=", "Unit")], 0, 1, None)[0]
        category = self._call("product.category", "search", [("name", "=", "Goods")], 0, 1, None)[0]
        values = {
            "name": f"Item {sku}",
            "type": "goods",
            "salable": True,
            "default_uom": unit,
            "sale_uom": unit,
            "list_price": price,
            "account_category": category,
            "products": [["create", [{"suffix_code": sku}]]],
        }
        self._call("product.template", "create", [values])
        if not active:  # Tryton freezes an archived product's code: archive after creating
            self.set_item_active(sku, False)

    def set_item_active(self, sku: str, active: bool) -> None:
        """Archive (or restore) the product, accepting Tryton's "still has stock" warning as a clerk does."""
        product = self._product(sku)
        try:
            self._call("product.product", "write", [product], {"active": active})
        except NeedsPerson as refused:
            if refused.details.get("tryton_error") != "UserWarning":
                raise
            warning = refused.details["tryton_args"][0]
            self._call("res.user.warning", "create", [{"user": 1, "name": warning, "always": False}])
            self._call("product.product", "write", [product], {"active": active})

    def set_stock(self, sku: str, warehouse: str, free: Decimal) -> None:
        assert self.erp is not None
        storage = self.erp.look.warehouse.storage
        line = {"product": self._product(sku), "quantity": float(free)}
        inventory = self._call(
            "stock.inventory", "create", [{"location": storage, "lines": [["create", [line]]]}]
        )
        self._call("stock.inventory", "confirm", inventory)

    def dispatch(self, reference: str, *, carrier: str, tracking: str) -> None:
        sales = self._call(
            "sale.sale", "search_read", [("reference", "=", reference)], 0, None, None, ["shipments"]
        )
        shipments = [int(s) for sale in sales for s in sale["shipments"]]
        assert shipments, f"sale {reference} has no shipment to despatch"
        self._call("stock.shipment.out", "write", shipments, {"reference": f"{carrier}: {tracking}"})
        for step in ("assign_try", "pick", "pack", "do"):
            self._call("stock.shipment.out", step, shipments)

    def set_credit_limit(self, account: str, limit: Decimal | None) -> None:
        """Give the party a credit limit in the company currency (``None``: no limit), as finance would."""
        party = self._call("party.party", "search", [("code", "=", account)], 0, 1, None)
        assert party, f"no Tryton party {account}"
        self._call("party.party", "write", party, {"credit_limit_amount": limit})

    def set_list_price(self, code: str, sku: str, price: Decimal) -> None:
        """Give the item a fixed price on the price list named ``code`` (a line with a plain number)."""
        found = self._call("product.price_list", "search", [("name", "=", code)], 0, 1, None)
        assert found, f"no Tryton price list {code}"
        product = self._product(sku)
        domain = [("price_list", "=", found[0]), ("product", "=", product)]
        lines = self._call("product.price_list.line", "search", domain, 0, None, None)
        if lines:
            self._call("product.price_list.line", "write", lines, {"formula": str(price)})
        else:
            line = {"price_list": found[0], "product": product, "formula": str(price), "sequence": 0}
            self._call("product.price_list.line", "create", [line])

    def set_customer_price_list(self, account: str, code: str) -> None:
        """Make the price list named ``code`` the party's sale price list, as sales admin would."""
        party = self._call("party.party", "search", [("code", "=", account)], 0, 1, None)
        found = self._call("product.price_list", "search", [("name", "=", code)], 0, 1, None)
        assert party and found, f"no Tryton party {account} or price list {code}"
        self._call("party.party", "write", party, {"sale_price_list": found[0]})

    def count_sales_orders(self, reference: str) -> int:
        return len(self._call("sale.sale", "search", [("reference", "=", reference)], 0, None, None))

    def fail_next(self, status: int, times: int = 1) -> None:
        self.faults.status, self.faults.times = status, times

    def count_credit_notes(self, order_reference: str) -> int:
        assert self.erp is not None
        return self.erp.count_credit_notes(order_reference)


def make_harness() -> TrytonHarness:
    return TrytonHarness()
