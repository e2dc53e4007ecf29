"""Cursor pagination: walk a connection page by page with ``pageInfo{hasNextPage endCursor}``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol

__all__ = ["Executor", "iterate_connection", "iterate_pages"]


class Executor(Protocol):
    def execute(
        self, name: str, variables: Mapping[str, Any] | None = None, *, key: str | None = None
    ) -> Any: ...


def _dig(data: Any, path: Sequence[str], name: str) -> Mapping[str, Any]:
    node = data
    for step in path:
        if not isinstance(node, Mapping) or node.get(step) is None:
            raise LookupError(f"{name}: no {'.'.join(path)} in the answer (stopped at {step!r})")
        node = node[step]
    if not isinstance(node, Mapping):
        raise LookupError(f"{name}: {'.'.join(path)} is not a connection")
    return node


def iterate_pages(
    client: Executor,
    name: str,
    variables: Mapping[str, Any],
    path: Sequence[str],
    *,
    page_size: int = 100,
) -> Iterator[list[Any]]:
    """Yield each page's ``nodes`` of the connection at ``path`` (e.g. ``("orders",)``).

    The document must take ``$first`` and ``$after``; the cursor of the last page read is passed on,
    so a caller that stops early has read exactly the pages it saw.
    """
    after: str | None = None
    while True:
        data = client.execute(name, {**variables, "first": page_size, "after": after})
        connection = _dig(data, path, name)
        yield list(connection.get("nodes") or [])
        info = connection.get("pageInfo") or {}
        if not info.get("hasNextPage") or not info.get("endCursor"):
            return
        after = str(info["endCursor"])


def iterate_connection(
    client: Executor,
    name: str,
    variables: Mapping[str, Any],
    path: Sequence[str],
    *,
    page_size: int = 100,
) -> Iterator[Any]:
    """Yield every node of the connection at ``path``, across all pages."""
    for page in iterate_pages(client, name, variables, path, page_size=page_size):
        yield from page
