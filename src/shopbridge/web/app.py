"""The ASGI application: webhook intake, dashboard, JSON API, health and metrics in one Starlette app.

Everything but Shopify's signed webhook intake, ``/healthz``, ``/static`` and the sign-in page needs
a signed-in user or an API token (:mod:`shopbridge.web.auth`). TLS is left to a reverse proxy in
front. Handlers are plain functions, which Starlette runs in its thread pool, because the store
calls they make are blocking.
"""

from __future__ import annotations

import importlib
import importlib.util
import secrets

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from shopbridge.bootstrap import Services
from shopbridge.config.model import WebSettings
from shopbridge.web import api, api_pages, dashboard, metrics, signin
from shopbridge.web.auth import AccessMiddleware
from shopbridge.web.pages import routes as pages

__all__ = ["create_app"]

_INTAKE_MODULE = "shopbridge.web.intake"


def create_app(services: Services) -> Starlette:
    """Build the app around ``services`` (its store and clock are shared with workers in `run`)."""
    routes: list[BaseRoute] = [
        *_intake_routes(services),
        *signin.routes(),
        *dashboard.routes(),
        *api_pages.routes(),  # before api's: /api/problems/bulk is not a problem id
        *api.routes(),
        *pages.routes(),
        Route("/metrics", metrics.endpoint, name="metrics"),
        Route("/healthz", api.healthz, name="healthz"),
        Mount("/static", app=StaticFiles(packages=[("shopbridge.web", "static")]), name="static"),
    ]
    app = Starlette(routes=routes, middleware=_access_middleware(services))
    app.state.services = services
    app.state.metrics = metrics.build_registry(services)
    return app


def _intake_routes(services: Services) -> list[BaseRoute]:
    """Shopify's webhook routes, when the intake module is part of this build."""
    if importlib.util.find_spec(_INTAKE_MODULE) is None:
        return []
    routes: list[BaseRoute] = importlib.import_module(_INTAKE_MODULE).intake_routes(services)
    return routes


def _access_middleware(services: Services) -> list[Middleware]:
    """Signed session cookies outside, the access check inside (it reads the session)."""
    web = services.settings.web
    session = Middleware(
        SessionMiddleware,
        secret_key=_session_secret(web),
        session_cookie="shopbridge_session",
        max_age=int(web.session_hours * 3600),
        same_site="lax",
        https_only=_secure_cookies(web),
    )
    return [session, Middleware(AccessMiddleware, services=services)]


def _session_secret(web: WebSettings) -> str:
    """The configured secret; without one, a random one for this process (sessions end on restart)."""
    if web.session_secret is None:
        return secrets.token_urlsafe(32)
    return web.session_secret.resolve("web.session_secret")


def _secure_cookies(web: WebSettings) -> bool:
    if web.secure_cookies is not None:
        return web.secure_cookies
    return web.public_url.startswith("https://")
