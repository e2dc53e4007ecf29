"""The ASGI application: webhook intake, dashboard, JSON API, health and metrics in one Starlette app.

The dashboard and API have no login of their own: the app is meant to listen on 127.0.0.1 only
(``shopbridge run`` refuses another address) behind a reverse proxy that authenticates people and
forwards Shopify's webhook path. Handlers are plain functions, which Starlette runs in its thread
pool, because the store calls they make are blocking.
"""

from __future__ import annotations

import importlib
import importlib.util

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from shopbridge.bootstrap import Services
from shopbridge.web import api, dashboard, metrics

__all__ = ["create_app"]

_INTAKE_MODULE = "shopbridge.web.intake"


def create_app(services: Services) -> Starlette:
    """Build the app around ``services`` (its store and clock are shared with workers in `run`)."""
    routes: list[BaseRoute] = [
        *_intake_routes(services),
        *dashboard.routes(),
        *api.routes(),
        Route("/metrics", metrics.endpoint, name="metrics"),
        Route("/healthz", api.healthz, name="healthz"),
        Mount("/static", app=StaticFiles(packages=[("shopbridge.web", "static")]), name="static"),
    ]
    app = Starlette(routes=routes)
    app.state.services = services
    app.state.metrics = metrics.build_registry(services)
    return app


def _intake_routes(services: Services) -> list[BaseRoute]:
    """Shopify's webhook routes, when the intake module is part of this build."""
    if importlib.util.find_spec(_INTAKE_MODULE) is None:
        return []
    routes: list[BaseRoute] = importlib.import_module(_INTAKE_MODULE).intake_routes(services)
    return routes
