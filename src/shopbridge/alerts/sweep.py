"""The alerts sweep (``[schedules] alerts``): each route is told what is news to it, then remembers.

Per route, per run: read what it already sent, pick the news (:mod:`shopbridge.domain.alerting`),
send urgent news as one grouped message unless the route's hourly limit is reached, and the
digest once a day. A message is recorded as sent only after it went out, so a failed send is
retried by the next sweep (at least once; a repeat is possible only if the process dies between
sending and recording). A failing route is logged and counted and does not stop the others.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from shopbridge.alerts.channels import send
from shopbridge.config import Settings
from shopbridge.config.alerts import AlertRoute
from shopbridge.domain.alerting import RoutePolicy, compose, digest_due, select_news
from shopbridge.domain.problems import Problem
from shopbridge.engine import alert_log, counters
from shopbridge.engine import problems as problem_store
from shopbridge.engine.clock import Clock
from shopbridge.engine.job import Job
from shopbridge.engine.scheduler import sweep_kind
from shopbridge.engine.store import Store
from shopbridge.engine.worker import HandlerContext
from shopbridge.errors import ShopbridgeError

__all__ = ["KINDS", "SCHEDULED_KIND", "handle_sweep", "sweep_alerts"]

log = logging.getLogger(__name__)

SCHEDULED_KIND = sweep_kind("alerts")
KINDS = (SCHEDULED_KIND,)
_PROBLEMS_READ = 2000


def handle_sweep(job: Job, ctx: HandlerContext) -> None:
    sweep_alerts(ctx.store, ctx.services.settings, ctx.clock)


def sweep_alerts(store: Store, settings: Settings, clock: Clock) -> None:
    routes = settings.alerts.routes
    if not routes:
        return
    with store.begin() as conn:
        # Most recently seen first: open problems and those closed since a route heard of them.
        found = problem_store.list_problems(conn, status=None, limit=_PROBLEMS_READ)
    for route in routes:
        try:
            _sweep_route(store, settings, clock, route, found)
        except ShopbridgeError as exc:
            log.error("alert route %s could not send: %s", route.name, exc)
            with store.begin() as conn:
                counters.increment(conn, f"alerts.failed.{route.name}")


def _policy(route: AlertRoute) -> RoutePolicy:
    return RoutePolicy(frozenset(route.teams), route.min_severity, route.digest_below, route.max_per_hour)


def _sweep_route(
    store: Store, settings: Settings, clock: Clock, route: AlertRoute, found: Sequence[Problem]
) -> None:
    now = clock.now()
    with store.begin() as conn:
        sent = alert_log.sent_by_route(conn, route.name)
        recent = alert_log.messages_since(conn, route.name, alert_log.an_hour_before(now))
        last_digest = alert_log.last_digest(conn, route.name)
    urgent, later = select_news(found, sent, _policy(route))
    if urgent and recent < route.max_per_hour:
        _deliver(store, settings, clock, route, urgent, digest=False)
    elif urgent:
        log.info(
            "alert route %s is at its limit; %d problems wait for the next message", route.name, len(urgent)
        )
    if later and digest_due(now, last_digest, settings.alerts.digest_hour):
        _deliver(store, settings, clock, route, later, digest=True)


def _deliver(
    store: Store,
    settings: Settings,
    clock: Clock,
    route: AlertRoute,
    problems: Sequence[Problem],
    *,
    digest: bool,
) -> None:
    message = compose(route.name, problems, dashboard_url=_dashboard_url(settings), digest=digest)
    send(message, route, settings.alerts.smtp)
    with store.begin() as conn:
        alert_log.mark_sent(conn, route.name, problems, digest=digest, now=clock.now())
        counters.increment(conn, "alerts.sent")
    log.info("alert route %s sent %d problems%s", route.name, len(problems), " (digest)" if digest else "")


def _dashboard_url(settings: Settings) -> str:
    return (
        settings.alerts.dashboard_url
        or settings.web.public_url
        or f"http://{settings.web.host}:{settings.web.port}"
    )
