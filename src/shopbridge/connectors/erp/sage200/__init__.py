"""Sage 200 adapter: ``build(settings)`` returns the ERP port wired to the configured company."""

from __future__ import annotations

import httpx

from shopbridge.config.erp import Sage200Settings
from shopbridge.connectors.erp.sage200.adapter import CAPABILITIES, Sage200Adapter
from shopbridge.connectors.erp.sage200.client import Sage200Client
from shopbridge.ports.erp import ErpPort

__all__ = ["CAPABILITIES", "Sage200Adapter", "build"]


def build(settings: Sage200Settings, *, transport: httpx.BaseTransport | None = None) -> ErpPort:
    """The adapter for ``settings``; the bearer token is read from its SecretRef now (fails early).

    ``transport``: the httpx transport its client sends through (a concurrency limit, a test's mock).
    """
    token = settings.access_token.resolve("erp.sage200.access_token")
    return Sage200Adapter(Sage200Client(settings, token, transport=transport))
