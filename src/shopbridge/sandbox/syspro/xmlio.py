"""XML helpers of the SYSPRO sandbox: safe parsing of XmlIn and the ERROR answers SYSPRO gives."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal, InvalidOperation

import defusedxml
import defusedxml.ElementTree as DET


class BoError(Exception):
    """Answered as HTTP 200 with a body ``ERROR: <text>``, as e.net does."""


def parse_in(text: str, *, what: str) -> ET.Element:
    if not text.strip():
        raise BoError(f"{what} is empty")
    try:
        return DET.fromstring(text)
    except defusedxml.DefusedXmlException as exc:
        raise BoError(f"{what} declares a DTD or entities, which are not accepted") from exc
    except ET.ParseError as exc:
        raise BoError(f"{what} is not well formed XML ({exc})") from exc


def sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    node = ET.SubElement(parent, tag)
    if text is not None:
        node.text = text
    return node


def text(node: ET.Element | None, path: str, default: str = "") -> str:
    if node is None:
        return default
    found = node.find(path)
    return (found.text or "").strip() if found is not None else default


# The attributes a live SYSPRO 8 puts on the root of every XmlOut (the values are a sample's).
ROOT_ATTRIBUTES = {
    "Language": "05",
    "Language2": "EN",
    "CssStyle": "",
    "DecFormat": "1",
    "DateFormat": "01",
    "Role": "01",
    "Version": "8.0.161",
    "OperatorPrimaryRole": "   ",
}


def out(root: ET.Element) -> str:
    for name, value in ROOT_ATTRIBUTES.items():
        root.set(name, value)
    return '<?xml version="1.0" encoding="Windows-1252"?>' + ET.tostring(root, encoding="unicode")


def count(value: int) -> str:
    """SYSPRO's six-digit zero-padded counters (``000001``) in ``StatusOfItems``."""
    return f"{value:06d}"


def quantity(value: object) -> str:
    """A quantity as INVQRY writes it: right-aligned in 20 characters with six decimals."""
    return format(value, ">20.6f")


def status_of_items(parent: ET.Element, *, processed: int, rejected: int = 0, warned: int = 0) -> None:
    status = sub(parent, "StatusOfItems")
    sub(status, "ItemsProcessed", count(processed))
    sub(status, "ItemsRejectedWithWarnings", count(rejected))
    sub(status, "ItemsProcessedWithWarnings", count(warned))


def errors(root_tag: str, key_tag: str, key: str, messages: list[str]) -> str:
    """A business-object answer carrying validation errors (HTTP 200, XML, not an ERROR body).

    Assumed shape: the public evidence shows no recorded SYSPRO validation failure (see WIRE.md).
    """
    root = ET.Element(root_tag)
    item = sub(root, "Order" if root_tag == "SalesOrders" else "Item")
    sub(item, key_tag, key)
    block = sub(item, "ErrorMessages")
    for message in messages:
        sub(block, "ErrorDescription", message)
    status_of_items(root, processed=0, rejected=1)
    return out(root)


def items_status(parent: ET.Element, *, processed: int, invalid: int) -> None:
    """``StatusOfItems`` as the posting objects (SORTCH, SORTCL, ARSTPY) count their items."""
    status = sub(parent, "StatusOfItems")
    sub(status, "ItemsProcessed", count(processed))
    sub(status, "ItemsInvalid", count(invalid))


def item_errors(parent: ET.Element, problems: list[list[str]]) -> int:
    """One ``Item`` (its number and ``ErrorMessages``) per item with problems; how many there were."""
    invalid = 0
    for number, messages in enumerate(problems, 1):
        if not messages:
            continue
        invalid += 1
        item = sub(parent, "Item")
        sub(item, "ItemNumber", str(number))
        block = sub(item, "ErrorMessages")
        for message in messages:
            sub(block, "ErrorDescription", message)
    return invalid


def decimal_or_none(value: str) -> Decimal | None:
    """A number as XmlIn writes it, or ``None`` where it is not one (empty included)."""
    try:
        return Decimal(value)
    except InvalidOperation:
        return None
