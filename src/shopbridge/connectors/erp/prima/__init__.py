"""Prima (Prima Solutions) SOAP/XML adapter: ``build(settings)`` gives the ERP port."""

from __future__ import annotations

from shopbridge.config.erp import PrimaSettings
from shopbridge.connectors.erp.prima.adapter import PrimaAdapter
from shopbridge.ports.erp import ErpPort

__all__ = ["PrimaAdapter", "build"]


def build(settings: PrimaSettings) -> ErpPort:
    return PrimaAdapter(settings)
