"""SYSPRO e.net Solutions adapter (REST shape): ``build(settings)`` gives the ERP port."""

from __future__ import annotations

from shopbridge.config.erp import SysproSettings
from shopbridge.connectors.erp.syspro.adapter import SysproAdapter
from shopbridge.ports.erp import ErpPort

__all__ = ["SysproAdapter", "build"]


def build(settings: SysproSettings) -> ErpPort:
    return SysproAdapter(settings)
