"""The JSON API behind the dashboard's newer pages (inbox retry and bulk, the order trail), and its
OpenAPI document at ``/api/openapi.json``, generated from the docstrings of every ``/api`` route.

Same rules as :mod:`shopbridge.web.api`: sign-in for everything, the operator role and the CSRF token
(or a Bearer token) for actions, audited with the signed-in user.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.schemas import SchemaGenerator

from shopbridge import (
    access,
    admin,
    order_trail,
    overview,
    payout_report,
    problem_actions,
    reconciliation_view,
    stock_admin,
    stock_report,
)
from shopbridge.domain.access import Role
from shopbridge.errors import BadInput
from shopbridge.web.api import services_of
from shopbridge.web.auth import Forbidden, require
from shopbridge.web.links import runbook_url
from shopbridge.web.masking import problem_for
from shopbridge.web.pages import inbox, trail
from shopbridge.web.pages import reconciliation as reconciliation_page

__all__ = ["routes"]

_INFO: dict[str, Any] = {
    "openapi": "3.0.0",
    "info": {
        "title": "shopbridge API",
        "version": "1",
        "description": "Sign in (session cookie + X-CSRF-Token on actions) or send Authorization: Bearer "
        "<API token>. Reading needs any role; actions need the operator role.",
    },
}
_schemas = SchemaGenerator(_INFO)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _json_body(request: Request) -> dict[str, Any]:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise BadInput("send the request body as application/json")
    data = await request.json() if await request.body() else {}
    if not isinstance(data, dict):
        raise BadInput("the body must be a JSON object")
    return data


async def post_retry(request: Request) -> Response:
    """
    summary: Retry a problem's job now (replay a dead job, or re-run the order's job). Operator.
    responses:
      "200": {description: "the job that will run"}
      "404": {description: "no such problem"}
      "409": {description: "nothing to retry"}
    """
    try:
        user = require(request, Role.OPERATOR)
    except Forbidden as exc:
        return _error(403, str(exc))
    problem_id = int(request.path_params["problem_id"])
    services = services_of(request)
    try:
        job_id = await run_in_threadpool(problem_actions.retry_problem, services, problem_id, actor=user.name)
    except admin.NotFound as exc:
        return _error(404, str(exc))
    except admin.Refused as exc:
        return _error(409, str(exc))
    return JSONResponse({"ok": True, "job_id": job_id})


async def post_bulk(request: Request) -> Response:
    """
    summary: Retry, resolve or ignore many problems; body {"action", "problem_ids", "reason"}. Operator.
    responses:
      "200": {description: "the ids done and the ids refused with why"}
      "400": {description: "bad action, missing reason, or too many"}
    """
    try:
        user = require(request, Role.OPERATOR)
        body = await _json_body(request)
        ids = [int(i) for i in body.get("problem_ids", [])]
    except Forbidden as exc:
        return _error(403, str(exc))
    except (BadInput, ValueError, TypeError) as exc:
        return _error(400, str(exc))
    action, reason = str(body.get("action", "")), str(body.get("reason", ""))
    try:
        outcome = await run_in_threadpool(
            problem_actions.bulk_act, services_of(request), ids, action, actor=user.name, reason=reason
        )
    except BadInput as exc:
        return _error(400, str(exc))
    refused = [{"id": i, "why": why} for i, why in outcome.refused]
    return JSONResponse({"done": list(outcome.done), "refused": refused})


def get_inbox(request: Request) -> Response:
    """
    summary: The inbox's problems (filters team, severity, kind, entity, status), with advice and runbook.
    responses:
      "200": {description: "a list of problems"}
    """
    services = services_of(request)
    try:
        found = inbox.find(services, inbox.Filters.of(dict(request.query_params)))
    except BadInput as exc:
        return _error(400, str(exc))
    rows = []
    for problem in found:
        shown = admin.problem_json(problem_for(problem, revealed=False))
        shown.update(advice=problem.kind.advice, runbook=runbook_url(problem.kind))
        rows.append(shown)
    return JSONResponse(rows)


def get_orders(request: Request) -> Response:
    """
    summary: Find orders by Shopify name, ERP number or customer email (?q=); one match comes with its story.
    responses:
      "200": {description: "matches, and the events of a single match in time order"}
    """
    services = services_of(request)
    matches = order_trail.find_orders(services, request.query_params.get("q", ""))
    events: list[dict[str, Any]] = []
    if len(matches) == 1:
        story = trail.masked_story(services, matches[0].order_id.rsplit("/", 1)[-1])
        for e in trail.story_events_linked(services, story):
            events.append({**vars(e), "at": e.at.isoformat()})
    return JSONResponse({"matches": [vars(m) for m in matches], "events": events})


def get_overview(request: Request) -> Response:
    """
    summary: The overview's data - flow health by job kind, peak mode, today's reconciliation or null, charts.
    responses:
      "200": {description: "flows, peak and reconciliation; the queue and problem counts are at /api/status"}
    """
    services = services_of(request)
    flows = [
        {**vars(f), "last_success": f.last_success.isoformat() if f.last_success else None}
        for f in overview.flow_health(services)
    ]
    opened, closed = overview.problems_per_day(services)
    data = {
        "flows": flows,
        "peak": stock_admin.is_peak(services),
        "reconciliation": overview.reconciliation_today(services),
        "charts": {
            "jobs_per_hour": overview.jobs_per_hour(services),
            "queue_wait_minutes_per_hour": overview.queue_wait_per_hour(services),
            "problems_opened_per_day": opened,
            "problems_closed_per_day": closed,
        },
    }
    return JSONResponse(json.loads(json.dumps(data, default=str)))  # dates in a reconciliation row


def get_stock(request: Request) -> Response:
    """
    summary: The stock page's data - drift by SKU and location from the latest audits, buffers, last pushes.
    responses:
      "200": {description: "drift, buffers and pushes"}
    """
    services = services_of(request)
    drift = [
        {**vars(a), "seen": a.seen.isoformat(), "worst": list(a.worst)}
        for a in stock_report.latest_drift(services)
    ]
    buffers = [
        {
            "shop": shop,
            "scope": str(r.scope),
            "key": r.key,
            "location": r.location,
            "amount": str(r.amount),
            "unit": str(r.unit),
            "peak_amount": None if r.peak_amount is None else str(r.peak_amount),
        }
        for shop, r in stock_report.buffers_in_force(services.settings)
    ]
    pushes = [{**vars(p), "pushed_at": p.pushed_at.isoformat()} for p in stock_report.last_pushes(services)]
    return JSONResponse({"drift": drift, "buffers": buffers, "pushes": pushes})


def get_payouts(request: Request) -> Response:
    """
    summary: The payouts settled, newest first (each with its summary entry).
    responses:
      "200": {description: "a list of payouts"}
    """
    records = payout_report.list_payouts(services_of(request))
    return JSONResponse([payout_report.payout_json(r) for r in records])


def get_payout(request: Request) -> Response:
    """
    summary: One payout with the transactions behind it.
    responses:
      "200": {description: "the payout and its transactions"}
      "404": {description: "no such payout"}
    """
    try:
        record = payout_report.payout_detail(services_of(request), request.path_params["payout_id"])
    except admin.NotFound as exc:
        return _error(404, str(exc))
    return JSONResponse(payout_report.payout_json(record, detail=True))


def get_reconciliation(request: Request) -> Response:
    """
    summary: A kept day of the daily reconciliation (?date=YYYY-MM-DD, default the latest; ?shop=); trend.
    description: Each checkpoint with its verdict and owning team, each mismatch with its problem.
    responses:
      "200": {description: "the day's report, previous and next kept days, and the trend"}
      "400": {description: "date is not YYYY-MM-DD"}
      "404": {description: "no report kept for that day"}
    """
    found = reconciliation_page.kept_day(request)
    if isinstance(found, Response):
        return found
    days = reconciliation_view.trend(services_of(request), found.shop)
    return JSONResponse({**found.as_json(), "trend": [vars(d) for d in days]})


async def post_revoke_sessions(request: Request) -> Response:
    """
    summary: End every dashboard session of a user at once (their copied cookies too). Admin; audited.
    responses:
      "200": {description: "how many live sessions were ended"}
      "403": {description: "not an admin"}
      "404": {description: "no such user"}
    """
    try:
        user = require(request, Role.ADMIN)
    except Forbidden as exc:
        return _error(403, str(exc))
    name = request.path_params["name"]
    try:
        ended = await run_in_threadpool(access.revoke_sessions, services_of(request), name, actor=user.name)
    except admin.NotFound as exc:
        return _error(404, str(exc))
    return JSONResponse({"user": name, "sessions_ended": ended})


def openapi(request: Request) -> Response:
    """
    summary: This document.
    responses:
      "200": {description: "the OpenAPI description of every /api route"}
    """
    return JSONResponse(openapi_document(list(request.app.routes)))


def openapi_document(app_routes: list[BaseRoute]) -> dict[str, Any]:
    """Every ``/api`` route: its YAML docstring when it has one, else its docstring's first line."""
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in _schemas.get_endpoints(app_routes):
        if not endpoint.path.startswith("/api/"):
            continue
        operation = _schemas.parse_docstring(endpoint.func) or _plain(endpoint)
        operation.setdefault("responses", {"200": {"description": "OK"}})
        operation["security"] = [{"session": []}, {"bearer": []}]
        paths.setdefault(endpoint.path, {})[endpoint.http_method] = operation
    return {
        **_INFO,
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "shopbridge users token"},
                "session": {"type": "apiKey", "in": "cookie", "name": "shopbridge_session"},
            }
        },
    }


def _plain(endpoint: Any) -> dict[str, Any]:
    doc = (endpoint.func.__doc__ or "").strip().splitlines()
    return {"summary": doc[0] if doc else endpoint.func.__name__.replace("_", " ")}


def routes() -> list[BaseRoute]:
    return [
        Route("/api/problems/{problem_id:int}/retry", post_retry, methods=["POST"], name="api_problem_retry"),
        Route("/api/problems/bulk", post_bulk, methods=["POST"], name="api_problems_bulk"),
        Route("/api/inbox", get_inbox, name="api_inbox"),
        Route("/api/orders", get_orders, name="api_orders"),
        Route("/api/overview", get_overview, name="api_overview"),
        Route("/api/stock", get_stock, name="api_stock"),
        Route("/api/payouts", get_payouts, name="api_payouts"),
        Route("/api/payouts/{payout_id}", get_payout, name="api_payout"),
        Route("/api/openapi.json", openapi, name="api_openapi"),
        Route("/api/reconciliation", get_reconciliation, name="api_reconciliation"),
        Route(
            "/api/users/{name}/revoke-sessions",
            post_revoke_sessions,
            methods=["POST"],
            name="api_user_revoke_sessions",
        ),
    ]
