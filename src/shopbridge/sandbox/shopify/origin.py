"""The address a GraphQL request reached the sandbox by, for the URLs its answer hands back.

Shopify's bulk operation ``url`` is a download link any client of the shop can fetch. The sandbox
serves its files itself, so the link names the sandbox: by the address the asking client used (a
rehearsal's other host reaches the sandbox by a veth address, not 127.0.0.1), else the base URL.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

__all__ = ["origin_or", "served_from"]

_ORIGIN: ContextVar[str | None] = ContextVar("sandbox_request_origin", default=None)
P = ParamSpec("P")
R = TypeVar("R")


def served_from(origin: str, call: Callable[P, R]) -> Callable[P, R]:
    """``call`` run with ``origin`` (``http://host:port``) as the request's address, in any thread."""

    def within(*args: P.args, **kwargs: P.kwargs) -> R:
        token = _ORIGIN.set(origin.rstrip("/"))
        try:
            return call(*args, **kwargs)
        finally:
            _ORIGIN.reset(token)

    return within


def origin_or(base_url: str) -> str:
    """The asking request's address, or ``base_url`` outside a request (a test calling a resolver)."""
    return _ORIGIN.get() or base_url
