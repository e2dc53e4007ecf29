"""The sandbox's ASGI app: auth, injected faults, spec validation both ways, dispatch, control API."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from shopbridge.sandbox.concurrency import ConcurrencyGate
from shopbridge.sandbox.sage200.calls import Call, SageError, error_body
from shopbridge.sandbox.sage200.control import control_routes
from shopbridge.sandbox.sage200.faults import Faults
from shopbridge.sandbox.sage200.odata import ODataError, apply_select
from shopbridge.sandbox.sage200.operations import IMPLEMENTED, UNSCOPED
from shopbridge.sandbox.sage200.spec import (
    SpecRequest,
    SpecResponse,
    match_template,
    request_errors,
    response_errors,
    spec_operations,
)
from shopbridge.sandbox.sage200.state import COMPANY_ID, SITE_ID, SageState

PROXY_502 = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"


class SandboxApp:
    """Holds the state, the token, the faults and the concurrency gate; ``asgi`` serves them."""

    def __init__(
        self, state: SageState, faults: Faults, token: str, gate: ConcurrencyGate | None = None
    ) -> None:
        self.state = state
        self.faults = faults
        self.token = token
        self.gate = gate or ConcurrencyGate()
        # The sandbox holds its own answers to the spec: a check of the sandbox, not of its caller
        # (requests are always held to it). A benchmark of shopbridge may turn it off: it is a third
        # of the sandbox's CPU per request, which the real Sage 200 spends on its own machine.
        self.check_answers = True
        self.known = spec_operations()
        routes = [
            *control_routes(self),
            Route("/{path:path}", self.serve, methods=["GET", "POST", "PUT", "DELETE"]),
        ]
        self.asgi = Starlette(routes=routes)

    async def serve(self, request: Request) -> Response:
        # The gateway in front of Sage 200 counts every API request, whatever comes of it after.
        if not self.gate.enter():
            return _over_limit(self.gate.limit)
        try:
            return await self._serve(request)
        finally:
            self.gate.leave()

    async def _serve(self, request: Request) -> Response:
        latency, hang, fail_status = self.faults.take()
        if latency:
            await asyncio.sleep(latency)
        if hang:
            await asyncio.sleep(hang)
            return _sage_error(504, "The upstream Sage 200 server did not answer in time.")
        if fail_status:
            return _injected(fail_status)
        body = await request.body()
        return self.answer(request, body)

    def answer(self, request: Request, body: bytes) -> Response:
        path = "/" + request.path_params["path"]
        method = request.method.upper()
        template = match_template(path)
        if template is None:
            return _sage_error(404, f"No HTTP resource was found that matches the request URI '{path}'.")
        if (method, template) not in self.known:
            return _sage_error(405, f"The requested resource does not support http method '{method}'.")
        refused = self._refuse_auth(request, (method, template))
        if refused is not None:
            return refused
        handler = IMPLEMENTED.get((method, template))
        if handler is None:
            return _sage_error(501, f"The sandbox does not implement {method} {template}.")
        spec_request = _spec_request(request, path, body)
        try:
            problems = request_errors(spec_request)
        except ValueError as exc:  # bytes that are not UTF-8 JSON, unreadable numbers
            problems = [f"The request could not be read: {exc}"]
        if problems:
            return _sage_error(400, "; ".join(problems))
        return self._run(handler, spec_request, template, body)

    def _refuse_auth(self, request: Request, operation: tuple[str, str]) -> Response | None:
        if request.headers.get("authorization", "") != f"Bearer {self.token}":
            return _sage_error(401, "Authorization has been denied for this request.")
        if operation in UNSCOPED:
            return None
        if request.headers.get("x-site") != SITE_ID or request.headers.get("x-company") != str(COMPANY_ID):
            return _sage_error(
                403, "The X-Site and X-Company headers do not name a site and company you may use."
            )
        return None

    def _run(self, handler: Any, spec_request: SpecRequest, template: str, body: bytes) -> Response:
        query = dict(spec_request.query)
        # $select is applied after validation: the spec's schemas cannot express a projection (they
        # mark fields required), so the full records are held to the spec and then cut down.
        select = query.pop("$select", "")
        call = Call(_path_params(template, spec_request.path), query, _json(body))
        try:
            with self.state.lock:
                result = handler(self.state, call)
        except (SageError, ODataError) as exc:
            status = exc.status if isinstance(exc, SageError) else 400
            return _sage_error(status, str(exc))
        except Exception as exc:  # a handler that crashes is a sandbox bug: say so, loudly
            return JSONResponse({"message": f"sandbox bug: {type(exc).__name__}: {exc}"}, 500)
        data = b"" if result is None else json.dumps(result).encode()
        problems = (
            response_errors(spec_request, SpecResponse(200, data or None)) if self.check_answers else []
        )
        if problems:
            # A response the spec rejects is a sandbox bug: fail loudly so the tests see it.
            return JSONResponse(
                {"message": "sandbox bug: response violates the spec: " + "; ".join(problems)}, 500
            )
        if select and isinstance(result, list):
            data = json.dumps(apply_select(result, select)).encode()
        return Response(data, 200, media_type="application/json" if data else None)


def _spec_request(request: Request, path: str, body: bytes) -> SpecRequest:
    return SpecRequest(
        host_url=f"{request.url.scheme}://{request.url.netloc}",
        path=path,
        method=request.method.lower(),
        query=tuple(parse_qsl(request.url.query, keep_blank_values=True)),
        headers=tuple(request.headers.items()),
        body=body or None,
        content_type=request.headers.get("content-type", "application/json"),
    )


def _path_params(template: str, path: str) -> dict[str, str]:
    names = template.strip("/").split("/")
    values = path.strip("/").split("/")
    return {n[1:-1]: v for n, v in zip(names, values, strict=False) if n.startswith("{")}


def _json(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None  # the spec validation has already refused a body that is not JSON


def _sage_error(status: int, message: str) -> JSONResponse:
    return JSONResponse(error_body(status, message), status)


def _over_limit(limit: int) -> Response:
    # As an API gateway's concurrency policy answers: 429 with a Retry-After, before Sage is reached.
    response = _sage_error(
        429, f"Too many concurrent requests: at most {limit} at once. Try again in 1 seconds."
    )
    response.headers["Retry-After"] = "1"
    return response


def _injected(status: int) -> Response:
    if status == 502:
        return Response(PROXY_502, 502, media_type="text/html")
    response = _sage_error(status, f"Injected fault: HTTP {status}.")
    if status in (429, 503):
        response.headers["Retry-After"] = "1"
    return response
