"""Control routes for webhook delivery: configure, inspect, flush.

- ``POST /_sandbox/webhooks`` with settings (``address``, ``secret``, ``topics``, ``duplicate_rate``,
  ``drop_rate``, ``delay``, ``jitter``, ``time_compression``, ``seed``) -> the settings and stats;
- ``GET /_sandbox/webhooks`` -> settings (without the secret) and delivery statistics;
- ``POST /_sandbox/webhooks/flush`` -> waits until every queued delivery is done.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .state import ShopState
from .webhooks import emitter_for


def _state(request: Request) -> ShopState:
    state: ShopState = request.app.state.sandbox.state
    return state


async def _configure(request: Request) -> JSONResponse:
    emitter = emitter_for(_state(request))
    try:
        emitter.configure(await request.json())
    except (ValueError, TypeError) as exc:
        return JSONResponse({"error": str(exc)}, status_code=422)
    return JSONResponse(emitter.describe())


async def _describe(request: Request) -> JSONResponse:
    return JSONResponse(emitter_for(_state(request)).describe())


async def _flush(request: Request) -> JSONResponse:
    emitter = emitter_for(_state(request))
    done = await run_in_threadpool(emitter.flush)
    return JSONResponse({"done": done, **emitter.describe()})


def routes() -> list[Route]:
    return [
        Route("/_sandbox/webhooks", _configure, methods=["POST"]),
        Route("/_sandbox/webhooks", _describe, methods=["GET"]),
        Route("/_sandbox/webhooks/flush", _flush, methods=["POST"]),
    ]
