"""Webhook intake on a real store: topic routing, order versions, topics no flow owns yet."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from shopbridge.engine.clock import FakeClock
from shopbridge.engine.schema import inbox_events, jobs
from shopbridge.engine.store import Store
from shopbridge.flows import FLOWS
from shopbridge.flows.spec import Flow
from shopbridge.intake import webhooks as intake
from shopbridge.intake.webhooks import (
    TOPICS,
    Delivery,
    Outcome,
    accept,
    enqueue_order_version,
    graphql_order_state,
    rest_order_state,
    routes_for,
)


def _later_flow(kind: str, *topics: str) -> Flow:
    """A stand-in for a flow of a later issue, owning ``topics`` (its handler is never run here)."""
    return Flow(switch="refunds", kind=kind, handle=lambda job, ctx: None, topics=topics)


# The flows as built, plus stand-ins owning the other topics, so routing is tested for all.
ROUTES = routes_for(
    [
        *FLOWS,
        _later_flow("shopify.fulfillment", "fulfillments/create", "fulfillments/update"),
        _later_flow("shopify.inventory_level", "inventory_levels/update"),
        _later_flow("shopify.customer", "customers/create", "customers/update"),
        _later_flow("shopify.bulk_finished", "bulk_operations/finish"),
    ]
)


def deliver(
    store: Store,
    clock: FakeClock,
    topic: str,
    body: dict[str, Any] | bytes,
    event_id: str,
    routes: dict[str, intake.TopicRoute] = ROUTES,
) -> Outcome:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    delivery = Delivery(shop="uk", topic=topic, event_id=event_id, body=raw)
    with store.begin() as conn:
        return accept(conn, delivery, now=clock.now(), routes=routes)


def all_jobs(store: Store) -> list[dict[str, Any]]:
    with store.begin() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(jobs).order_by(jobs.c.id))]


@pytest.mark.parametrize(
    ("topic", "body", "kind", "entity_key"),
    [
        ("orders/paid", {"id": 7, "updated_at": "2026-01-01T00:00:00Z"}, "shopify.order", "order:uk:7"),
        ("orders/edited", {"order_edit": {"order_id": 7}}, "shopify.order", "order:uk:7"),
        ("refunds/create", {"id": 3, "order_id": 7}, "shopify.refunds", "order:uk:7"),
        ("fulfillments/update", {"id": 4, "order_id": 7}, "shopify.fulfillment", "order:uk:7"),
        (
            "inventory_levels/update",
            {"inventory_item_id": 5, "location_id": 9},
            "shopify.inventory_level",
            "inventory:uk:5:9",
        ),
        ("customers/create", {"id": 12}, "shopify.customer", "customer:uk:12"),
        (
            "bulk_operations/finish",
            {"admin_graphql_api_id": "gid://shopify/BulkOperation/1"},
            "shopify.bulk_finished",
            "bulk:uk:1",
        ),
    ],
)
def test_topic_goes_to_its_flow_kind_and_entity(
    store: Store, fake_clock: FakeClock, topic: str, body: dict[str, Any], kind: str, entity_key: str
) -> None:
    assert deliver(store, fake_clock, topic, body, "ev") == Outcome.ACCEPTED
    [job] = all_jobs(store)
    assert (job["kind"], job["entity_key"], job["shop"]) == (kind, entity_key, "uk")
    assert job["payload"]["topic"] == topic


def test_two_topics_of_one_order_version_make_one_job(store: Store, fake_clock: FakeClock) -> None:
    body = {"id": 7, "updated_at": "2026-01-01T00:00:00-05:00"}
    assert deliver(store, fake_clock, "orders/create", body, "ev-1") == Outcome.ACCEPTED
    assert deliver(store, fake_clock, "orders/paid", body, "ev-2") == Outcome.ACCEPTED
    assert len(all_jobs(store)) == 1
    with store.begin() as conn:
        statuses = [
            r.status for r in conn.execute(sa.select(inbox_events).where(inbox_events.c.source == "shopify"))
        ]
    assert statuses == ["received", "same_version"]


REST_PAID = {"financial_status": "paid", "cancelled_at": None, "current_total_price": "47.90"}
GRAPHQL_PAID = {
    "displayFinancialStatus": "PAID",
    "cancelledAt": None,
    "currentTotalPriceSet": {"shopMoney": {"amount": "47.9"}},
}


def test_webhook_and_sweep_of_the_same_version_make_one_job(store: Store, fake_clock: FakeClock) -> None:
    body = {"id": 7, "updated_at": "2026-01-01T05:00:00+05:00", **REST_PAID}
    deliver(store, fake_clock, "orders/updated", body, "ev-1")
    with store.begin() as conn:  # the sweep sees the same version in GraphQL's Z notation and shapes
        job = enqueue_order_version(
            conn,
            shop="uk",
            order_id="gid://shopify/Order/7",
            updated_at="2026-01-01T00:00:00Z",
            state=graphql_order_state(GRAPHQL_PAID),
            payload={},
            now=fake_clock.now(),
        )
    assert job is None
    assert len(all_jobs(store)) == 1


def test_a_cancel_in_the_same_second_as_the_create_is_a_new_version(
    store: Store, fake_clock: FakeClock
) -> None:
    # updatedAt has whole seconds: without the state, the cancel would be taken for the create again
    created = {"id": 7, "updated_at": "2026-01-01T00:00:00Z", **REST_PAID}
    cancelled = {**created, "cancelled_at": "2026-01-01T00:00:00Z"}
    deliver(store, fake_clock, "orders/create", created, "ev-1")
    deliver(store, fake_clock, "orders/cancelled", cancelled, "ev-2")
    assert [j["payload"]["topic"] for j in all_jobs(store)] == ["orders/create", "orders/cancelled"]


@pytest.mark.parametrize(
    ("rest", "graphql"),
    [
        (REST_PAID, GRAPHQL_PAID),
        (
            {"financial_status": None, "current_total_price": "0.00"},
            {"currentTotalPriceSet": {"shopMoney": {"amount": "0"}}},
        ),
        (
            {**REST_PAID, "cancelled_at": "2026-01-01T00:00:00-05:00"},
            {**GRAPHQL_PAID, "cancelledAt": "2026-01-01T05:00:00Z"},
        ),
    ],
)
def test_a_webhook_body_and_a_sweep_node_spell_one_order_state_alike(
    rest: dict[str, Any], graphql: dict[str, Any]
) -> None:
    assert rest_order_state(rest) == graphql_order_state(graphql)


def test_a_new_order_version_makes_a_new_job(store: Store, fake_clock: FakeClock) -> None:
    deliver(store, fake_clock, "orders/updated", {"id": 7, "updated_at": "2026-01-01T00:00:00Z"}, "ev-1")
    deliver(store, fake_clock, "orders/updated", {"id": 7, "updated_at": "2026-01-01T00:01:00Z"}, "ev-2")
    assert [j["payload"]["updated_at"] for j in all_jobs(store)] == [
        "2026-01-01T00:00:00Z",
        "2026-01-01T00:01:00Z",
    ]


def test_order_body_without_an_id_is_malformed(store: Store, fake_clock: FakeClock) -> None:
    assert deliver(store, fake_clock, "orders/create", {"name": "#1"}, "ev") == Outcome.MALFORMED
    assert all_jobs(store) == []


def test_a_known_topic_no_flow_owns_is_kept_without_a_job(store: Store, fake_clock: FakeClock) -> None:
    assert "companies/update" not in TOPICS  # no flow owns it (yet)
    outcome = deliver(store, fake_clock, "companies/update", {"id": 3}, "ev-1", routes=TOPICS)
    assert outcome == Outcome.NO_FLOW
    assert all_jobs(store) == []
    with store.begin() as conn:
        [row] = conn.execute(sa.select(inbox_events)).all()
    assert (row.topic, row.status) == ("companies/update", "no_flow")
    assert json.loads(row.payload) == {"id": 3}


def test_two_flows_owning_one_topic_is_a_wiring_error() -> None:
    with pytest.raises(ValueError, match=r"orders/paid is owned by shopify\.order and other"):
        routes_for([*FLOWS, _later_flow("other", "orders/paid")])


def test_duplicate_delivery_is_reported_as_such(store: Store, fake_clock: FakeClock) -> None:
    body = {"id": 3, "order_id": 7}
    assert deliver(store, fake_clock, "refunds/create", body, "ev-1") == Outcome.ACCEPTED
    fake_clock.advance(timedelta(hours=1).total_seconds())
    assert deliver(store, fake_clock, "refunds/create", body, "ev-1") == Outcome.DUPLICATE
    assert len(all_jobs(store)) == 1


def test_a_batch_decides_as_if_the_deliveries_came_one_by_one(store: Store, fake_clock: FakeClock) -> None:
    order = json.dumps({"id": 7, "updated_at": "2026-01-01T00:00:00Z"}).encode()
    refund = json.dumps({"id": 3, "order_id": 7}).encode()
    batch = [
        Delivery(shop="uk", topic="orders/create", event_id="e1", body=order),
        Delivery(shop="uk", topic="orders/create", event_id="e1", body=order),  # redelivery in the batch
        Delivery(shop="uk", topic="orders/paid", event_id="e2", body=order),  # same order version
        Delivery(shop="eu", topic="orders/create", event_id="e1", body=order),  # another shop
        Delivery(shop="uk", topic="refunds/create", event_id="e3", body=refund),
        Delivery(shop="uk", topic="orders/create", event_id="e4", body=b"{not json"),
        Delivery(shop="uk", topic="carts/update", event_id="e5", body=order),
    ]
    with store.begin() as conn:
        outcomes = intake.accept_batch(conn, batch, now=fake_clock.now(), routes=ROUTES)
    assert outcomes == [
        Outcome.ACCEPTED,
        Outcome.DUPLICATE,
        Outcome.ACCEPTED,
        Outcome.ACCEPTED,
        Outcome.ACCEPTED,
        Outcome.MALFORMED,
        Outcome.UNKNOWN_TOPIC,
    ]
    assert sorted(j["entity_key"] for j in all_jobs(store)) == ["order:eu:7", "order:uk:7", "order:uk:7"]
    assert sorted(j["kind"] for j in all_jobs(store)) == ["shopify.order", "shopify.order", "shopify.refunds"]
    with store.begin() as conn:
        query = sa.select(inbox_events.c.event_id, inbox_events.c.status).where(inbox_events.c.shop == "uk")
        statuses = {r.event_id: r.status for r in conn.execute(query)}
    assert statuses["e2"] == "same_version"
    with store.begin() as conn:  # the same batch again: every delivery is a duplicate now
        assert set(intake.accept_batch(conn, batch, now=fake_clock.now(), routes=ROUTES)) == {
            Outcome.DUPLICATE
        }


# -- topics that start a sweep: products/update and products/delete start the catalogue sweep ----


def sweep_jobs(store: Store) -> list[tuple[str, str | None, str | None, str]]:
    return [(j["kind"], j["entity_key"], j["dedup_key"], j["shop"]) for j in all_jobs(store)]


@pytest.mark.parametrize("topic", ["products/update", "products/delete"])
def test_a_product_topic_starts_the_catalogue_sweep_of_its_shop(
    store: Store, fake_clock: FakeClock, topic: str
) -> None:
    assert deliver(store, fake_clock, topic, {"id": 11}, "ev-1", routes=TOPICS) == Outcome.ACCEPTED
    assert sweep_jobs(store) == [("sweep.catalogue", None, "sweep.catalogue", "uk")]
    assert all_jobs(store)[0]["payload"]["shopify_id"] == "gid://shopify/Product/11"


def test_a_burst_of_product_webhooks_makes_one_sweep(store: Store, fake_clock: FakeClock) -> None:
    for n in range(5):
        topic = "products/delete" if n == 4 else "products/update"
        assert deliver(store, fake_clock, topic, {"id": 20 + n}, f"ev-{n}", routes=TOPICS) == Outcome.ACCEPTED
    assert sweep_jobs(store) == [("sweep.catalogue", None, "sweep.catalogue", "uk")]


def test_a_product_webhook_adds_nothing_to_the_schedules_pending_sweep(
    store: Store, fake_clock: FakeClock
) -> None:
    from shopbridge.engine import queue

    with store.begin() as conn:
        queue.enqueue(
            conn, "sweep.catalogue", {}, dedup_key="sweep.catalogue", shop="uk", now=fake_clock.now()
        )
    assert (
        deliver(store, fake_clock, "products/update", {"id": 11}, "ev-1", routes=TOPICS) == Outcome.ACCEPTED
    )
    assert len(all_jobs(store)) == 1


def test_a_product_webhook_after_the_sweep_finished_starts_another(
    store: Store, fake_clock: FakeClock
) -> None:
    assert (
        deliver(store, fake_clock, "products/update", {"id": 11}, "ev-1", routes=TOPICS) == Outcome.ACCEPTED
    )
    with store.begin() as conn:
        conn.execute(jobs.update().values(state="done"))
    assert (
        deliver(store, fake_clock, "products/update", {"id": 11}, "ev-2", routes=TOPICS) == Outcome.ACCEPTED
    )
    assert len(all_jobs(store)) == 2


def test_with_several_shops_the_sweeps_key_names_the_shop_as_the_schedulers_does(
    store: Store, fake_clock: FakeClock
) -> None:
    routes = routes_for(FLOWS, several_shops=True)
    assert (
        deliver(store, fake_clock, "products/update", {"id": 11}, "ev-1", routes=routes) == Outcome.ACCEPTED
    )
    assert sweep_jobs(store) == [("sweep.catalogue", None, "sweep.catalogue:uk", "uk")]
