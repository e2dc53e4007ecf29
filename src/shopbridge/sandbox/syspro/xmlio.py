"""XML helpers of the SYSPRO sandbox: safe parsing of XmlIn and the ERROR answers SYSPRO gives."""

from __future__ import annotations

import xml.etree.ElementTree as ET

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


def out(root: ET.Element) -> str:
    return '<?xml version="1.0" encoding="Windows-1252"?>' + ET.tostring(root, encoding="unicode")


def errors(root_tag: str, key_tag: str, key: str, messages: list[str]) -> str:
    """A business-object answer carrying validation errors (HTTP 200, XML, not an ERROR body)."""
    root = ET.Element(root_tag)
    item = sub(root, "Order" if root_tag == "SalesOrders" else "Item")
    sub(item, key_tag, key)
    block = sub(item, "ErrorMessages")
    for message in messages:
        sub(block, "ErrorDescription", message)
    status = sub(root, "StatusOfItems")
    sub(status, "ItemsProcessed", "0")
    sub(status, "ItemsInvalid", "1")
    return out(root)
