"""A bulk query's JSONL lines, streamed root node by root node without graphql-core's executor.

graphql-core completes the whole result tree before a single line can be written: for a shop of
300,000 inventory levels that is millions of completion calls and a gigabyte of nested dicts (the
stock audit's bench spent eight minutes there), and a day of 50,000 orders read whole (the
reconciliation's day query) is minutes more. This walks the validated query's selections over the
very same resolvers and node dicts (registry roots, dict fields, callables given their arguments,
``OBJECT_FIELDS`` extras), serialises leaves with the schema's own ``serialize``, and turns each root
node into its JSONL lines (:func:`bulk_runner.node_lines`) as soon as it is complete.

Selections are collected as the executor collects them: fields of one response key merged in the
order first seen, named fragments (each spread once per selection set) and inline fragments applied
where their type condition matches the object's runtime type; an abstract type (a union, an
interface) is resolved with the sandbox's own ``default_type_resolver`` and checked as the executor
checks it. It takes only what it can do exactly as the executor does: one query operation (its
fragments beside it), no directives, no variables. Anything else, and any value the executor would
reject (a null in a non-null field, a leaf that does not serialise, a resolver error, an abstract
value of no possible type), raises :class:`NotFast` and the caller runs the executor instead, so an
operation's outcome (its lines, or FAILED) never depends on which path produced it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLString,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    is_abstract_type,
    is_leaf_type,
)
from graphql.execution.values import get_argument_values

from .registry import OBJECT_FIELDS, QUERY, default_type_resolver
from .schema import admin_schema
from .state import ShopState

Record = dict[str, Any]
Fragments = dict[str, FragmentDefinitionNode]


class NotFast(Exception):
    """The query or a value needs the full executor (the caller falls back to it)."""


@dataclass
class FieldPlan:
    """One response key: the field nodes selected under it (merged), where its value comes from."""

    key: str  # the response key (alias or name)
    name: str
    args: Record
    type_: GraphQLOutputType
    parent_type: str
    selections: list[SelectionSetNode]  # every merged node's sub-selection, in document order
    fragments: Fragments

    def children(self, object_type: GraphQLObjectType) -> list[FieldPlan]:
        """The sub-fields selected on ``object_type``: its own type or an abstract type's runtime one."""
        grouped: dict[str, list[FieldNode]] = {}
        for selection_set in self.selections:
            _collect(object_type, selection_set, self.fragments, grouped, set())
        return [_plan_field(object_type, nodes, self.fragments) for nodes in grouped.values()]


def _collect(
    object_type: GraphQLObjectType,
    selection_set: SelectionSetNode,
    fragments: Fragments,
    grouped: dict[str, list[FieldNode]],
    spread: set[str],
) -> None:
    """graphql-core's ``collect_fields`` for one selection set, without directives (NotFast)."""
    for selection in selection_set.selections:
        if selection.directives:
            raise NotFast("directives")
        if isinstance(selection, FieldNode):
            key = selection.alias.value if selection.alias else selection.name.value
            grouped.setdefault(key, []).append(selection)
        elif isinstance(selection, InlineFragmentNode):
            if _condition_matches(selection, object_type):
                _collect(object_type, selection.selection_set, fragments, grouped, spread)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if name in spread or fragment is None:
                continue  # the executor spreads a fragment once per selection set
            spread.add(name)
            if _condition_matches(fragment, object_type):
                _collect(object_type, fragment.selection_set, fragments, grouped, spread)


def _condition_matches(fragment: InlineFragmentNode | FragmentDefinitionNode, object_type: Any) -> bool:
    condition = fragment.type_condition
    if condition is None:
        return True
    schema = admin_schema()
    conditional = schema.get_type(condition.name.value)
    if conditional is object_type:
        return True
    return is_abstract_type(conditional) and schema.is_sub_type(conditional, object_type)


def _plan_field(parent: GraphQLObjectType, nodes: list[FieldNode], fragments: Fragments) -> FieldPlan:
    first = nodes[0]
    key = first.alias.value if first.alias else first.name.value
    name = first.name.value
    selections = [node.selection_set for node in nodes if node.selection_set is not None]
    if name == "__typename":
        string = GraphQLNonNull(GraphQLString)
        return FieldPlan(key, name, {}, string, parent.name, [], fragments)
    definition: GraphQLField | None = parent.fields.get(name)
    if definition is None:
        raise NotFast(f"unknown field {parent.name}.{name}")
    args = get_argument_values(definition, first, None)
    plan = FieldPlan(key, name, args, definition.type, parent.name, selections, fragments)
    named = _named(definition.type)
    if not is_leaf_type(named) and not selections:
        raise NotFast("a composite field without selections")
    return plan


def _named(type_: Any) -> Any:
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    return type_


def plan(document: DocumentNode) -> list[FieldPlan]:
    """The root field plans of a (validated) bulk query; NotFast where the executor is needed."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    if len(operations) != 1 or len(operations) + len(fragments) != len(document.definitions):
        raise NotFast("several operations, or a definition that is neither")
    operation = operations[0]
    if operation.operation.value != "query" or operation.variable_definitions or operation.directives:
        raise NotFast("not a plain query")
    query_type = admin_schema().query_type
    root = FieldPlan("", "", {}, query_type, "", [operation.selection_set], fragments)  # type: ignore[arg-type]
    return root.children(query_type)  # type: ignore[arg-type]


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
        return _object([(c.key, _getter(state, c), completer(state, c.type_, c)) for c in fp.children(type_)])
    if is_abstract_type(type_):
        return _abstract(state, type_, fp)
    return _leaf(type_)


def _abstract(state: ShopState, abstract: Any, fp: FieldPlan) -> Completer:
    """A union or interface value: its runtime type resolved and checked as the executor does, then
    completed with the selections that apply to that type (compiled once per runtime type)."""
    schema = admin_schema()
    by_type: dict[str, Completer] = {}

    def complete(value: Any) -> Any:
        if value is None:
            return None
        name = default_type_resolver(value, None, abstract)  # type: ignore[arg-type]
        runtime = schema.get_type(name) if isinstance(name, str) else None
        if not isinstance(runtime, GraphQLObjectType) or not schema.is_sub_type(abstract, runtime):
            raise NotFast("an abstract value of no possible runtime type")
        finish = by_type.get(runtime.name)
        if finish is None:
            finish = by_type[runtime.name] = completer(state, runtime, fp)
        return finish(value)

    return complete


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
        found = _connection_node(fp)
        if found is None:
            yield _guarded(completer(state, fp.type_, fp), value)
            continue
        node_type, node, by_edges = found
        complete = completer(state, node_type, node)
        for raw in _nodes_of(value, fp, by_edges):
            yield _guarded(complete, raw)


def _guarded(complete: Completer, value: Any) -> Any:
    try:
        return complete(value)
    except NotFast:
        raise
    except Exception as exc:  # a resolver's error: the executor reports it (the operation FAILS)
        raise NotFast("a resolver error") from exc


def _connection_node(fp: FieldPlan) -> tuple[Any, FieldPlan, bool] | None:
    """(node type, the node field's plan, read through edges) of a root connection; None if not one."""
    named = _named(fp.type_)
    if not isinstance(named, GraphQLObjectType):
        return None
    by_key = {child.key: child for child in fp.children(named)}
    if any(k in by_key and by_key[k].name != k for k in ("edges", "nodes")):
        raise NotFast("an aliased edges or nodes")
    edges, nodes = by_key.get("edges"), by_key.get("nodes")
    if edges is not None:
        node = next((c for c in edges.children(_named(edges.type_)) if c.key == "node"), None)
        if node is None or node.name != "node":
            raise NotFast("edges without their node")
        return node.type_, node, True
    if nodes is not None:
        return GraphQLNonNull(_named(nodes.type_)), nodes, False
    return None


def _nodes_of(value: Any, fp: FieldPlan, by_edges: bool) -> Iterator[Any]:
    """The raw node values of a root connection (a non-null connection, as Shopify's roots are)."""
    if not isinstance(value, dict) or not isinstance(fp.type_, GraphQLNonNull):
        raise NotFast("a root connection that is not a connection")
    if by_edges:
        if value.get("edges") is None:
            raise NotFast("a root connection without edges")
        return (edge.get("node") for edge in value["edges"])
    if value.get("nodes") is not None:
        return iter(value["nodes"])
    raise NotFast("a root connection without edges or nodes")
