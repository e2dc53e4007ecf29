"""Fidelity: replay recorded Shopify requests against the sandbox and compare the answers.

A capture holds the request (document + variables) and Shopify's response. Replaying needs the
state the capture assumed, derived from the capture's own data (its setup steps, or the order it
read before the mutation), and the recorded ids mapped to the sandbox's: every ``id`` met in a
recorded response is paired with the ``id`` at the same place in the sandbox's answer, and later
requests are rewritten with the pairs.

:func:`compare` reports four kinds of difference:

- ``shape``: a key present on one side only, or lists of different lengths;
- ``type``: a value of another JSON type (a null where Shopify has an object counts);
- ``money``: a ``{amount, currencyCode}`` that differs (the amount text must match exactly);
- ``value``: a field in :data:`VALUE_FIELDS` (statuses, quantities, messages) that differs.

Ids, names, dates and other volatile values are not compared. Some captures record only the
response of a mutation: their documents are rebuilt from the recorded answer's own shape with the
real schema (:func:`document_for`), so the selection is exactly what Shopify answered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
    is_leaf_type,
    is_non_null_type,
)

Post = Callable[[dict[str, Any]], dict[str, Any]]  # GraphQL payload -> response body

VALUE_FIELDS = frozenset(
    {
        "displayFinancialStatus",
        "displayFulfillmentStatus",
        "status",
        "displayStatus",
        "requestStatus",
        "kind",
        "gateway",
        "quantity",
        "currentQuantity",
        "remainingQuantity",
        "totalQuantity",
        "fulfillableQuantity",
        "restockType",
        "restocked",
        "message",
        "field",
        "code",
        "capturable",
        "discountCodes",
        "paymentGatewayNames",
        "title",
        "sku",
        "rate",
        "number",
        "url",
        "company",
        "note",
        "taxable",
        "requiresShipping",
        "vendor",
        "key",
        "value",
        "done",
        "committed",
        "closed",
    }
)


@dataclass(frozen=True)
class Difference:
    path: str
    kind: str  # shape | type | money | value
    recorded: Any
    sandbox: Any

    def __str__(self) -> str:
        return f"{self.kind} at {self.path or '<root>'}: recorded {self.recorded!r}, sandbox {self.sandbox!r}"


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def compare(recorded: Any, sandbox: Any, path: str = "") -> list[Difference]:
    """Every difference in shape, type, money and :data:`VALUE_FIELDS` between two answers."""
    if _json_type(recorded) != _json_type(sandbox):
        return [Difference(path, "type", _json_type(recorded), _json_type(sandbox))]
    if isinstance(recorded, dict):
        return _compare_dicts(recorded, sandbox, path)
    if isinstance(recorded, list):
        if len(recorded) != len(sandbox):
            return [Difference(path, "shape", f"{len(recorded)} items", f"{len(sandbox)} items")]
        return [
            d
            for i, (r, s) in enumerate(zip(recorded, sandbox, strict=True))
            for d in compare(r, s, f"{path}[{i}]")
        ]
    return []


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _compare_dicts(recorded: dict[str, Any], sandbox: dict[str, Any], path: str) -> list[Difference]:
    if set(recorded) == {"amount", "currencyCode"} and set(sandbox) == {"amount", "currencyCode"}:
        same = (recorded["amount"], recorded["currencyCode"]) == (sandbox["amount"], sandbox["currencyCode"])
        return [] if same else [Difference(path, "money", recorded, sandbox)]
    diffs = [Difference(_join(path, k), "shape", "present", "absent") for k in recorded if k not in sandbox]
    diffs += [Difference(_join(path, k), "shape", "absent", "present") for k in sandbox if k not in recorded]
    for key in sorted(recorded.keys() & sandbox.keys()):
        here = _join(path, key)
        r, s = recorded[key], sandbox[key]
        if (
            key in VALUE_FIELDS
            and not isinstance(r, dict | list)
            and r != s
            and _json_type(r) == _json_type(s)
        ):
            diffs.append(Difference(here, "value", r, s))
        else:
            diffs.extend(compare(r, s, here))
    return diffs


@dataclass
class Replay:
    """One capture's replay: posts requests with recorded ids rewritten to the sandbox's."""

    post: Post
    ids: dict[str, str] = field(default_factory=dict)

    def rewrite(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.ids.get(value, value)
        if isinstance(value, dict):
            return {k: self.rewrite(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.rewrite(v) for v in value]
        return value

    def learn(self, recorded: Any, sandbox: Any) -> None:
        """Pair every recorded ``id`` with the sandbox ``id`` at the same place."""
        if isinstance(recorded, dict) and isinstance(sandbox, dict):
            rid, sid = recorded.get("id"), sandbox.get("id")
            if isinstance(rid, str) and isinstance(sid, str):
                self.ids.setdefault(rid, sid)
            for key in recorded.keys() & sandbox.keys():
                self.learn(recorded[key], sandbox[key])
        elif isinstance(recorded, list) and isinstance(sandbox, list):
            for r, s in zip(recorded, sandbox, strict=False):
                self.learn(r, s)

    def run(self, query: str, variables: dict[str, Any] | None, recorded: dict[str, Any]) -> list[Difference]:
        """Replay one request; learn ids from the answer; the differences from the recording."""
        body = self.post({"query": query, "variables": self.rewrite(variables or {})})
        self.learn(recorded, body)
        return compare(_comparable(recorded), _comparable(body))


def _comparable(body: dict[str, Any]) -> dict[str, Any]:
    """What is compared of a response: data and errors (cost extensions depend on the bucket)."""
    kept = {"data": body.get("data")}
    if "errors" in body:
        kept["errors"] = [{k: e.get(k) for k in ("message", "extensions", "path")} for e in body["errors"]]
    return kept


def selection_for(schema: GraphQLSchema, parent: GraphQLNamedType, value: Any) -> str:
    """A selection set that asks for exactly the keys of a recorded answer."""
    sample = _merge(value)
    if not isinstance(parent, GraphQLObjectType):
        return ""
    if not isinstance(sample, dict):  # an empty list: Shopify's answer says nothing of its items
        return _leaves(parent)
    parts = []
    for key, sub in sample.items():
        definition = parent.fields.get(key)
        if definition is None:
            continue
        args = "(first: 10)" if "first" in definition.args and "Connection" in str(definition.type) else ""
        inner = selection_for(schema, get_named_type(definition.type), sub)
        parts.append(f"{key}{args} {{ {inner} }}" if inner else f"{key}{args}")
    return " ".join(parts)


def _leaves(parent: GraphQLObjectType) -> str:
    """The object's scalar fields that need no arguments (used where the recording has no item)."""
    names = [
        name
        for name, definition in parent.fields.items()
        if is_leaf_type(get_named_type(definition.type))
        and not any(is_non_null_type(a.type) for a in definition.args.values())
        and not definition.deprecation_reason
    ]
    return " ".join(names)


def _merge(value: Any) -> Any:
    """A list of objects as one object with every key any of them has."""
    if isinstance(value, list):
        merged: dict[str, Any] = {}
        for item in value:
            if isinstance(item, dict):
                for key, sub in item.items():
                    merged[key] = sub if merged.get(key) in (None, [], {}) else merged[key]
        return merged if merged else None
    return value


def document_for(schema: GraphQLSchema, operation: str, header: str, root: str, recorded_root: Any) -> str:
    """A whole document (``operation`` is "query" or "mutation") for a recorded root field."""
    root_type = schema.mutation_type if operation == "mutation" else schema.query_type
    assert root_type is not None
    field_type = get_named_type(root_type.fields[root.split("(")[0]].type)
    return f"{operation}{header} {{ {root} {{ {selection_for(schema, field_type, recorded_root)} }} }}"
