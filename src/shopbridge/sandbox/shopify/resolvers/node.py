"""``node(id:)`` and ``nodes(ids:)``: any object the sandbox holds, found by its GID."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..registry import ResolveInfo, query
from ..state import ShopState, gid_kind

NodeLoader = Callable[[ShopState, str], dict[str, Any] | None]

# Resolver modules register how to present a stored object of their GID kind as a GraphQL dict.
NODE_LOADERS: dict[str, NodeLoader] = {}


def node_loader(kind: str) -> Callable[[NodeLoader], NodeLoader]:
    def register(fn: NodeLoader) -> NodeLoader:
        NODE_LOADERS[kind] = fn
        return fn

    return register


def load_node(state: ShopState, gid: str) -> dict[str, Any] | None:
    loader = NODE_LOADERS.get(gid_kind(gid))
    return loader(state, gid) if loader else None


@query("node")
def resolve_node(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> dict[str, Any] | None:
    return load_node(state, str(args["id"]))


@query("nodes")
def resolve_nodes(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> list[dict[str, Any] | None]:
    return [load_node(state, str(gid)) for gid in args["ids"]]
