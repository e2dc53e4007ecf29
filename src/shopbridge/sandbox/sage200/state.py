"""The sandbox's memory: Sage 200 records as the API shows them, seeded with a small company.

Records are kept in Sage's own JSON shape (field names and types of the OpenAPI schemas, no
``null``: the specs declare nothing nullable, so an absent value is an absent key). Every write
stamps ``date_time_updated`` from a clock that never repeats a value, so "changed since" queries
see each change exactly once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

Record = dict[str, Any]

SITE_ID = "00000000-0000-0000-0000-000000000200"
COMPANY_ID = 1
DEFAULT_WAREHOUSE = "WAREHOUSE"
STANDARD_BAND = "Standard"
ACTIVE = "Active"
INACTIVE = "Inactive"

# (SKU, name, price, free stock) matching tests/contract/harness.py STANDARD_ITEMS.
SEED_ITEMS: tuple[tuple[str, str, Decimal, Decimal], ...] = (
    ("TSHIRT-RED-M", "T-shirt red M", Decimal("12.50"), Decimal(40)),
    ("TSHIRT-BLU-L", "T-shirt blue L", Decimal("12.50"), Decimal(25)),
    ("MUG-WHITE", "White mug", Decimal("8.00"), Decimal(100)),
    ("CAP-BLACK", "Black cap", Decimal("15.00"), Decimal(0)),
)
SEED_CUSTOMER_EMAIL = "existing@example.com"
SEED_NOMINALS: tuple[tuple[str, str], ...] = (
    ("1200", "Bank current account"),
    ("1100", "Shopify clearing"),
    ("7900", "Bank charges and fees"),
    ("4000", "Sales"),
    ("2200", "VAT output"),
)
SEED_COURIERS = ("Royal Mail", "DPD", "DHL", "Parcelforce")  # GET /couriers (general.json)
SEED_TAX_CODES: tuple[tuple[int, str, Decimal], ...] = (
    (0, "Zero rated", Decimal(0)),
    (1, "Standard rated", Decimal(20)),
    (5, "Reduced rate", Decimal(5)),
    (9, "Exempt", Decimal(0)),
)


def money(value: Decimal) -> float:
    """A JSON number for a decimal amount (the specs type amounts as ``number``)."""
    return float(value)


@dataclass
class Tables:
    rows: dict[str, dict[int, Record]] = field(default_factory=dict)
    next_id: int = 1000

    def table(self, name: str) -> dict[int, Record]:
        return self.rows.setdefault(name, {})

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id


class SageState:
    """All records of one sandbox company, guarded by one lock (requests run on several threads)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.tables = Tables()
        self._last_stamp = datetime(2026, 1, 1, tzinfo=UTC)
        seed(self)

    # --- clock -----------------------------------------------------------------------------------
    def stamp(self) -> str:
        """A UTC time stamp later than every earlier one (millisecond resolution, as Sage prints)."""
        now = datetime.now(UTC)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        if now <= self._last_stamp:
            now = self._last_stamp + timedelta(milliseconds=1)
        self._last_stamp = now
        return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"

    # --- generic access --------------------------------------------------------------------------
    def all(self, table: str) -> list[Record]:
        return list(self.tables.table(table).values())

    def get(self, table: str, record_id: int) -> Record | None:
        return self.tables.table(table).get(record_id)

    def insert(self, table: str, record: Record) -> Record:
        record_id = self.tables.new_id()
        stamp = self.stamp()
        row = {"id": record_id, **record, "date_time_created": stamp, "date_time_updated": stamp}
        self.tables.table(table)[record_id] = row
        return row

    def touch(self, record: Record) -> None:
        record["date_time_updated"] = self.stamp()

    def find(self, table: str, **where: Any) -> list[Record]:
        return [r for r in self.all(table) if all(r.get(k) == v for k, v in where.items())]

    def first(self, table: str, **where: Any) -> Record | None:
        found = self.find(table, **where)
        return found[0] if found else None

    # --- catalogue helpers -------------------------------------------------------------------------
    def product_by_code(self, code: str) -> Record | None:
        return self.first("products", code=code)

    def warehouse_by_name(self, name: str) -> Record | None:
        return self.first("warehouses", name=name)

    def holding(self, product_id: int, warehouse_id: int) -> Record | None:
        return self.first("warehouse_holdings", product_id=product_id, warehouse_id=warehouse_id)


def seed(state: SageState) -> None:
    state.insert("warehouses", {"name": DEFAULT_WAREHOUSE, "description": "Main warehouse"})
    for tax_code, tax_name, rate in SEED_TAX_CODES:
        state.insert("tax_codes", {"code": tax_code, "name": tax_name, "tax_rate": money(rate)})
    for reference, name in SEED_NOMINALS:
        # report_category_id is required by the spec's nominal_code (a financial report category).
        state.insert("nominal_codes", {"reference": reference, "name": name, "report_category_id": 1})
    for courier in SEED_COURIERS:
        state.insert("couriers", {"name": courier})
    state.insert(
        "banks",
        {
            "code": "1200",
            "description": "Current account",
            "sort_code": "40-00-00",
            "bank_account_nominal_reference": "1200",
            "balance": money(Decimal(0)),
        },
    )
    state.insert("price_bands", _band(STANDARD_BAND, "Standard selling prices", standard=True))
    state.insert("price_bands", _band("TRADE", "Trade prices", standard=False))
    for code, name, price, free in SEED_ITEMS:
        add_product(state, code, name, price, active=True)
        set_free_stock(state, code, DEFAULT_WAREHOUSE, free)
    add_customer(state, "EXIST01", "Existing Customer Ltd", SEED_CUSTOMER_EMAIL, ("Erin", "Existing"))


def _band(name: str, description: str, *, standard: bool) -> Record:
    return {
        "name": name,
        "description": description,
        "is_standard_band": standard,
        "currency_id": 1,
        "is_active": True,
        "is_time_based": False,
        "price_band_type": "Universal",
        "price_band_type_id": 0,
    }


def add_product(state: SageState, code: str, name: str, price: Decimal, *, active: bool) -> Record:
    """Add a stock item with a standard-band price and an (empty) holding in every warehouse."""
    with state.lock:
        standard_tax = state.first("tax_codes", code=1)
        product = state.insert(
            "products",
            {
                "code": code,
                "name": name,
                "description": name,
                "product_group_id": 1,
                "tax_code_id": standard_tax["id"] if standard_tax else 0,
                "allow_sales_order": True,
                "product_status_type": ACTIVE if active else INACTIVE,
                "barcode": "",
                "weight": 0.0,  # kilograms per stock unit; 0 until someone weighs it
            },
        )
        for band in state.all("price_bands"):
            set_price(state, product, band, price if band.get("is_standard_band") else price * Decimal("0.8"))
        for warehouse in state.all("warehouses"):
            _new_holding(state, product, warehouse)
        return product


def _new_holding(state: SageState, product: Record, warehouse: Record) -> Record:
    holding = state.insert(
        "warehouse_holdings",
        {"product_id": product["id"], "warehouse_id": warehouse["id"], "warehouse_name": warehouse["name"]},
    )
    _recompute_holding(holding, in_stock=Decimal(0), allocated=Decimal(0), reserved=Decimal(0))
    return holding


def _recompute_holding(holding: Record, *, in_stock: Decimal, allocated: Decimal, reserved: Decimal) -> None:
    free = in_stock - allocated
    holding.update(
        confirmed_qty_in_stock=money(in_stock),
        unconfirmed_qty_in_stock=0.0,
        quantity_in_stock=money(in_stock),
        quantity_reserved=money(reserved),
        quantity_in_stock_less_reserved=money(in_stock - reserved),
        quantity_allocated_sop=money(allocated),
        quantity_allocated_stock=0.0,
        quantity_allocated_bom=0.0,
        quantity_allocated=money(allocated),
        quantity_on_order=0.0,
        free_stock_available=money(free),
        free_stock_available_less_reserved=money(free - reserved),
    )


def adjust_holding(
    state: SageState, holding: Record, *, stock: Decimal = Decimal(0), allocated: Decimal = Decimal(0)
) -> None:
    in_stock = Decimal(str(holding["quantity_in_stock"])) + stock
    now_allocated = Decimal(str(holding["quantity_allocated"])) + allocated
    reserved = Decimal(str(holding["quantity_reserved"]))
    _recompute_holding(holding, in_stock=in_stock, allocated=now_allocated, reserved=reserved)
    state.touch(holding)


def set_free_stock(state: SageState, code: str, warehouse_name: str, free: Decimal) -> None:
    """Make the free stock of ``code`` in ``warehouse_name`` exactly ``free`` (a stock take)."""
    with state.lock:
        product = _require(state.product_by_code(code), f"product {code}")
        warehouse = state.warehouse_by_name(warehouse_name) or state.insert(
            "warehouses", {"name": warehouse_name}
        )
        holding = state.holding(product["id"], warehouse["id"]) or _new_holding(state, product, warehouse)
        allocated = Decimal(str(holding["quantity_allocated"]))
        reserved = Decimal(str(holding["quantity_reserved"]))
        _recompute_holding(holding, in_stock=free + allocated, allocated=allocated, reserved=reserved)
        state.touch(holding)


def set_price(state: SageState, product: Record, band: Record, price: Decimal) -> None:
    existing = state.first("product_prices", product_id=product["id"], price_band_id=band["id"])
    row = existing or state.insert(
        "product_prices", {"product_id": product["id"], "price_band_id": band["id"]}
    )
    row["price"] = money(price.quantize(Decimal("0.01")))
    state.touch(row)


def set_active(state: SageState, code: str, active: bool) -> None:
    with state.lock:
        product = _require(state.product_by_code(code), f"product {code}")
        product["product_status_type"] = ACTIVE if active else INACTIVE
        product["allow_sales_order"] = active
        state.touch(product)


def set_details(state: SageState, code: str, *, barcode: str | None, weight: Decimal | None) -> None:
    """The product's bar code and weight per stock unit (kg, 4 dp), as a stock clerk keys them in."""
    with state.lock:
        product = _require(state.product_by_code(code), f"product {code}")
        if barcode is not None:
            product["barcode"] = barcode
        if weight is not None:
            product["weight"] = float(round(weight, 4))
        state.touch(product)


def add_customer(state: SageState, reference: str, name: str, email: str, person: tuple[str, str]) -> Record:
    with state.lock:
        return state.insert(
            "customers",
            {
                "reference": reference,
                "name": name,
                "balance": 0.0,
                "credit_limit": 0.0,
                "on_hold": False,
                "currency_id": 1,
                "price_band_id": standard_band_id(state),
                "contacts": [_contact(person, email)],
            },
        )


def standard_band_id(state: SageState) -> int | None:
    """Every Sage 200 customer has a price band; a new one gets the standard band."""
    band = state.first("price_bands", is_standard_band=True)
    return int(band["id"]) if band else None


def _contact(person: tuple[str, str], email: str) -> Record:
    contact: Record = {"first_name": person[0], "last_name": person[1], "is_default": True}
    if email:
        contact["emails"] = [{"email": email, "is_default": True}]
    return contact


def _require(record: Record | None, what: str) -> Record:
    if record is None:
        raise KeyError(f"{what} does not exist in the sandbox")
    return record


def ids(records: Iterable[Record]) -> list[int]:
    return [int(r["id"]) for r in records]
