"""Bulk operations: bulkOperationRunQuery, polling (currentBulkOperation, bulkOperation, node).

Up to five query operations may run at once per shop (since 2026-01); a sixth answers
LIMIT_REACHED. The result is JSONL served by the sandbox at ``/_sandbox/bulk/<id>.jsonl``.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError, parse, validate

from .. import bulk_runner
from ..connection import connection
from ..errors_shape import validation_error
from ..registry import ResolveInfo, mutation, query
from ..schema import admin_schema
from ..state import ShopState, numeric_id
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
        "url": f"{state.base_url}/_sandbox/bulk/{numeric_id(op['id'])}.jsonl"
        if done and op.get("object_count")
        else None,
        "partialDataUrl": None,
        "query": op["query"],
    }


def _invalid(message: str) -> Record:
    return {"bulkOperation": None, "userErrors": [user_error(["query"], message, "INVALID")]}


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
    with state.lock:
        op = state.bulk_operations.get(str(args["id"]))
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
    op = state.bulk_operations.get(str(args["id"]))
    return bulk_node(state, op) if op else None


@query("bulkOperations")
def listing(state: ShopState, args: Record, info: ResolveInfo) -> Record:
    ops = list(state.bulk_operations.values())
    return connection(ops, node=lambda op: bulk_node(state, op), **args)


@node_loader("BulkOperation")
def _load(state: ShopState, gid: str) -> Record | None:
    op = state.bulk_operations.get(gid)
    return bulk_node(state, op) if op else None
