"""Webhook intake: from a verified Shopify delivery to an inbox event and a flow job, in one transaction.

The web layer (``web/intake.py``) checks size and signature and calls :func:`accept`; everything here
runs inside the caller's transaction, so the event and its job are stored together or not at all
(docs/architecture.md invariant 1: nothing is lost, and an acknowledged webhook always has its job).

**Topic table.** Built from the flows (:func:`routes_for`): each webhook topic a flow owns goes to
that flow's job kind, keyed by the entity the topic concerns (:data:`TOPIC_ENTITIES`); bootstrap
builds it from the enabled flows and :data:`TOPICS` is the table with every flow on. The entity key
(``order:<shop>:<id>``) gives per-entity ordering: a refund or fulfilment of an order runs after the
order's own jobs.

**Order versions.** Order webhooks and the order sweep (``intake/order_sweep.py``) feed the same job
kind. Both first record an *order version* marker in the inbox (source ``shopify.order_version``,
event id ``<order id>@<updatedAt>#<state>``, the state being whether it is cancelled, its payment
status and its current total, which both shapes carry): the first to see a version enqueues the job,
the other finds the marker and enqueues nothing. So a webhook and a sweep of the same version make
one job, and a sweep re-reading its overlap window adds no work. The order flow records the version
its own write-back produced the same way (``domain/order_versions.py``), so the ``orders/updated`` of
shopbridge's own tag makes no job. Other topics are deduplicated on the event id.

**Topics that start a sweep.** A topic owned by a scheduled flow (``products/update`` and
``products/delete``: the catalogue sweep) enqueues that flow's sweep now, with the dedup key the
scheduler gives it (``sweep.<name>``, per shop when there are several): a burst of webhooks makes one
sweep, and a webhook arriving while a sweep is pending or running adds nothing. The sweep reads the
truth by its own cursor, so the body only has to be readable.

**Hot path.** Intake must store thousands of events a second. :func:`accept_batch` (the web layer's
group commit) writes a whole batch with the engine's many-row writes (``engine/batch.py``): one
statement each for the events, the order-version markers, the jobs and the status marks. Single rows
(an unreadable webhook, the sweep's order version) use the same prepared statements one row at a
time, as ``inbox.record_event`` and ``queue.enqueue`` themselves do.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from shopbridge.domain.order_versions import (
    OrderVersion,
    graphql_order_state,
    normalise_time,
    rest_order_state,
)
from shopbridge.domain.problems import ProblemKind, ProblemReport
from shopbridge.engine import queue
from shopbridge.engine.batch import (
    ORDER_VERSION_SOURCE,
    EventKey,
    NewEvent,
    NewJob,
    enqueue_jobs,
    insert_event,
    mark_events,
    order_version_marker,
    record_events,
)
from shopbridge.engine.problems import report_problem
from shopbridge.engine.scheduler import sweep_dedup_key
from shopbridge.flows import FLOWS, order_to_sales_order
from shopbridge.flows.spec import Flow

__all__ = [
    "ORDER_KIND",
    "SOURCE",
    "TOPICS",
    "TOPIC_ENTITIES",
    "Delivery",
    "Outcome",
    "TopicEntity",
    "TopicRoute",
    "accept",
    "accept_batch",
    "enqueue_order_version",
    "graphql_order_state",
    "rest_order_state",
    "routes_for",
]

SOURCE = "shopify"
ORDER_KIND = order_to_sales_order.KIND


@dataclass(frozen=True)
class TopicEntity:
    """What a Shopify topic's body concerns: the entity type in the job key and where its id is."""

    entity: str  # entity type in the key: order, product, customer ...
    id_field: str  # body field holding the entity's numeric id
    gid_kind: str  # GID type of that id


@dataclass(frozen=True)
class TopicRoute:
    """Where a topic goes: the job ``kind`` of the flow that owns it, and its entity."""

    kind: str
    entity: str
    id_field: str
    gid_kind: str
    sweep: str = ""  # the schedule of the owning flow, when the topic starts its sweep
    per_shop: bool = False  # several shops: the sweep's dedup key names the shop


_ORDER = TopicEntity("order", "id", "Order")
_OF_ORDER = TopicEntity("order", "order_id", "Order")
# Shopify's topics we know how to key. A known topic that no enabled flow owns is kept in the inbox
# (status ``no_flow``) without a job: the flow that comes to own it reads the truth by its sweep.
TOPIC_ENTITIES: dict[str, TopicEntity] = {
    "orders/create": _ORDER,
    "orders/paid": _ORDER,
    "orders/updated": _ORDER,
    "orders/edited": _OF_ORDER,
    "orders/cancelled": _ORDER,
    "orders/fulfilled": _ORDER,
    "orders/partially_fulfilled": _ORDER,
    "refunds/create": _OF_ORDER,
    "fulfillments/create": _OF_ORDER,
    "fulfillments/update": _OF_ORDER,
    "inventory_levels/update": TopicEntity("inventory", "inventory_item_id", "InventoryItem"),
    "products/update": TopicEntity("product", "id", "Product"),
    "customers/create": TopicEntity("customer", "id", "Customer"),
    "customers/update": TopicEntity("customer", "id", "Customer"),
    "companies/create": TopicEntity("company", "id", "Company"),
    "companies/update": TopicEntity("company", "id", "Company"),
    "bulk_operations/finish": TopicEntity("bulk", "admin_graphql_api_id", "BulkOperation"),
    "products/delete": TopicEntity("product", "id", "Product"),
}


def routes_for(flows: Iterable[Flow], *, several_shops: bool = False) -> dict[str, TopicRoute]:
    """The topic table: each topic a flow owns, to that flow's job kind. Two owners is a wiring bug.

    A scheduled flow's topics start its sweep; ``several_shops`` says whether the scheduler keys each
    shop's sweep apart (so a webhook's sweep and the schedule's share one dedup key).
    """
    routes: dict[str, TopicRoute] = {}
    for flow in flows:
        for topic in flow.topics:
            if topic in routes:
                raise ValueError(f"topic {topic} is owned by {routes[topic].kind} and {flow.kind}")
            entity = TOPIC_ENTITIES[topic]
            routes[topic] = TopicRoute(
                flow.kind, entity.entity, entity.id_field, entity.gid_kind, flow.schedule, several_shops
            )
    return routes


TOPICS: dict[str, TopicRoute] = routes_for(FLOWS)  # every flow on: the default when none is given


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    MALFORMED = "malformed"
    UNKNOWN_TOPIC = "unknown_topic"
    NO_FLOW = "no_flow"  # a known topic no enabled flow owns: kept, no job


@dataclass(frozen=True)
class Delivery:
    """One verified webhook delivery; ``shop`` is the configured shop *name*."""

    shop: str
    topic: str
    event_id: str
    body: bytes
    webhook_id: str = ""
    api_version: str = ""
    triggered_at: datetime | None = None


def accept(
    conn: sa.Connection, delivery: Delivery, *, now: datetime, routes: Mapping[str, TopicRoute] | None = None
) -> Outcome:
    """Record ``delivery`` and enqueue its flow job, in ``conn``'s transaction."""
    return accept_batch(conn, [delivery], now=now, routes=routes)[0]


def accept_batch(
    conn: sa.Connection,
    deliveries: Sequence[Delivery],
    *,
    now: datetime,
    routes: Mapping[str, TopicRoute] | None = None,
) -> list[Outcome]:
    """:func:`accept` for many deliveries in one transaction, with a few statements for the lot.

    Each outcome is what ``accept`` would have said had the deliveries come one after another: a
    redelivery inside the batch is a duplicate, and of two topics of one order version
    (``orders/create`` and ``orders/paid`` together) only the first makes a job.
    """
    batch = _Batch(deliveries, TOPICS if routes is None else routes)
    routable = _routable(conn, batch, now=now)
    events = [_event(deliveries[i], "received") for i, _, _ in routable.values()]
    _plan(batch, routable, record_events(conn, events, now=now))
    _claim_versions(conn, batch, now=now)
    enqueue_jobs(conn, batch.jobs, now=now)
    mark_events(conn, batch.same_version, status="same_version", now=now)
    return batch.outcomes


_Routable = dict[tuple[str, str], tuple[int, TopicRoute, dict[str, Any]]]


@dataclass
class _Batch:
    """What one batch decides: an outcome per delivery, the jobs to insert, the versions to claim."""

    deliveries: Sequence[Delivery]
    routes: Mapping[str, TopicRoute]
    outcomes: list[Outcome] = field(default_factory=list)
    jobs: list[NewJob] = field(default_factory=list)
    same_version: list[int] = field(default_factory=list)  # inbox rows of versions already enqueued
    versions: dict[tuple[str, str], tuple[str, str, dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.outcomes = [Outcome.DUPLICATE] * len(self.deliveries)


def _routable(conn: sa.Connection, batch: _Batch, *, now: datetime) -> _Routable:
    """The deliveries we can route, first of each event id; the others are kept as problems."""
    routable: _Routable = {}
    for i, delivery in enumerate(batch.deliveries):
        route, body = batch.routes.get(delivery.topic), _parse(delivery.body)
        if (delivery.shop, delivery.event_id) in routable:
            continue  # a redelivery inside the batch
        if route is None and delivery.topic in TOPIC_ENTITIES:
            batch.outcomes[i] = _keep_unowned(conn, delivery, now=now)
        elif route is None or body is None or _entity_id(route, body) is None:
            batch.outcomes[i] = _keep_unreadable(conn, delivery, route, now=now)
        else:
            routable[(delivery.shop, delivery.event_id)] = (i, route, body)
    return routable


def _plan(batch: _Batch, routable: _Routable, new_rows: Mapping[EventKey, int]) -> None:
    """For each newly recorded event: a job, or an order version to claim first."""
    for (shop, event_id), (i, route, body) in routable.items():
        event_row = new_rows.get((SOURCE, shop, event_id))
        if event_row is None:
            continue  # recorded before: a duplicate
        batch.outcomes[i] = Outcome.ACCEPTED
        entity_id = str(_entity_id(route, body)).rsplit("/", 1)[-1]
        payload = _webhook_payload(batch.deliveries[i], route, entity_id, event_row)
        if route.sweep:
            batch.jobs.append(_sweep_job(batch.deliveries[i], route, payload))
            continue
        if route.kind != ORDER_KIND or not body.get("updated_at"):
            batch.jobs.append(_webhook_job(batch.deliveries[i], route, body, entity_id, payload))
            continue
        version = (shop, _version(entity_id, body["updated_at"], rest_order_state(body)))
        if version in batch.versions:
            batch.same_version.append(event_row)
        else:
            batch.versions[version] = (entity_id, str(body["updated_at"]), payload)


def _claim_versions(conn: sa.Connection, batch: _Batch, *, now: datetime) -> None:
    """Record the order-version markers; a version whose marker exists already gets no job."""
    markers = record_events(conn, [order_version_marker(*key) for key in batch.versions], now=now)
    for (shop, version), (entity_id, updated_at, payload) in batch.versions.items():
        marker = markers.get((ORDER_VERSION_SOURCE, shop, version))
        if marker is None:  # enqueued before, by another topic or by the sweep
            batch.same_version.append(int(payload["inbox_event_id"]))
        else:
            batch.jobs.append(_order_job(shop, entity_id, updated_at, version, payload, marker))


def enqueue_order_version(
    conn: sa.Connection,
    *,
    shop: str,
    order_id: str,
    updated_at: str,
    state: str,
    payload: Mapping[str, Any],
    now: datetime,
) -> int | None:
    """Enqueue the order job for one order version unless that version was already seen.

    ``order_id`` is numeric or a GID; ``updated_at`` any ISO time (normalised to the second in UTC, so
    a REST ``-05:00`` stamp and a GraphQL ``Z`` stamp of the same version agree); ``state`` is
    :func:`graphql_order_state` of the sweep's node. Returns the job id, or ``None`` when the version
    was enqueued before.
    """
    number = str(order_id).rsplit("/", 1)[-1]
    version = _version(number, updated_at, state)
    marker = insert_event(conn, order_version_marker(shop, version), now=now)
    if marker is None:
        return None
    job = _order_job(shop, number, updated_at, version, payload, marker)
    # queue.enqueue, not a bare insert: should an active job hold the key already (enqueued by other
    # means), the caller gets that job's id.
    return queue.enqueue(
        conn,
        job.kind,
        job.payload,
        entity_key=job.entity_key,
        dedup_key=job.dedup_key,
        shop=job.shop,
        now=now,
    )


def _version(number: str, updated_at: Any, state: str) -> str:
    return OrderVersion.of(number, updated_at, state).key


def _order_job(
    shop: str, number: str, updated_at: str, version: str, payload: Mapping[str, Any], marker: int
) -> NewJob:
    """The order job of one version: the same for a webhook and a sweep."""
    job_payload = {
        **payload,
        "order_id": f"gid://shopify/Order/{number}",
        "updated_at": normalise_time(updated_at),
        "version": version,
        "version_event_id": marker,
    }
    return NewJob(
        kind=ORDER_KIND,
        payload=job_payload,
        entity_key=f"order:{shop}:{number}",
        dedup_key=f"order:{shop}:{version}",
        shop=shop,
    )


def _webhook_payload(delivery: Delivery, route: TopicRoute, entity_id: str, event_row: int) -> dict[str, Any]:
    return {
        "topic": delivery.topic,
        "source": "webhook",
        "inbox_event_id": event_row,
        "event_id": delivery.event_id,
        "shopify_id": f"gid://shopify/{route.gid_kind}/{entity_id}",
    }


def _webhook_job(
    delivery: Delivery, route: TopicRoute, body: Mapping[str, Any], entity_id: str, payload: dict[str, Any]
) -> NewJob:
    return NewJob(
        kind=route.kind,
        payload=payload,
        entity_key=_entity_key(route, delivery.shop, entity_id, body),
        dedup_key=f"webhook:{delivery.shop}:{delivery.event_id}",
        shop=delivery.shop,
    )


def _sweep_job(delivery: Delivery, route: TopicRoute, payload: dict[str, Any]) -> NewJob:
    """The owning flow's sweep of the delivery's shop, deduplicated as the scheduler's own."""
    return NewJob(
        kind=route.kind,
        payload=payload,
        dedup_key=sweep_dedup_key(route.sweep, delivery.shop if route.per_shop else ""),
        shop=delivery.shop,
    )


def _event(delivery: Delivery, status: str) -> NewEvent:
    return NewEvent(
        source=SOURCE,
        shop=delivery.shop,
        topic=delivery.topic,
        event_id=delivery.event_id,
        webhook_id=delivery.webhook_id,
        api_version=delivery.api_version,
        triggered_at=delivery.triggered_at,
        payload=delivery.body.decode("utf-8", errors="replace"),
        status=status,
    )


def _entity_key(route: TopicRoute, shop: str, entity_id: str, body: Mapping[str, Any]) -> str:
    if route.entity == "inventory":  # one level = one item at one location
        return f"inventory:{shop}:{entity_id}:{body.get('location_id', '')}"
    return f"{route.entity}:{shop}:{entity_id}"


def _keep_unowned(conn: sa.Connection, delivery: Delivery, *, now: datetime) -> Outcome:
    """Keep a known topic that no enabled flow owns (turned off, or not built yet), without a job."""
    if insert_event(conn, _event(delivery, Outcome.NO_FLOW.value), now=now) is None:
        return Outcome.DUPLICATE
    return Outcome.NO_FLOW


def _keep_unreadable(
    conn: sa.Connection, delivery: Delivery, route: TopicRoute | None, *, now: datetime
) -> Outcome:
    """Keep the raw body of a webhook we cannot route, with a problem, so nothing is lost."""
    outcome = Outcome.UNKNOWN_TOPIC if route is None else Outcome.MALFORMED
    if insert_event(conn, _event(delivery, outcome.value), now=now) is None:
        return Outcome.DUPLICATE
    kind = ProblemKind.UNKNOWN_WEBHOOK_TOPIC if route is None else ProblemKind.MALFORMED_WEBHOOK
    what = (
        f"topic {delivery.topic!r}" if route is None else f"{delivery.topic} body (not JSON or no entity id)"
    )
    report = ProblemReport(
        kind=kind,
        entity_type="webhook",
        entity_id=delivery.topic if route is None else delivery.event_id,
        message=f"Shopify sent a webhook we cannot route: {what}",
        details={
            "event_id": delivery.event_id,
            "topic": delivery.topic,
            "body": delivery.body[:2000].decode(errors="replace"),
        },
        shop=delivery.shop,
    )
    report_problem(conn, report, now=now)
    return outcome


def _parse(body: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(body)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _entity_id(route: TopicRoute, body: Mapping[str, Any]) -> Any:
    value = body.get(route.id_field)
    if value is None and route.id_field == "order_id":  # orders/edited nests it
        value = (body.get("order_edit") or {}).get("order_id")
    return value if value not in (None, "") else None
