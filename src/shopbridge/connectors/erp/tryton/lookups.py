"""Reads the Tryton adapter repeats: the company currency, the warehouse, products by SKU, parties
by account code, taxes by rate, accounts by code. Slow-changing setup is cached per adapter."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Any

from shopbridge.connectors.erp.tryton.rpc import TrytonRpc
from shopbridge.errors import ConfigurationError, NeedsPerson

ALL = {"active_test": False}


_WITHIN_ROUNDING = Decimal("0.02")


@dataclass(frozen=True)
class Warehouse:
    id: int
    code: str
    storage: int


@dataclass(frozen=True)
class ProductRef:
    id: int
    sku: str
    unit: int
    active: bool
    revenue_account: int | None


class Lookups:
    def __init__(self, rpc: TrytonRpc, warehouse_code: str, company_id: int) -> None:
        self.rpc = rpc
        self.warehouse_code = warehouse_code
        self.company_id = company_id

    def search_read(
        self,
        model: str,
        domain: Sequence[Any],
        fields: Sequence[str],
        *,
        order: Sequence[Sequence[str]] | None = None,
        limit: int | None = None,
        context: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        rows = self.rpc.model(
            model, "search_read", list(domain), 0, limit, order, list(fields), context=context
        )
        if not isinstance(rows, list):
            raise NeedsPerson(f"Tryton answered {model}.search_read with {type(rows).__name__}, not a list")
        return rows

    @cached_property
    def currency(self) -> tuple[int, str]:
        """The company currency (id, ISO code): every amount we read is in it."""
        rows = self.search_read(
            "company.company", [("id", "=", self.company_id)], ["currency.code", "currency"]
        )
        if not rows:
            raise ConfigurationError(
                f"Tryton has no company {self.company_id}",
                key="erp.tryton.company_id",
                fix="set company_id to the id of the company shopbridge feeds",
            )
        return int(rows[0]["currency"]), str(rows[0]["currency."]["code"])

    @cached_property
    def warehouse(self) -> Warehouse:
        rows = self.search_read(
            "stock.location",
            [("code", "=", self.warehouse_code), ("type", "=", "warehouse")],
            ["code", "storage_location"],
        )
        if not rows:
            raise ConfigurationError(
                f"Tryton has no warehouse with code {self.warehouse_code}",
                key="erp.tryton.warehouse_code",
                fix="set it to a warehouse location's code",
            )
        return Warehouse(int(rows[0]["id"]), self.warehouse_code, int(rows[0]["storage_location"]))

    def products(self, skus: Sequence[str]) -> dict[str, ProductRef]:
        rows = self.search_read(
            "product.product",
            [("suffix_code", "in", list(skus))],
            ["suffix_code", "default_uom", "active", "account_category.account_revenue"],
            context=ALL,
        )
        return {str(r["suffix_code"]): _product_ref(r) for r in rows}

    def party(self, account: str) -> dict[str, Any]:
        rows = self.search_read("party.party", [("code", "=", account)], ["name", "code", "addresses"])
        if not rows:
            raise NeedsPerson(f"Tryton has no party with code {account}; create or link the customer first")
        return rows[0]

    @cached_property
    def tax_rounding(self) -> str:
        """``document`` (Tryton's default: each tax rounded once per sale) or ``line``, for the company
        (the RPC context names it, so the configuration answers the company's value)."""
        rows = self.search_read("account.configuration", [], ["tax_rounding"])
        return str(rows[0].get("tax_rounding") or "document") if rows else "document"

    @cached_property
    def taxes(self) -> dict[Decimal, int]:
        rows = self.search_read("account.tax", [("type", "=", "percentage"), ("parent", "=", None)], ["rate"])
        return {Decimal(r["rate"]).quantize(Decimal("0.0001")): int(r["id"]) for r in rows}

    def tax_for(self, net: Decimal, tax: Decimal) -> list[int]:
        """The Tryton tax Shopify charged ``tax`` at on ``net``; untaxed lines carry none.

        Matched within rounding, not by the rate read back from two rounded amounts: VAT worked out
        of a VAT-inclusive 3.95 is 0.66 on 3.29, which reads 20.06%. Of the rates within two pennies
        the closest wins; none is a tax finance must add.
        """
        if tax == 0 or net == 0:
            return []
        near = sorted(
            (abs(net * rate - tax), rate) for rate in self.taxes if abs(net * rate - tax) <= _WITHIN_ROUNDING
        )
        if not near:
            raise NeedsPerson(
                f"Tryton has no percentage tax near {tax / net:.2%}; add one so the line's tax is kept"
            )
        return [self.taxes[near[0][1]]]

    def accounts(self, codes: Sequence[str]) -> dict[str, int]:
        rows = self.search_read(
            "account.account", [("code", "in", list(codes)), ("closed", "!=", True)], ["code"]
        )
        found = {str(r["code"]): int(r["id"]) for r in rows}
        missing = sorted(set(codes) - set(found))
        if missing:
            raise NeedsPerson(
                f"Tryton's chart has no account coded {', '.join(missing)}; add them or map the "
                "nominal codes to Tryton account codes"
            )
        return found

    def period(self, day: date) -> int:
        rows = self.search_read(
            "account.period",
            [
                ("start_date", "<=", day),
                ("end_date", ">=", day),
                ("type", "=", "standard"),
                ("state", "=", "open"),
            ],
            ["id"],
        )
        if not rows:
            raise NeedsPerson(f"Tryton has no open accounting period on {day}; open the fiscal year first")
        return int(rows[0]["id"])

    def journal(self, kind: str) -> int:
        rows = self.search_read(
            "account.journal", [("type", "=", kind)], ["id"], order=[("id", "ASC")], limit=1
        )
        if not rows:
            raise ConfigurationError(
                f"Tryton has no {kind} journal",
                key="erp.tryton",
                fix=f"create an account journal of type {kind}",
            )
        return int(rows[0]["id"])

    def default_receivable(self) -> int:
        rows = self.search_read("account.configuration", [], ["default_account_receivable"], limit=1)
        if not rows or not rows[0].get("default_account_receivable"):
            raise ConfigurationError(
                "Tryton has no default receivable account",
                key="erp.tryton",
                fix="set it in Accounting > Configuration",
            )
        return int(rows[0]["default_account_receivable"])


def _product_ref(row: dict[str, Any]) -> ProductRef:
    category = row.get("account_category.") or {}
    revenue = category.get("account_revenue") if isinstance(category, dict) else None
    return ProductRef(
        int(row["id"]),
        str(row["suffix_code"]),
        int(row["default_uom"]),
        bool(row["active"]),
        int(revenue) if revenue else None,
    )
