"""A rehearsal scenario: how much trade, how big a catalogue, how slow the ERP, which faults.

Scenarios are TOML files; three ship as package data (:data:`PRESETS`). A file that does not fit the
model is refused with a :class:`~shopbridge.errors.ConfigurationError` naming the file, the key and
the fix, the way a bad ``shopbridge.toml`` is.
"""

from __future__ import annotations

import tomllib
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from shopbridge.errors import ConfigurationError

__all__ = ["PRESETS", "Faults", "Plan", "Scenario", "SecondStore", "load_scenario"]

PRESETS = ("black-friday", "bad-day", "month-end", "two-stores")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Plan(StrEnum):
    """Shopify's plans as the cost budget sees them: points restored per second, and the bucket."""

    STANDARD = "standard"
    PLUS = "plus"

    @property
    def restore_rate(self) -> float:
        return 100.0 if self is Plan.STANDARD else 1000.0

    @property
    def bucket(self) -> float:
        return 2000.0 if self is Plan.STANDARD else 20000.0


class Trade(_Strict):
    """The trade the rehearsal drives through Shopify."""

    orders: int = Field(
        default=300, ge=1, le=100_000, description="peak orders placed at `orders_per_second`"
    )
    orders_per_second: float = Field(default=5.0, gt=0, le=1000)
    day_orders: int = Field(default=20, ge=1, le=1000, description="orders of the demo's trading day")
    catalogue_size: int = Field(default=12, ge=1, le=10_000, description="SKUs the peak orders spread over")
    bestsellers: int = Field(default=3, ge=0, description="SKUs that take half of the peak's units")
    bestseller_stock: int | None = Field(
        default=None, ge=0, description="ERP stock of each bestseller (None: plenty, nothing runs out)"
    )
    refunds: int = Field(default=0, ge=0, description="extra refunds of peak orders")
    chargebacks: int = Field(default=0, ge=0, description="extra chargebacks (disputes) of peak orders")

    @model_validator(mode="after")
    def _bestsellers_in_catalogue(self) -> Trade:
        if self.bestsellers > self.catalogue_size:
            raise ValueError(
                f"bestsellers ({self.bestsellers}) cannot exceed catalogue_size ({self.catalogue_size})"
            )
        return self


class Erp(_Strict):
    """The ERP as the rehearsal's gate in front of it makes it behave."""

    latency_seconds: float = Field(default=0.0, ge=0, le=10)
    concurrency: int = Field(default=8, ge=1, le=256, description="requests the ERP serves at once")


class Shopify(_Strict):
    plan: Plan = Plan.PLUS


class Faults(_Strict):
    """What goes wrong, on purpose. Rates are fractions in [0, 1]; times are seconds into the peak."""

    webhook_drop_rate: float = Field(default=0.0, ge=0, le=1)
    webhook_duplicate_rate: float = Field(default=0.0, ge=0, le=1)
    webhook_reorder_seconds: float = Field(
        default=0.05, ge=0, le=30, description="each delivery is delayed up to this much: out of order"
    )
    erp_outage_seconds: float = Field(default=0.0, ge=0, le=3600)
    erp_outage_at: float = Field(default=1.0, ge=0, description="seconds into the peak the outage starts")
    erp_error_rate: float = Field(default=0.0, ge=0, le=1, description="ERP requests answered 503")
    shopify_throttle_seconds: float = Field(
        default=0.0, ge=0, le=600, description="how long Shopify's bucket is emptied, answering THROTTLED"
    )
    kill_worker_at: float | None = Field(
        default=None, ge=0, description="SIGKILL one worker process this many seconds into the peak"
    )


class SecondStore(_Strict):
    """A second Shopify store on the same shopbridge (an agency's case), trading at its normal rate
    while the first one peaks (:mod:`shopbridge.rehearse.stores`)."""

    orders: int = Field(default=20, ge=1, le=10_000, description="orders store B places during the peak")
    orders_per_second: float = Field(default=1.0, gt=0, le=100)
    plan: Plan = Plan.STANDARD


class Scenario(_Strict):
    name: str
    description: str = ""
    seed: int = 2026
    trade: Trade = Trade()
    erp: Erp = Erp()
    shopify: Shopify = Shopify()
    faults: Faults = Faults()
    drain_timeout_seconds: float = Field(default=300.0, gt=0, le=7200)
    second_store: SecondStore | None = None  # `[second_store]`: two stores, one peaking

    def scaled(self, orders: int | None) -> Scenario:
        """The same scenario with ``orders`` peak orders (``--orders``), timings kept."""
        if orders is None:
            return self
        update: dict[str, Any] = {"trade": self.trade.model_copy(update={"orders": orders})}
        if self.second_store is not None:  # store B keeps its share of the trade
            scaled = max(1, round(self.second_store.orders * orders / self.trade.orders))
            update["second_store"] = self.second_store.model_copy(update={"orders": scaled})
        return self.model_copy(update=update)


def preset_path(name: str) -> Path:
    resource = resources.files("shopbridge.rehearse") / "presets" / f"{name}.toml"
    return Path(str(resource))


def load_scenario(name_or_path: str) -> Scenario:
    """A preset by name (``bad-day``) or a TOML file by path; refused with the file, key and fix."""
    path = preset_path(name_or_path) if name_or_path in PRESETS else Path(name_or_path)
    if not path.is_file():
        raise ConfigurationError(
            f"no scenario file {path}",
            key="--scenario",
            fix=f"pass a preset ({', '.join(PRESETS)}) or the path of a scenario TOML file",
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(
            f"{path} is not valid TOML: {exc}", key="scenario", fix="correct the TOML syntax at that line"
        ) from exc
    data.setdefault("name", path.stem)
    return _validated(path, data)


def _validated(path: Path, data: dict[str, Any]) -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        key = ".".join(str(part) for part in error["loc"]) or "scenario"
        raise ConfigurationError(
            f"{path}: {error['msg']} (got {error.get('input')!r})", key=key, fix=_fix(error)
        ) from exc


def _fix(error: Any) -> str:
    kind = str(error["type"])
    if kind == "extra_forbidden":
        return "remove the key, or check its spelling against the presets (docs/decisions.md, rehearse)"
    ctx = error.get("ctx") or {}
    if "ge" in ctx or "gt" in ctx or "le" in ctx or "lt" in ctx:
        bounds = ", ".join(f"{k} {v}" for k, v in ctx.items() if k in ("ge", "gt", "le", "lt"))
        return f"use a value with {bounds}"
    if kind == "enum":
        return f"use one of {ctx.get('expected')}"
    return "give the key a value of the right type (see the presets in shopbridge/rehearse/presets)"
