"""The control API under ``/_sandbox/``: reset, seed, fault and bucket settings, state for tests.

Routes reach the sandbox as ``request.app.state.sandbox`` (a ``server.Sandbox``: ``.state``,
``.bucket``, ``.faults``, ``.settings``). D2's order routes (``resolvers.orders.order_routes``)
and webhook routes (``webhooks.webhook_routes``) are mounted here when those modules exist.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import asdict, is_dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from .subscriptions import set_granted_scopes

if TYPE_CHECKING:
    from .server import Sandbox

_OPTIONAL_ROUTES = (
    ("shopbridge.sandbox.shopify.resolvers.orders", "order_routes"),
    ("shopbridge.sandbox.shopify.webhooks", "webhook_routes"),
)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    return str(value)


def json_response(data: Any, status: int = 200) -> Response:
    body = json.dumps(data, default=_json_default)
    return Response(body, status_code=status, media_type="application/json")


def sandbox_of(request: Request) -> Sandbox:
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("the control API takes a JSON object")
    return data


async def reset(request: Request) -> Response:
    sandbox = sandbox_of(request)
    sandbox.state.reset()
    sandbox.bucket.refill_fully()
    return json_response({"ok": True})


async def seed(request: Request) -> Response:
    from .seed import seed_catalogue

    body = await _body(request)
    sandbox = sandbox_of(request)
    if body.get("reset", True):
        sandbox.state.reset()
    return json_response(seed_catalogue(sandbox.state, body.get("seed", sandbox.settings.seed or 7)))


def _settings_view(sandbox: Sandbox) -> dict[str, Any]:
    status = sandbox.bucket.status()
    return {
        **sandbox.faults.as_dict(),
        "bucket_size": status["maximumAvailable"],
        "restore_rate": status["restoreRate"],
        "currently_available": status["currentlyAvailable"],
        "webhook_url": sandbox.settings.webhook_url,
        "bulk_base_s": sandbox.state.bulk_timing.base_s,
        "bulk_per_object_s": sandbox.state.bulk_timing.per_object_s,
        "granted_scopes": list(sandbox.state.granted_scopes),
    }


async def settings(request: Request) -> Response:
    sandbox = sandbox_of(request)
    if request.method == "GET":
        return json_response(_settings_view(sandbox))
    try:
        body = await _body(request)
        sandbox.bucket.configure(
            maximum=body.pop("bucket_size", None), restore_rate=body.pop("restore_rate", None)
        )
        if body.pop("refill", False):
            sandbox.bucket.refill_fully()
        if "webhook_url" in body:
            sandbox.settings.webhook_url = body.pop("webhook_url")
        if "webhook_secret" in body:
            sandbox.settings.webhook_secret = str(body.pop("webhook_secret"))
        if "granted_scopes" in body:
            set_granted_scopes(sandbox.state, body.pop("granted_scopes"))
        _configure_bulk(sandbox, body)
        sandbox.faults.update(body)
    except (ValueError, TypeError) as exc:
        return json_response({"error": str(exc)}, status=400)
    return json_response(_settings_view(sandbox))


def _configure_bulk(sandbox: Sandbox, body: dict[str, Any]) -> None:
    """How long bulk operations take; never instant (a zero would hide the polling clients need)."""
    timing = sandbox.state.bulk_timing
    for key, attr in (("bulk_base_s", "base_s"), ("bulk_per_object_s", "per_object_s")):
        if key in body:
            value = float(body.pop(key))
            if value < 0 or (attr == "base_s" and value == 0):
                raise ValueError(f"{key} must be positive")
            setattr(timing, attr, value)


def state_view(sandbox: Sandbox) -> dict[str, Any]:
    state = sandbox.state
    with state.lock:
        levels = [
            {"inventory_item_id": item, "location_id": loc, "id": state.level_ids.get((item, loc)), **qty}
            for (item, loc), qty in state.inventory_levels.items()
        ]
        view: dict[str, Any] = {
            name: dict(getattr(state, name))
            for name in (
                "locations",
                "products",
                "variants",
                "inventory_items",
                "customers",
                "companies",
                "company_locations",
                "catalogs",
                "price_lists",
                "publications",
                "bulk_operations",
                "webhook_subscriptions",
            )
        }
        view["inventory_levels"] = levels
        view["idempotency_keys"] = sorted(state.idempotency)
        return json.loads(json.dumps(view, default=_json_default))  # type: ignore[no-any-return]


async def read_state(request: Request) -> Response:
    return json_response(state_view(sandbox_of(request)))


async def bulk_file(request: Request) -> Response:
    state = sandbox_of(request).state
    op = state.bulk_operations.get(f"gid://shopify/BulkOperation/{request.path_params['op_id']}")
    if op is None or op.get("jsonl") is None:
        return PlainTextResponse("Not Found", status_code=404)
    return Response(op["jsonl"], media_type="application/jsonl")


def _optional_routes() -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    for module_name, function in _OPTIONAL_ROUTES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        factory = getattr(module, function, None)
        if factory is not None:
            routes.extend(factory())
    return routes


def control_routes() -> list[BaseRoute]:
    return [
        Route("/_sandbox/reset", reset, methods=["POST"]),
        Route("/_sandbox/seed", seed, methods=["POST"]),
        Route("/_sandbox/settings", settings, methods=["GET", "POST"]),
        Route("/_sandbox/state", read_state, methods=["GET"]),
        Route("/_sandbox/bulk/{op_id:int}.jsonl", bulk_file, methods=["GET"]),
        *_optional_routes(),
    ]
