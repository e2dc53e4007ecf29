"""A bulk query's JSONL lines, streamed root node by root node without graphql-core's executor.

graphql-core completes the whole result tree before a single line can be written: for a shop of
300,000 inventory levels that is millions of completion calls and a gigabyte of nested dicts (the
stock audit's bench spent eight minutes there). This walks the validated query's selections over
the very same resolvers and node dicts (registry roots, dict fields, callables given their
arguments, ``OBJECT_FIELDS`` extras), serialises leaves with the schema's own ``serialize``, and
turns each root node into its JSONL lines (:func:`bulk_runner.node_lines`) as soon as it is complete.

It takes only what it can do exactly as the executor does: one operation, plain fields (aliases
allowed), object types (no interfaces or unions, no fragments, no directives, no variables). Anything
else, and any value the executor would reject (a null in a non-null field, a leaf that does not
serialise, a resolver error), raises :class:`NotFast` and the caller runs the executor instead, so
an operation's outcome (its lines, or FAILED) never depends on which path produced it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    OperationDefinitionNode,
    is_leaf_type,
)
from graphql.execution.values import get_argument_values

from .registry import OBJECT_FIELDS, QUERY
from .schema import admin_schema
from .state import ShopState

Record = dict[str, Any]


class NotFast(Exception):
    """The query or a value needs the full executor (the caller falls back to it)."""


@dataclass
class FieldPlan:
    """One selected field: where its value comes from and how it is completed."""

    key: str  # the response key (alias or name)
    name: str
    args: Record
    type_: GraphQLOutputType
    parent_type: str
    children: list[FieldPlan] = field(default_factory=list)


def _plan_fields(parent: GraphQLObjectType, selections: Any) -> list[FieldPlan]:
    plans: list[FieldPlan] = []
    for selection in selections:
        if not isinstance(selection, FieldNode) or selection.directives:
            raise NotFast("fragments and directives")
        key = selection.alias.value if selection.alias else selection.name.value
        if any(p.key == key for p in plans):
            raise NotFast("a response key selected twice")
        plans.append(_plan_field(parent, selection, key))
    return plans


def _plan_field(parent: GraphQLObjectType, node: FieldNode, key: str) -> FieldPlan:
    name = node.name.value
    if name == "__typename":
        return FieldPlan(key, name, {}, GraphQLNonNull(admin_schema().type_map["String"]), parent.name)  # type: ignore[arg-type]
    definition: GraphQLField | None = parent.fields.get(name)
    if definition is None:
        raise NotFast(f"unknown field {parent.name}.{name}")
    args = get_argument_values(definition, node, None)
    plan = FieldPlan(key, name, args, definition.type, parent.name)
    named = _named(definition.type)
    if isinstance(named, GraphQLObjectType):
        if node.selection_set is None:
            raise NotFast("object without selections")
        plan.children = _plan_fields(named, node.selection_set.selections)
    elif not is_leaf_type(named):
        raise NotFast("abstract types need the executor's type resolution")
    return plan


def _named(type_: Any) -> Any:
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    return type_


def plan(document: DocumentNode) -> list[FieldPlan]:
    """The root field plans of a (validated) bulk query; NotFast where the executor is needed."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(document.definitions) != 1 or len(operations) != 1:
        raise NotFast("fragments or several operations")
    operation = operations[0]
    if operation.operation.value != "query" or operation.variable_definitions or operation.directives:
        raise NotFast("not a plain query")
    return _plan_fields(admin_schema().query_type, operation.selection_set.selections)  # type: ignore[arg-type]


Completer = Callable[[Any], Any]
Getter = Callable[[Any], Any]


def _getter(state: ShopState, fp: FieldPlan) -> Getter:
    """How the field's raw value is read from its parent, as ``default_field_resolver`` does."""
    name, args, parent_type = fp.name, fp.args, fp.parent_type
    if name == "__typename":
        return lambda _parent: parent_type
    extra = OBJECT_FIELDS.get((parent_type, name))

    def get(parent: Any) -> Any:
        if type(parent) is not dict:
            raise NotFast("a non-dict parent")
        if name not in parent:
            if extra is None:
                raise NotFast("a field the sandbox does not implement (the executor reports it)")
            return extra(state, parent, args)
        value = parent[name]
        return value(**args) if callable(value) else value

    return get


def completer(state: ShopState, type_: Any, fp: FieldPlan) -> Completer:
    """A function completing a raw value of ``type_`` exactly as the executor would, compiled once."""
    if isinstance(type_, GraphQLNonNull):
        return _non_null(completer(state, type_.of_type, fp))
    if isinstance(type_, GraphQLList):
        return _list(completer(state, type_.of_type, fp))
    if isinstance(type_, GraphQLObjectType):
        return _object([(c.key, _getter(state, c), completer(state, c.type_, c)) for c in fp.children])
    return _leaf(type_)


def _non_null(inner: Completer) -> Completer:
    def complete(value: Any) -> Any:
        if value is None:
            raise NotFast("null in a non-null field")
        return inner(value)

    return complete


def _list(inner: Completer) -> Completer:
    def complete(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, str | bytes | dict) or not hasattr(value, "__iter__"):
            raise NotFast("a list field that is not a list")
        return [inner(item) for item in value]

    return complete


def _object(fields: list[tuple[str, Getter, Completer]]) -> Completer:
    def complete(value: Any) -> Any:
        if value is None:
            return None
        return {key: finish(get(value)) for key, get, finish in fields}

    return complete


def _leaf(leaf: GraphQLLeafType) -> Completer:
    serialize = leaf.serialize

    def complete(value: Any) -> Any:
        if value is None:
            return None
        try:
            serialized = serialize(value)
        except (GraphQLError, TypeError, ValueError) as exc:
            raise NotFast("a leaf that does not serialise") from exc
        if serialized is None:
            raise NotFast("a leaf that serialises to nothing")
        return serialized

    return complete


def root_objects(state: ShopState, roots: list[FieldPlan]) -> Iterator[Any]:
    """Every root object's completed result, in the order the JSONL lists them.

    A root connection gives its nodes (``edges { node }`` first, as the JSONL writer prefers
    edges, else ``nodes``), completed one at a time; any other root is one root object itself.
    """
    for fp in roots:
        resolver = QUERY.get(fp.name)
        if resolver is None:
            raise NotFast("a root the sandbox does not implement")
        try:
            value = resolver(state, fp.args, None)  # type: ignore[arg-type]
        except Exception as exc:  # e.g. a resolver reading ``info``: the executor gives it one
            raise NotFast("the root resolver needs the executor") from exc
        node_plans = _connection_node_plans(fp)
        if node_plans is None:
            yield _guarded(completer(state, fp.type_, fp), value)
            continue
        node_type, plans = node_plans
        complete = completer(state, node_type, FieldPlan("node", "node", {}, node_type, "", plans))
        for node in _nodes_of(value, fp):
            yield _guarded(complete, node)


def _guarded(complete: Completer, value: Any) -> Any:
    try:
        return complete(value)
    except NotFast:
        raise
    except Exception as exc:  # a resolver's error: the executor reports it (the operation FAILS)
        raise NotFast("a resolver error") from exc


def _connection_node_plans(fp: FieldPlan) -> tuple[Any, list[FieldPlan]] | None:
    """(node type, node field plans) of a root connection's selection; None if not a connection."""
    by_key = {child.key: child for child in fp.children}
    if any(k in by_key and by_key[k].name != k for k in ("edges", "nodes")):
        raise NotFast("an aliased edges or nodes")
    edges, nodes = by_key.get("edges"), by_key.get("nodes")
    if edges is not None:
        node = next((c for c in edges.children if c.key == "node"), None)
        if node is None or node.name != "node":
            raise NotFast("edges without their node")
        return node.type_, node.children
    if nodes is not None:
        return GraphQLNonNull(_named(nodes.type_)), nodes.children
    return None


def _nodes_of(value: Any, fp: FieldPlan) -> Iterator[Any]:
    """The raw node values of a root connection (a non-null connection, as Shopify's roots are)."""
    if not isinstance(value, dict) or not isinstance(fp.type_, GraphQLNonNull):
        raise NotFast("a root connection that is not a connection")
    if value.get("edges") is not None and any(c.key == "edges" for c in fp.children):
        return (edge.get("node") for edge in value["edges"])
    if value.get("nodes") is not None:
        return iter(value["nodes"])
    raise NotFast("a root connection without edges or nodes")
