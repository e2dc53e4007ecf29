"""Shopify's calculated query cost and the leaky bucket that meters it.

Rules (shopify.dev "API rate limits", calculated query cost): scalars and enums cost 0, objects 1,
a connection 2 plus ``first``/``last`` times the cost of one node, nested connections multiply,
a mutation field 10. The requested cost is charged up front; the unused part is refunded once the
actual cost (counting only what was returned) is known.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    get_nullable_type,
    is_abstract_type,
    is_leaf_type,
    is_list_type,
    value_from_ast_untyped,
)
from graphql.type import GraphQLOutputType

MUTATION_COST = 10
OBJECT_COST = 1
CONNECTION_COST = 2
MAX_SINGLE_QUERY_COST = 1000


def is_connection(type_: GraphQLNamedType) -> bool:
    return (
        isinstance(type_, GraphQLObjectType)
        and type_.name.endswith("Connection")
        and "pageInfo" in type_.fields
        and ("edges" in type_.fields or "nodes" in type_.fields)
    )


@dataclass
class _Walk:
    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]
    variables: Mapping[str, Any]

    def fields(self, parent: GraphQLNamedType, selection_set: SelectionSetNode | None) -> list[FieldNode]:
        """Field nodes selected on ``parent`` (an object type), fragments flattened where they apply.

        A fragment applies when its type condition is ``parent`` itself or an interface/union
        ``parent`` belongs to; fields of fragments on other types cost nothing for this object.
        """
        out: list[FieldNode] = []
        for sel in selection_set.selections if selection_set else ():
            if isinstance(sel, FieldNode):
                out.append(sel)
            elif isinstance(sel, InlineFragmentNode):
                condition = sel.type_condition.name.value if sel.type_condition else None
                if self.applies(condition, parent):
                    out.extend(self.fields(parent, sel.selection_set))
            elif isinstance(sel, FragmentSpreadNode) and sel.name.value in self.fragments:
                fragment = self.fragments[sel.name.value]
                if self.applies(fragment.type_condition.name.value, parent):
                    out.extend(self.fields(parent, fragment.selection_set))
        return out

    def applies(self, condition: str | None, parent: GraphQLNamedType) -> bool:
        if condition is None or condition == parent.name:
            return True
        abstract = self.schema.get_type(condition)
        if not is_abstract_type(abstract) or not isinstance(parent, GraphQLObjectType):
            return False
        return self.schema.is_sub_type(abstract, parent)

    def concrete(self, type_: GraphQLNamedType) -> list[GraphQLNamedType]:
        """The object types a field of ``type_`` may return: itself, or an interface's/union's members."""
        if is_abstract_type(type_):
            return list(self.schema.get_possible_types(type_)) or [type_]
        return [type_]

    def argument(self, node: FieldNode, name: str) -> Any:
        for arg in node.arguments or ():
            if arg.name.value == name:
                return value_from_ast_untyped(arg.value, dict(self.variables))
        return None

    def field_def(self, parent: GraphQLNamedType, name: str) -> GraphQLField | None:
        fields = getattr(parent, "fields", None)
        return fields.get(name) if fields else None

    def selection_cost(self, parent: GraphQLNamedType, selection_set: SelectionSetNode | None) -> int:
        total = 0
        for node in self.fields(parent, selection_set):
            field = self.field_def(parent, node.name.value)
            if field is not None:
                total += self.field_cost(node, field.type)
        return total

    def field_cost(self, node: FieldNode, type_: GraphQLOutputType) -> int:
        named = get_named_type(type_)
        if is_leaf_type(named):
            return 0
        if is_connection(named):
            size = self.argument(node, "first") or self.argument(node, "last") or 0
            return CONNECTION_COST + int(size) * self.node_cost(named, node.selection_set)
        return self.list_size(node, type_) * self.one_object(named, node.selection_set)

    def one_object(self, named: GraphQLNamedType, selection_set: SelectionSetNode | None) -> int:
        """An object's cost; an interface or union costs the most any of its members would."""
        return max(
            self.object_cost(member) + self.selection_cost(member, selection_set)
            for member in self.concrete(named)
        )

    def list_size(self, node: FieldNode, type_: GraphQLOutputType) -> int:
        """A list asked for by ``ids`` (``nodes(ids:)``) holds one object per id; other lists count once."""
        ids = self.argument(node, "ids") if is_list_type(get_nullable_type(type_)) else None
        return max(1, len(ids)) if isinstance(ids, list) else 1

    def object_cost(self, type_: GraphQLNamedType) -> int:
        """Objects with an identity (the Node interface) cost 1; embedded value objects are free."""
        interfaces = getattr(type_, "interfaces", ())
        is_node = any(i.name == "Node" for i in interfaces) or type_.name == "Node"
        return OBJECT_COST if is_node else 0

    def node_cost(self, connection: GraphQLNamedType, selection_set: SelectionSetNode | None) -> int:
        """The cost of one element of a connection: its node (and edge) selections, once."""
        per_node = 0
        for node in self.fields(connection, selection_set):
            field = self.field_def(connection, node.name.value)
            if field is None:
                continue
            if node.name.value == "nodes":
                inner = get_named_type(field.type)
                per_node = max(
                    per_node, OBJECT_COST + self.abstract_selection_cost(inner, node.selection_set)
                )
            elif node.name.value == "edges":
                per_node = max(per_node, self.edge_cost(get_named_type(field.type), node.selection_set))
        return per_node

    def edge_cost(self, edge: GraphQLNamedType, selection_set: SelectionSetNode | None) -> int:
        cost = 0
        for node in self.fields(edge, selection_set):
            field = self.field_def(edge, node.name.value)
            if field is not None and not is_leaf_type(get_named_type(field.type)):
                inner = get_named_type(field.type)
                cost += OBJECT_COST + self.abstract_selection_cost(inner, node.selection_set)
        return cost

    def abstract_selection_cost(self, named: GraphQLNamedType, selection_set: SelectionSetNode | None) -> int:
        """The selections' cost on the member of an interface or union that makes them dearest."""
        return max(self.selection_cost(member, selection_set) for member in self.concrete(named))


def _operation(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode | None:
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name:
        return next((op for op in ops if op.name and op.name.value == operation_name), None)
    return ops[0] if len(ops) == 1 else None


def _walk(schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any] | None) -> _Walk:
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return _Walk(schema, fragments, variables or {})


def requested_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None = None,
    variables: Mapping[str, Any] | None = None,
) -> int:
    """The worst-case cost of the operation, computed before it runs."""
    op = _operation(document, operation_name)
    if op is None:
        return 0
    walk = _walk(schema, document, variables)
    if op.operation.value == "mutation" and schema.mutation_type is not None:
        root = schema.mutation_type
        total = 0
        for node in walk.fields(root, op.selection_set):
            field = root.fields.get(node.name.value)
            if field is not None:
                payload = get_named_type(field.type)
                total += MUTATION_COST + walk.selection_cost(payload, node.selection_set)
        return total
    assert schema.query_type is not None
    return walk.selection_cost(schema.query_type, op.selection_set)


@dataclass
class _Actual:
    walk: _Walk

    def selection(self, parent: GraphQLNamedType, selection_set: SelectionSetNode | None, data: Any) -> int:
        if not isinstance(data, dict):
            return 0
        total = 0
        for node in self.walk.fields(parent, selection_set):
            field = self.walk.field_def(parent, node.name.value)
            key = node.alias.value if node.alias else node.name.value
            if field is not None and data.get(key) is not None:
                total += self.field(node, get_named_type(field.type), data[key])
        return total

    def field(self, node: FieldNode, named: GraphQLNamedType, value: Any) -> int:
        if is_leaf_type(named):
            return 0
        if is_connection(named):
            return CONNECTION_COST + self.connection(named, node, value)
        items = value if isinstance(value, list) else [value]
        return sum(self.one_object(named, node.selection_set, item) for item in items if item is not None)

    def one_object(self, named: GraphQLNamedType, selection_set: SelectionSetNode | None, item: Any) -> int:
        """What one returned object cost, read as the member of an interface/union it turned out to be."""
        return max(
            self.walk.object_cost(member) + self.selection(member, selection_set, item)
            for member in self.members(named, item)
        )

    def members(self, named: GraphQLNamedType, item: Any) -> list[GraphQLNamedType]:
        """The object type ``item`` is: from ``__typename`` or its GID when returned, else every candidate."""
        candidates = self.walk.concrete(named)
        if len(candidates) == 1 or not isinstance(item, dict):
            return candidates
        known = {_gid_type(v) for v in item.values() if isinstance(v, str)} & {c.name for c in candidates}
        typename = item.get("__typename")
        if isinstance(typename, str) and typename in {c.name for c in candidates}:
            known = {typename}
        return [c for c in candidates if c.name in known] if len(known) == 1 else candidates

    def connection(self, named: GraphQLNamedType, node: FieldNode, value: Any) -> int:
        best = 0
        for sub in self.walk.fields(named, node.selection_set):
            key = sub.alias.value if sub.alias else sub.name.value
            field = self.walk.field_def(named, sub.name.value)
            items = value.get(key) if isinstance(value, dict) else None
            if field is None or not isinstance(items, list):
                continue
            inner = get_named_type(field.type)
            if sub.name.value == "nodes":
                best = max(
                    best, sum(OBJECT_COST + self.member_selection(inner, sub.selection_set, i) for i in items)
                )
            elif sub.name.value == "edges":
                best = max(best, sum(self.selection(inner, sub.selection_set, i) for i in items))
        return best

    def member_selection(
        self, named: GraphQLNamedType, selection_set: SelectionSetNode | None, item: Any
    ) -> int:
        return max(self.selection(member, selection_set, item) for member in self.members(named, item))


def _gid_type(value: str) -> str | None:
    """``Order`` of ``gid://shopify/Order/1``; None for any other string."""
    parts = value.split("/")
    return parts[3] if len(parts) >= 5 and value.startswith("gid://shopify/") else None


def actual_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    data: Mapping[str, Any] | None,
) -> int:
    """The cost of what was actually returned: connections count returned nodes, nulls are free."""
    op = _operation(document, operation_name)
    if op is None or data is None:
        return 0
    actual = _Actual(_walk(schema, document, variables))
    if op.operation.value == "mutation" and schema.mutation_type is not None:
        root = schema.mutation_type
        total = 0
        for node in actual.walk.fields(root, op.selection_set):
            field = root.fields.get(node.name.value)
            key = node.alias.value if node.alias else node.name.value
            if field is not None:
                payload = get_named_type(field.type)
                total += MUTATION_COST + actual.selection(payload, node.selection_set, data.get(key))
        return total
    assert schema.query_type is not None
    return actual.selection(schema.query_type, op.selection_set, dict(data))


class LeakyBucket:
    """Shopify's per app+store bucket: drains by cost, refills at ``restore_rate`` points/second."""

    def __init__(
        self,
        maximum: float = 2000.0,
        restore_rate: float = 100.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self.maximum = float(maximum)
        self.restore_rate = float(restore_rate)
        self._available = float(maximum)
        self._stamp = clock()

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(0.0, now - self._stamp)
        self._available = min(self.maximum, self._available + elapsed * self.restore_rate)
        self._stamp = now

    def configure(self, *, maximum: float | None = None, restore_rate: float | None = None) -> None:
        with self._lock:
            self._refill()
            if maximum is not None:
                self.maximum = float(maximum)
                self._available = min(self._available, self.maximum)
            if restore_rate is not None:
                self.restore_rate = float(restore_rate)

    def refill_fully(self) -> None:
        with self._lock:
            self._available = self.maximum
            self._stamp = self._clock()

    def try_charge(self, cost: int) -> bool:
        """Take ``cost`` points if they are available now; False (nothing taken) when throttled."""
        with self._lock:
            self._refill()
            if cost > self._available:
                return False
            self._available -= cost
            return True

    def refund(self, points: int) -> None:
        with self._lock:
            self._refill()
            self._available = min(self.maximum, self._available + max(0, points))

    def status(self) -> dict[str, float | int]:
        """Whole numbers as integers, the way the captures show them (2000, not 2000.0)."""
        with self._lock:
            self._refill()
            return {
                "maximumAvailable": _number(self.maximum),
                "currentlyAvailable": int(self._available),
                "restoreRate": _number(self.restore_rate),
            }


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def cost_extension(requested: int, actual: int | None, bucket: LeakyBucket) -> dict[str, Any]:
    """The ``extensions.cost`` object Shopify adds to every executed response."""
    return {
        "requestedQueryCost": requested,
        "actualQueryCost": actual,
        "throttleStatus": bucket.status(),
    }
