"""Relay connections over in-memory lists, with Shopify's opaque cursors."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextvars import ContextVar
from functools import partial
from typing import Any

from graphql import GraphQLError

MAX_PAGE = 250
# Bulk operations read whole connections: no first/last needed and no 250 cap.
UNBOUNDED: ContextVar[bool] = ContextVar("shopify_sandbox_unbounded", default=False)


def encode_cursor(position: int) -> str:
    raw = json.dumps({"last_id": position, "last_value": position}, separators=(",", ":"))
    return base64.b64encode(raw.encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        data = json.loads(base64.b64decode(cursor.encode(), validate=True))
        return int(data["last_id"])
    except (ValueError, KeyError, TypeError) as exc:
        raise GraphQLError(f"Invalid cursor for current pagination sort. ({cursor})") from exc


def _check_window(first: int | None, last: int | None) -> None:
    if UNBOUNDED.get():
        return
    if first is None and last is None:
        raise GraphQLError("you must provide one of first or last")
    for value in (first, last):
        if value is not None and value > MAX_PAGE:
            raise GraphQLError(f"The 'first' and 'last' arguments must not exceed {MAX_PAGE}.")


def _slice(
    size: int, first: int | None, after: str | None, last: int | None, before: str | None
) -> tuple[int, int]:
    start = decode_cursor(after) + 1 if after else 0
    end = decode_cursor(before) if before else size
    start, end = max(0, start), min(size, end)
    if first is not None:
        end = min(end, start + first)
    if last is not None:
        start = max(start, end - last)
    return start, max(start, end)


def connection(
    items: Sequence[Any],
    *,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    reverse: bool = False,
    node: Callable[[Any], Any] = lambda item: item,
    **_: Any,
) -> dict[str, Any]:
    """A connection dict (edges, nodes, pageInfo) over ``items`` in order (reversed if asked)."""
    _check_window(first, last)
    ordered = list(reversed(items)) if reverse else list(items)
    start, end = _slice(len(ordered), first, after, last, before)
    window = ordered[start:end]
    nodes: Iterable[Any]
    edges: Iterable[Any]
    if UNBOUNDED.get():
        # A bulk read: each node is built as the reader reaches it, not all at once (a shop's
        # whole catalogue of node views would sit in memory while the file is written).
        nodes = _Lazy(lambda: (node(item) for item in window))
        edges = _Lazy(lambda: (_edge(start + i, node(item)) for i, item in enumerate(window)))
    else:
        nodes = [node(item) for item in window]
        edges = [_edge(start + i, n) for i, n in enumerate(nodes)]
    page_info = {
        "hasNextPage": end < len(ordered),
        "hasPreviousPage": start > 0,
        "startCursor": encode_cursor(start) if window else None,
        "endCursor": encode_cursor(end - 1) if window else None,
    }
    return {"edges": edges, "nodes": nodes, "pageInfo": page_info}


def _edge(position: int, node: Any) -> dict[str, Any]:
    # The cursor only when asked (a callable field): a bulk read of a large shop never selects it.
    return {"cursor": partial(encode_cursor, position), "node": node}


class _Lazy:
    """An iterable that can be iterated more than once, each time from a fresh generator."""

    def __init__(self, make: Callable[[], Iterator[Any]]) -> None:
        self._make = make

    def __iter__(self) -> Iterator[Any]:
        return self._make()
