"""The ``@idempotent(key:)`` directive: replay, parameter mismatch, concurrent use.

Since API 2026-04 the directive is mandatory on inventorySetQuantities, inventoryAdjustQuantities,
inventoryMoveQuantities and refundCreate; calling them without it is a runtime (not schema)
error. A key seen again with the same input replays the stored result without applying anything;
with a different input it answers IDEMPOTENCY_KEY_PARAMETER_MISMATCH; while the first request with
the key is still running, IDEMPOTENCY_CONCURRENT_REQUEST.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from graphql import FieldNode, GraphQLError, OperationDefinitionNode, value_from_ast_untyped

from .registry import ResolveInfo
from .state import ShopState

REQUIRED_ON = frozenset(
    {"inventorySetQuantities", "inventoryAdjustQuantities", "inventoryMoveQuantities", "refundCreate"}
)
_IN_FLIGHT = "__in_flight__"
_CLAIMS: dict[int, set[str]] = {}  # id(state) -> slots held by requests still running
_CLAIMS_LOCK = threading.Lock()


def operation_slots(operation: OperationDefinitionNode, variables: dict[str, Any]) -> set[str]:
    """The "<mutation>:<key>" slot of every root field carrying ``@idempotent(key:)``."""
    slots = set()
    for node in operation.selection_set.selections:
        if not isinstance(node, FieldNode):
            continue
        for directive in node.directives or ():
            for arg in directive.arguments or () if directive.name.value == "idempotent" else ():
                if arg.name.value == "key":
                    slots.add(f"{node.name.value}:{value_from_ast_untyped(arg.value, variables)}")
    return slots


@contextmanager
def claimed(state: ShopState, slots: set[str]) -> Iterator[frozenset[str]]:
    """Hold ``slots`` while a request runs; yields the ones another running request holds.

    Claiming happens before the request waits for the shop (latency, the state lock), so a retry
    sent while the first attempt is still in flight sees IDEMPOTENCY_CONCURRENT_REQUEST, as on
    Shopify, instead of queueing behind it.
    """
    with _CLAIMS_LOCK:
        held = _CLAIMS.setdefault(id(state), set())
        busy = frozenset(slots & held)
        mine = slots - held
        held |= mine
    try:
        yield busy
    finally:
        with _CLAIMS_LOCK:
            _CLAIMS.get(id(state), set()).difference_update(mine)


def idempotency_key(info: ResolveInfo) -> str | None:
    """The ``key`` of an ``@idempotent`` directive on the field being resolved, if any."""
    for directive in info.field_nodes[0].directives or ():
        if directive.name.value != "idempotent":
            continue
        for arg in directive.arguments or ():
            if arg.name.value == "key":
                value = value_from_ast_untyped(arg.value, info.variable_values.coerced)
                return None if value is None else str(value)
    return None


def fingerprint(field: str, args: dict[str, Any]) -> str:
    raw = json.dumps([field, args], sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def user_error(message: str, code: str) -> dict[str, Any]:
    return {"field": None, "message": message, "code": code}


def _require_key(info: ResolveInfo) -> str:
    key = idempotency_key(info)
    if key is None:
        raise GraphQLError(
            "The @idempotent directive is required for this mutation but was not provided.",
            extensions={"code": "BAD_REQUEST"},
        )
    if not key.strip():
        raise GraphQLError(
            "The idempotency key cannot be an empty string or whitespace only.",
            extensions={"code": "BAD_REQUEST"},
        )
    return key


def run_idempotent(
    state: ShopState,
    info: ResolveInfo,
    args: dict[str, Any],
    apply: Callable[[], dict[str, Any]],
    failure: Callable[[dict[str, Any]], dict[str, Any]],
) -> dict[str, Any]:
    """Run ``apply`` once per key; ``failure(user_error)`` builds the payload for key errors."""
    key = _require_key(info)
    stamp = fingerprint(info.field_name, args)
    slot = f"{info.field_name}:{key}"
    if slot in getattr(info.context, "busy_slots", ()):
        return _concurrent(failure)
    with state.lock:
        seen = state.idempotency.get(slot)
        if seen is not None:
            return _replay(seen, stamp, failure)
        state.idempotency[slot] = (stamp, _IN_FLIGHT)
    try:
        result = apply()
    except BaseException:
        with state.lock:
            state.idempotency.pop(slot, None)
        raise
    with state.lock:
        state.idempotency[slot] = (stamp, result)
    return result


def _replay(
    seen: tuple[str, Any], stamp: str, failure: Callable[[dict[str, Any]], dict[str, Any]]
) -> dict[str, Any]:
    stored_stamp, stored = seen
    if stored_stamp != stamp:
        return failure(
            user_error(
                "The same idempotency key cannot be used with different operation parameters.",
                "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
            )
        )
    if stored == _IN_FLIGHT:
        return _concurrent(failure)
    result: dict[str, Any] = stored
    return result


def _concurrent(failure: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    return failure(
        user_error(
            "This request is currently in progress, please try again.", "IDEMPOTENCY_CONCURRENT_REQUEST"
        )
    )
