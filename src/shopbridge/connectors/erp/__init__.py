"""ERP adapters behind one port. :func:`build_erp` picks the configured vendor's adapter."""

from __future__ import annotations

import importlib
from typing import Any

from shopbridge.config.erp import ErpSettings
from shopbridge.connectors.erp.limits import Limiter, limited_transport
from shopbridge.errors import ConfigurationError
from shopbridge.ports.erp import ErpPort

__all__ = ["build_erp"]


def build_erp(settings: ErpSettings, *, limiter: Limiter | None = None) -> ErpPort:
    """Import ``shopbridge.connectors.erp.<vendor>`` and call its ``build(<vendor settings>)``.

    Adapters are imported only when configured, so an installation pays for one vendor only. With a
    ``limiter`` (``shopbridge.engine.slots.erp_slots``), every HTTP request the adapter sends holds
    one of its slots (``erp.max_concurrency``) while it is in flight.
    """
    vendor = settings.vendor
    section: Any = getattr(settings, vendor, None)
    if section is None:
        raise ConfigurationError(
            f"erp.vendor is {vendor!r} but there is no [erp.{vendor}] section",
            key=f"erp.{vendor}",
            fix=f"add an [erp.{vendor}] section (see `shopbridge init`) or change erp.vendor",
        )
    try:
        module = importlib.import_module(f"shopbridge.connectors.erp.{vendor}")
    except ModuleNotFoundError as exc:
        raise ConfigurationError(
            f"no adapter for ERP vendor {vendor!r} is installed ({exc})", key="erp.vendor"
        ) from exc
    transport = limited_transport(limiter)
    port: ErpPort = module.build(section) if transport is None else module.build(section, transport=transport)
    return port
