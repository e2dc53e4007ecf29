"""The real Sage 200 OpenAPI 3.0.1 specifications, merged into one document, and openapi-core glue.

The eleven module files (sop, sales, stock, cash-book, ...) share no path and define no schema twice
differently, so they merge into one document. The server URL is replaced by ``/`` so the sandbox
(served at any host and port) matches the spec's paths.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

SPEC_PACKAGE = "shopbridge.reference.sage200"
METHODS = ("get", "put", "post", "delete")


@cache
def merged_spec() -> dict[str, Any]:
    """All eleven modules as one OpenAPI document (a fresh copy is not needed: callers must not mutate)."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    folder = resources.files(SPEC_PACKAGE).joinpath("openapi")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json"):
            continue
        module = json.loads(entry.read_text(encoding="utf-8"))
        paths.update(module["paths"])
        schemas.update(module.get("components", {}).get("schemas", {}))
    return {
        "openapi": "3.0.1",
        "info": {"title": "Sage 200 (merged modules)", "version": "v1"},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": schemas},
    }


@cache
def openapi() -> OpenAPI:
    # The real specs carry a few invalid defaults (e.g. 'TradingAccountTypeOpenItem' exceeding its own
    # maxLength 20), so the meta-validation of the document is skipped; requests and responses are still
    # validated against every schema.
    return OpenAPI.from_dict(merged_spec(), config=Config(spec_validator_cls=None))


@cache
def _openapi_of(template: str) -> OpenAPI:
    """The document cut down to one path (every schema kept), for a request whose template is known.

    openapi-core finds a request's path by walking every path of the document (507) through its
    lazy schema accessors: most of the sandbox's CPU per request (measured with cProfile in
    bench/order_flow.py). Given the one template :func:`match_template` chose, it walks one; the
    request and response are held to the same operation and schemas as before.
    """
    spec = merged_spec()
    return OpenAPI.from_dict(
        {**spec, "paths": {template: spec["paths"][template]}}, config=Config(spec_validator_cls=None)
    )


def _openapi_for(path: str) -> OpenAPI:
    template = match_template(path)
    return openapi() if template is None else _openapi_of(template)


def spec_operations() -> set[tuple[str, str]]:
    """Every (METHOD, path template) the spec defines."""
    return {
        (method.upper(), path)
        for path, item in merged_spec()["paths"].items()
        for method in item
        if method in METHODS
    }


def _template_regex(template: str) -> re.Pattern[str]:
    pattern = re.sub(r"\\\{[^}]+\\\}", r"[^/]+", re.escape(template))
    return re.compile(f"^{pattern}$")


@cache
def _templates() -> tuple[tuple[str, re.Pattern[str]], ...]:
    # Literal segments before parameters, so /sop_orders_new wins over /sop_orders/{Id}.
    ordered = sorted(merged_spec()["paths"], key=lambda t: (t.count("{"), -len(t)))
    return tuple((t, _template_regex(t)) for t in ordered)


@lru_cache(maxsize=4096)  # a request asks three times, through 507 patterns; paths repeat
def match_template(path: str) -> str | None:
    """The spec's path template matching ``path``, or ``None`` if the spec has no such path."""
    for template, regex in _templates():
        if regex.match(path):
            return template
    return None


@dataclass
class SpecRequest:
    """An HTTP request in the shape openapi-core validates (from the sandbox or from httpx)."""

    host_url: str
    path: str
    method: str
    query: tuple[tuple[str, str], ...]
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    content_type: str = "application/json"

    @property
    def full_url_pattern(self) -> str:
        return self.host_url + self.path

    def __post_init__(self) -> None:
        # openapi-core writes the resolved path parameters into this object, so it is built once.
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(list(self.query)),
            header=Headers(list(self.headers)),
            cookie=ImmutableMultiDict(),
        )


@dataclass(frozen=True)
class SpecResponse:
    status_code: int
    data: bytes | None
    content_type: str = "application/json"

    @property
    def headers(self) -> Headers:
        return Headers([("Content-Type", self.content_type)])


def request_errors(request: SpecRequest) -> list[str]:
    """Why the spec rejects ``request`` (empty when it is valid).

    Validation, not unmarshalling: unmarshalling would fill in the spec's defaults, some of which break
    the spec's own limits (``'EnumSOPOrderPaymentTypeFull'`` is longer than its ``maxLength`` 20).
    """
    return [_describe(err) for err in _openapi_for(request.path).iter_request_errors(request)]


def response_errors(request: SpecRequest, response: SpecResponse) -> list[str]:
    """Why the spec rejects ``response`` to ``request`` (empty when it is valid).

    Where the spec documents a status with no content (every 400 says "Request body will include
    details" with ``content: {}``; DELETE answers 200 with no content), only the status is checked:
    the spec names no body shape to hold the body to.
    """
    operation = merged_spec()["paths"].get(match_template(request.path) or "", {}).get(request.method, {})
    documented = operation.get("responses", {}).get(str(response.status_code))
    if documented is None:
        return [
            f"status {response.status_code} is not documented for {request.method.upper()} {request.path}"
        ]
    if not documented.get("content"):
        return []
    return [_describe(err) for err in _openapi_for(request.path).iter_response_errors(request, response)]


def _describe(err: Exception) -> str:
    causes = [str(c) for c in getattr(err, "schema_errors", ()) or ()]
    cause = err.__cause__
    if not causes and cause is not None:
        causes = [str(c) for c in getattr(cause, "schema_errors", ()) or ()] or [str(cause)]
    text = str(err)
    return f"{text}: {'; '.join(c.splitlines()[0] for c in causes)}" if causes else text


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str):
        resolved: dict[str, Any] = merged_spec()["components"]["schemas"][ref.rsplit("/", 1)[-1]]
        return resolved
    return schema


def project(record: Any, schema_name: str) -> Any:
    """``record`` cut down to the properties the named schema defines (recursively), dropping ``None``.

    The sandbox keeps a little bookkeeping on its records; what it answers is exactly the spec's shape.
    """
    return _project(record, merged_spec()["components"]["schemas"][schema_name])


def _project(value: Any, schema: dict[str, Any]) -> Any:
    schema = _resolve(schema)
    if isinstance(value, list):
        items = schema.get("items", {})
        return [_project(v, items) for v in value if v is not None]
    if isinstance(value, dict) and schema.get("properties"):
        props: dict[str, Any] = schema["properties"]
        return {k: _project(v, props[k]) for k, v in value.items() if k in props and v is not None}
    return value
