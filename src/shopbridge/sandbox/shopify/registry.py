"""Resolver registration and the default field resolver shared by every resolver module.

Resolvers return plain dicts whose keys are GraphQL field names. A value may be a callable taking
the field's arguments as keyword arguments. A key that is absent answers a clear "not implemented"
error naming ``Type.field``, unless a resolver module registered that object field with
:func:`object_field` (how fields that live outside an object's view, such as an order's metafields,
are added without changing the module that builds the view): the sandbox never invents a silent null.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo

from .state import ShopState, gid_kind

ResolveInfo = GraphQLResolveInfo
Resolver = Callable[[ShopState, dict[str, Any], ResolveInfo], Any]

FieldResolver = Callable[[ShopState, dict[str, Any], dict[str, Any]], Any]

QUERY: dict[str, Resolver] = {}
MUTATION: dict[str, Resolver] = {}
OBJECT_FIELDS: dict[tuple[str, str], FieldResolver] = {}


def query(name: str) -> Callable[[Resolver], Resolver]:
    """Register ``fn`` as the resolver of the root query field ``name``."""

    def register(fn: Resolver) -> Resolver:
        QUERY[name] = fn
        return fn

    return register


def mutation(name: str) -> Callable[[Resolver], Resolver]:
    """Register ``fn`` as the resolver of the root mutation field ``name``."""

    def register(fn: Resolver) -> Resolver:
        MUTATION[name] = fn
        return fn

    return register


def object_field(type_name: str, field_name: str) -> Callable[[FieldResolver], FieldResolver]:
    """Register ``fn(state, parent view, arguments)`` for ``type_name.field_name`` where the view lacks it."""

    def register(fn: FieldResolver) -> FieldResolver:
        OBJECT_FIELDS[(type_name, field_name)] = fn
        return fn

    return register


def not_implemented(type_name: str, field_name: str) -> GraphQLError:
    return GraphQLError(
        f"Field '{type_name}.{field_name}' is not implemented by the shopbridge Shopify sandbox",
        extensions={"code": "NOT_IMPLEMENTED_IN_SANDBOX"},
    )


class RequestContext:
    """What every resolver call can reach: the shop state (and room for per-request data)."""

    def __init__(self, state: ShopState, busy_slots: frozenset[str] = frozenset()) -> None:
        self.state = state
        # "<mutation>:<idempotency key>" slots another request held when this one arrived
        self.busy_slots = busy_slots


def _root_resolver(info: ResolveInfo) -> Resolver | None:
    schema = info.schema
    if info.parent_type is schema.query_type:
        return QUERY.get(info.field_name)
    if info.parent_type is schema.mutation_type:
        return MUTATION.get(info.field_name)
    return None


def _is_root(info: ResolveInfo) -> bool:
    schema = info.schema
    return info.parent_type is schema.query_type or info.parent_type is schema.mutation_type


def default_field_resolver(parent: Any, info: ResolveInfo, **args: Any) -> Any:
    """Root fields go to the registry; object fields are dict lookups (callables get the args)."""
    if _is_root(info):
        resolver = _root_resolver(info)
        if resolver is None:
            raise not_implemented(info.parent_type.name, info.field_name)
        context: RequestContext = info.context
        return resolver(context.state, args, info)
    if not isinstance(parent, dict):
        raise not_implemented(info.parent_type.name, info.field_name)
    if info.field_name not in parent:
        extra = OBJECT_FIELDS.get((info.parent_type.name, info.field_name))
        if extra is None:
            raise not_implemented(info.parent_type.name, info.field_name)
        return extra(info.context.state, parent, args)
    value = parent[info.field_name]
    if callable(value):
        return value(**args)
    return value


def default_type_resolver(value: Any, info: ResolveInfo, abstract_type: Any) -> str | None:
    """Abstract types (Node, unions): the dict's ``__typename``, else the kind in its GID."""
    if isinstance(value, dict):
        if "__typename" in value:
            return str(value["__typename"])
        gid = value.get("id")
        if isinstance(gid, str):
            return gid_kind(gid) or None
    return None
