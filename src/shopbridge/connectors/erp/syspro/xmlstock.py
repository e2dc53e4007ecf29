"""Pure XML mapping for INVQRY (inventory query): free stock per warehouse, as SYSPRO computes it.

The shape follows the evidence in ``sandbox/syspro/WIRE.md``: the request is
``Query/{Key/StockCode, Option, Filter/Warehouse@FilterType@FilterValue}`` (INVQRY's XSD as
reproduced in generated integration classes) and the answer is ``InvQuery`` with one
``WarehouseItem`` per warehouse carrying ``AvailableQty`` (not ``QtyAvailable``), as a live SYSPRO 8
integration reads it. Quantities arrive right-aligned with leading spaces ("      240.000000").
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from decimal import Decimal

from shopbridge.connectors.erp.syspro.xmlmap import decimal_of, sub, text_of, to_text
from shopbridge.domain.records import StockLevel

# Only the warehouse figures are needed; bins, lots, serials and movements make the answer large.
_OPTIONS_OFF = ("IncludeBins", "IncludeLots", "IncludeSerials", "IncludeMovements")


def invqry_xml(stock_code: str, warehouses: Sequence[str] = ()) -> str:
    """One stock code; ``warehouses`` (a list filter) narrows the answer when SYSPRO honours it."""
    root = ET.Element("Query")
    sub(sub(root, "Key"), "StockCode", stock_code)
    option = sub(root, "Option")
    for name in _OPTIONS_OFF:
        sub(option, name, "N")
    if warehouses:
        node = sub(sub(root, "Filter"), "Warehouse")
        node.set("FilterType", "L")
        node.set("FilterValue", ",".join(warehouses))
    return to_text(root)


def stock_by_warehouse(root: ET.Element, sku: str) -> dict[str, StockLevel]:
    """Warehouse -> stock level from an INVQRY answer; a warehouse not listed holds no stock.

    SYSPRO may list every warehouse whatever the filter said, so callers pick theirs from the map.
    """
    levels: dict[str, StockLevel] = {}
    for item in root.iter("WarehouseItem"):
        warehouse = text_of(item, "Warehouse")
        if warehouse:
            levels[warehouse] = _level(item, sku, warehouse)
    return levels


def _level(item: ET.Element, sku: str, warehouse: str) -> StockLevel:
    on_hand = decimal_of(text_of(item, "QtyOnHand", "0"))
    available = decimal_of(text_of(item, "AvailableQty", "0"))
    allocated_text = text_of(item, "QtyAllocated")
    allocated = decimal_of(allocated_text) if allocated_text else max(on_hand - available, Decimal(0))
    return StockLevel(
        sku=sku,
        warehouse=warehouse,
        free=max(available, Decimal(0)),
        on_hand=on_hand,
        allocated=allocated,
    )


def no_stock(sku: str, warehouse: str) -> StockLevel:
    """A SKU SYSPRO does not stock in ``warehouse`` is sold as none free (never as unknown)."""
    return StockLevel(sku=sku, warehouse=warehouse, free=Decimal(0), on_hand=Decimal(0), allocated=Decimal(0))
