"""The sandbox's HTTP face: Shopify's GraphQL endpoint plus the ``/_sandbox`` control API.

``Sandbox`` ties one shop state to its cost bucket, faults and settings; ``build_app`` serves it
with Starlette; ``SandboxServer`` runs that app with uvicorn in a thread on a free 127.0.0.1 port
for tests. Control routes and D2's routes reach the sandbox through ``request.app.state.sandbox``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..serving import ServerThread
from .cost import LeakyBucket
from .executor import Answer, Executor
from .faults import Faults
from .origin import served_from
from .schema import API_VERSION
from .state import ShopState

INVALID_TOKEN = {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}


@dataclass
class SandboxSettings:
    """How a sandbox starts; every field can be changed later through the control API."""

    access_token: str = "shpat_sandbox_token"
    shop_domain: str = "sandbox.myshopify.com"
    currency: str = "GBP"
    bucket_size: float = 2000.0  # maximumAvailable as the captures of a standard shop show
    restore_rate: float = 100.0  # Standard plan, points per second
    seed: int | None = None
    seed_catalogue: bool = False
    webhook_url: str | None = None
    webhook_secret: str = "sandbox-webhook-secret"


class Sandbox:
    """One sandbox shop: state, cost bucket, faults and the executor that serves GraphQL."""

    def __init__(self, settings: SandboxSettings | None = None, state: ShopState | None = None) -> None:
        self.settings = settings or SandboxSettings()
        self.state = state or ShopState(self.settings.shop_domain, self.settings.currency)
        self.bucket = LeakyBucket(self.settings.bucket_size, self.settings.restore_rate)
        self.faults = Faults(seed=self.settings.seed)
        self.executor = Executor(self.state, self.bucket)
        self.state.app_secret = self.settings.webhook_secret
        if self.settings.seed_catalogue:
            from .seed import seed_catalogue

            seed_catalogue(self.state, self.settings.seed if self.settings.seed is not None else 7)

    @property
    def base_url(self) -> str:
        return self.state.base_url

    def start_webhooks(self) -> None:
        """Deliver events to the legacy ``settings.webhook_url`` through D2's emitter, when set.

        Without one the emitter starts with the first ``webhookSubscriptionCreate`` (signing with
        ``state.app_secret``), so a caller may still install its own emitter before that.
        """
        self.state.app_secret = self.settings.webhook_secret
        if not self.settings.webhook_url:
            return
        from .webhooks import emitter_for

        address, secret = self.settings.webhook_url, self.settings.webhook_secret
        emitter_for(self.state).configure({"address": address, "secret": secret})

    def stop_webhooks(self) -> None:
        emitter = getattr(self.state, "webhook_emitter", None)
        if emitter is not None:
            emitter.stop()


async def graphql_endpoint(request: Request) -> Response:
    sandbox: Sandbox = request.app.state.sandbox
    if request.path_params["version"] != API_VERSION:
        return JSONResponse({"errors": "Not Found"}, status_code=404)
    if request.headers.get("x-shopify-access-token") != sandbox.settings.access_token:
        return JSONResponse(INVALID_TOKEN, status_code=401)
    faults = sandbox.faults
    if faults.should_fail():
        return JSONResponse({"errors": "Internal Server Error"}, status_code=faults.error_status)
    try:
        payload = json.loads(await request.body())
    except ValueError:
        return JSONResponse({"errors": {"query": "Required parameter missing or invalid"}}, status_code=400)
    origin = f"{request.url.scheme}://{request.url.netloc}"  # as the client addressed the sandbox
    answer: Answer = await run_in_threadpool(
        served_from(origin, sandbox.executor.run), payload, faults.latency_ms / 1000
    )
    status = 429 if answer.throttled and faults.throttle_as_429 else answer.status
    headers = {"Retry-After": "1"} if status == 429 else None
    return JSONResponse(answer.body, status_code=status, headers=headers)


def _control_routes() -> list[BaseRoute]:
    from .control import control_routes

    return control_routes()


def build_app(sandbox: Sandbox) -> Starlette:
    routes: list[BaseRoute] = [
        Route("/admin/api/{version}/graphql.json", graphql_endpoint, methods=["POST"]),
        *_control_routes(),
    ]
    app = Starlette(routes=routes)
    app.state.sandbox = sandbox
    return app


class SandboxServer:
    """Serve a sandbox with uvicorn in a background thread (tests: ``start()`` then ``stop()``)."""

    def __init__(self, sandbox_or_settings: Sandbox | SandboxSettings | ShopState | None = None) -> None:
        if isinstance(sandbox_or_settings, Sandbox):
            self.sandbox = sandbox_or_settings
        elif isinstance(sandbox_or_settings, ShopState):
            self.sandbox = Sandbox(state=sandbox_or_settings)
        else:
            self.sandbox = Sandbox(sandbox_or_settings)
        self.app = build_app(self.sandbox)
        self._server: ServerThread | None = None

    @property
    def state(self) -> ShopState:
        return self.sandbox.state

    @property
    def graphql_url(self) -> str:
        return f"{self.sandbox.base_url}/admin/api/{API_VERSION}/graphql.json"

    def start(self, port: int | None = None, also_on: tuple[str, ...] = ()) -> str:
        """Start serving on 127.0.0.1 (a free port unless given), and on ``also_on``'s addresses on
        the same port; returns the base URL (the loopback one)."""
        self._server = ServerThread(self.app, port=port or 0, name="shopify-sandbox", also_on=also_on)
        self.sandbox.state.base_url = self._server.start()
        self.sandbox.start_webhooks()
        return self.sandbox.base_url

    def stop(self) -> None:
        self.sandbox.stop_webhooks()
        if self._server is not None:
            self._server.stop()
        self._server = None
