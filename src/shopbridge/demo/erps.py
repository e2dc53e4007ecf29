"""The ERP sandboxes the demo can post into, behind one small interface.

Each one starts its sandbox, sells what it is told to (an item with free stock in the warehouse the
shop's locations map to), despatches an order, writes its ``[erp.<vendor>]`` section, and reads its
sales orders back from its own state (never from shopbridge's) for the order check.
"""

from __future__ import annotations

import os
import secrets
from decimal import Decimal

from shopbridge.demo.erp_base import STOCK, DemoErp, ErpOrder
from shopbridge.sandbox.prima import Login, PrimaSandbox
from shopbridge.sandbox.sage200 import Sage200Sandbox
from shopbridge.sandbox.syspro import Credentials, SysproSandbox

ENV_SAGE_TOKEN = "SHOPBRIDGE_DEMO_SAGE200_TOKEN"
ENV_SYSPRO_PASSWORD = "SHOPBRIDGE_DEMO_SYSPRO_PASSWORD"
ENV_PRIMA_PASSWORD = "SHOPBRIDGE_DEMO_PRIMA_PASSWORD"
ERPS = ("sage200", "syspro", "prima", "tryton")


def _secret(name: str) -> str:
    """A fresh secret for this run, handed over the way a real installation does: the environment."""
    return os.environ.setdefault(name, secrets.token_hex(16))


def _dec(value: object) -> Decimal:
    return Decimal(str(value or 0))


class SageErp(DemoErp):
    vendor = "sage200"
    title = "Sage 200"
    warehouse = "WAREHOUSE"
    web_account = "EXIST01"
    tax_codes = (("0.2", "1"), ("0", "0"))  # the Sage 200 sandbox's standard-rated and zero-rated codes
    totals_source = "Sage 200 sandbox net/tax/gross"

    def __init__(self) -> None:
        self.sandbox = Sage200Sandbox(token=_secret(ENV_SAGE_TOKEN))

    def start(self) -> None:
        self.sandbox.start()

    def stop(self) -> None:
        self.sandbox.stop()

    def add_item(self, sku: str, name: str, price: Decimal) -> None:
        self.sandbox.add_item(sku, name=name, price=price)
        self.sandbox.set_stock(sku, self.warehouse, STOCK)

    def set_item_active(self, sku: str, active: bool) -> None:
        self.sandbox.set_item_active(sku, active)

    def despatch(self, reference: str) -> None:
        self.sandbox.despatch(reference, courier="Royal Mail", consignment="RM000000001GB")

    def orders(self) -> list[ErpOrder]:
        with self.sandbox.state.lock:
            rows = [dict(r) for r in self.sandbox.state.all("sop_orders")]
        return [
            ErpOrder(
                reference=str(r.get("customer_document_no")),
                cancelled=r.get("cancelled_status") == "Full",
                net=_dec(r.get("total_net_value")),
                tax=_dec(r.get("total_tax_value")),
                gross=_dec(r.get("total_gross_value")),
            )
            for r in rows
        ]

    def config(self) -> str:
        s = self.sandbox
        return f"""[erp.sage200]
base_url = "{s.base_url}"
site_id = "{s.site_id}"
company_id = "{s.company_id}"
access_token = {{ env = "{ENV_SAGE_TOKEN}" }}
"""


class _LeverErp(DemoErp):
    """An ERP sandbox driven through the shared clerk levers (``sandbox/levers.py``): SYSPRO, Prima."""

    sandbox: SysproSandbox | PrimaSandbox

    def stop(self) -> None:
        self.sandbox.stop()

    def add_item(self, sku: str, name: str, price: Decimal) -> None:
        self.sandbox.levers.apply("add_item", {"sku": sku, "description": name, "price": str(price)})
        self.sandbox.levers.apply("set_stock", {"sku": sku, "warehouse": self.warehouse, "free": str(STOCK)})

    def set_item_active(self, sku: str, active: bool) -> None:
        self.sandbox.levers.apply("set_item_active", {"sku": sku, "active": active})

    def despatch(self, reference: str) -> None:
        body = {"reference": reference, "carrier": "Royal Mail", "tracking": "RM000000001GB"}
        self.sandbox.levers.apply("despatch", body)


class SysproErp(_LeverErp):
    sandbox: SysproSandbox
    vendor = "syspro"
    title = "SYSPRO"
    warehouse = "FG"
    web_account = "C00001"  # the SYSPRO sandbox's seeded customer
    tax_codes = (("0.2", "A"), ("0", "Z"))
    # SORTOI lines carry a price and a tax code; SYSPRO works the tax out itself when it invoices, so
    # the sales order has no tax figure to compare: net (lines and freight) only.
    totals_source = "SYSPRO sandbox SorDetail net (qty x price + freight; SYSPRO keeps no tax on an order)"

    def __init__(self) -> None:
        self.sandbox = SysproSandbox(Credentials(operator_password=_secret(ENV_SYSPRO_PASSWORD)))

    def start(self) -> None:
        self.sandbox.start()

    def orders(self) -> list[ErpOrder]:
        company = self.sandbox.state.company
        found = []
        with company.lock:
            for row in company.table("SorMaster").values():
                if row.get("DocumentType", "O") == "C":
                    continue
                net = Decimal(0)
                for line in company.order_lines(row["SalesOrder"]):
                    if line["LineType"] == "1":
                        net += _dec(line["OrderQty"]) * _dec(line["Price"])
                    else:
                        net += _dec(line.get("NMscChargeValue"))
                found.append(ErpOrder(row["CustomerPoNumber"], row["OrderStatus"] == "\\", net, None, None))
        return found

    def config(self) -> str:
        return f"""[erp.syspro]
base_url = "{self.sandbox.base_url}"
operator = "{self.sandbox.state.credentials.operator}"
operator_password = {{ env = "{ENV_SYSPRO_PASSWORD}" }}
company_id = "{self.sandbox.state.credentials.company_id}"
default_warehouse = "{self.warehouse}"
"""


class PrimaErp(_LeverErp):
    sandbox: PrimaSandbox
    vendor = "prima"
    title = "Prima"
    warehouse = "MAIN"
    web_account = "CUST001"  # the Prima sandbox's seeded customer
    tax_codes = (("0.2", "S"), ("0", "Z"))
    totals_source = (
        "Prima sandbox order lines (price x qty, ExtTaxVal); shipping is a line on the CARRIAGE"
        " product (a charge would keep no tax)"
    )
    carriage = "CARRIAGE"

    def __init__(self) -> None:
        self.sandbox = PrimaSandbox(Login(password=_secret(ENV_PRIMA_PASSWORD)))

    def start(self) -> None:
        self.sandbox.start()
        self.add_item(self.carriage, "Carriage (non-stock)", Decimal(0))

    def orders(self) -> list[ErpOrder]:
        company = self.sandbox.state.company
        with company.lock:
            found = []
            for order in company.orders.values():
                net = order.value + order.charges
                tax = sum((ln.tax for ln in order.lines), Decimal(0))
                found.append(ErpOrder(order.reference, order.status == "Cancelled", net, tax, net + tax))
        return found

    def config(self) -> str:
        login = self.sandbox.state.login
        return f"""[erp.prima]
base_url = "{self.sandbox.service_url}"
company_id = "{login.company_id}"
username = "{login.username}"
password = {{ env = "{ENV_PRIMA_PASSWORD}" }}
default_warehouse = "{self.warehouse}"
carriage_product = "{self.carriage}"
"""


def make_erp(vendor: str) -> DemoErp:
    if vendor == "sage200":
        return SageErp()
    if vendor == "syspro":
        return SysproErp()
    if vendor == "prima":
        return PrimaErp()
    if vendor == "tryton":
        from shopbridge.demo.tryton import TrytonErp  # a real server: only loaded when asked for

        return TrytonErp()
    raise ValueError(f"unknown ERP {vendor!r}: one of {', '.join(ERPS)}")
