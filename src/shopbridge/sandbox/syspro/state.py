"""In-memory SYSPRO company: the tables the sandbox's business objects read and write.

Rows are dicts of column -> text, as SYSPRO's XML carries them. Every write stamps the row with the
next ``TimeStamp`` (SQL rowversion in SYSPRO 8), which is what change cursors compare against.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

Row = dict[str, str]

# The standard catalogue of the contract suite (SKU, description, price, free stock in FG).
SEED_ITEMS: tuple[tuple[str, str, Decimal, Decimal], ...] = (
    ("TSHIRT-RED-M", "T-shirt red M", Decimal("12.50"), Decimal(40)),
    ("TSHIRT-BLU-L", "T-shirt blue L", Decimal("12.50"), Decimal(25)),
    ("MUG-WHITE", "White mug", Decimal("8.00"), Decimal(100)),
    ("CAP-BLACK", "Black cap", Decimal("15.00"), Decimal(0)),
)
SEED_CUSTOMERS: tuple[tuple[str, str, str, Decimal], ...] = (
    ("C00001", "Existing Customer", "existing@example.com", Decimal("0")),
    ("C00002", "Trade Account Ltd", "trade@example.com", Decimal("500.00")),
)
WAREHOUSES = ("FG", "WEB", "RET")
TAX_CODES = ("A", "B", "E", "Z")
# Each tax code's percentage (AdmTax ``Rate``: our column name; UK VAT standard, reduced, exempt, zero).
TAX_RATES = {"A": "20.000", "B": "5.000", "E": "0.000", "Z": "0.000"}
DEFAULT_CUSTOMER_TAX_CODE = "A"  # a customer without ``TaxCode`` (ours, assumed): standard-rated
CARRIERS = ("DPD", "Royal Mail", "DHL", "Parcelforce")
DEFAULT_WAREHOUSE = "FG"
# Banks (cash books) with their cash ledger code, and the ledger codes on file (GenMaster).
SEED_BANKS: tuple[tuple[str, str, str, str], ...] = (
    ("SHOP", "Shopify payouts", "GBP", "1200"),
    ("MAIN", "Main current account", "GBP", "1210"),
)
DEFAULT_BANK = "MAIN"  # the operator's default bank, used when a receipt names none
LEDGER_CODES = ("1100", "1200", "1210", "2200", "4000", "4010", "7900")


@dataclass
class Company:
    """The tables; callers hold ``lock`` around any read-modify-write."""

    tables: dict[str, dict[str, Row]] = field(default_factory=dict)
    rowversion: int = 0
    next_order: int = 0
    next_note: int = 0
    next_journal: int = 0
    next_invoice: int = 0
    lock: threading.RLock = field(default_factory=threading.RLock)

    def table(self, name: str) -> dict[str, Row]:
        return self.tables.setdefault(name, {})

    def stamp(self, row: Row) -> Row:
        self.rowversion += 1
        row["TimeStamp"] = str(self.rowversion)
        return row

    def put(self, table: str, key: str, row: Row) -> Row:
        self.table(table)[key] = self.stamp(row)
        return row

    # --- items and stock -------------------------------------------------------------------
    def add_item(self, sku: str, description: str, price: Decimal, *, active: bool = True) -> None:
        self.put(
            "InvMaster",
            sku,
            {
                "StockCode": sku,
                "Description": description,
                "StockOnHold": "" if active else "F",
                "TaxCode": "A",
            },
        )
        self.put("InvPrice", f"{sku}|A", {"StockCode": sku, "PriceCode": "A", "SellingPrice": str(price)})
        if self.stock_row(sku, DEFAULT_WAREHOUSE) is None:
            self.set_stock(sku, DEFAULT_WAREHOUSE, Decimal(0))

    def set_item_active(self, sku: str, active: bool) -> None:
        row = self.table("InvMaster")[sku]
        row["StockOnHold"] = "" if active else "F"
        self.stamp(row)

    def stock_row(self, sku: str, warehouse: str) -> Row | None:
        return self.table("InvWarehouse").get(f"{sku}|{warehouse}")

    def set_stock(self, sku: str, warehouse: str, free: Decimal) -> None:
        """Set on-hand so that free stock (on hand less allocated) equals ``free``."""
        row = self.stock_row(sku, warehouse)
        allocated = Decimal(row["QtyAllocated"]) if row else Decimal(0)
        self.put(
            "InvWarehouse",
            f"{sku}|{warehouse}",
            {
                "StockCode": sku,
                "Warehouse": warehouse,
                "QtyOnHand": str(free + allocated),
                "QtyAllocated": str(allocated),
            },
        )

    def move_stock(self, sku: str, warehouse: str, *, on_hand: Decimal, allocated: Decimal) -> None:
        row = self.stock_row(sku, warehouse) or {
            "StockCode": sku,
            "Warehouse": warehouse,
            "QtyOnHand": "0",
            "QtyAllocated": "0",
        }
        row["QtyOnHand"] = str(Decimal(row["QtyOnHand"]) + on_hand)
        row["QtyAllocated"] = str(max(Decimal(row["QtyAllocated"]) + allocated, Decimal(0)))
        self.put("InvWarehouse", f"{sku}|{warehouse}", row)

    # --- customers -------------------------------------------------------------------------
    def add_customer(self, code: str, name: str, email: str, credit_limit: Decimal, **extra: str) -> None:
        row = {
            "Customer": code,
            "Name": name,
            "Email": email,
            "Telephone": "",
            "Currency": "GBP",
            "CreditLimit": str(credit_limit),
            "CurrentBalance": "0",
        }
        row.update(extra)
        self.put("ArCustomer", code, row)

    def set_credit_limit(self, account: str, limit: Decimal) -> None:
        row = self.table("ArCustomer")[account]
        row["CreditLimit"] = str(limit)
        self.stamp(row)

    # --- numbering -------------------------------------------------------------------------
    def new_order_number(self) -> str:
        self.next_order += 1
        return f"{self.next_order:06d}"

    def new_note_number(self) -> str:
        self.next_note += 1
        return f"{self.next_note:06d}0001"

    def new_journal_number(self) -> str:
        self.next_journal += 1
        return str(self.next_journal)

    def orders_with_po(self, reference: str) -> list[Row]:
        """Sales orders (not credit notes, which SorMaster also holds) carrying a customer PO number."""
        return [
            row
            for row in self.table("SorMaster").values()
            if row["CustomerPoNumber"] == reference and row.get("DocumentType", "O") != "C"
        ]

    def invoice_order(self, sales_order: str) -> str:
        """What SYSPRO's invoicing run does to a despatched order: an invoice, and the order complete."""
        order = self.table("SorMaster")[sales_order]
        self.next_invoice += 1
        invoice = f"{self.next_invoice:06d}"
        self.put(
            "ArInvoice",
            invoice,
            {"Invoice": invoice, "Customer": order["Customer"], "SalesOrder": sales_order},
        )
        order["LastInvoice"] = invoice
        order["OrderStatus"] = "9"
        self.stamp(order)
        return invoice

    def credit_notes_for(self, reference: str) -> list[Row]:
        """Credit notes naming the order (``AlternateReference``) or crediting one of its invoices."""
        invoices = {o.get("LastInvoice", "") for o in self.orders_with_po(reference)} - {""}
        return [
            row
            for row in self.table("SorMaster").values()
            if row.get("DocumentType") == "C"
            and (row.get("AlternateReference") == reference or row.get("InvoiceNumber") in invoices)
        ]

    def order_lines(self, sales_order: str, *, stocked_only: bool = False) -> list[Row]:
        """The order's lines by line number; LineType 1 is a stocked line, 4 a freight line."""
        lines = [
            row
            for row in self.table("SorDetail").values()
            if row["SalesOrder"] == sales_order and (row["LineType"] == "1" or not stocked_only)
        ]
        return sorted(lines, key=lambda row: int(row["SalesOrderLine"]))


def seeded() -> Company:
    company = Company()
    for sku, description, price, free in SEED_ITEMS:
        company.add_item(sku, description, price)
        company.set_stock(sku, DEFAULT_WAREHOUSE, free)
    for code, name, email, limit in SEED_CUSTOMERS:
        company.add_customer(code, name, email, limit)
    for code in WAREHOUSES:
        company.put("InvWhControl", code, {"Warehouse": code, "Description": f"Warehouse {code}"})
    for code in TAX_CODES:
        company.put("AdmTax", code, {"TaxCode": code, "Rate": TAX_RATES[code]})
    for name in CARRIERS:
        company.put("SalShippingInstr", name, {"ShippingInstrs": name})
    for bank, description, currency, ledger in SEED_BANKS:
        row = {"Bank": bank, "Description": description, "Currency": currency, "CashGlCode": ledger}
        company.put("ApBank", bank, row)
    for ledger in LEDGER_CODES:
        company.put("GenMaster", ledger, {"GlCode": ledger})
    return company


def today() -> str:
    return datetime.now(UTC).date().isoformat()
