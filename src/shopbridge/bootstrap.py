"""The composition root: the one place that wires settings, store, clock, connectors and handlers.

Entrypoints (the CLI, the web app, tests) call :func:`build_services` and :func:`build_registry`;
nothing else constructs connectors. Nothing here runs at import time, and connectors are built on
first use, so a command that only reads the queue never needs a Shopify token or an ERP.

Connector packages are looked up by name (``importlib``) rather than imported at the top: they are
written by other people and may not exist yet in a given checkout. A missing piece is a
:class:`ConfigurationError` that says which package and why it is needed, not an ``ImportError``.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import threading
from dataclasses import dataclass, field
from typing import Any

from shopbridge.config import Settings, database_url, load_settings
from shopbridge.engine.clock import Clock, SystemClock
from shopbridge.engine.store import Store
from shopbridge.engine.worker import Registry
from shopbridge.errors import ConfigurationError
from shopbridge.ports.erp import ErpPort

__all__ = [
    "FLOW_MODULES",
    "REGISTRY_FACTORY",
    "Services",
    "build_registry",
    "build_services",
    "worker_registry",
]

# Every module listed here must exist and expose ``register(registry: Registry) -> None``.
# Add a flow's module when the flow lands; importing a listed module that is missing is an error on
# purpose (a silently skipped flow would leave its jobs to dead-letter).
# Order matters: the intake registers placeholders for the kinds no flow has claimed, so it goes last.
FLOW_MODULES: list[str] = [
    "shopbridge.flows.order_sweep",
    "shopbridge.flows.intake",
]

# What `shopbridge worker` hands the engine runner, so each spawned process wires itself.
REGISTRY_FACTORY = "shopbridge.bootstrap:worker_registry"

_SHOPIFY_PACKAGE = "shopbridge.connectors.shopify.client"
_ERP_PACKAGE = "shopbridge.connectors.erp"


@dataclass
class Services:
    """Everything a handler, the CLI or the web app needs, built once per process."""

    settings: Settings
    store: Store
    clock: Clock
    _shopify: dict[str, Any] = field(default_factory=dict, repr=False)
    _erp: ErpPort | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def shopify(self, shop: str) -> Any:
        """The Shopify client of the store named ``shop`` (built on first use, then shared)."""
        with self._lock:
            if shop not in self._shopify:
                self._shopify[shop] = _build_shopify_client(self.settings, shop)
            return self._shopify[shop]

    @property
    def erp(self) -> ErpPort:
        """The ERP adapter named by ``[erp] vendor`` (built on first use)."""
        with self._lock:
            if self._erp is None:
                self._erp = _build_erp(self.settings)
            return self._erp

    def close(self) -> None:
        """Close the connectors built so far (their HTTP pools), then the store."""
        with self._lock:
            for resource in [*self._shopify.values(), self._erp]:
                close = getattr(resource, "close", None)
                if callable(close):
                    close()
            self._shopify.clear()
            self._erp = None
        self.store.close()


def build_services(settings: Settings, *, store: Store | None = None, clock: Clock | None = None) -> Services:
    """Wire the services; pass ``store`` to reuse an open one (tests, the web app beside workers)."""
    if store is None:
        store = Store.connect(database_url(settings), pool_size=settings.database.pool_size)
    return Services(settings=settings, store=store, clock=clock or SystemClock())


def build_registry(services: Services) -> Registry:
    """Collect every flow's handlers into one registry (``services`` is reserved for flows' needs)."""
    registry = Registry()
    for name in FLOW_MODULES:
        module = importlib.import_module(name)
        register = getattr(module, "register", None)
        if register is None:
            raise ConfigurationError(
                f"flow module {name} has no register(registry) function",
                key="bootstrap.FLOW_MODULES",
                fix=f"add `def register(registry: Registry) -> None` to {name}",
            )
        register(registry)
    return registry


def worker_registry() -> tuple[Registry, Services]:
    """The runner's factory for a worker process: settings from ``$SHOPBRIDGE_CONFIG``."""
    settings = load_settings(os.environ.get("SHOPBRIDGE_CONFIG", "shopbridge.toml"))
    services = build_services(settings)
    return build_registry(services), services


def _build_shopify_client(settings: Settings, shop: str) -> Any:
    shop_settings = settings.shop_by_name(shop)
    if shop_settings is None:
        known = ", ".join(s.name for s in settings.shops) or "none"
        raise ConfigurationError(
            f"no [[shops]] entry is named {shop!r} (configured: {known})",
            key="shops",
            fix=f'add a [[shops]] block with name = "{shop}"',
        )
    client_class = getattr(_optional_module(_SHOPIFY_PACKAGE, "the Shopify connector"), "ShopifyClient", None)
    if client_class is None or not hasattr(client_class, "from_settings"):
        raise ConfigurationError(
            f"{_SHOPIFY_PACKAGE} offers no ShopifyClient.from_settings",
            fix="install a shopbridge build that includes the Shopify connector",
        )
    return client_class.from_settings(shop_settings)


def _build_erp(settings: Settings) -> ErpPort:
    if settings.erp is None:
        raise ConfigurationError(
            "no ERP is configured", key="erp", fix='add an [erp] section with vendor = "..." and its settings'
        )
    build = getattr(_optional_module(_ERP_PACKAGE, "the ERP adapters"), "build_erp", None)
    if build is None:
        raise ConfigurationError(
            f"{_ERP_PACKAGE} offers no build_erp(settings)",
            key="erp.vendor",
            fix="install a shopbridge build that includes the ERP adapters",
        )
    erp: ErpPort = build(settings.erp)
    return erp


def _optional_module(name: str, what: str) -> Any:
    if importlib.util.find_spec(name) is None:
        raise ConfigurationError(
            f"{what} ({name}) is not installed", fix="install the full shopbridge package"
        )
    return importlib.import_module(name)
