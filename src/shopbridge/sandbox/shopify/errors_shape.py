"""GraphQL errors shaped the way Shopify (graphql-ruby) answers them.

graphql-core finds the same problems as Shopify's validator but words them differently; clients
and our connector match on Shopify's ``extensions.code`` values (``undefinedField``,
``argumentNotAccepted``, ``missingRequiredArguments``, ``INVALID_VARIABLE``...), so the sandbox
rewrites each error into Shopify's words and adds the path Shopify reports.
"""

from __future__ import annotations

import re
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    Node,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    type_from_ast,
)
from graphql.language import (
    ArgumentNode,
    ObjectFieldNode,
    ValueNode,
    Visitor,
    print_ast,
    visit,
)
from graphql.utilities import TypeInfo, TypeInfoVisitor
from graphql.utilities.validate_input_value import validate_input_value

ErrorDict = dict[str, Any]

_UNDEFINED_FIELD = re.compile(r"Cannot query field '(?P<field>\w+)' on type '(?P<type>\w+)'")
_UNKNOWN_ARG = re.compile(r"Unknown argument '(?P<arg>\w+)' on field '(?P<type>\w+)\.(?P<field>\w+)'")
_MISSING_ARG = re.compile(r"Argument '\w+\.(?P<field>\w+)\((?P<arg>\w+):\)' of type '.*' is required")
_NO_SELECTION = re.compile(r"Field '(?P<field>\w+)' of type '(?P<type>[^']+)' must have a selection")
_UNUSED_VAR = re.compile(r"Variable '\$(?P<var>\w+)' is never used(?: in operation '(?P<op>\w+)')?")
_UNKNOWN_TYPE = re.compile(r"Unknown type '(?P<type>\w+)'")
_UNKNOWN_DIRECTIVE = re.compile(r"Unknown directive '@(?P<name>\w+)'")
_UNKNOWN_INPUT_FIELD = re.compile(
    r"Expected value of type '(?P<type>\w+)' not to include unknown field '(?P<f>\w+)'"
)
_MISSING_INPUT_FIELD = re.compile(
    r"Expected value of type '(?P<type>\w+)' to include required field '(?P<f>\w+)'"
)
_UNKNOWN_ENUM = re.compile(r"Value '(?P<value>[^']*)' does not exist in '(?P<enum>\w+)' enum")


def locations(nodes: list[Node] | None) -> list[dict[str, int]]:
    out = []
    for node in nodes or ():
        loc = node.loc
        if loc is not None:
            out.append({"line": loc.start_token.line, "column": loc.start_token.column})
    return out


def _selection_path(
    selection_set: SelectionSetNode | None, target: Node, trail: list[str]
) -> list[str] | None:
    for sel in selection_set.selections if selection_set else ():
        if sel is target:
            return [*trail, sel.name.value] if isinstance(sel, FieldNode) else trail
        if isinstance(sel, FieldNode):
            found = _selection_path(sel.selection_set, target, [*trail, sel.name.value])
        elif isinstance(sel, InlineFragmentNode):
            cond = sel.type_condition.name.value if sel.type_condition else ""
            found = _selection_path(sel.selection_set, target, [*trail, f"... on {cond}"])
        else:
            continue
        if found is not None:
            return found
    return None


def _definition_label(definition: Node) -> str:
    if isinstance(definition, OperationDefinitionNode):
        kind = definition.operation.value
        return f"{kind} {definition.name.value}" if definition.name else kind
    if isinstance(definition, FragmentDefinitionNode):
        return f"fragment {definition.name.value}"
    return ""


def node_path(document: DocumentNode, target: Node) -> list[str] | None:
    """Shopify's error path: ["mutation Name", "field", "subfield", ...] down to ``target``."""
    for definition in document.definitions:
        if definition is target:
            return [_definition_label(definition)]
        selection_set = getattr(definition, "selection_set", None)
        found = _selection_path(selection_set, target, [_definition_label(definition)])
        if found is not None:
            return found
    return None


def _shopify_wording(message: str) -> tuple[str, dict[str, Any]]:
    """Shopify's message and extensions for a graphql-core validation message."""
    if m := _UNDEFINED_FIELD.search(message):
        return (
            f"Field '{m['field']}' doesn't exist on type '{m['type']}'",
            {"code": "undefinedField", "typeName": m["type"], "fieldName": m["field"]},
        )
    if m := _UNKNOWN_ARG.search(message):
        return (
            f"Field '{m['field']}' doesn't accept argument '{m['arg']}'",
            {
                "code": "argumentNotAccepted",
                "name": m["field"],
                "typeName": "Field",
                "argumentName": m["arg"],
            },
        )
    if m := _MISSING_ARG.search(message):
        return (
            f"Field '{m['field']}' is missing required arguments: {m['arg']}",
            {
                "code": "missingRequiredArguments",
                "className": "Field",
                "name": m["field"],
                "arguments": m["arg"],
            },
        )
    if m := _NO_SELECTION.search(message):
        return (
            f"Field must have selections (field '{m['field']}' returns {m['type']} but has no selections. "
            f"Did you mean '{m['field']} {{ ... }}'?)",
            {"code": "selectionMismatch", "nodeName": f"field '{m['field']}'", "typeName": m["type"]},
        )
    if m := _UNUSED_VAR.search(message):
        op = m["op"] or "anonymous query"
        return (
            f"Variable ${m['var']} is declared by {op} but not used",
            {"code": "variableNotUsed", "variableName": m["var"]},
        )
    if m := _UNKNOWN_TYPE.search(message):
        return f"No such type {m['type']}, so it can't be a fragment condition", {"code": "undefinedType"}
    if m := _UNKNOWN_DIRECTIVE.search(message):
        return (
            f"Directive @{m['name']} is not defined",
            {"code": "undefinedDirective", "directiveName": m["name"]},
        )
    return message, {"code": "validationError"}


class _Where(Visitor):
    """Finds where a literal sits: the enclosing field, the argument/input-field trail, the type."""

    def __init__(self, document: DocumentNode, type_info: TypeInfo, target: Node) -> None:
        super().__init__()
        self.document, self.type_info, self.target = document, type_info, target
        self.field: FieldNode | None = None
        self.trail: list[tuple[Node, str, str, str]] = []  # (node, name, expected type, owner)
        self.found: list[tuple[Node, str, str, str]] | None = None
        self.found_field: FieldNode | None = None

    def enter(self, node: Node, *_: Any) -> None:
        if isinstance(node, FieldNode):
            self.field = node
        elif isinstance(node, ArgumentNode | ObjectFieldNode):
            parent = get_named_type(self.type_info.get_parent_input_type())
            owner = parent.name if isinstance(node, ObjectFieldNode) and parent else ""
            self.trail.append((node, node.name.value, str(self.type_info.get_input_type()), owner))
        if node is self.target and self.found is None:
            self.found = list(self.trail)
            self.found_field = self.field

    def leave(self, node: Node, *_: Any) -> None:
        if isinstance(node, ArgumentNode | ObjectFieldNode):
            self.trail.pop()


def _where(schema: GraphQLSchema, document: DocumentNode, target: Node) -> _Where | None:
    finder = _Where(document, TypeInfo(schema), target)
    visit(document, TypeInfoVisitor(finder.type_info, finder))
    return finder if finder.found and finder.field is not None else None


def _literal_error(schema: GraphQLSchema, document: DocumentNode, error: GraphQLError) -> ErrorDict | None:
    """Shopify's words for a bad inline value: unknown input field, missing one, or a wrong literal."""
    node = error.nodes[0] if error.nodes else None
    if node is None or not isinstance(node, ValueNode | ObjectFieldNode | ArgumentNode):
        return None
    where = _where(schema, document, node)
    if where is None or where.found is None:
        return None
    field = where.found_field
    if field is None:
        return None
    base = node_path(document, field) or []
    names = [name for _, name, _, _ in where.found]
    if isinstance(node, ArgumentNode):  # an unknown argument: Shopify's path ends with its name
        return {**validation_error(document, error), "path": [*base, *names]} if names else None
    if m := _UNKNOWN_INPUT_FIELD.search(error.message):
        return {
            "message": f"InputObject '{m['type']}' doesn't accept argument '{m['f']}'",
            "locations": locations([node]),
            "path": [*base, *names],
            "extensions": {
                "code": "argumentNotAccepted",
                "name": m["type"],
                "typeName": "InputObject",
                "argumentName": m["f"],
            },
        }
    if m := _MISSING_INPUT_FIELD.search(error.message):
        input_type = schema.get_type(m["type"])
        fields = getattr(input_type, "fields", {})
        expected = str(fields[m["f"]].type) if m["f"] in fields else ""
        return {
            "message": (
                f"Argument '{m['f']}' on InputObject '{m['type']}' is required. Expected type {expected}"
            ),
            "locations": locations([node]),
            "path": [*base, *names, m["f"]],
            "extensions": {
                "code": "missingRequiredInputObjectAttribute",
                "argumentName": m["f"],
                "argumentType": expected,
                "inputObjectType": m["type"],
            },
        }
    holder, name, expected, owner = where.found[-1]
    value = holder.value if isinstance(holder, ArgumentNode | ObjectFieldNode) else node
    on = f"InputObject '{owner}'" if owner else f"Field '{(field.alias or field.name).value}'"
    return {
        "message": (
            f"Argument '{name}' on {on} has an invalid value ({print_ast(value)}). "
            f"Expected type '{expected}'."
        ),
        "locations": locations([holder] if owner else [field]),
        "path": [*base, *names],
        "extensions": {
            "code": "argumentLiteralsIncompatible",
            "typeName": "InputObject" if owner else "Field",
            "argumentName": name,
        },
    }


def validation_errors(
    schema: GraphQLSchema, document: DocumentNode, errors: list[GraphQLError]
) -> list[ErrorDict]:
    """Every validation error of the document, each in Shopify's words (all at once, as Shopify)."""
    return [_literal_error(schema, document, e) or validation_error(document, e) for e in errors]


def validation_error(document: DocumentNode, error: GraphQLError) -> ErrorDict:
    message, extensions = _shopify_wording(error.message)
    out: ErrorDict = {"message": message, "locations": locations(list(error.nodes or []))}
    path = node_path(document, error.nodes[-1]) if error.nodes else None
    if path:
        out["path"] = path
    out["extensions"] = extensions
    return out


def syntax_error(error: GraphQLError) -> ErrorDict:
    loc = [{"line": s.line, "column": s.column} for s in error.locations or ()]
    return {
        "message": f"syntax error, {error.message}",
        "locations": loc,
        "extensions": {"code": "syntaxError"},
    }


def _explanation(schema: GraphQLSchema, error: GraphQLError) -> str:
    if m := _UNKNOWN_ENUM.search(error.message):
        enum = schema.get_type(m["enum"])
        names = ", ".join(enum.values) if isinstance(enum, GraphQLEnumType) else ""
        return f'Expected "{m["value"]}" to be one of: {names}'
    if "not to be None" in error.message:
        return "Expected value to not be null"
    return error.message.rstrip(".")


def _variable_problems(schema: GraphQLSchema, type_: Any, value: Any) -> list[dict[str, Any]]:
    problems: list[dict[str, Any]] = []

    def on_error(error: GraphQLError, path: list[str | int]) -> None:
        problems.append({"path": list(path), "explanation": _explanation(schema, error)})

    validate_input_value(value, type_, on_error, hide_suggestions=True)
    return problems


def variable_errors(
    schema: GraphQLSchema, operation: OperationDefinitionNode, variables: dict[str, Any]
) -> list[ErrorDict]:
    """INVALID_VARIABLE errors, one per variable, as Shopify words them."""
    errors: list[ErrorDict] = []
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        type_ = type_from_ast(schema, definition.type)
        if type_ is None:
            continue
        type_label = print_ast(definition.type)
        value = variables.get(name)
        if name not in variables and definition.default_value is not None:
            continue
        problems = _variable_problems(schema, type_, value)
        if not problems:
            continue
        # graphql-ruby names every problem that has a path, in one message; a problem without a path
        # (null for a non-null variable) adds nothing: "Variable $id of type ID! was provided invalid value"
        named = [
            f"{'.'.join(str(p) for p in pr['path'])} ({pr['explanation']})" for pr in problems if pr["path"]
        ]
        detail = f" for {', '.join(named)}" if named else ""
        errors.append(
            {
                "message": f"Variable ${name} of type {type_label} was provided invalid value{detail}",
                "locations": locations([definition]),
                "extensions": {"code": "INVALID_VARIABLE", "value": value, "problems": problems},
            }
        )
    return errors


def top_level(message: str, code: str, **extra: Any) -> ErrorDict:
    return {"message": message, "extensions": {"code": code, **extra}}
