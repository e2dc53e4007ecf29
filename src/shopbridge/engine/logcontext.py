"""The entity a log line is about, carried in a context variable.

The worker sets it around each job (the job's entity key, id and kind), so every line logged while
the job runs, in the engine, a flow or a connector, names the order or item it concerns without
each call passing it. The JSON formatter (:mod:`shopbridge.logs`) reads it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["current", "entity_context"]

_CURRENT: ContextVar[dict[str, str] | None] = ContextVar("shopbridge_log_entity", default=None)


@contextmanager
def entity_context(**fields: object) -> Iterator[None]:
    """Tag log lines inside the block with ``fields`` (``entity="order:1001"``, ``job_id=7``)."""
    outer = _CURRENT.get() or {}
    token = _CURRENT.set({**outer, **{k: str(v) for k, v in fields.items() if v not in (None, "")}})
    try:
        yield
    finally:
        _CURRENT.reset(token)


def current() -> dict[str, str]:
    """The fields of the innermost :func:`entity_context`, or an empty dict outside any."""
    return dict(_CURRENT.get() or {})
