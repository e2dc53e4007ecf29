"""Bulk operations: bulkOperationRunQuery, polling (currentBulkOperation, bulkOperation, node).

Up to five query operations may run at once per shop (since 2026-01); a sixth answers
LIMIT_REACHED. The result is JSONL served by the sandbox at ``/_sandbox/bulk/<id>.jsonl``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from graphql import (
    GraphQLError,
    parse,
    validate,
)

from .. import bulk_runner
from ..bulk_rules import bulk_query_errors
from ..connection import connection
from ..errors_shape import validation_error
from ..origin import origin_or
from ..registry import ResolveInfo, mutation, query
from ..schema import admin_schema
from ..state import ShopState, gid_kind, numeric_id
from .common import user_error
from .node import node_loader

Record = dict[str, Any]
MAX_CONCURRENT = 5
ACTIVE = ("CREATED", "RUNNING", "CANCELING")


def bulk_node(state: ShopState, op: Record) -> Record:
    done = op["status"] == "COMPLETED"
    return {
        "__typename": "BulkOperation",
        "id": op["id"],
        "status": op["status"],
        "type": op["type"],
        "errorCode": op.get("error_code"),
        "createdAt": op["created_at"],
        "completedAt": op.get("completed_at"),
        "objectCount": str(op.get("object_count", 0)),
        "rootObjectCount": str(op.get("root_object_count", 0)),
        "fileSize": str(op["file_size"]) if done and op.get("file_size") else None,
        "url": f"{origin_or(state.base_url)}/_sandbox/bulk/{numeric_id(op['id'])}.jsonl"
        if done and op.get("object_count")
        else None,
        "partialDataUrl": None,
        "query": op["query"],
    }


def checked_id(state: ShopState, raw: Any) -> str:
    """A BulkOperation GID, or Shopify's errors for a malformed id and for the id of another type."""
    gid = str(raw)
    kind = gid_kind(gid)
    if not kind or not gid.rsplit("/", 1)[-1].isdigit():
        raise GraphQLError(f"Invalid global id '{gid}'", extensions={"code": "INVALID_VARIABLE"})
    if kind != "BulkOperation":
        raise GraphQLError(f"Invalid id: {gid}", extensions={"code": "RESOURCE_NOT_FOUND"})
    return gid


def _invalid(*messages: str) -> Record:
    return {"bulkOperation": None, "userErrors": [user_error(["query"], m, "INVALID") for m in messages]}


@mutation("bulkOperationRunQuery")
def run_query(state: ShopState, args: Record, info: ResolveInfo) -> Record:
    text = str(args["query"])
    try:
        document = parse(text)
    except GraphQLError as exc:
        return _invalid(f"Invalid bulk query: {exc.message}")
    problems = validate(admin_schema(), document)
    if problems:
        return _invalid(f"Invalid bulk query: {validation_error(document, problems[0])['message']}")
    refused = bulk_query_errors(document)
    if refused:
        return _invalid(*refused)
    with state.lock:
        running = [
            op for op in state.bulk_operations.values() if op["type"] == "QUERY" and op["status"] in ACTIVE
        ]
        if len(running) >= MAX_CONCURRENT:
            message = (
                f"A maximum of {MAX_CONCURRENT} bulk query operations can run at the same time "
                "for this app and shop."
            )
            return {"bulkOperation": None, "userErrors": [user_error(None, message, "LIMIT_REACHED")]}
        gid = state.new_gid("BulkOperation")
        op = {"id": gid, "status": "CREATED", "type": "QUERY", "query": text, "created_at": state.now_iso()}
        state.bulk_operations[gid] = op
        answer = {"bulkOperation": bulk_node(state, op), "userErrors": []}
    bulk_runner.start(state, op, document)
    return answer


@mutation("bulkOperationCancel")
def cancel(state: ShopState, args: Record, info: ResolveInfo) -> Record:
    gid = checked_id(state, args["id"])
    with state.lock:
        op = state.bulk_operations.get(gid)
        if op is None:
            return {
                "bulkOperation": None,
                "userErrors": [user_error(["id"], "Bulk operation does not exist")],
            }
        if op["status"] not in ACTIVE:
            message = f"A bulk operation cannot be canceled when it is {op['status'].lower()}"
            return {"bulkOperation": bulk_node(state, op), "userErrors": [user_error(None, message)]}
        op["status"] = "CANCELING"
        return {"bulkOperation": bulk_node(state, op), "userErrors": []}


@query("currentBulkOperation")
def current(state: ShopState, args: Record, info: ResolveInfo) -> Record | None:
    wanted = args.get("type") or "QUERY"
    with state.lock:
        ops = [op for op in state.bulk_operations.values() if op["type"] == wanted]
        return bulk_node(state, ops[-1]) if ops else None


@query("bulkOperation")
def by_id(state: ShopState, args: Record, info: ResolveInfo) -> Record | None:
    op = state.bulk_operations.get(checked_id(state, args["id"]))
    return bulk_node(state, op) if op else None


@query("bulkOperations")
def listing(state: ShopState, args: Record, info: ResolveInfo) -> Record:
    if args.get("first") is not None and args.get("last") is not None:
        raise GraphQLError(
            "Passing both `first` and `last` to paginate the `bulkOperations` connection is not supported.",
            extensions={"code": "BAD_REQUEST"},
        )
    if args.get("first") is None and args.get("last") is None:
        raise GraphQLError("you must provide one of first or last", extensions={"code": "BAD_REQUEST"})
    _check_created_at(args.get("query"))
    with state.lock:
        ops = [op for op in state.bulk_operations.values() if _matches(op, args.get("query"))]
    ops.sort(key=lambda op: (op["created_at"], numeric_id(op["id"])))
    return connection(ops, node=lambda op: bulk_node(state, op), **args)


def _matches(op: Record, query: str | None) -> bool:
    """The ``bulkOperations(query:)`` filters: created_at (refused when not a date), status, type."""
    fields = {"status": op["status"], "operation_type": op["type"]}
    for term in (query or "").split():
        name, _, value = term.partition(":")
        if name == "created_at" and not _created_at_matches(op["created_at"], value):
            return False
        if name in fields and fields[name].lower() != value.lower():
            return False
    return True


def _check_created_at(query: str | None) -> None:
    """A created_at term that is not a date is refused before anything is listed."""
    for term in (query or "").split():
        name, _, value = term.partition(":")
        if name == "created_at":
            _bound(value)


def _bound(value: str) -> tuple[str, datetime]:
    comparator = next((c for c in (">=", "<=", ">", "<") if value.startswith(c)), "")
    raw = value[len(comparator) :].strip("'\"")
    try:
        bound = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise GraphQLError(
            f"Invalid value for created_at: '{raw}'. Expected an ISO 8601 date or date-time.",
            extensions={"code": "BAD_REQUEST"},
        ) from None
    return comparator, bound if bound.tzinfo else bound.replace(tzinfo=UTC)


def _created_at_matches(created_at: str, value: str) -> bool:
    comparator, bound = _bound(value)
    stamp = datetime.fromisoformat(created_at.replace("Z", "+00:00"))
    return {
        ">=": stamp >= bound,
        "<=": stamp <= bound,
        ">": stamp > bound,
        "<": stamp < bound,
        "": stamp >= bound,  # "created_at:X": operations created after X (the documented filter)
    }[comparator]


@node_loader("BulkOperation")
def _load(state: ShopState, gid: str) -> Record | None:
    op = state.bulk_operations.get(gid)
    return bulk_node(state, op) if op else None
