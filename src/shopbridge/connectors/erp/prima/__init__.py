"""Prima (Prima Solutions) SOAP/XML adapter: ``build(settings)`` gives the ERP port."""

from __future__ import annotations

import httpx

from shopbridge.config.erp import PrimaSettings
from shopbridge.connectors.erp.prima.adapter import PrimaAdapter
from shopbridge.connectors.erp.prima.client import PrimaClient
from shopbridge.ports.erp import ErpPort

__all__ = ["PrimaAdapter", "build"]


def build(settings: PrimaSettings, *, transport: httpx.BaseTransport | None = None) -> ErpPort:
    """The adapter for ``settings``; ``transport`` is what its HTTP client sends through (a limit, a mock)."""
    if transport is None:
        return PrimaAdapter(settings)
    http = httpx.Client(timeout=settings.timeout_seconds, transport=transport)
    return PrimaAdapter(settings, client=PrimaClient(settings, http=http))
