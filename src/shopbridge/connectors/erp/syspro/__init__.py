"""SYSPRO e.net Solutions adapter (REST shape): ``build(settings)`` gives the ERP port."""

from __future__ import annotations

import httpx

from shopbridge.config.erp import SysproSettings
from shopbridge.connectors.erp.syspro.adapter import SysproAdapter
from shopbridge.connectors.erp.syspro.client import SysproClient
from shopbridge.ports.erp import ErpPort

__all__ = ["SysproAdapter", "build"]


def build(settings: SysproSettings, *, transport: httpx.BaseTransport | None = None) -> ErpPort:
    """The adapter for ``settings``; ``transport`` is what its HTTP client sends through (a limit, a mock)."""
    if transport is None:
        return SysproAdapter(settings)
    http = httpx.Client(timeout=settings.timeout_seconds, transport=transport)
    return SysproAdapter(settings, client=SysproClient(settings, http=http))
