"""The GraphQL documents the client sends, loaded from ``queries/*.graphql`` (package data).

A document is named by its file stem (``order_by_id``); code never builds GraphQL text by hand, so
the validation test sees every operation we can send.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = ["Document", "all_documents", "document"]

_OPERATION = re.compile(r"^\s*(query|mutation)\s+([A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE)


@dataclass(frozen=True)
class Document:
    """One ``.graphql`` file: ``name`` is the file stem, ``operation`` the operation's own name.

    ``idempotent``: the document carries ``@idempotent(key: $key)``, so every call must pass a key.
    """

    name: str
    text: str
    operation: str
    is_mutation: bool
    idempotent: bool = False


def _parse(name: str, text: str) -> Document:
    match = _OPERATION.search(text)
    if match is None:
        raise ValueError(f"queries/{name}.graphql has no named query or mutation")
    return Document(
        name=name,
        text=text,
        operation=match.group(2),
        is_mutation=match.group(1) == "mutation",
        idempotent="@idempotent(key: $key)" in text,
    )


@cache
def all_documents() -> dict[str, Document]:
    """Every document shipped with the package, by name."""
    folder = resources.files("shopbridge.connectors.shopify") / "queries"
    found: dict[str, Document] = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".graphql"):
            name = entry.name.removesuffix(".graphql")
            found[name] = _parse(name, entry.read_text(encoding="utf-8"))
    return found


def document(name: str) -> Document:
    """The document called ``name``; a typo is a programming error and says what exists."""
    try:
        return all_documents()[name]
    except KeyError:
        known = ", ".join(sorted(all_documents()))
        raise KeyError(
            f"no GraphQL document {name!r} in connectors/shopify/queries (known: {known})"
        ) from None
