"""The ERP's concurrency limit, applied where requests leave: an httpx transport that holds a slot.

Every ERP adapter builds an ``httpx.Client``; given :class:`SlotLimitedTransport`, each real HTTP
request to the ERP holds one slot (``engine/slots.py``: shared by every thread, process and host on
the store) from before it is sent until its answer has been read in full, and gives it back however
the request ends (answer, HTTP error, timeout, connection failure). Reading the body inside the slot
matters: the ERP is still busy sending it, and a released slot would let one more request in.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol

import httpx

__all__ = ["Limiter", "SlotLimitedTransport", "limited_transport"]


class Limiter(Protocol):
    """Anything that can hold one slot for a block (``shopbridge.engine.slots.Slots`` is one)."""

    def hold(self) -> AbstractContextManager[object]: ...


class SlotLimitedTransport(httpx.BaseTransport):
    """Wraps ``inner`` so that each request holds one of ``slots`` while it is sent and answered."""

    def __init__(self, inner: httpx.BaseTransport, slots: Limiter) -> None:
        self.inner = inner
        self.slots = slots

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self.slots.hold():
            response = self.inner.handle_request(request)
            try:
                response.read()
            finally:
                response.close()
        return response

    def close(self) -> None:
        self.inner.close()


def limited_transport(slots: Limiter | None) -> httpx.BaseTransport | None:
    """The transport an adapter's client should use: ``None`` (httpx's own) when there is no limit."""
    if slots is None:
        return None
    return SlotLimitedTransport(httpx.HTTPTransport(), slots)
