"""Levers of the XML ERP sandboxes: what a test, or a person with curl, does to the simulated ERP.

The clerk's actions every ERP sandbox offers (reset, add an item, (de)activate it, set stock,
set a customer's credit limit) live
here once; each sandbox adds its own (a despatch, its fault switches, SYSPRO's session eviction).
Levers take a JSON object and answer one; ``lever_route`` serves them at ``POST /_sandbox/{name}``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

Lever = Callable[[dict[str, Any]], dict[str, Any]]


class Company(Protocol):
    """The part of a sandbox company the common levers use."""

    lock: threading.RLock

    def add_item(self, sku: str, description: str, price: Decimal, *, active: bool = True) -> None: ...

    def set_item_active(self, sku: str, active: bool) -> None: ...

    def set_stock(self, sku: str, warehouse: str, free: Decimal) -> None: ...

    def set_credit_limit(self, account: str, limit: Decimal) -> None: ...


class SandboxState(Protocol):
    @property
    def company(self) -> Company: ...

    def reset(self) -> None: ...


class ErpLevers:
    """The common levers; a sandbox subclasses it and adds its own in ``extra_levers``."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self._levers: dict[str, Lever] = {
            "reset": lambda b: self._locked(state.reset),
            "add_item": self._add_item,
            "set_item_active": lambda b: self._locked(
                state.company.set_item_active, b["sku"], bool(b["active"])
            ),
            "set_stock": lambda b: self._locked(
                state.company.set_stock, b["sku"], b["warehouse"], Decimal(str(b["free"]))
            ),
            "set_credit_limit": lambda b: self._locked(
                state.company.set_credit_limit, b["account"], Decimal(str(b["limit"]))
            ),
            **self.extra_levers(),
        }

    def extra_levers(self) -> dict[str, Lever]:
        return {}

    def apply(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        if name not in self._levers:
            raise KeyError(f"no lever {name!r}; levers: {', '.join(sorted(self._levers))}")
        return self._levers[name](body)

    def _locked(self, fn: Callable[..., object], *args: object) -> dict[str, Any]:
        with self.state.company.lock:
            fn(*args)
        return {"ok": True}

    def _add_item(self, b: dict[str, Any]) -> dict[str, Any]:
        price = Decimal(str(b.get("price", "10.00")))
        description = b.get("description", b["sku"])
        active = bool(b.get("active", True))
        return self._locked(lambda: self.state.company.add_item(b["sku"], description, price, active=active))


def lever_route(levers: ErpLevers) -> Route:
    """``POST /_sandbox/{name}`` with a JSON body; an unknown lever or a bad value answers 400."""

    async def lever(request: Request) -> Response:
        body = await request.json() if await request.body() else {}
        try:
            return JSONResponse(levers.apply(request.path_params["name"], body))
        except (KeyError, ValueError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)

    return Route("/_sandbox/{name}", lever, methods=["POST"])
