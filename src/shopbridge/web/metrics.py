"""``GET /metrics``: Prometheus metrics read from the store at scrape time.

A custom collector queries the queue, the open problems and the engine's counters on each scrape,
so every process (and every machine) reports the same shared truth, and nothing is held in memory.
The process-global registry follows (per-process counters such as webhook deliveries by outcome).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from shopbridge import admin
from shopbridge.bootstrap import Services

__all__ = ["StoreCollector", "build_registry", "endpoint"]


class StoreCollector(Collector):
    """Queue depth and oldest age by kind and state, open problems by team and severity, counters."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def collect(self) -> Iterator[Metric]:
        report = admin.status(self._services)
        depth = GaugeMetricFamily("shopbridge_jobs", "Jobs by kind and state", labels=["kind", "state"])
        oldest = GaugeMetricFamily(
            "shopbridge_job_oldest_age_seconds",
            "Age of the oldest job by kind and state",
            labels=["kind", "state"],
        )
        for row in report.queue:
            depth.add_metric([row.kind, row.state], row.count)
            oldest.add_metric([row.kind, row.state], row.oldest_age_seconds or 0.0)
        problems = GaugeMetricFamily(
            "shopbridge_problems_open",
            "Open problems by owning team and severity",
            labels=["team", "severity"],
        )
        for count in report.problems:
            problems.add_metric([count.team, count.severity], count.count)
        yield from (depth, oldest, problems)
        yield from _counters(admin.counter_values(self._services))


def _counters(values: Mapping[str, int]) -> Iterator[Metric]:
    """Each engine counter (``webhooks.received``, ...) as ``shopbridge_<name>_total``."""
    for name, value in sorted(values.items()):
        metric_name = "shopbridge_" + re.sub(r"[^a-zA-Z0-9_]", "_", name)
        family = CounterMetricFamily(metric_name, f"Engine counter {name}")
        family.add_metric([], value)
        yield family


def build_registry(services: Services) -> CollectorRegistry:
    """A registry of this app's own (not the process-global one, so several apps can coexist)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(services))
    return registry


async def endpoint(request: Request) -> Response:
    """The store's metrics, then this process's own (webhook deliveries by outcome, GC, memory)."""
    registry: CollectorRegistry = request.app.state.metrics
    shared = await run_in_threadpool(generate_latest, registry)
    return Response(shared + generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
