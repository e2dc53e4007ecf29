"""inventoryItemUpdate: tracking, shipping, origin, HS code, weight and cost of an inventory item.

Validation follows the captures (products/inventory-item-update-validation.json): a negative cost
or weight, the unknown-region country ``ZZ`` and an HS code that is not 6 to 13 digits are user
errors with Shopify's messages; nothing is changed when any of them is found.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from ..registry import ResolveInfo, mutation
from ..state import ShopState
from .catalog import item_node
from .common import user_error

Record = dict[str, Any]
_HS_CODE = re.compile(r"^\d{6,13}$")
_UNIT_SYMBOL = {"KILOGRAMS": "kg", "GRAMS": "g", "POUNDS": "lb", "OUNCES": "oz"}


def _cost_error(data: Record) -> list[Record]:
    if data.get("cost") is None:
        return []
    try:
        negative = Decimal(str(data["cost"])) < 0
    except InvalidOperation:
        negative = True
    return [user_error(["input", "cost"], "Cost must be greater than or equal to 0")] if negative else []


def _weight_error(data: Record) -> list[Record]:
    weight = (data.get("measurement") or {}).get("weight")
    if not weight or weight.get("value") is None or weight["value"] >= 0:
        return []
    unit = _UNIT_SYMBOL.get(weight.get("unit") or "KILOGRAMS", "kg")
    value = weight["value"]
    shown = int(value) if float(value).is_integer() else value
    message = f"Measurement weight value {shown} {unit} must be >= 0 {unit}"
    return [user_error(["input", "measurement", "weight"], message)]


def _code_errors(data: Record) -> list[Record]:
    errors = []
    if data.get("countryCodeOfOrigin") == "ZZ":
        errors.append(user_error(["input", "countryCodeOfOrigin"], "Country code of origin is invalid"))
    code = data.get("harmonizedSystemCode")
    if code is not None and not _HS_CODE.match(str(code)):
        message = "Harmonized system code must be a number between six and thirteen digits"
        errors.append(user_error(["input", "harmonizedSystemCode"], message))
    return errors


_SIMPLE = {
    "tracked": "tracked",
    "requiresShipping": "requires_shipping",
    "countryCodeOfOrigin": "country_code_of_origin",
    "provinceCodeOfOrigin": "province_code_of_origin",
    "harmonizedSystemCode": "harmonized_system_code",
}


def _apply(state: ShopState, item: Record, data: Record) -> None:
    for source, key in _SIMPLE.items():
        if source in data:
            item[key] = data[source]
    if data.get("cost") is not None:
        item["unit_cost"] = Decimal(str(data["cost"]))
    weight = (data.get("measurement") or {}).get("weight")
    if weight:
        item["weight"] = {"unit": weight.get("unit") or "KILOGRAMS", "value": weight.get("value") or 0}
    if data.get("sku") is not None:
        state.variants[item["variant_id"]]["sku"] = data["sku"]
    item["updated_at"] = state.now_iso()


@mutation("inventoryItemUpdate")
def inventory_item_update(state: ShopState, args: Record, info: ResolveInfo) -> Record:
    data = args["input"]
    with state.lock:
        item = state.inventory_items.get(str(args["id"]))
        if item is None:
            error = user_error(["id"], "The product couldn't be updated because it does not exist.")
            return {"inventoryItem": None, "userErrors": [error]}
        errors = _cost_error(data) + _weight_error(data) + _code_errors(data)
        if errors:
            return {"inventoryItem": None, "userErrors": errors}
        _apply(state, item, data)
    return {"inventoryItem": item_node(state, item), "userErrors": []}
