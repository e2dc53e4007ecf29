"""One GraphQL request, start to finish: parse, validate, cost, throttle, execute, refund."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    ValueNode,
    VariableNode,
    execute_sync,
    get_operation_ast,
    parse,
    validate,
)

from . import resolvers  # noqa: F401  (registers every resolver module)
from .cost import MAX_SINGLE_QUERY_COST, LeakyBucket, actual_cost, cost_extension, requested_cost
from .errors_shape import ErrorDict, locations, syntax_error, top_level, validation_errors, variable_errors
from .idempotency import claimed, operation_slots
from .registry import RequestContext, default_field_resolver, default_type_resolver
from .schema import admin_schema
from .state import ShopState

MAX_INPUT_SIZE = 250
THROTTLE_DOCS = "https://shopify.dev/api/usage/rate-limits"
MAX_COST_MESSAGE = (
    "Query cost is {cost}, which exceeds the single query max cost limit ({limit}).\n\n"
    "See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\n"
    "cost of a query is calculated.\n\n"
    "To query larger amounts of data with fewer limits, bulk operations should be used instead.\n"
    "See https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n"
)


@dataclass
class Answer:
    """What the HTTP layer sends: a status and a JSON body."""

    status: int
    body: dict[str, Any]
    throttled: bool = False


def _errors(errors: list[ErrorDict], status: int = 200) -> Answer:
    return Answer(status, {"errors": errors})


def _oversized_lists(value: Any, path: list[str | int]) -> list[tuple[list[str | int], int]]:
    if isinstance(value, list):
        found = [(path, len(value))] if len(value) > MAX_INPUT_SIZE else []
        for i, item in enumerate(value):
            found += _oversized_lists(item, [*path, i])
        return found
    if isinstance(value, dict):
        return [hit for k, v in value.items() for hit in _oversized_lists(v, [*path, k])]
    return []


def _literal_list_sizes(node: ValueNode) -> list[int]:
    if isinstance(node, ListValueNode):
        sizes = [len(node.values)] if len(node.values) > MAX_INPUT_SIZE else []
        return sizes + [s for v in node.values for s in _literal_list_sizes(v)]
    if isinstance(node, ObjectValueNode):
        return [s for f in node.fields for s in _literal_list_sizes(f.value)]
    return []


def input_size_errors(operation: OperationDefinitionNode, variables: dict[str, Any]) -> list[ErrorDict]:
    """Shopify caps every input array at 250 items, in variables and in literals alike."""
    errors: list[ErrorDict] = []
    for path, size in [hit for n, v in variables.items() for hit in _oversized_lists(v, [n])]:
        errors.append(_size_error(size, [operation], path))
    for field in operation.selection_set.selections:
        for arg in getattr(field, "arguments", None) or ():
            if isinstance(arg.value, VariableNode):
                continue
            for size in _literal_list_sizes(arg.value):
                errors.append(_size_error(size, [arg], [arg.name.value]))
    return errors


def _size_error(size: int, nodes: list[Any], path: list[str | int]) -> ErrorDict:
    return {
        "message": f"The input array size of {size} is greater than the maximum allowed of {MAX_INPUT_SIZE}.",
        "locations": locations(nodes),
        "path": path,
        "extensions": {"code": "MAX_INPUT_SIZE_EXCEEDED"},
    }


def _formatted(error: GraphQLError) -> ErrorDict:
    """graphql-core drops a resolver error's extensions when it adds the path; keep them."""
    out: ErrorDict = dict(error.formatted)
    original = error.original_error
    if "extensions" not in out and isinstance(original, GraphQLError) and original.extensions:
        out["extensions"] = dict(original.extensions)
    return out


VALID_DOCUMENTS_KEPT = 512  # more distinct documents than any client sends; then start again


class _Once:
    """Sleep ``seconds`` the first time it is called, never again."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __call__(self) -> None:
        if self.seconds > 0:
            seconds, self.seconds = self.seconds, 0.0
            threading.Event().wait(seconds)


class Executor:
    """Runs requests against one shop's state and its cost bucket."""

    def __init__(self, state: ShopState, bucket: LeakyBucket) -> None:
        self.state = state
        self.bucket = bucket
        self.schema = admin_schema()
        # Documents that parsed and validated, by their text. A client sends the same few documents
        # again and again, and parsing and validating them was four fifths of the sandbox's CPU per
        # request (cProfile, bench/order_flow.py). Validation depends on the document and the schema
        # only; a document with errors is not kept, so it is checked (and answered) afresh each time.
        self._valid: dict[str, DocumentNode] = {}

    def run(self, payload: Any, latency_s: float = 0.0) -> Answer:
        """Answer one request; ``latency_s`` is spent once, while the request holds its
        idempotency keys when it executes (so a concurrent retry can see it in flight)."""
        wait = _Once(latency_s)
        answer = self._answer(payload, wait)
        wait()
        return answer

    def _answer(self, payload: Any, wait: _Once) -> Answer:
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            return Answer(400, {"errors": {"query": "Required parameter missing or invalid"}})
        variables = payload.get("variables") or {}
        if not isinstance(variables, dict):
            return Answer(400, {"errors": {"variables": "Required parameter missing or invalid"}})
        query: str = payload["query"]
        document = self._valid.get(query)
        if document is None:
            try:
                document = parse(query)
            except GraphQLError as exc:
                return _errors([syntax_error(exc)])
            problems = validate(self.schema, document)
            if problems:
                return _errors(validation_errors(self.schema, document, problems))
            if len(self._valid) >= VALID_DOCUMENTS_KEPT:
                self._valid.clear()
            self._valid[query] = document
        return self._validated(document, payload.get("operationName"), variables, wait)

    def _validated(
        self, document: DocumentNode, operation_name: str | None, variables: dict[str, Any], wait: _Once
    ) -> Answer:
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            message = (
                f'No operation named "{operation_name}"'
                if operation_name
                else "An operation name is required"
            )
            return _errors([top_level(message, "OPERATION_NOT_FOUND")])
        # Every bad variable and every oversized input at once, as Shopify reports them.
        bad = variable_errors(self.schema, operation, variables) + input_size_errors(operation, variables)
        if bad:
            return _errors(bad)
        return self._metered(document, operation, variables, wait)

    def _metered(
        self,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: dict[str, Any],
        wait: _Once,
    ) -> Answer:
        name = operation.name.value if operation.name else None
        requested = requested_cost(self.schema, document, name, variables)
        if requested > MAX_SINGLE_QUERY_COST:
            error = top_level(
                MAX_COST_MESSAGE.format(cost=requested, limit=MAX_SINGLE_QUERY_COST),
                "MAX_COST_EXCEEDED",
                cost=requested,
                maxCost=MAX_SINGLE_QUERY_COST,
            )
            return Answer(200, {"errors": [error], "extensions": self._cost(requested, None)})
        if not self.bucket.try_charge(requested):
            error = top_level("Throttled", "THROTTLED", documentation=THROTTLE_DOCS)
            return Answer(200, {"errors": [error], "extensions": self._cost(requested, None)}, throttled=True)
        with claimed(self.state, operation_slots(operation, variables)) as busy:
            wait()
            return self._executed(document, name, variables, requested, busy)

    def _executed(
        self,
        document: DocumentNode,
        name: str | None,
        variables: dict[str, Any],
        requested: int,
        busy: frozenset[str],
    ) -> Answer:
        # One request at a time sees and changes the shop: reads get a consistent snapshot and the
        # resolvers never iterate a collection another request is changing.
        with self.state.lock:
            result = self._execute(document, name, variables, busy)
        actual = min(requested, actual_cost(self.schema, document, name, variables, result.data))
        self.bucket.refund(requested - actual)
        body: dict[str, Any] = {}
        if result.errors:
            body["errors"] = [_formatted(e) for e in result.errors]
        body["data"] = result.data
        body["extensions"] = self._cost(requested, actual)
        return Answer(200, body)

    def _execute(
        self, document: DocumentNode, name: str | None, variables: dict[str, Any], busy: frozenset[str]
    ) -> ExecutionResult:
        return execute_sync(
            self.schema,
            document,
            context_value=RequestContext(self.state, busy),
            variable_values=variables,
            operation_name=name,
            field_resolver=default_field_resolver,
            type_resolver=default_type_resolver,
        )

    def _cost(self, requested: int, actual: int | None) -> dict[str, Any]:
        return {"cost": cost_extension(requested, actual, self.bucket)}
