"""Tryton over JSON-RPC: ``build(settings)`` gives the ERP port wired to one Tryton database."""

from __future__ import annotations

from urllib.parse import quote

import httpx

from shopbridge.config.erp import TrytonSettings
from shopbridge.connectors.erp.tryton.adapter import CAPABILITIES, TrytonErp
from shopbridge.connectors.erp.tryton.rpc import TrytonRpc

__all__ = ["CAPABILITIES", "TrytonErp", "build", "web_client_url"]


def build(settings: TrytonSettings, *, transport: httpx.BaseTransport | None = None) -> TrytonErp:
    """The adapter for ``[erp.tryton]``; the password is read from its secret now (fail early)."""
    rpc = TrytonRpc(
        settings.url,
        settings.database,
        settings.username,
        settings.password.resolve("erp.tryton.password"),
        timeout=settings.timeout_seconds,
        transport=transport,
        company_id=settings.company_id,
    )
    return TrytonErp(
        rpc,
        warehouse_code=settings.warehouse_code,
        company_id=settings.company_id,
        web_url=web_client_url(settings),
    )


def web_client_url(settings: TrytonSettings) -> str:
    """Tryton's web client (sao) opened on the database: ``<web_url or url>/#<database>``."""
    root = (settings.web_url or settings.url).rstrip("/")
    return f"{root}/#{quote(settings.database, safe='')}"
