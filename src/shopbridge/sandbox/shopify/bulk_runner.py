"""Running a bulk query: execute it over the whole state, write JSONL, finish, announce.

The JSONL follows Shopify's layout: one line per node; nodes of a nested connection get their
own lines with ``__parentId`` naming the node they belong to, and never appear nested inline.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from typing import Any

from graphql import DocumentNode, execute_sync

from . import bulk_fast
from .connection import UNBOUNDED
from .payloads_catalog import bulk_operation_payload
from .registry import RequestContext, default_field_resolver, default_type_resolver
from .schema import admin_schema
from .state import ShopState

Record = dict[str, Any]
_encode = json.JSONEncoder(separators=(",", ":")).encode  # json.dumps without its per-call encoder


def _connection_nodes(value: Any) -> list[Any] | None:
    """The nodes of a connection-shaped value (edges{node} or nodes), else None."""
    if not isinstance(value, dict):
        return None
    if isinstance(value.get("edges"), list):
        return [e.get("node") for e in value["edges"] if isinstance(e, dict) and e.get("node") is not None]
    if isinstance(value.get("nodes"), list):
        return [n for n in value["nodes"] if n is not None]
    return None


def _lines(node: Any, parent_id: str | None) -> Iterator[Record]:
    if not isinstance(node, dict):
        return
    line: Record = {}
    nested: list[list[Any]] = []
    for key, value in node.items():
        children = _connection_nodes(value)
        if children is None:
            line[key] = value
        else:
            nested.append(children)
    if parent_id is not None:
        line["__parentId"] = parent_id
    yield line
    for children in nested:
        for child in children:
            yield from _lines(child, node.get("id"))


def jsonl_from_roots(roots: Iterable[Any]) -> tuple[str, int, int]:
    """(JSONL text, object count, root object count) for root objects' completed results."""
    out: list[str] = []
    count = 0
    for count, root in enumerate(roots, start=1):  # noqa: B007 (the count is the loop's result)
        out += [_encode(line) for line in _lines(root, None)]
    text = "".join(f"{line}\n" for line in out)
    return text, len(out), count


def _data_roots(data: Record) -> Iterator[Any]:
    for value in data.values():
        nodes = _connection_nodes(value)
        yield from nodes if nodes is not None else [value]


def jsonl_from_data(data: Record) -> tuple[str, int, int]:
    """(JSONL text, object count, root object count) for a bulk query's result data."""
    return jsonl_from_roots(_data_roots(data))


def _execute(state: ShopState, document: DocumentNode) -> Record:
    # Not under the shop's lock: Shopify keeps serving the shop while a bulk read runs, and a read
    # of a large shop takes minutes here too; the resolvers take the lock where they copy a collection.
    token = UNBOUNDED.set(True)
    try:
        result = execute_sync(
            admin_schema(),
            document,
            context_value=RequestContext(state),
            field_resolver=default_field_resolver,
            type_resolver=default_type_resolver,
        )
    finally:
        UNBOUNDED.reset(token)
    if result.errors:
        raise RuntimeError("; ".join(e.message for e in result.errors))
    return result.data or {}


def executed_jsonl(state: ShopState, document: DocumentNode) -> tuple[str, int, int]:
    """The JSONL through graphql-core's executor: the reference the streamed path must equal."""
    return jsonl_from_data(_execute(state, document))


def streamed_jsonl(state: ShopState, document: DocumentNode) -> tuple[str, int, int]:
    """The JSONL streamed root by root (:mod:`bulk_fast`); NotFast where the executor is needed."""
    token = UNBOUNDED.set(True)
    try:
        return jsonl_from_roots(bulk_fast.root_objects(state, bulk_fast.plan(document)))
    finally:
        UNBOUNDED.reset(token)


def build_jsonl(state: ShopState, document: DocumentNode) -> tuple[str, int, int]:
    """The operation's file: streamed where the query allows, else through the executor."""
    try:
        return streamed_jsonl(state, document)
    except bulk_fast.NotFast:
        return executed_jsonl(state, document)


def duration_s(state: ShopState, objects: int) -> float:
    """How long an operation over ``objects`` takes: a fixed part plus a part per object."""
    timing = state.bulk_timing
    return timing.base_s + timing.per_object_s * objects


def _cancelled(state: ShopState, op: Record) -> bool:
    with state.lock:
        return bool(op["status"] in ("CANCELING", "CANCELED"))


def _wait(state: ShopState, op: Record, seconds: float, objects: int, start_count: int) -> bool:
    """Sleep ``seconds`` in steps, raising objectCount towards ``objects``; False once cancelled."""
    steps = max(1, min(20, int(seconds / 0.01)))
    pause = threading.Event()
    for step in range(1, steps + 1):
        if _cancelled(state, op):
            return False
        pause.wait(seconds / steps)
        with state.lock:
            op["object_count"] = start_count + (objects - start_count) * step // steps
    return not _cancelled(state, op)


def run_bulk(state: ShopState, op: Record, document: DocumentNode) -> None:
    """Body of the worker thread: CREATED -> RUNNING -> COMPLETED (FAILED, CANCELED), then finish.

    The operation stays CREATED for half the fixed time, then RUNNING while the query is executed
    and for the rest of the fixed time plus the per-object time, objectCount growing meanwhile; the
    file, url and fileSize exist only once COMPLETED. A cancel is honoured at every step.
    """
    half = state.bulk_timing.base_s / 2
    if not _wait(state, op, half, 0, 0):
        _finish(state, op, status="CANCELED", error_code=None)
        return
    with state.lock:
        started = op["status"] == "CREATED"
        if started:
            op["status"] = "RUNNING"
    if not started:
        _finish(state, op, status="CANCELED", error_code=None)
        return
    try:
        text, objects, roots = build_jsonl(state, document)
    except RuntimeError:
        _finish(state, op, status="FAILED", error_code="INTERNAL_SERVER_ERROR")
        return
    if not _wait(state, op, duration_s(state, objects) - half, objects, 0):
        _finish(state, op, status="CANCELED", error_code=None)
        return
    with state.lock:
        op.update(jsonl=text, object_count=objects, root_object_count=roots, file_size=len(text.encode()))
    _finish(state, op, status="COMPLETED", error_code=None)


def _finish(state: ShopState, op: Record, *, status: str, error_code: str | None) -> None:
    with state.lock:
        if op["status"] in ("CANCELING", "CANCELED"):
            status, error_code = "CANCELED", None
        op.update(status=status, error_code=error_code, completed_at=state.now_iso())
    state.events.publish("bulk_operations/finish", bulk_operation_payload(op))


def start(state: ShopState, op: Record, document: DocumentNode) -> threading.Thread:
    thread = threading.Thread(
        target=run_bulk, args=(state, op, document), name=f"bulk-{op['id']}", daemon=True
    )
    thread.start()
    return thread
