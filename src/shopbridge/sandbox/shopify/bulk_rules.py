"""What ``bulkOperationRunQuery`` refuses in a query, before anything runs, with Shopify's messages.

Shopify's documented limits (``bulkOperationRunQuery``'s description in the 2026-07 schema and the
bulk operations guide, "Operation restrictions"): at least one connection, at most five connections,
connections nested at most two deep, no top-level ``node`` or ``nodes``. Shopify also refuses a
connection anywhere inside a list field (for example ``Order.refunds``, a list, holding
``refundLineItems``, a connection): "Queries that contain a connection field within a list field are
not currently supported." (the message apps report from live shops; a connection's own ``edges`` and
``nodes`` lists are not such list fields, or no connection could nest at all).

The walk follows fragments (named and inline, each selection on the type its condition names), so
a connection hidden in a fragment counts as it does at Shopify.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
)

from .cost import is_connection
from .schema import admin_schema

__all__ = [
    "CONNECTION_IN_LIST",
    "MAX_CONNECTIONS",
    "MAX_CONNECTION_DEPTH",
    "NO_CONNECTION",
    "TOO_DEEP",
    "TOO_MANY",
    "TOP_LEVEL_NODE",
    "BulkShape",
    "bulk_query_errors",
    "bulk_shape",
]

MAX_CONNECTIONS = 5
MAX_CONNECTION_DEPTH = 2
NO_CONNECTION = "Bulk queries must contain at least one connection."
TOO_DEEP = (
    f"Bulk queries cannot contain connections with a nesting depth greater than {MAX_CONNECTION_DEPTH}."
)
TOO_MANY = f"Bulk queries cannot contain more than {MAX_CONNECTIONS} connections."
TOP_LEVEL_NODE = "Bulk queries cannot contain a top level `{field}` field."
CONNECTION_IN_LIST = (
    "Queries that contain a connection field within a list field are not currently supported."
)
_CONNECTION_LISTS = ("edges", "nodes")  # a connection's own lists


@dataclass
class BulkShape:
    connections: int = 0
    deepest: int = 0
    connection_in_list: bool = False


@dataclass
class _Walk:
    fragments: dict[str, FragmentDefinitionNode]
    shape: BulkShape

    def fields(
        self, parent: GraphQLNamedType, selection_set: SelectionSetNode, spread: frozenset[str]
    ) -> Iterator[tuple[GraphQLNamedType, FieldNode, frozenset[str]]]:
        """(the type a field is selected on, the field, the fragments spread to reach it), flattened."""
        schema = admin_schema()
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                yield parent, selection, spread
            elif isinstance(selection, InlineFragmentNode):
                on = selection.type_condition
                target = schema.get_type(on.name.value) if on is not None else parent
                yield from self.fields(target or parent, selection.selection_set, spread)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in spread:  # validation refuses cycles; be safe anyway
                    continue
                target = schema.get_type(fragment.type_condition.name.value)
                yield from self.fields(target or parent, fragment.selection_set, spread | {name})

    def walk(
        self, parent: GraphQLNamedType, selection_set: SelectionSetNode, depth: int, in_list: bool
    ) -> None:
        self._walk(parent, selection_set, depth, in_list, frozenset())

    def _walk(
        self,
        parent: GraphQLNamedType,
        selection_set: SelectionSetNode,
        depth: int,
        in_list: bool,
        spread: frozenset[str],
    ) -> None:
        for on, node, seen in self.fields(parent, selection_set, spread):
            definition = getattr(on, "fields", {}).get(node.name.value)
            if definition is None or node.selection_set is None:
                continue
            named = get_named_type(definition.type)
            child_depth, child_in_list = depth, in_list
            if is_connection(named):
                self.shape.connections += 1
                self.shape.connection_in_list |= in_list
                child_depth, child_in_list = depth + 1, False
                self.shape.deepest = max(self.shape.deepest, child_depth)
            elif _is_list(definition.type) and not (
                is_connection(on) and node.name.value in _CONNECTION_LISTS
            ):
                child_in_list = True
            self._walk(named, node.selection_set, child_depth, child_in_list, seen)


def _connection_list(parent: GraphQLNamedType, node: FieldNode) -> bool:
    return is_connection(parent) and node.name.value in _CONNECTION_LISTS


def _is_list(type_: object) -> bool:
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


def bulk_shape(document: DocumentNode) -> BulkShape:
    """How many connections the (validated) query reads, how deep, and whether one sits in a list."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    walk = _Walk(fragments, BulkShape())
    query_type = admin_schema().query_type
    assert query_type is not None
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            walk.walk(query_type, definition.selection_set, 0, False)
    return walk.shape


def _top_level_nodes(document: DocumentNode) -> list[str]:
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    walk = _Walk(fragments, BulkShape())
    query_type = admin_schema().query_type
    assert query_type is not None
    found: list[str] = []
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            for _on, node, _seen in walk.fields(query_type, definition.selection_set, frozenset()):
                if node.name.value in ("node", "nodes") and node.name.value not in found:
                    found.append(node.name.value)
    return found


def bulk_query_errors(document: DocumentNode) -> list[str]:
    """The messages Shopify answers for a (schema-valid) bulk query it will not run; empty if it runs."""
    shape = bulk_shape(document)
    errors = [TOP_LEVEL_NODE.format(field=name) for name in _top_level_nodes(document)]
    if shape.deepest > MAX_CONNECTION_DEPTH:
        errors.append(TOO_DEEP)
    if shape.connections > MAX_CONNECTIONS:
        errors.append(TOO_MANY)
    if shape.connection_in_list:
        errors.append(CONNECTION_IN_LIST)
    if shape.connections == 0:
        errors.append(NO_CONNECTION)
    return errors
