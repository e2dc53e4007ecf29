"""The SYSPRO evidence fixtures and the ways the fidelity tests compare documents with them."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from defusedxml.ElementTree import fromstring

from shopbridge.domain.money import Money

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "syspro"
# Element order of each parent, as SYSPRO's schemas give it (see SOURCES.md).
SCHEMA_ORDER: dict[str, list[str]] = json.loads((FIXTURES / "xsd-order.json").read_text(encoding="utf-8"))


def load(name: str) -> ET.Element:
    return fromstring((FIXTURES / name).read_text(encoding="utf-8"))


def flatten(root: ET.Element, prefix: str = "") -> list[tuple[str, str, tuple[tuple[str, str], ...]]]:
    """(path, text, attributes) of every element in document order."""
    path = f"{prefix}/{root.tag}" if prefix else root.tag
    here = [(path, (root.text or "").strip(), tuple(sorted(root.attrib.items())))]
    return here + [item for child in root for item in flatten(child, path)]


def paths(root: ET.Element) -> set[str]:
    return {path for path, _, _ in flatten(root)}


def nodes(root: ET.Element, prefix: str = "") -> Iterator[tuple[str, ET.Element]]:
    """Every element with its path, the root first."""
    path = f"{prefix}/{root.tag}" if prefix else root.tag
    yield path, root
    for child in root:
        yield from nodes(child, path)


def in_schema_order(tags: list[str], order: list[str]) -> bool:
    """Whether ``tags`` are all in the schema's list and in its order (repeats allowed)."""
    positions = [order.index(tag) if tag in order else -1 for tag in tags]
    return -1 not in positions and positions == sorted(positions)


def gbp(text: str) -> Money:
    return Money.of(text, "GBP")
