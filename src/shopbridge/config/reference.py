"""The configuration reference, generated from the config model (``docs/configuration.md``).

One table per TOML section, in the model's order: each key with its type, default and description.
The model is the single source: ``shopbridge config reference --write docs/configuration.md``
regenerates the page, and a test fails when the committed page differs from what the model says.
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from enum import Enum
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from shopbridge.config.model import Settings
from shopbridge.config.secrets import SecretRef

__all__ = ["render_reference"]

_HEADER = """# Configuration reference

Generated from the config model by `shopbridge config reference --write docs/configuration.md`; do
not edit by hand (a test fails when this page and the model disagree). `shopbridge init` writes a
commented starter file; `shopbridge config check` validates one. Unknown keys are errors. A secret is
never written inline: it is `{ env = "NAME" }` or `{ file = "/path" }`.
"""


def render_reference() -> str:
    """The whole reference page as Markdown."""
    parts = [_HEADER]
    for section, model, doc in _sections("", "", Settings):
        parts.append(_table(section, model, doc))
    return "\n".join(parts)


def _sections(
    prefix: str, section: str, model: type[BaseModel]
) -> Iterator[tuple[str, type[BaseModel], str]]:
    """``(toml section, model, docstring)`` for ``model`` and every section nested in it.

    ``prefix`` is the dotted path of the model; ``section`` how its heading is written (an array of
    tables ends in ``[]``, a table of tables in ``.<key>``).
    """
    yield section, model, (model.__doc__ or "").strip()
    for name, field in model.model_fields.items():
        nested = _nested_model(field.annotation)
        if nested is None or nested is SecretRef:
            continue
        key = f"{prefix}.{name}" if prefix else name
        shape = _shape(field.annotation)
        child_prefix = key if shape == "[]" else f"{key}{shape}"
        yield from _sections(child_prefix, f"{key}{shape}", nested)


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds (itself, in a list, as dict values or optional), else ``None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _nested_model(arg)
        if found is not None:
            return found
    return None


def _shape(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin is list:
        return "[]"  # an array of tables: [[shops]]
    if origin is dict:
        return ".<key>"
    if origin in (Union, types.UnionType):
        return "".join(_shape(arg) for arg in get_args(annotation) if arg is not type(None))
    return ""


def _table(section: str, model: type[BaseModel], doc: str) -> str:
    title = _title(section)
    lines = [f"## {title}", ""]
    if doc:
        lines += [" ".join(doc.split()), ""]
    rows = [
        (name, field)
        for name, field in model.model_fields.items()
        if _nested_model(field.annotation) in (None, SecretRef)
    ]
    if rows:
        lines += ["| key | type | default | description |", "|---|---|---|---|"]
        lines += [_row(name, field) for name, field in rows]
        lines.append("")
    return "\n".join(lines)


def _title(section: str) -> str:
    if not section:
        return "top level"
    if section.endswith("[]"):
        return f"`[[{section[:-2]}]]`"
    return f"`[{section}]`"


def _row(name: str, field: FieldInfo) -> str:
    description = (field.description or "").replace("|", "\\|")
    return f"| `{name}` | {_type(field.annotation)} | {_default(field)} | {description} |"


def _type(annotation: Any) -> str:
    origin = get_origin(annotation)
    if annotation is SecretRef:
        return "secret"
    if origin is Literal:
        return " or ".join(f"`{value!r}`" for value in get_args(annotation)).replace("'", '"')
    if origin in (Union, types.UnionType):
        return (
            " or ".join(_type(arg) for arg in get_args(annotation) if arg is not type(None)) + " (optional)"
        )
    if origin is list:
        return f"list of {_type(get_args(annotation)[0])}"
    if origin is dict:
        key, value = get_args(annotation)
        return f"table of {_type(key)} to {_type(value)}"
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return " or ".join(f'`"{member.value}"`' for member in annotation)
    return getattr(annotation, "__name__", str(annotation))


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "required"
    value = field.default_factory() if field.default_factory is not None else field.default  # type: ignore[call-arg]
    if value is PydanticUndefined or value is None:
        return ""
    if isinstance(value, Enum):
        return f'`"{value.value}"`'
    if isinstance(value, list):
        return "`[" + ", ".join(_literal(v) for v in value) + "]`"
    if isinstance(value, dict):
        return "`{}`" if not value else f"`{value}`"
    if isinstance(value, BaseModel):
        return ""
    return f"`{_literal(value)}`"


def _literal(value: Any) -> str:
    if isinstance(value, Enum):
        return f'"{value.value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)
